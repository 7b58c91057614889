"""Self-service rules: what customers may be shown, and how results are named. Pure: no I/O, no clock."""

from __future__ import annotations

import hashlib

from functions.cases.models import CaseStatus
from functions.search.port import DocKind, SearchHit, SearchQuery
from functions.selfservice.models import ResultKind

KIND_NAMES: dict[DocKind, ResultKind] = {DocKind.ARTICLE: "article", DocKind.CASE: "answer", DocKind.FIX: "fix"}
URLS: dict[ResultKind, str] = {
    "article": "/selfservice/articles/{id}",
    "answer": "/selfservice/answers/{id}",
    "fix": "/selfservice/fixes/{id}",
}
# Only a solved case can become a public answer.
SOLVED = frozenset({CaseStatus.RESOLVED, CaseStatus.CLOSED})
SUGGEST_MIN_CHARS = 2
SUGGESTIONS = 5


def answer_id_for(case_id: str) -> str:
    """Stable id of a case's public answer; not the case number (which customers need not see)."""
    return "A" + hashlib.sha256(f"public-answer:{case_id}".encode()).hexdigest()[:15]


def public_query(text: str, limit: int, highlight: bool) -> SearchQuery:
    """One query over every kind customers may see, with the one filter that keeps it public."""
    return SearchQuery(
        text=text,
        kinds=[DocKind.ARTICLE, DocKind.CASE, DocKind.FIX],
        filters={"audience": "public"},
        limit=limit,
        highlight=highlight,
    )


def public_hits(hits: list[SearchHit]) -> list[SearchHit]:
    """The hits customers may see, checked again here: an engine that ignored the filter still
    could not show them an internal article or a case."""
    return [h for h in hits if h.fields.get("audience") == "public" and h.kind in KIND_NAMES]


def url_of(hit: SearchHit) -> str:
    return URLS[KIND_NAMES[hit.kind]].format(id=hit.doc_id)
