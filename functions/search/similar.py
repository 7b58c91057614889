"""Similar-case search: the query ``GET /cases/{id}/similar`` sends to the search index.

One function builds it so that the API, ``bench/similar_cases.py`` and anyone else ask the same
question. What it does beyond a plain text query:

* cases only, never the case itself, and (optionally) never the same customer's cases;
* the text is the case's subject and description; stop words weigh less, words found in more
  than half the cases are dropped, long texts keep their rarest words, synonyms are added;
* the top ``SIMILAR_CANDIDATES`` cases are re-ranked by consensus on their category
  (``functions.search.query.rerank_by_consensus``): a case whose neighbours in the candidate list
  were filed under the same category is more likely the same problem than an isolated word match.
  Only the indexed cases' own categories are used; the case being compared needs none.
* with an embedder, the candidates are the lexical ranking and the nearest cases by meaning,
  fused (``LEXICAL_WEIGHT``, ``VECTOR_WEIGHT``), before the consensus re-ranking.
"""

from __future__ import annotations

from collections.abc import Sequence

from functions.search.port import DocKind, DocRef, SearchQuery

SIMILAR_CANDIDATES = 20
CONSENSUS_FIELD = "category"
CONSENSUS_WEIGHT = 0.25
# Hybrid ranking (functions.search.query.fuse): the lexical and the by-meaning rankings' weights in
# the reciprocal rank fusion, measured with bench/similar_cases.py --weights (README figures): P@1 on
# the banking77 split, lexical alone 0.869; 1:0.5 0.893; 1:1 0.922; 1:2 and 0.5:1 0.917; vectors
# alone 0.905.
LEXICAL_WEIGHT = 1.0
VECTOR_WEIGHT = 1.0
# Relevance floor of the by-meaning candidates (SearchQuery.min_similarity, cosine) and the rule for
# lexical hits far by meaning, measured with bench/similar_cases.py --floors none,0.2,0.3,0.4
# --far-words 0,2 on the banking77 split: P@1 0.9204 and MRR@10 0.9279 at every setting (MAP@10
# 0.9256 -> 0.9255): a case has dozens of neighbours above 0.4, so the floor only keeps unrelated
# cases out where nothing is near. 0.3 as self-service; the rule showed no gain here: off.
MIN_SIMILARITY: float | None = 0.3
FAR_LEXICAL_MIN_WORDS = 0


def case_text(subject: str, description: str = "") -> str:
    return f"{subject}\n{description}".strip()


def similar_query(
    text: str,
    *,
    exclude_case_ids: Sequence[str] = (),
    exclude_customer_id: str | None = None,
    statuses: Sequence[str] = (),
    limit: int = 10,
    candidates: int = SIMILAR_CANDIDATES,
    consensus_weight: float = CONSENSUS_WEIGHT,
    highlight: bool = True,
    lexical_weight: float = LEXICAL_WEIGHT,
    vector_weight: float = VECTOR_WEIGHT,
    min_similarity: float | None = MIN_SIMILARITY,
    far_lexical_min_words: int = FAR_LEXICAL_MIN_WORDS,
    like_case_id: str | None = None,
) -> SearchQuery:
    """The search for cases similar to a text (a case's subject and description); ``like_case_id``:
    the text is that indexed case's, whose stored vector then stands for it (``SearchQuery.like``)."""
    filters: dict[str, str | list[str]] = {"status": list(statuses)} if statuses else {}
    exclude: dict[str, str | list[str]] = {"customer_id": exclude_customer_id} if exclude_customer_id else {}
    return SearchQuery(
        text=text,
        kinds=[DocKind.CASE],
        filters=filters,
        exclude=exclude,
        exclude_ids=list(exclude_case_ids),
        limit=limit,
        highlight=highlight,
        candidates=max(candidates, limit) if consensus_weight > 0 else 0,
        consensus_field=CONSENSUS_FIELD if consensus_weight > 0 else None,
        consensus_weight=consensus_weight,
        lexical_weight=lexical_weight,
        vector_weight=vector_weight,
        min_similarity=min_similarity,
        far_lexical_min_words=far_lexical_min_words,
        like=DocRef(kind=DocKind.CASE, doc_id=like_case_id) if like_case_id else None,
    )
