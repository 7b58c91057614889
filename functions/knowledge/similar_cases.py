"""Similar cases and suggested articles for an agent looking at a case: the queries and the
shaping of their hits. Pure; the knowledge service asks the search index
(``KnowledgeService.similar``)."""

from __future__ import annotations

from typing import Any

from functions.cases.models import Case
from functions.knowledge.models import SimilarCase, SuggestedArticle
from functions.search.port import DocKind, DocRef, SearchHit, SearchQuery

AUDIENCE_FIELD = "audience"


def case_text(case: Case) -> str:
    from functions.search.similar import case_text as text_of  # noqa: PLC0415

    return text_of(case.subject, case.description)[:4000]


# Suggested articles: the case's text against the published articles, hybrid with the help
# center's settings (functions.selfservice.rules: lexical 1 : meaning 3, floor 0.3, lexical hits far
# by meaning need two of the query's words), measured for this query with
# ``bench/selfservice_search.py --query agent`` (docs/language.md).
ARTICLE_LEXICAL_WEIGHT = 1.0
ARTICLE_VECTOR_WEIGHT = 3.0
ARTICLE_MIN_SIMILARITY = 0.3
ARTICLE_FAR_LEXICAL_MIN_WORDS = 2


def case_query(case: Case, limit: int) -> SearchQuery:
    """Part A's similar-case query (functions.search.similar), minus self-service copies of cases; by
    meaning, the case's own indexed vector stands for its text."""
    from functions.search.similar import similar_query  # noqa: PLC0415

    query = similar_query(
        case_text(case),
        exclude_case_ids=[case.case_id],
        exclude_customer_id=case.customer_id,
        limit=limit,
        like_case_id=case.case_id,
    )
    # public answers are case documents for customers (functions.selfservice.search_docs), not cases
    return query.model_copy(update={"exclude": {**query.exclude, AUDIENCE_FIELD: "public"}})


def articles_query(text: str, limit: int, like_case_id: str | None = None) -> SearchQuery:
    """Published articles (internal and external) about a case's text (``like_case_id``: the indexed
    case whose stored vector stands for the text)."""
    return SearchQuery(
        text=text,
        kinds=[DocKind.ARTICLE],
        filters={"published": "true"},
        limit=limit,
        lexical_weight=ARTICLE_LEXICAL_WEIGHT,
        vector_weight=ARTICLE_VECTOR_WEIGHT,
        min_similarity=ARTICLE_MIN_SIMILARITY,
        far_lexical_min_words=ARTICLE_FAR_LEXICAL_MIN_WORDS,
        like=DocRef(kind=DocKind.CASE, doc_id=like_case_id) if like_case_id else None,
    )


def article_query(case: Case, limit: int) -> SearchQuery:
    """The articles to suggest for a case."""
    return articles_query(case_text(case), limit, like_case_id=case.case_id)


def _other_customer(case: Case, hit: SearchHit) -> bool:
    if hit.doc_id == case.case_id or hit.fields.get(AUDIENCE_FIELD) == "public":
        return False
    other = hit.fields.get("customer_id")
    if case.customer_id:
        return other != case.customer_id
    # no customer on the case: the contact's address is the customer
    return not (case.contact_email and hit.fields.get("contact_email") == case.contact_email)


def similar_cases(case: Case, hits: list[SearchHit], limit: int) -> list[SimilarCase]:
    """Other customers' cases among ``hits``, best first. A hit that shares only stop words with the
    case (no matched terms) is not similar, whatever its score, unless it was found by meaning
    (above the query's floor: ``SearchQuery.min_similarity``)."""
    kept = [h for h in hits if _other_customer(case, h) and _related(h)][:limit]
    return [
        SimilarCase(
            case_id=h.doc_id,
            subject=h.title,
            status=_str(h.fields.get("status")),
            product=_str(h.fields.get("product")),
            score=round(h.score, 4),
            matched_terms=h.matched_terms,
            by_meaning=h.similarity is not None,
            snippet=h.snippet,
        )
        for h in kept
    ]


def suggested_articles(hits: list[SearchHit]) -> list[SuggestedArticle]:
    return [
        SuggestedArticle(
            article_id=h.doc_id,
            title=h.title,
            visibility=_str(h.fields.get("visibility")),
            score=round(h.score, 4),
            matched_terms=h.matched_terms,
            by_meaning=h.similarity is not None,
            snippet=h.snippet,
        )
        for h in hits
        if _related(h)
    ]


def _related(hit: SearchHit) -> bool:
    """Found by meaning, or sharing at least one word (not a stop word) with the case."""
    return hit.similarity is not None or bool(hit.matched_terms)


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return str(value[0]) if value else None
    return str(value)
