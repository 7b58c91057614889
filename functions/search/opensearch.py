"""The OpenSearch engine (production): Amazon OpenSearch Service or a self-managed cluster.

* Auth: SigV4 (``AWSV4SignerAuth`` with the function's boto3 credentials; service ``es`` for a
  managed domain, ``aoss`` for Serverless) or, for a self-managed cluster, the URL as given
  (``https://user:password@host:9200`` for basic auth).
* One index template per kind (``<prefix>-<kind>``, pattern ``<prefix>-<kind>-v*``) with an
  English analyzer (standard tokenizer, possessive stemmer, lower case, English stop words,
  English stemmer) for indexing, and the same plus a ``synonym_graph`` filter (rules from the
  synonym file both engines share) for searching.
* Versioned physical indexes behind aliases: the alias ``<prefix>-<kind>`` points at
  ``<prefix>-<kind>-v<UTC timestamp>``. ``reindex`` creates a new physical index, bulk-loads it,
  swaps the alias in one ``_aliases`` call and deletes the old index: searches never see an empty
  or half-built index. ``reconcile`` then puts right what the stream wrote to the old index meanwhile
  (conditional writes on ``_seq_no``/``_primary_term``; functions.search.reindex explains).
* Queries: one ``multi_match`` per query word over ``title^3``, ``keywords^2``, ``body``, named
  after the word, so each hit's ``matched_queries`` are its matched terms (no ``explain``);
  ``bool`` filters and ``must_not`` on the exact ``fields.*`` keywords; ``<em>`` highlights.
* ``opensearch-py`` is imported when a client is built, never at module import (cold start).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from functions.search.analysis import STOP_WORDS, Synonyms, load_synonyms
from functions.search.port import DocKind, Reconciled, SearchDoc, SearchHit, SearchQuery
from functions.search.query import FIELD_BOOSTS, Term, plan, rerank_by_consensus

INDEX_ANALYZER = "casebridge_english"
SEARCH_ANALYZER = "casebridge_english_search"
SNIPPET_CHARS = 160
BULK_CHUNK = 500
SCROLL_PAGE = 1000
SCROLL_KEEP = "2m"


class SearchEngineError(Exception):
    """OpenSearch refused a write (bulk item errors); carries the first reason."""


def analysis_settings(synonyms: Synonyms, synonyms_path: str | None = None) -> dict[str, Any]:
    synonym_filter: dict[str, Any] = {"type": "synonym_graph", "lenient": True}
    if synonyms_path:  # e.g. an Amazon OpenSearch Service package: "analyzers/F111111111"
        synonym_filter["synonyms_path"] = synonyms_path
    else:
        synonym_filter["synonyms"] = list(synonyms.lines)
    return {
        "filter": {
            "casebridge_possessive": {"type": "stemmer", "language": "possessive_english"},
            "casebridge_stop": {"type": "stop", "stopwords": "_english_"},
            "casebridge_stemmer": {"type": "stemmer", "language": "english"},
            "casebridge_synonyms": synonym_filter,
        },
        "analyzer": {
            INDEX_ANALYZER: {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["casebridge_possessive", "lowercase", "casebridge_stop", "casebridge_stemmer"],
            },
            SEARCH_ANALYZER: {
                "type": "custom",
                "tokenizer": "standard",
                "filter": [
                    "casebridge_possessive",
                    "lowercase",
                    "casebridge_synonyms",
                    "casebridge_stop",
                    "casebridge_stemmer",
                ],
            },
        },
    }


def mappings() -> dict[str, Any]:
    text = {"type": "text", "analyzer": INDEX_ANALYZER, "search_analyzer": SEARCH_ANALYZER}
    return {
        "dynamic": "strict",
        "properties": {
            "doc_id": {"type": "keyword"},
            "kind": {"type": "keyword"},
            "title": text,
            "body": text,
            "keywords": text,
            # exact-match filter values; any key, always keyword
            "fields": {"type": "object", "dynamic": True},
            "updated_at": {"type": "date"},
        },
        "dynamic_templates": [
            {"filter_fields_as_keywords": {"path_match": "fields.*", "mapping": {"type": "keyword"}}}
        ],
    }


def index_template(
    alias: str,
    synonyms: Synonyms,
    *,
    shards: int = 1,
    replicas: int = 1,
    synonyms_path: str | None = None,
) -> dict[str, Any]:
    return {
        "index_patterns": [f"{alias}-v*"],
        "priority": 100,
        "template": {
            "settings": {
                "index": {"number_of_shards": shards, "number_of_replicas": replicas},
                "analysis": analysis_settings(synonyms, synonyms_path),
            },
            "mappings": mappings(),
        },
        "_meta": {"managed_by": "casebridge", "alias": alias},
    }


def _filter_clause(key: str, value: str | list[str]) -> dict[str, Any]:
    values = value if isinstance(value, list) else [value]
    return {"terms": {f"fields.{key}": values}}


def query_body(query: SearchQuery, synonyms: Synonyms | None, size: int) -> dict[str, Any] | None:
    """The ``_search`` body of a query; ``None`` when it has no words to look for."""
    terms: list[Term] = [t for t in plan(query.text, None)]
    if not terms:
        return None
    fields = [f"{name}^{boost:g}" if boost != 1 else name for name, boost in FIELD_BOOSTS.items()]
    should: list[dict[str, Any]] = [
        {
            "multi_match": {
                "query": t.word,
                "fields": fields,
                "type": "best_fields",
                "tie_breaker": 0.3,
                "boost": t.weight,
                "_name": t.word,
            }
        }
        for t in terms
    ]
    # The search analyzer expands single words with synonyms; a multi-word synonym the query
    # contains ("money back") is sent whole as well, so that its rule applies too.
    if synonyms is not None:
        from functions.search.analysis import words  # noqa: PLC0415

        typed = words(query.text)
        for phrase in _multiword_phrases(synonyms, typed):
            should.append(
                {
                    "multi_match": {
                        "query": " ".join(phrase),
                        "fields": fields,
                        "type": "phrase",
                        "_name": " ".join(phrase),
                    }
                }
            )
    bool_query: dict[str, Any] = {"should": should, "minimum_should_match": 1}
    filters = [_filter_clause(k, v) for k, v in query.filters.items()]
    must_not = [_filter_clause(k, v) for k, v in query.exclude.items()]
    if query.exclude_ids:
        must_not.append({"ids": {"values": list(query.exclude_ids)}})
    if filters:
        bool_query["filter"] = filters
    if must_not:
        bool_query["must_not"] = must_not
    body: dict[str, Any] = {"size": size, "track_total_hits": False, "query": {"bool": bool_query}}
    if query.highlight:
        body["highlight"] = {
            "pre_tags": ["<em>"],
            "post_tags": ["</em>"],
            "encoder": "html",
            "fields": {
                "body": {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 1},
                "title": {"number_of_fragments": 0},
            },
        }
    return body


def _multiword_phrases(synonyms: Synonyms, typed: Sequence[str]) -> list[tuple[str, ...]]:
    from functions.search.analysis import _contains  # noqa: PLC0415

    phrases: list[tuple[str, ...]] = []
    candidates = [p for g in synonyms.groups for p in g] + [src for src, _ in synonyms.mappings]
    for phrase in candidates:
        if len(phrase) > 1 and phrase not in phrases and _contains(typed, phrase):
            phrases.append(phrase)
    return phrases


def _now_version() -> str:
    return datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")


class OpenSearchIndex:
    """``SearchIndex`` on OpenSearch: one alias per kind, ``<prefix>-<kind>``."""

    def __init__(
        self,
        client: Any,
        *,
        prefix: str,
        synonyms: Synonyms | None = None,
        synonyms_path: str | None = None,
        replicas: int = 1,
        version: Callable[[], str] = _now_version,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.synonyms = synonyms if synonyms is not None else load_synonyms()
        self.synonyms_path = synonyms_path
        self.replicas = replicas
        self._version = version
        self._ready: set[DocKind] = set()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str,
        sigv4_service: str | None = None,
        region: str = "us-east-1",
        synonyms: Synonyms | None = None,
        replicas: int = 1,
        **kwargs: Any,
    ) -> OpenSearchIndex:
        return cls(
            build_client(url, sigv4_service=sigv4_service, region=region, **kwargs),
            prefix=prefix,
            synonyms=synonyms,
            replicas=replicas,
        )

    def alias(self, kind: DocKind) -> str:
        return f"{self.prefix}-{kind.value}"

    # ------------------------------------------------------------------ index management
    def put_template(self, kind: DocKind) -> None:
        alias = self.alias(kind)
        self.client.indices.put_index_template(
            name=alias,
            body=index_template(alias, self.synonyms, replicas=self.replicas, synonyms_path=self.synonyms_path),
        )

    def _physical(self, kind: DocKind) -> list[str]:
        """Physical indexes the alias points at now (none if the alias does not exist)."""
        alias = self.alias(kind)
        if not self.client.indices.exists_alias(name=alias):
            return []
        return sorted(self.client.indices.get_alias(name=alias).keys())

    def _create_physical(self, kind: DocKind, *, with_alias: bool) -> str:
        alias = self.alias(kind)
        name = f"{alias}-v{self._version()}"
        body: dict[str, Any] = {"aliases": {alias: {"is_write_index": True}}} if with_alias else {}
        self.client.indices.create(index=name, body=body)
        return name

    def ensure(self, kind: DocKind) -> None:
        """The alias of a kind exists (template and a first physical index created if needed)."""
        if kind in self._ready:
            return
        if not self._physical(kind):
            self.put_template(kind)
            self._create_physical(kind, with_alias=True)
        self._ready.add(kind)

    def reindex(self, kind: DocKind, docs: Iterable[SearchDoc]) -> int:
        """Rebuild a kind with no downtime: new index, bulk load, atomic alias swap, old index deleted."""
        self.put_template(kind)  # synonym or mapping edits apply to the new index
        old = self._physical(kind)
        new = self._create_physical(kind, with_alias=False)
        count = 0
        batch: list[SearchDoc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= BULK_CHUNK:
                count += self._bulk_index(new, batch)
                batch = []
        if batch:
            count += self._bulk_index(new, batch)
        self.client.indices.refresh(index=new)
        self._swap(kind, old, new)
        return count

    def _swap(self, kind: DocKind, old: Sequence[str], new: str) -> None:
        alias = self.alias(kind)
        actions: list[dict[str, Any]] = [{"remove": {"index": name, "alias": alias}} for name in old]
        actions.append({"add": {"index": new, "alias": alias, "is_write_index": True}})
        self.client.indices.update_aliases(body={"actions": actions})
        for name in old:
            self.client.indices.delete(index=name)
        self._ready.add(kind)

    def recreate(self, kind: DocKind) -> None:
        self.reindex(kind, [])

    def reconcile(
        self, kinds: Sequence[DocKind], read: Callable[[], Mapping[DocKind, Sequence[SearchDoc]]]
    ) -> dict[DocKind, Reconciled]:
        """Note each live index (scroll: source, ``_seq_no``, ``_primary_term``), call ``read``, then
        write the differences conditionally: ``index`` with ``if_seq_no``/``if_primary_term`` over a
        noted document, ``create`` where none was noted, ``delete`` with ``if_seq_no``. A 409 means a
        stream write changed the document since it was noted: that write is newer, it stays."""
        from functions.search.reindex import differences  # noqa: PLC0415

        kinds = list(dict.fromkeys(kinds))
        noted = {kind: self._note(kind) for kind in kinds}
        fresh = read()
        out: dict[DocKind, Reconciled] = {}
        for kind in kinds:
            versions = noted[kind]
            writes, deletes = differences({k: v[2] for k, v in versions.items()}, fresh.get(kind, ()))
            alias = self.alias(kind)
            ops: list[list[dict[str, Any]]] = []  # one bulk operation: its action line (+ source)
            for doc in writes:
                if doc.doc_id in versions:
                    seq_no, term, _ = versions[doc.doc_id]
                    action = {
                        "index": {"_index": alias, "_id": doc.doc_id, "if_seq_no": seq_no, "if_primary_term": term}
                    }
                else:
                    action = {"create": {"_index": alias, "_id": doc.doc_id}}
                ops.append([action, json.loads(doc.model_dump_json())])
            for doc_id in deletes:
                seq_no, term, _ = versions[doc_id]
                ops.append([{"delete": {"_index": alias, "_id": doc_id, "if_seq_no": seq_no, "if_primary_term": term}}])
            conflicted: list[str] = []
            for i in range(0, len(ops), BULK_CHUNK):
                conflicted += self._bulk([line for op in ops[i : i + BULK_CHUNK] for line in op], conflicts_ok=True)
            lost_deletes = conflicted.count("delete")
            out[kind] = Reconciled(
                upserted=len(writes) - (len(conflicted) - lost_deletes),
                deleted=len(deletes) - lost_deletes,
                superseded=len(conflicted),
            )
        return out

    def _note(self, kind: DocKind) -> dict[str, tuple[int, int, SearchDoc]]:
        """Every document of the live index: ``id -> (_seq_no, _primary_term, document)``."""
        self.ensure(kind)
        alias = self.alias(kind)
        self.client.indices.refresh(index=alias)
        body = {"query": {"match_all": {}}, "sort": ["_doc"], "size": SCROLL_PAGE, "seq_no_primary_term": True}
        resp = self.client.search(index=alias, body=body, scroll=SCROLL_KEEP)
        noted: dict[str, tuple[int, int, SearchDoc]] = {}
        scroll_id = resp.get("_scroll_id")
        try:
            while True:
                hits = resp.get("hits", {}).get("hits", [])
                for h in hits:
                    noted[h["_id"]] = (
                        int(h["_seq_no"]),
                        int(h["_primary_term"]),
                        SearchDoc.model_validate(h["_source"]),
                    )
                if not hits or not scroll_id:
                    return noted
                resp = self.client.scroll(body={"scroll_id": scroll_id, "scroll": SCROLL_KEEP})
                scroll_id = resp.get("_scroll_id") or scroll_id
        finally:
            if scroll_id:
                self.client.clear_scroll(body={"scroll_id": [scroll_id]}, params={"ignore": 404})

    # ------------------------------------------------------------------ writes
    def _bulk(self, lines: list[dict[str, Any]], *, conflicts_ok: bool = False) -> list[str]:
        """Send bulk actions; raises on an item error. With ``conflicts_ok``, version conflicts
        (409: the document changed since it was read) are not errors: their operations are returned."""
        if not lines:
            return []
        resp = self.client.bulk(body=lines)
        conflicts: list[str] = []
        if resp.get("errors"):
            for item in resp.get("items", []):
                (op, result), *_ = item.items()
                if op == "delete" and result.get("status") == 404:
                    continue  # deleting what is not there is fine (idempotent)
                if conflicts_ok and result.get("status") == 409:
                    conflicts.append(op)
                    continue
                if result.get("error"):
                    raise SearchEngineError(f"bulk {op} of {result.get('_id')} failed: {result['error']}")
        return conflicts

    def _bulk_index(self, index: str, docs: Sequence[SearchDoc]) -> int:
        lines: list[dict[str, Any]] = []
        for doc in docs:
            lines.append({"index": {"_index": index, "_id": doc.doc_id}})
            lines.append(json.loads(doc.model_dump_json()))
        self._bulk(lines)
        return len(docs)

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        by_kind: dict[DocKind, list[SearchDoc]] = {}
        for doc in docs:
            by_kind.setdefault(doc.kind, []).append(doc)
        for kind, group in by_kind.items():
            self.ensure(kind)
            for i in range(0, len(group), BULK_CHUNK):
                self._bulk_index(self.alias(kind), group[i : i + BULK_CHUNK])

    def delete(self, kind: DocKind, doc_ids: Sequence[str]) -> None:
        if not doc_ids:
            return
        self.ensure(kind)
        alias = self.alias(kind)
        self._bulk([{"delete": {"_index": alias, "_id": doc_id}} for doc_id in doc_ids])

    def refresh(self) -> None:
        aliases = [self.alias(k) for k in sorted(self._ready)]
        if aliases:
            self.client.indices.refresh(index=",".join(aliases))

    # ------------------------------------------------------------------ reads
    def count(self, kind: DocKind) -> int:
        self.ensure(kind)
        return int(self.client.count(index=self.alias(kind))["count"])

    def get(self, kind: DocKind, doc_id: str) -> SearchDoc | None:
        self.ensure(kind)
        resp = self.client.get(index=self.alias(kind), id=doc_id, params={"ignore": 404})
        if not resp or not resp.get("found"):
            return None
        return SearchDoc.model_validate(resp["_source"])

    def search(self, query: SearchQuery) -> list[SearchHit]:
        size = max(query.limit, query.candidates)
        body = query_body(query, self.synonyms, size)
        if body is None:
            return []
        kinds = list(dict.fromkeys(query.kinds))
        for kind in kinds:
            self.ensure(kind)
        resp = self.client.search(index=",".join(self.alias(k) for k in kinds), body=body)
        order = {t.word: i for i, t in enumerate(plan(query.text, None))}
        hits: list[SearchHit] = []
        for h in resp.get("hits", {}).get("hits", []):
            src = h.get("_source") or {}
            highlight = h.get("highlight") or {}
            snippet = (highlight.get("body") or highlight.get("title") or [""])[0]
            matched = sorted(
                (m for m in h.get("matched_queries") or [] if m in order and m not in STOP_WORDS),
                key=lambda m: order[m],
            )
            hits.append(
                SearchHit(
                    doc_id=str(src.get("doc_id", h.get("_id"))),
                    kind=DocKind(str(src.get("kind"))),
                    score=float(h.get("_score") or 0.0),
                    title=src.get("title", ""),
                    snippet=snippet,
                    matched_terms=matched,
                    fields=src.get("fields") or {},
                )
            )
        if query.consensus_field:
            hits = rerank_by_consensus(hits, query.consensus_field, query.consensus_weight)
        return hits[: query.limit]


def build_client(
    url: str,
    *,
    sigv4_service: str | None = None,
    region: str = "us-east-1",
    credentials: Any = None,
    connection_class: Any = None,
    timeout: float = 10.0,
) -> Any:
    """An ``OpenSearch`` client for a URL: SigV4-signed when ``sigv4_service`` is "es" or "aoss",
    else plain HTTP(S) with basic auth taken from the URL's user:password, if any."""
    from opensearchpy import OpenSearch, RequestsHttpConnection  # noqa: PLC0415 - heavy: first use only

    parts = urlsplit(url)
    kwargs: dict[str, Any] = {"timeout": timeout, "max_retries": 2, "retry_on_timeout": True}
    if parts.username:
        kwargs["http_auth"] = (parts.username, parts.password or "")
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    if sigv4_service:
        from opensearchpy import AWSV4SignerAuth  # noqa: PLC0415

        if credentials is None:
            import boto3  # noqa: PLC0415

            credentials = boto3.Session().get_credentials()
        kwargs["http_auth"] = AWSV4SignerAuth(credentials, region, sigv4_service)
        kwargs["connection_class"] = RequestsHttpConnection
    if connection_class is not None:
        kwargs["connection_class"] = connection_class
    kwargs["use_ssl"] = url.startswith("https://")
    kwargs["verify_certs"] = kwargs["use_ssl"]
    return OpenSearch(hosts=[url], **kwargs)
