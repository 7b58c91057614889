"""NOTE (search helper, part A): SearchQuery gained three optional fields with neutral defaults
(candidates, consensus_field, consensus_weight) for similar-case re-ranking; nothing else changed.
Mappers from DynamoDB items to documents: each domain's ``search_docs.MAPPERS``, collected by the
composition root (functions.search.indexing explains).

The one search port. Two engines implement it: OpenSearch (production, opensearch-py) and an
embedded engine (local default). Domain code (knowledge, cases, self-service) depends only on
this module.

Documents are of a few kinds (knowledge articles, solved cases, automated fixes, cases for
similarity); each kind has its own index (alias) in OpenSearch and its own index directory in
the embedded engine, so one query can span several kinds and say which kind each hit is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import Field

from functions.core.models import Model


class DocKind(StrEnum):
    ARTICLE = "article"  # knowledge article (published version for customers; all for agents)
    CASE = "case"  # a case, for similar-case search and, if marked a public answer, self-service
    FIX = "fix"  # an automated fix from the catalogue ("resend my invoice")


class SearchDoc(Model):
    doc_id: str = Field(description="unique within its kind, e.g. the case number or article id")
    kind: DocKind
    title: str = ""
    body: str = ""
    keywords: list[str] = Field(default_factory=list)
    # Exact-match fields used as filters and for facets; values are strings (or lists of strings).
    # Well-known: product, model, category, status, visibility ("internal"/"external"),
    # customer_id, language, public_answer ("true"/"false"), intents (for fixes).
    fields: dict[str, str | list[str]] = Field(default_factory=dict)
    updated_at: datetime | None = None


class DocRef(Model):
    """One indexed document: its kind and id."""

    kind: DocKind
    doc_id: str


class SearchQuery(Model):
    text: str
    kinds: list[DocKind] = Field(default_factory=lambda: list(DocKind))
    # every key must match (a list value means any of them)
    filters: dict[str, str | list[str]] = Field(default_factory=dict)
    # documents matching any of these are left out (e.g. {"customer_id": "acme"} for "other customers")
    exclude: dict[str, str | list[str]] = Field(default_factory=dict)
    exclude_ids: list[str] = Field(default_factory=list)
    limit: int = Field(default=10, ge=1, le=100)
    highlight: bool = True
    # Optional re-ranking (similar-case search, functions.search.similar): fetch ``candidates``
    # hits, then re-rank them by agreement on ``consensus_field`` (functions.search.query.
    # rerank_by_consensus) before keeping ``limit``. Defaults leave plain relevance ranking.
    candidates: int = Field(default=0, ge=0, le=500)
    consensus_field: str | None = None
    consensus_weight: float = Field(default=0.0, ge=0.0)
    # Hybrid ranking (functions.search.query.fuse): the lexical ranking and the nearest documents by
    # meaning (the engine's ``Embedder``), fused by weighted reciprocal rank. ``vector_weight`` 0
    # (the default) or an engine without an embedder: lexical ranking alone. Callers set weights
    # measured by a bench (bench/similar_cases.py, bench/selfservice_search.py).
    lexical_weight: float = Field(default=1.0, ge=0.0)
    vector_weight: float = Field(default=0.0, ge=0.0)
    # Relevance floor of the vector side (hybrid only): documents whose cosine similarity to the
    # query is below ``min_similarity`` are not contributed by meaning (None: the nearest
    # ``VECTOR_CANDIDATES`` whatever their similarity). OpenSearch's lucene engine scores cosine as
    # (1 + cos) / 2; the adapter converts. Callers set values measured by a bench.
    min_similarity: float | None = Field(default=None, ge=-1.0, le=1.0)
    # With a floor: a lexical hit known to be below it by meaning (functions.search.query.
    # drop_far_lexical) must match at least this many of the query's words (0: no such rule).
    far_lexical_min_words: int = Field(default=0, ge=0, le=10)
    # Hybrid only: the query means what this indexed document means, so its vector is the one the
    # stream indexer stored for it (no embedding in the request); ``text`` is embedded instead where
    # the engine holds no vector for it (not indexed yet, or an engine that cannot read vectors back).
    # The lexical side always searches ``text``.
    like: DocRef | None = None


class SearchHit(Model):
    doc_id: str
    kind: DocKind
    score: float
    title: str = ""
    snippet: str = Field(default="", description="a short extract with matched terms wrapped in <em>...</em>")
    matched_terms: list[str] = Field(default_factory=list, description="query terms (analysed) found in the document")
    fields: dict[str, Any] = Field(default_factory=dict)
    similarity: float | None = Field(
        default=None,
        description="cosine similarity to the query where the hit was among the nearest by meaning (hybrid queries)",
    )


class Embedder(Protocol):
    """Texts to vectors whose dot product says how close two texts are in meaning (L2-normalised).

    The local adapter is ``functions.search.embedding.OnnxEmbedder``; vectors of one ``model_id``
    are only ever compared with vectors of the same ``model_id``."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def embedding_text(doc: SearchDoc) -> str:
    """What of a document is embedded: its title and body (the model reads the first 256 tokens)."""
    return f"{doc.title}\n{doc.body}".strip()


class SearchIndex(Protocol):
    """What every engine provides. Writes are idempotent (upsert by kind + doc_id)."""

    def upsert(self, docs: Sequence[SearchDoc]) -> None: ...

    def delete(self, kind: DocKind, doc_ids: Sequence[str]) -> None: ...

    def search(self, query: SearchQuery) -> list[SearchHit]: ...

    def get(self, kind: DocKind, doc_id: str) -> SearchDoc | None: ...

    def refresh(self) -> None:
        """Make every write so far visible to search (a no-op where writes are immediate)."""
        ...

    def recreate(self, kind: DocKind) -> None:
        """Drop and create the index of a kind empty (reindex uses a fresh index + alias swap where the engine has aliases)."""
        ...

    def count(self, kind: DocKind) -> int: ...

    def reindex(self, kind: DocKind, docs: Iterable[SearchDoc]) -> int:
        """Replace a kind's documents with ``docs`` with no downtime; returns how many were loaded.

        Searches see the old documents until the new set is complete. Stream writes that arrive
        meanwhile may be overwritten or lost: ``reconcile`` afterwards puts them right
        (functions.search.reindex explains the whole procedure)."""
        ...

    def reconcile(
        self, kinds: Sequence[DocKind], read: Callable[[], Mapping[DocKind, Sequence[SearchDoc]]]
    ) -> dict[DocKind, Reconciled]:
        """Make the live index of ``kinds`` equal what ``read()`` returns (the table's documents now).

        The engine first takes note of what the index holds, then calls ``read``, then writes only
        documents that differ (and deletes those ``read`` no longer has), each on condition that the
        index still holds what it noted: a concurrent stream write, which is newer, always wins."""
        ...


@dataclass(frozen=True)
class Reconciled:
    """What ``SearchIndex.reconcile`` changed in one kind's index."""

    upserted: int = 0  # documents that were missing or out of date
    deleted: int = 0  # documents whose item no longer exists (or is no longer searchable)
    superseded: int = 0  # left alone: a stream write changed the document after it was noted

    def as_json(self) -> dict[str, int]:
        return {"upserted": self.upserted, "deleted": self.deleted, "superseded": self.superseded}
