"""The OpenSearch engine (production): Amazon OpenSearch Service or a self-managed cluster.

It behaves like the embedded engine the project measures (bench/similar_cases.py), by construction:

* Analysis: the same chain (functions.search.analysis): words of letters and digits, lower case,
  long tokens dropped, Snowball English ("porter2") stems; no stop words removed, no synonyms in
  the index. ``tests/contract`` holds the analyzer definition against the embedded engine's output.
* Queries are planned here, as the embedded engine plans them (functions.search.query): the query's
  words weighted (stop words 0.6, synonyms from the shared synonym file 0.5), stemmed in Python,
  then cut to the ``MAX_QUERY_WORDS`` rarest and stripped of very common ones using the index's own
  document frequencies (one ``_termvectors`` call on an artificial document, per kind: each index
  has one shard, so the counts are exact). Each term is one ``dis_max`` of ``term`` queries over
  ``title^3``, ``keywords^2``, ``body`` (tie breaker 0.3): at most 32 x 3 leaf clauses, far below
  ``indices.query.bool.max_clause_count``. ``matched_terms`` are computed from the hit's text as the
  embedded engine does; a hit without a highlight gets the text's start as its snippet.
* Auth: SigV4 (``AWSV4SignerAuth`` with the function's boto3 credentials; service ``es`` for a
  managed domain, ``aoss`` for Serverless) or, for a self-managed cluster, the URL as given
  (``https://user:password@host:9200`` for basic auth). No retry on a timeout (a timed-out write may
  have been applied); bulk writes retry what the cluster refused with 429, with backoff.
* Versioned physical indexes behind aliases: the alias ``<prefix>-<kind>`` points at
  ``<prefix>-<kind>-v<UTC timestamp>`` (the first one ``-v0``, so that two writers creating it at
  once create one). ``reindex`` creates a new physical index, bulk-loads it (requests of at most
  ``BULK_MAX_BYTES``), swaps the alias in one ``_aliases`` call and deletes the old index (a failed
  load deletes the new one instead): searches never see an empty or half-built index.
  ``reconcile`` then puts right what the stream wrote to the old index meanwhile (conditional
  writes on ``_seq_no``/``_primary_term``; functions.search.reindex explains). Reads never create
  anything: a kind with no index yet has no documents.
* Vectors (hybrid search), with an ``Embedder``: each index has a ``knn_vector`` field ``vector``
  (the k-NN plugin, HNSW graphs on the ``lucene`` engine, cosine similarity; ``index.knn`` on), left
  out of ``_source`` (documents read back are the ``SearchDoc`` as written; the vector lives in the
  graph and doc values only). Vectors are computed when documents are written (the stream indexer,
  rebuilds), never in a request but for the query's own (a query ``like`` a stored document embeds
  its text too: a ``knn_vector`` left out of ``_source`` is not returned by a get, and keeping a
  second copy of every vector in ``_source`` to save one embedding a request is not worth its
  storage). A query with a ``vector_weight`` sends a
  second ``_search`` per kind, a ``knn`` query whose ``filter`` carries the query's filters and
  excludes (efficient filtering: the k nearest among the documents that pass), and fuses the two
  rankings as the embedded engine does (``functions.search.query.fuse``). A query's
  ``min_similarity`` (cosine) becomes the knn search's ``min_score`` on the lucene scale,
  (1 + cos) / 2, and is applied again to the hits read; ``far_lexical_min_words`` then drops lexical
  hits far by meaning as the embedded engine does (``functions.search.query.drop_far_lexical``).
  Without an embedder the
  mapping and the requests are exactly as before. Existing indexes get the vector field through a
  rebuild (``casebridge search reindex``: the template is put again, then a new index is loaded).
* ``opensearch-py`` is imported when a client is built, never at module import (cold start).
"""

from __future__ import annotations

