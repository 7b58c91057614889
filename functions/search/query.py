"""Engine-independent query planning: which words a query searches for, with what weight.

Both engines score the same plan (each in its own way), so that a query means the same thing on
the local stack and in AWS, and both report ``matched_terms`` as the query's own words.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from functions.search.analysis import STOP_WORDS, Synonyms, words
from functions.search.port import DocKind, SearchHit, SearchQuery

# Field weights: a word in the title counts three times one in the body, keywords twice.
FIELD_BOOSTS: dict[str, float] = {"title": 3.0, "keywords": 2.0, "body": 1.0}
SYNONYM_WEIGHT = 0.5
STOP_WORD_WEIGHT = 0.6
# More words than this (a whole case description) are cut to the rarest ones by the engine.
MAX_QUERY_WORDS = 32
# Words in more than this share of a (large enough) index say nothing about similarity: dropped.
MAX_DOC_FREQ_SHARE = 0.5
MIN_DOCS_FOR_DF_CUT = 200


@dataclass(frozen=True)
class Term:
    word: str  # as the user typed it (lower-cased), or a synonym of such a word
    weight: float
    synonym: bool = False


def plan(text: str, synonyms: Synonyms | None) -> list[Term]:
    """The weighted words of a query: each distinct word once (stop words weigh less), then synonyms.

    Stop words are kept at a lower weight rather than dropped: in short support requests
    "why", "not" or "can" tell problems apart ("why was my card declined" vs "how do I get a card");
    measured on banking77 (bench/similar_cases.py), dropping them cost about 2 points of P@1.
    """
    typed = words(text)
    seen: set[str] = set()
    terms: list[Term] = []
    for w in typed:
        if w not in seen:
            seen.add(w)
            terms.append(Term(w, STOP_WORD_WEIGHT if w in STOP_WORDS else 1.0))
    if synonyms is not None:
        for w in synonyms.expand(typed):
            if w not in seen and w not in STOP_WORDS:
                seen.add(w)
                terms.append(Term(w, SYNONYM_WEIGHT, synonym=True))
    return terms


def stem_weights(terms: list[Term], stem: Callable[[str], str]) -> dict[str, float]:
    """The index terms a plan searches for, each with the highest weight of the words behind it."""
    weights: dict[str, float] = {}
    for term in terms:
        s = stem(term.word)
        if s and weights.get(s, 0.0) < term.weight:
            weights[s] = term.weight
    return weights


def select_terms(weights: dict[str, float], total: int, doc_freq: Callable[[str], int]) -> dict[str, float]:
    """The index terms both engines send, with weights: the rarest ``MAX_QUERY_WORDS`` of those the
    index holds; in an index of ``MIN_DOCS_FOR_DF_CUT`` documents or more, those in more than
    ``MAX_DOC_FREQ_SHARE`` of them are dropped (unless nothing else is left). ``doc_freq(term)``:
    in how many documents of the index (any text field) the term occurs."""
    if total < MIN_DOCS_FOR_DF_CUT and len(weights) <= MAX_QUERY_WORDS:
        return weights
    df = {s: doc_freq(s) for s in weights}
    present = {s: w for s, w in weights.items() if df[s] > 0}
    if total >= MIN_DOCS_FOR_DF_CUT:
        common = {s for s in present if df[s] > MAX_DOC_FREQ_SHARE * total}
        if len(common) < len(present):  # keep them if nothing else is left
            present = {s: w for s, w in present.items() if s not in common}
    if len(present) > MAX_QUERY_WORDS:
        ranked = sorted(present, key=lambda s: df[s])[:MAX_QUERY_WORDS]
        present = {s: present[s] for s in ranked}
    return present


def rerank_by_consensus(hits: list[SearchHit], field: str, weight: float) -> list[SearchHit]:
    """Re-rank candidates by how much of the candidate set agrees with each one.

    A hit's new score is its own score plus ``weight`` times the summed scores of the other
    candidates that share its value of ``field`` (e.g. the category of a case): a case whose
    neighbours in the result list were filed under the same category is more likely the same
    problem than an isolated lexical match. Hits without the field keep their score. Scores are
    normalised by the best score first, so ``weight`` means the same on both engines.
    """
    if not hits or weight <= 0:
        return hits
    top = max(h.score for h in hits) or 1.0
    totals: dict[str, float] = {}
    for h in hits:
        value = h.fields.get(field)
        if isinstance(value, str) and value:
            totals[value] = totals.get(value, 0.0) + h.score / top
    rescored: list[tuple[float, int, SearchHit]] = []
    for i, h in enumerate(hits):
        value = h.fields.get(field)
        own = h.score / top
        support = totals.get(value, own) - own if isinstance(value, str) and value else 0.0
        rescored.append((own + weight * support, i, h))
    rescored.sort(key=lambda t: (-t[0], t[1]))
    return [h.model_copy(update={"score": round(s, 6)}) for s, _, h in rescored]


# Reciprocal rank fusion's k (Cormack et al. 2009): a hit at rank r adds weight / (RRF_K + r).
RRF_K = 60
# How many nearest documents by meaning the vector side contributes before fusion.
VECTOR_CANDIDATES = 50


def drop_far_lexical(
    lexical: list[SearchHit], vector: list[SearchHit], complete: Collection[DocKind], query: SearchQuery
) -> list[SearchHit]:
    """The lexical hits without those that are far by meaning and matched too few of the query's words.

    A hit is known to be far by meaning when its kind's vector list is ``complete`` (the floor cut it
    short of the candidates asked for, so every document of that kind passing the query's filters
    and at or above ``min_similarity`` is in ``vector``) and it is not in that list. Such a hit is
    dropped when it matched fewer than ``far_lexical_min_words`` of the query's distinct words, or
    a quarter of them where that is more (stop words aside; never more than the query has): "every"
    alone does not make a printer article an answer to "router wifi drops every hour", and "every"
    and "since" do not make a billing article one for a case that says "the wifi keeps dropping
    every hour since the update". Measured with bench/selfservice_search.py (docs/language.md).
    """
    if query.min_similarity is None or query.far_lexical_min_words <= 0 or not complete:
        return lexical
    content = {w for w in words(query.text) if w not in STOP_WORDS}
    need = min(max(query.far_lexical_min_words, math.ceil(len(content) / 4)), len(content))
    near = {(h.kind, h.doc_id) for h in vector}
    return [
        h for h in lexical if h.kind not in complete or (h.kind, h.doc_id) in near or len(set(h.matched_terms)) >= need
    ]


def fuse(
    lexical: list[SearchHit],
    vector: list[SearchHit],
    lexical_weight: float,
    vector_weight: float,
    k: int = RRF_K,
    limit: int | None = None,
) -> list[SearchHit]:
    """Weighted reciprocal rank fusion of a lexical and a vector ranking (both best first).

    A document's fused score is ``lexical_weight / (k + rank)`` in the lexical list plus
    ``vector_weight / (k + rank)`` in the vector list (ranks from 1; a list it is missing from adds
    nothing). Ties keep the lexical order, then the vector order. A document in both lists keeps the
    lexical hit's snippet and matched terms, and the vector hit's ``similarity``. Scores are rescaled
    so the best is 1.0 (what ``rerank_by_consensus`` and the API's clients expect of a score: higher
    is better). ``limit``: only the best that many are returned (and copied).
    """
    fused: dict[tuple[str, str], list[Any]] = {}  # key -> [score, order, hit, similarity]
    order = 0
    for hits, weight in ((lexical, lexical_weight), (vector, vector_weight)):
        if weight <= 0:
            continue
        for rank, hit in enumerate(hits, start=1):
            key = (hit.kind.value, hit.doc_id)
            entry = fused.get(key)
            if entry is None:
                fused[key] = [weight / (k + rank), order, hit, hit.similarity]
                order += 1
            else:
                entry[0] += weight / (k + rank)
                entry[3] = entry[3] if entry[3] is not None else hit.similarity
    if not fused:
        return []
    ranked = sorted(fused.values(), key=lambda e: (-e[0], e[1]))
    top = ranked[0][0]
    return [e[2].model_copy(update={"score": round(e[0] / top, 6), "similarity": e[3]}) for e in ranked[:limit]]


def passes_filters(fields: Mapping[str, Any], query: SearchQuery) -> bool:
    """Whether a document's ``fields`` pass the query's ``filters`` and ``exclude`` as both engines'
    term filters do: every filter key has one of its values among the document's values of that key
    (a list field: any of its elements), and no exclude key does."""

    def has(key: str, value: str | list[str]) -> bool:
        wanted = value if isinstance(value, list) else [value]
        held = fields.get(key)
        held_values = held if isinstance(held, list) else [held] if held is not None else []
        return any(v in wanted for v in held_values)

    return all(has(k, v) for k, v in query.filters.items()) and not any(has(k, v) for k, v in query.exclude.items())
