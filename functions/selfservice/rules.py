"""Self-service rules: what customers may be shown, and how results are named. Pure: no I/O, no clock."""

from __future__ import annotations

import hashlib

from functions.cases.models import CaseStatus
from functions.search.analysis import STOP_WORDS, stem, words
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


# Hybrid ranking (functions.search.query.fuse): weights of the lexical and the by-meaning rankings,
# measured with bench/selfservice_search.py --weights (README figures): P@1 on StackFAQ rises with
# the vector weight (lexical alone 0.737; 1:1 0.851, 1:2 0.894, 1:3 0.896; vectors alone 0.909).
# 1:3 keeps the words in play for what a sentence model knows nothing of (product codes, error
# numbers), at 1.3 points under vectors alone.
LEXICAL_WEIGHT = 1.0
VECTOR_WEIGHT = 3.0
# Relevance floor (SearchQuery.min_similarity, cosine) and the rule for lexical hits far by meaning
# (SearchQuery.far_lexical_min_words), measured with bench/selfservice_search.py --floors
# none,0.2,0.25,0.3,0.35 --far-words 0,2 (docs/language.md has the table). The help-center set: P@1
# 0.975 with neither, 1.0 at 0.3; results shown a query 10 -> 7.55 (floor) -> 2.1 (floor and rule),
# the share of them relevant 0.10 -> 0.49. StackFAQ: P@1 0.896 -> 0.899 (floor) / 0.897 (both).
# 0.35 with the rule lost a help-center query.
MIN_SIMILARITY: float | None = 0.3
FAR_LEXICAL_MIN_WORDS = 2


def public_query(
    text: str,
    limit: int,
    highlight: bool,
    *,
    lexical_weight: float = LEXICAL_WEIGHT,
    vector_weight: float = VECTOR_WEIGHT,
    min_similarity: float | None = MIN_SIMILARITY,
    far_lexical_min_words: int = FAR_LEXICAL_MIN_WORDS,
) -> SearchQuery:
    """One query over every kind customers may see, with the one filter that keeps it public."""
    return SearchQuery(
        text=text,
        kinds=[DocKind.ARTICLE, DocKind.CASE, DocKind.FIX],
        filters={"audience": "public"},
        limit=limit,
        highlight=highlight,
        lexical_weight=lexical_weight,
        vector_weight=vector_weight,
        min_similarity=min_similarity,
        far_lexical_min_words=far_lexical_min_words,
    )


def public_hits(hits: list[SearchHit]) -> list[SearchHit]:
    """The hits customers may see, checked again here: an engine that ignored the filter still
    could not show them an internal article or a case."""
    return [h for h in hits if h.fields.get("audience") == "public" and h.kind in KIND_NAMES]


def url_of(hit: SearchHit) -> str:
    return URLS[KIND_NAMES[hit.kind]].format(id=hit.doc_id)


# -- the help center's pages --------------------------------------------------------------------
# Where a result opens on the customers' site, in one language (articles: the static pages).
PAGE_TAILS: dict[str, str] = {
    "article": "articles/{id}",
    "answer": "answers/{id}",
    "fix": "fixes/{id}",
    "notice": "known-issues#notice-{id}",
}


def page_tail(kind: str, result_id: str) -> str:
    from urllib.parse import quote  # noqa: PLC0415

    return PAGE_TAILS[kind].format(id=quote(result_id, safe=""))


def terms(text: str) -> set[str]:
    """The meaningful index terms of a text (stop words out), as the search engines stem them."""
    return {t for t in (stem(w) for w in words(text) if w not in STOP_WORDS) if t}


def notice_matches(query: str, title: str, body: str) -> bool:
    """A known issue belongs at the top of a search when it shares at least half of the query's
    meaningful terms (one at least): "printer jams after the update" finds "PX-200 jams on page 2
    since the firmware update"; "invoice" does not."""
    wanted = terms(query)
    if not wanted:
        return False
    shared = len(wanted & terms(f"{title} {body}"))
    return shared >= max(1, (len(wanted) + 1) // 2)