import html
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from functions.search.analysis import (
    OPENSEARCH_ANALYZER,
    OPENSEARCH_FILTERS,
    OPENSEARCH_TOKENIZER,
    STOP_WORDS,
    Synonyms,
    analyze,
    load_synonyms,
    stem,
)
from functions.search.port import DocKind, Embedder, Reconciled, SearchDoc, SearchHit, SearchQuery, embedding_text
from functions.search.query import (
    FIELD_BOOSTS,
    VECTOR_CANDIDATES,
    Term,
    drop_far_lexical,
    fuse,
    plan,
    rerank_by_consensus,
    select_terms,
    stem_weights,
)

INDEX_ANALYZER = "casebridge_english"
TEXT_FIELDS = ("title", "keywords", "body")
SNIPPET_CHARS = 160
BULK_CHUNK = 500  # operations per bulk request at most
BULK_MAX_BYTES = 5_000_000  # and at most this many bytes (the domain's HTTP payload limit is 10 MiB or more)
BULK_ATTEMPTS = 6  # for operations the cluster refused with 429 (its write queue was full)
BULK_BACKOFF_SECONDS = 0.5
FIRST_VERSION = "0"
SCROLL_PAGE = 1000
SCROLL_KEEP = "2m"
VECTOR_FIELD = "vector"
HNSW_M = 16  # the k-NN plugin's defaults for the lucene engine
HNSW_EF_CONSTRUCTION = 100


class SearchEngineError(Exception):
    """OpenSearch refused a write (bulk item errors); carries the first reason."""


def analysis_settings() -> dict[str, Any]:
    """The index analysis: functions.search.analysis's chain (the embedded engine's)."""
    return {
        "tokenizer": {"casebridge_words": dict(OPENSEARCH_TOKENIZER)},
        "filter": {k: dict(v) for k, v in OPENSEARCH_FILTERS.items()},
        "analyzer": {INDEX_ANALYZER: dict(OPENSEARCH_ANALYZER)},
    }


def vector_mapping(dim: int) -> dict[str, Any]:
    """The ``knn_vector`` field (k-NN plugin: HNSW on the lucene engine, cosine similarity)."""
    return {
        "type": "knn_vector",
        "dimension": dim,
        "method": {
            "name": "hnsw",
            "space_type": "cosinesimil",
            "engine": "lucene",
            "parameters": {"m": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION},
        },
    }


def mappings(vector_dim: int | None = None) -> dict[str, Any]:
    text = {"type": "text", "analyzer": INDEX_ANALYZER}
    out = _text_mappings(text)
    if vector_dim:
        out["properties"][VECTOR_FIELD] = vector_mapping(vector_dim)
        out["_source"] = {"excludes": [VECTOR_FIELD]}
    return out


def _text_mappings(text: dict[str, Any]) -> dict[str, Any]:
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


def index_template(alias: str, *, replicas: int = 1, vector_dim: int | None = None) -> dict[str, Any]:
    """One shard per index (document frequencies exact, see the module docstring); ``replicas`` 0 on
    a single-node domain (a replica can be placed on no other node: the index would stay yellow);
    ``index.knn`` on when documents carry vectors."""
    index_settings: dict[str, Any] = {"number_of_shards": 1, "number_of_replicas": replicas}
    if vector_dim:
        index_settings["knn"] = True
    return {
        "index_patterns": [f"{alias}-v*"],
        "priority": 100,
        "template": {
            "settings": {"index": index_settings, "analysis": analysis_settings()},
            "mappings": mappings(vector_dim),
        },
        "_meta": {"managed_by": "casebridge", "alias": alias},
    }


def _filter_clause(key: str, value: str | list[str]) -> dict[str, Any]:
    values = value if isinstance(value, list) else [value]
    return {"terms": {f"fields.{key}": values}}


def query_body(query: SearchQuery, terms: Mapping[str, float], size: int) -> dict[str, Any] | None:
    """The ``_search`` body for index terms with weights (``plan_terms``); ``None`` without terms."""
    if not terms:
        return None
    should: list[dict[str, Any]] = [
        {
            "dis_max": {
                "queries": [
                    {"term": {field: {"value": term, "boost": boost * weight}}} for field, boost in FIELD_BOOSTS.items()
                ],
                "tie_breaker": 0.3,
            }
        }
        for term, weight in terms.items()
    ]
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


