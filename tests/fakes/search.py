"""An in-memory SearchIndex (naive but correct) and a helper that feeds any index from the table.

The fake: lower-case word tokens, no stemming; score = how often the query's distinct words occur
(title x3, keywords x2, body x1); snippet = a window of the body (or title) around the first
match, matched words wrapped in <em>. Filters, excludes and ids behave as the port says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from functions.search.port import DocKind, SearchDoc, SearchHit, SearchQuery

if TYPE_CHECKING:
    from functions.search.indexing import Mappers

_WORD = re.compile(r"[a-z0-9]+")


def tokens(text: str) -> list[str]:
    return _WORD.findall((text or "").lower())


def _matches(fields: dict[str, Any], key: str, wanted: str | list[str]) -> bool:
    have = fields.get(key)
    if have is None:
        return False
    have_set = set(have) if isinstance(have, list) else {have}
    wanted_set = set(wanted) if isinstance(wanted, list) else {wanted}
    return bool(have_set & wanted_set)


class FakeSearchIndex:
    def __init__(self) -> None:
        self.docs: dict[tuple[DocKind, str], SearchDoc] = {}
        self.queries: list[SearchQuery] = []

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        for doc in docs:
            self.docs[(doc.kind, doc.doc_id)] = doc

    def delete(self, kind: DocKind, doc_ids: Sequence[str]) -> None:
        for doc_id in doc_ids:
            self.docs.pop((kind, doc_id), None)

    def get(self, kind: DocKind, doc_id: str) -> SearchDoc | None:
        return self.docs.get((kind, doc_id))

    def refresh(self) -> None:
        return None

    def recreate(self, kind: DocKind) -> None:
        for key in [k for k in self.docs if k[0] == kind]:
            del self.docs[key]

    def count(self, kind: DocKind) -> int:
        return sum(1 for k in self.docs if k[0] == kind)

    def search(self, query: SearchQuery) -> list[SearchHit]:
        self.queries.append(query)
        words = list(dict.fromkeys(tokens(query.text)))
        hits: list[SearchHit] = []
        for (kind, doc_id), doc in self.docs.items():
            if kind not in query.kinds or doc_id in query.exclude_ids:
                continue
            if not all(_matches(doc.fields, k, v) for k, v in query.filters.items()):
                continue
            if any(_matches(doc.fields, k, v) for k, v in query.exclude.items()):
                continue
            title, keys, body = tokens(doc.title), tokens(" ".join(doc.keywords)), tokens(doc.body)
            score = 0.0
            matched: list[str] = []
            for w in words:
                s = 3 * title.count(w) + 2 * keys.count(w) + body.count(w)
                if s:
                    matched.append(w)
                    score += s
            if not matched:
                continue
            snippet = self._snippet(doc, matched) if query.highlight else ""
            hits.append(
                SearchHit(
                    doc_id=doc_id,
                    kind=kind,
                    score=score,
                    title=doc.title,
                    snippet=snippet,
                    matched_terms=matched,
                    fields=dict(doc.fields),
                )
            )
        hits.sort(key=lambda h: (-h.score, h.doc_id))
        return hits[: query.limit]

    @staticmethod
    def _snippet(doc: SearchDoc, matched: list[str]) -> str:
        text = doc.body if any(w in tokens(doc.body) for w in matched) else doc.title
        pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in matched) + r")\b", re.I)
        first = pattern.search(text)
        start = max(0, (first.start() if first else 0) - 60)
        window = text[start : start + 160]
        return pattern.sub(lambda m: f"<em>{m.group(0)}</em>", window)


def sync_from_table(index: Any, mappers: Mappers) -> int:
    """Rebuild ``index`` from every item of the main table through ``mappers`` (the composition
    root's ``search_mappers``: the same ``to_doc`` functions the stream indexer calls)."""
    from functions.search.store import TableItems

    for kind in DocKind:
        index.recreate(kind)
    docs = [doc for item in TableItems().scan() if (doc := mappers.to_doc(item)) is not None]
    if docs:
        index.upsert(docs)
    index.refresh()
    return len(docs)


class ConceptEmbedder:
    """A deterministic ``Embedder`` for unit tests: a text's vector is its bag of concepts.

    Each word (lower-cased, as ``tokens``) stands for itself, or for the concept ``concepts`` maps it
    to ("wifi" and "wireless" -> "network"), so a test can say which texts mean the same thing
    without sharing a word. Concepts are hashed (md5) into ``dim`` signed buckets; the vector is
    L2-normalised. ``calls`` records every batch embedded.
    """

    model_id = "fake-concepts"

    def __init__(self, concepts: dict[str, str] | None = None, dim: int = 64) -> None:
        self.concepts = dict(concepts or {})
        self.dim = dim
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        import hashlib  # noqa: PLC0415

        self.calls.append(list(texts))
        out: list[list[float]] = []
        for text in texts:
            vec = [0.0] * self.dim
            for word in tokens(text):
                digest = hashlib.md5(self.concepts.get(word, word).encode()).digest()  # noqa: S324 - not security
                vec[digest[0] % self.dim] += 1.0 if digest[1] & 1 else -1.0
            norm = sum(v * v for v in vec) ** 0.5 or 1.0
            out.append([v / norm for v in vec])
        return out