def knn_body(query: SearchQuery, vector: Sequence[float], k: int) -> dict[str, Any]:
    """The ``_search`` body for the ``k`` documents nearest ``vector`` that pass the query's filters,
    excludes and excluded ids (the ``knn`` query's ``filter``: the lucene engine filters while it
    searches the graph, so k hits come back whenever k documents pass)."""
    knn: dict[str, Any] = {"vector": [float(x) for x in vector], "k": k}
    filters = [_filter_clause(key, v) for key, v in query.filters.items()]
    must_not = [_filter_clause(key, v) for key, v in query.exclude.items()]
    if query.exclude_ids:
        must_not.append({"ids": {"values": list(query.exclude_ids)}})
    if filters or must_not:
        bool_filter: dict[str, Any] = {}
        if filters:
            bool_filter["filter"] = filters
        if must_not:
            bool_filter["must_not"] = must_not
        knn["filter"] = {"bool": bool_filter}
    body: dict[str, Any] = {"size": k, "track_total_hits": False, "query": {"knn": {VECTOR_FIELD: knn}}}
    if query.min_similarity is not None:
        body["min_score"] = lucene_score(query.min_similarity)
    return body


def lucene_score(cosine: float) -> float:
    """The lucene engine's score of a ``cosinesimil`` k-NN hit: (1 + cos) / 2."""
    return (1.0 + cosine) / 2.0


def knn_cosine(score: float) -> float:
    """The cosine similarity of a lucene-engine knn score (``lucene_score``'s inverse)."""
    return 2.0 * score - 1.0


def termvectors_body(terms: Sequence[str]) -> dict[str, Any]:
    """An artificial document holding the terms as they are (whitespace analyzer: no second stemming),
    asking for each term's document frequency in the index."""
    text = " ".join(terms)
    return {
        "doc": {field: text for field in TEXT_FIELDS},
        "fields": list(TEXT_FIELDS),
        "per_field_analyzer": dict.fromkeys(TEXT_FIELDS, "whitespace"),
        "term_statistics": True,
        "field_statistics": True,
        "positions": False,
        "offsets": False,
        "payloads": False,
    }


def doc_frequencies(resp: Mapping[str, Any]) -> tuple[int, dict[str, int]]:
    """(documents in the index, term -> documents holding it in any text field) from ``_termvectors``."""
    total = 0
    df: dict[str, int] = {}
    for field in (resp.get("term_vectors") or {}).values():
        total = max(total, int((field.get("field_statistics") or {}).get("doc_count", 0)))
        for term, stats in (field.get("terms") or {}).items():
            df[term] = max(df.get(term, 0), int(stats.get("doc_freq", 0)))
    return total, df


def clause_count(body: Mapping[str, Any]) -> int:
    """Leaf queries in a body (what ``indices.query.bool.max_clause_count`` limits)."""

    def count(node: Any) -> int:
        if isinstance(node, dict):
            if any(k in node for k in ("term", "terms", "ids", "match", "multi_match")):
                return 1
            return sum(count(v) for v in node.values())
        if isinstance(node, list):
            return sum(count(v) for v in node)
        return 0

    return count(body.get("query", {}))


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
        replicas: int = 1,
        version: Callable[[], str] = _now_version,
        sleep: Callable[[float], None] = time.sleep,
        bulk_max_bytes: int = BULK_MAX_BYTES,
        embedder: Embedder | None = None,
    ) -> None:
        self.client = client
        self.embedder = embedder
        self.bulk_max_bytes = bulk_max_bytes
        self.prefix = prefix
        self.synonyms = synonyms if synonyms is not None else load_synonyms()
        self.replicas = replicas
        self._version = version
        self._sleep = sleep
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
        embedder: Embedder | None = None,
        **kwargs: Any,
    ) -> OpenSearchIndex:
        return cls(
            build_client(url, sigv4_service=sigv4_service, region=region, **kwargs),
            prefix=prefix,
            synonyms=synonyms,
            replicas=replicas,
            embedder=embedder,
        )

    def alias(self, kind: DocKind) -> str:
        return f"{self.prefix}-{kind.value}"

    # ------------------------------------------------------------------ index management
    def put_template(self, kind: DocKind) -> None:
        alias = self.alias(kind)
        self.client.indices.put_index_template(
            name=alias,
            body=index_template(alias, replicas=self.replicas, vector_dim=self.embedder.dim if self.embedder else None),
        )

    def _physical(self, kind: DocKind) -> list[str]:
        """Physical indexes the alias points at now (none if the alias does not exist)."""
        alias = self.alias(kind)
        if not self.client.indices.exists_alias(name=alias):
            return []
        return sorted(self.client.indices.get_alias(name=alias).keys())

    def _create_physical(self, kind: DocKind, *, with_alias: bool, version: str | None = None) -> str:
        alias = self.alias(kind)
        name = f"{alias}-v{version or self._version()}"
        body: dict[str, Any] = {"aliases": {alias: {"is_write_index": True}}} if with_alias else {}
        self.client.indices.create(index=name, body=body)
        return name

    def ensure(self, kind: DocKind) -> None:
        """The alias of a kind exists (template and a first physical index created if needed).

        Writers only. The first index has a fixed name, so two writers that find no alias at once
        create one index: the second ``create`` fails with ``resource_already_exists_exception``."""
        if kind in self._ready:
            return
        if not self._physical(kind):
            self.put_template(kind)
            try:
                self._create_physical(kind, with_alias=True, version=FIRST_VERSION)
            except Exception as exc:  # noqa: BLE001 - only "it exists already" is fine
                if "resource_already_exists_exception" not in str(exc):
                    raise
        self._ready.add(kind)

    def reindex(self, kind: DocKind, docs: Iterable[SearchDoc]) -> int:
        """Rebuild a kind with no downtime: new index, bulk load, atomic alias swap, old index deleted."""
        self.put_template(kind)  # mapping or analysis edits apply to the new index
        old = self._physical(kind)
        new = self._create_physical(kind, with_alias=False)
        try:
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
        except BaseException:
            # the alias still points at the old index; the half-loaded one must not stay behind
            self.client.indices.delete(index=new, params={"ignore": 404})
            raise
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
            sources = self._sources(writes)
            for doc, source in zip(writes, sources, strict=True):
                if doc.doc_id in versions:
                    seq_no, term, _ = versions[doc.doc_id]
                    action = {
                        "index": {"_index": alias, "_id": doc.doc_id, "if_seq_no": seq_no, "if_primary_term": term}
                    }
                else:
                    action = {"create": {"_index": alias, "_id": doc.doc_id}}
                ops.append([action, source])
            for doc_id in deletes:
                seq_no, term, _ = versions[doc_id]
                ops.append([{"delete": {"_index": alias, "_id": doc_id, "if_seq_no": seq_no, "if_primary_term": term}}])
            conflicted = self._bulk(ops, conflicts_ok=True)
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
    def _bulk(self, ops: Sequence[list[dict[str, Any]]], *, conflicts_ok: bool = False) -> list[str]:
        """Send bulk operations (each its action line, and its source for index/create) in requests of
        at most ``BULK_CHUNK`` operations and ``BULK_MAX_BYTES`` bytes. Operations the cluster refuses
        with 429 (its write queue full) are sent again with backoff; any other item error raises.
        With ``conflicts_ok``, version conflicts (409: the document changed since it was read) are not
        errors: their operations are returned."""
        conflicts: list[str] = []
        for chunk in _chunks([[json.dumps(line) for line in op] for op in ops], self.bulk_max_bytes):
            conflicts += self._bulk_chunk(chunk, conflicts_ok=conflicts_ok)
        return conflicts

    def _bulk_chunk(self, chunk: list[list[str]], *, conflicts_ok: bool) -> list[str]:
        conflicts: list[str] = []
        pending = chunk
        for attempt in range(1, BULK_ATTEMPTS + 1):
            body = "".join(line + "\n" for op in pending for line in op)
            try:
                resp = self.client.bulk(body=body)
            except Exception as exc:  # a whole request refused with 429 is retried too
                if getattr(exc, "status_code", None) != 429 or attempt == BULK_ATTEMPTS:
                    raise
                self._backoff(attempt)
                continue
            refused: list[list[str]] = []
            for op, item in zip(pending, resp.get("items", []), strict=False):
                (kind, result), *_ = item.items()
                status = result.get("status")
                if status == 429:
                    refused.append(op)
                elif kind == "delete" and status == 404:
                    continue  # deleting what is not there is fine (idempotent)
                elif conflicts_ok and status == 409:
                    conflicts.append(kind)
                elif result.get("error"):
                    raise SearchEngineError(f"bulk {kind} of {result.get('_id')} failed: {result['error']}")
            if not refused:
                return conflicts
            if attempt == BULK_ATTEMPTS:
                raise SearchEngineError(f"bulk: {len(refused)} operation(s) still refused (429) after {attempt} tries")
            pending = refused
            self._backoff(attempt)
        return conflicts

    def _backoff(self, attempt: int) -> None:
        self._sleep(random.uniform(0, BULK_BACKOFF_SECONDS * 2**attempt))  # noqa: S311 - jitter, not crypto

    def _sources(self, docs: Sequence[SearchDoc]) -> list[dict[str, Any]]:
        """The documents as sent: the ``SearchDoc``, plus its vector when the engine has an embedder."""
        sources = [json.loads(doc.model_dump_json()) for doc in docs]
        if self.embedder is not None and docs:
            for source, vector in zip(sources, self.embedder.embed([embedding_text(d) for d in docs]), strict=True):
                source[VECTOR_FIELD] = [float(x) for x in vector]
        return sources

    def _bulk_index(self, index: str, docs: Sequence[SearchDoc]) -> int:
        self._bulk(
            [
                [{"index": {"_index": index, "_id": doc.doc_id}}, source]
                for doc, source in zip(docs, self._sources(docs), strict=True)
            ]
        )
        return len(docs)

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        by_kind: dict[DocKind, list[SearchDoc]] = {}
        for doc in docs:
            by_kind.setdefault(doc.kind, []).append(doc)
        for kind, group in by_kind.items():
            self.ensure(kind)
            self._bulk_index(self.alias(kind), group)

    def delete(self, kind: DocKind, doc_ids: Sequence[str]) -> None:
        if not doc_ids:
            return
        self.ensure(kind)
        alias = self.alias(kind)
        self._bulk([[{"delete": {"_index": alias, "_id": doc_id}}] for doc_id in doc_ids])

    def refresh(self) -> None:
        aliases = [self.alias(k) for k in sorted(self._ready)]
        if aliases:
            self.client.indices.refresh(index=",".join(aliases))

    # ------------------------------------------------------------------ reads
    def count(self, kind: DocKind) -> int:
        resp = self.client.count(index=self.alias(kind), params={"ignore_unavailable": "true"})
        return int(resp.get("count", 0))

    def get(self, kind: DocKind, doc_id: str) -> SearchDoc | None:
        resp = self.client.get(index=self.alias(kind), id=doc_id, params={"ignore": 404})
        if not resp or not resp.get("found"):
            return None
        return SearchDoc.model_validate(resp["_source"])

    def plan_terms(self, kind: DocKind, terms: list[Term]) -> dict[str, float]:
        """The index terms to send for a kind, with weights: the embedded engine's selection
        (functions.search.query.select_terms) on this index's document frequencies."""
        weights = stem_weights(terms, stem)
        if not weights:
            return {}
        resp = self.client.termvectors(
            index=self.alias(kind), body=termvectors_body(list(weights)), params={"ignore": 404}
        )
        if not resp or "term_vectors" not in resp:
            return {}  # no index for this kind yet: nothing to find
        total, df = doc_frequencies(resp)
        return select_terms(weights, total, lambda s: df.get(s, 0))

    def search(self, query: SearchQuery) -> list[SearchHit]:
        terms = plan(query.text, self.synonyms)
        hybrid = self.embedder is not None and query.vector_weight > 0 and bool(query.text.strip())
        if not terms and not hybrid:
            return []
        size = max(query.limit, query.candidates)
        word_stems = {t.word: stem(t.word) for t in terms}
        hits: list[SearchHit] = []
        for kind in dict.fromkeys(query.kinds):
            body = query_body(query, self.plan_terms(kind, terms), size) if terms else None
            if body is None:
                continue
            resp = self.client.search(index=self.alias(kind), body=body, params={"ignore_unavailable": "true"})
            hits += [self._hit(h, kind, word_stems, query.highlight) for h in resp.get("hits", {}).get("hits", [])]
        hits.sort(key=lambda h: -h.score)
        hits = hits[:size]
        if hybrid:
            assert self.embedder is not None
            vector = self.embedder.embed([query.text])[0]
            k = max(size, VECTOR_CANDIDATES)
            near: list[SearchHit] = []
            complete: set[DocKind] = set()  # kinds whose list the floor cut short: all above it are there
            floor = lucene_score(query.min_similarity) if query.min_similarity is not None else None
            for kind in dict.fromkeys(query.kinds):
                resp = self.client.search(
                    index=self.alias(kind), body=knn_body(query, vector, k), params={"ignore_unavailable": "true"}
                )
                found = [
                    hit.model_copy(update={"similarity": knn_cosine(hit.score)})
                    for hit in (
                        self._hit(h, kind, word_stems, query.highlight) for h in resp.get("hits", {}).get("hits", [])
                    )
                ]
                if floor is not None:  # min_score does it; again here, against a cluster that ignored it
                    found = [h for h in found if h.score >= floor]
                    if len(found) < k:
                        complete.add(kind)
                near += found
            near.sort(key=lambda h: -h.score)
            hits = drop_far_lexical(hits, near, complete, query)
            hits = fuse(hits, near, query.lexical_weight, query.vector_weight)[:size]
        if query.consensus_field:
            hits = rerank_by_consensus(hits, query.consensus_field, query.consensus_weight)
        return hits[: query.limit]

    @staticmethod
    def _hit(h: Mapping[str, Any], kind: DocKind, word_stems: Mapping[str, str], highlight: bool) -> SearchHit:
        src = h.get("_source") or {}
        found = h.get("highlight") or {}
        title, body = str(src.get("title", "")), str(src.get("body", ""))
        snippet = (found.get("body") or found.get("title") or [""])[0] if highlight else ""
        if highlight and not snippet:  # matched in keywords only: the text's start, as the embedded engine
            snippet = html.escape((body or title)[:SNIPPET_CHARS])
        doc_stems = set(analyze(" ".join((title, body, *(src.get("keywords") or [])))))
        return SearchHit(
            doc_id=str(src.get("doc_id", h.get("_id"))),
            kind=DocKind(str(src.get("kind", kind.value))),
            score=float(h.get("_score") or 0.0),
            title=title,
            snippet=snippet,
            matched_terms=[w for w, s in word_stems.items() if s and s in doc_stems and w not in STOP_WORDS],
            fields=src.get("fields") or {},
        )


def _chunks(ops: list[list[str]], max_bytes: int) -> Iterator[list[list[str]]]:
    """Bulk operations (as JSON lines) in groups of at most BULK_CHUNK operations and ``max_bytes``."""
    chunk: list[list[str]] = []
    size = 0
    for op in ops:
        op_size = sum(len(line.encode("utf-8")) + 1 for line in op)
        if chunk and (len(chunk) >= BULK_CHUNK or size + op_size > max_bytes):
            yield chunk
            chunk, size = [], 0
        chunk.append(op)
        size += op_size
    if chunk:
        yield chunk


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
    # A timed-out request may have been applied (an index created, an alias swapped, a conditional
    # write done): never resend it blindly. Connection errors and 502/503/504 are retried (the
    # request did not reach OpenSearch or was not processed); bulk 429s are retried by the adapter.
    kwargs: dict[str, Any] = {"timeout": timeout, "max_retries": 2, "retry_on_timeout": False}
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
