"""Hybrid search: the reciprocal rank fusion, and vectors in the embedded engine (a fake embedder)."""

from __future__ import annotations

from functions.search.embedded import EmbeddedIndex
from functions.search.port import DocKind, SearchDoc, SearchHit, SearchQuery
from functions.search.query import drop_far_lexical, fuse, passes_filters
from tests.fakes.search import ConceptEmbedder

CONCEPTS = {
    "wifi": "network",
    "wireless": "network",
    "internet": "network",
    "dropping": "drop",
    "drops": "drop",
    "disconnects": "drop",
    "cuts": "drop",
}


def _hit(doc_id: str, score: float = 1.0) -> SearchHit:
    return SearchHit(doc_id=doc_id, kind=DocKind.CASE, score=score)


def _case(doc_id: str, title: str, body: str = "", **fields: str) -> SearchDoc:
    return SearchDoc(doc_id=doc_id, kind=DocKind.CASE, title=title, body=body, fields=dict(fields))


def _engine(tmp_path, embedder: ConceptEmbedder | None = None) -> EmbeddedIndex:
    return EmbeddedIndex(tmp_path / "index", synonyms=None, embedder=embedder)


# ------------------------------------------------------------------------------------ fusion
def test_a_document_both_rankings_agree_on_comes_before_one_only_a_single_ranking_has():
    fused = fuse([_hit("a"), _hit("b")], [_hit("b"), _hit("c")], 1.0, 1.0)

    assert [h.doc_id for h in fused] == ["b", "a", "c"]
    assert fused[0].score == 1.0


def test_the_heavier_ranking_wins_between_two_documents_each_ranking_puts_first():
    lexical_first = fuse([_hit("a")], [_hit("b")], 1.0, 0.5)
    vector_first = fuse([_hit("a")], [_hit("b")], 0.5, 1.0)

    assert [h.doc_id for h in lexical_first] == ["a", "b"]
    assert [h.doc_id for h in vector_first] == ["b", "a"]


def test_a_zero_vector_weight_leaves_the_lexical_ranking_as_it_was():
    fused = fuse([_hit("a"), _hit("b")], [_hit("c"), _hit("b")], 1.0, 0.0)

    assert [h.doc_id for h in fused] == ["a", "b"]


def test_a_document_in_both_rankings_keeps_the_lexical_hits_snippet():
    lexical = [
        SearchHit(doc_id="a", kind=DocKind.CASE, score=3.0, snippet="<em>wifi</em> drops", matched_terms=["wifi"])
    ]
    vector = [SearchHit(doc_id="a", kind=DocKind.CASE, score=0.9, snippet="wifi drops")]

    (hit,) = fuse(lexical, vector, 1.0, 1.0)

    assert hit.snippet == "<em>wifi</em> drops"
    assert hit.matched_terms == ["wifi"]


# ------------------------------------------------------------------------------------ the embedded engine
def test_a_paraphrase_sharing_no_word_is_found_by_meaning_only_when_the_query_asks_for_vectors(tmp_path):
    engine = _engine(tmp_path, ConceptEmbedder(CONCEPTS))
    engine.upsert([_case("CB-1", "Wifi disconnects", "every hour"), _case("CB-2", "Printer jams", "paper stuck")])

    lexical = engine.search(SearchQuery(text="wireless keeps dropping", kinds=[DocKind.CASE]))
    hybrid = engine.search(SearchQuery(text="wireless keeps dropping", kinds=[DocKind.CASE], vector_weight=1.0))

    assert lexical == []
    assert hybrid[0].doc_id == "CB-1"


def test_vectors_are_computed_when_documents_are_written_and_a_lexical_query_embeds_nothing(tmp_path):
    embedder = ConceptEmbedder(CONCEPTS)
    engine = _engine(tmp_path, embedder)

    engine.upsert([_case("CB-1", "Wifi disconnects", "every hour"), _case("CB-2", "Printer jams")])
    assert embedder.calls == [["Wifi disconnects\nevery hour", "Printer jams"]]

    engine.search(SearchQuery(text="wifi", kinds=[DocKind.CASE]))
    assert len(embedder.calls) == 1

    engine.search(SearchQuery(text="wifi", kinds=[DocKind.CASE], vector_weight=1.0))
    assert embedder.calls[-1] == ["wifi"]  # the query's own text, nothing else


def test_the_vector_side_keeps_the_querys_filters_excludes_and_excluded_ids(tmp_path):
    engine = _engine(tmp_path, ConceptEmbedder(CONCEPTS))
    engine.upsert(
        [
            _case("CB-1", "Wifi disconnects", customer_id="acme", status="open"),
            _case("CB-2", "Internet cuts out", customer_id="globex", status="open"),
            _case("CB-3", "Wireless drops", customer_id="globex", status="closed"),
            _case("CB-4", "Network drops", customer_id="initech", status="open"),
        ]
    )

    hits = engine.search(
        SearchQuery(
            text="wireless dropping",
            kinds=[DocKind.CASE],
            filters={"status": "open"},
            exclude={"customer_id": "acme"},
            exclude_ids=["CB-4"],
            vector_weight=1.0,
            highlight=False,
        )
    )

    assert [h.doc_id for h in hits] == ["CB-2"]


def test_a_deleted_document_is_no_longer_found_by_meaning(tmp_path):
    engine = _engine(tmp_path, ConceptEmbedder(CONCEPTS))
    engine.upsert([_case("CB-1", "Wifi disconnects"), _case("CB-2", "Printer jams")])
    engine.search(SearchQuery(text="wireless", kinds=[DocKind.CASE], vector_weight=1.0))  # vectors cached

    engine.delete(DocKind.CASE, ["CB-1"])
    hits = engine.search(SearchQuery(text="wireless", kinds=[DocKind.CASE], vector_weight=1.0))

    assert "CB-1" not in [h.doc_id for h in hits]


def test_documents_another_process_writes_are_searched_by_meaning_after_its_commit(tmp_path):
    embedder = ConceptEmbedder(CONCEPTS)
    api = _engine(tmp_path, embedder)
    indexer = _engine(tmp_path, embedder)  # the local stack's stream indexer, say
    indexer.upsert([_case("CB-1", "Printer jams")])
    assert api.search(SearchQuery(text="wireless", kinds=[DocKind.CASE], vector_weight=1.0))[0].doc_id == "CB-1"

    indexer.upsert([_case("CB-2", "Wifi disconnects")])
    hits = api.search(SearchQuery(text="wireless", kinds=[DocKind.CASE], vector_weight=1.0))

    assert hits[0].doc_id == "CB-2"


def test_an_engine_without_an_embedder_answers_a_hybrid_query_lexically(tmp_path):
    engine = _engine(tmp_path)
    engine.upsert([_case("CB-1", "Wifi disconnects"), _case("CB-2", "Printer jams")])

    hits = engine.search(SearchQuery(text="wifi", kinds=[DocKind.CASE], vector_weight=1.0))

    assert [h.doc_id for h in hits] == ["CB-1"]


def test_reindex_and_reconcile_store_vectors_too(tmp_path):
    engine = _engine(tmp_path, ConceptEmbedder(CONCEPTS))
    engine.reindex(DocKind.CASE, [_case("CB-1", "Printer jams")])
    engine.reconcile(
        [DocKind.CASE], lambda: {DocKind.CASE: [_case("CB-1", "Printer jams"), _case("CB-2", "Wifi disconnects")]}
    )

    hits = engine.search(SearchQuery(text="wireless", kinds=[DocKind.CASE], vector_weight=1.0, limit=2))

    assert [h.doc_id for h in hits] == ["CB-2", "CB-1"]


def test_the_fake_embedder_is_deterministic_and_normalised():
    a = ConceptEmbedder(CONCEPTS).embed(["Wifi drops"])[0]
    b = ConceptEmbedder(CONCEPTS).embed(["wireless disconnects"])[0]

    assert a == b
    assert abs(sum(v * v for v in a) - 1.0) < 1e-9


def test_a_hit_found_by_meaning_alone_shows_the_start_of_its_text_and_no_matched_word(tmp_path):
    engine = _engine(tmp_path, ConceptEmbedder(CONCEPTS))
    engine.upsert([_case("CB-1", "Wifi disconnects", "The router <b>restarts</b> every hour")])

    (hit,) = engine.search(SearchQuery(text="wireless", kinds=[DocKind.CASE], vector_weight=1.0))

    assert hit.snippet == "The router &lt;b&gt;restarts&lt;/b&gt; every hour"
    assert hit.matched_terms == []


def test_the_products_similar_case_and_self_service_queries_are_hybrid():
    from functions.search.similar import similar_query
    from functions.selfservice.rules import public_query

    assert similar_query("wifi drops").vector_weight > 0
    assert public_query("wifi drops", 10, highlight=True).vector_weight > 0


# ------------------------------------------------------------------------------------ the relevance floor
def _cosine(embedder: ConceptEmbedder, a: str, b: str) -> float:
    va, vb = embedder.embed([a, b])
    return sum(x * y for x, y in zip(va, vb, strict=True))


def test_below_the_floor_a_document_is_not_contributed_by_meaning(tmp_path):
    embedder = ConceptEmbedder(CONCEPTS)
    engine = _engine(tmp_path, embedder)
    engine.upsert([_case("CB-1", "Wifi disconnects", "every hour"), _case("CB-2", "Printer jams", "paper stuck")])
    text = "wireless keeps dropping"
    assert (
        _cosine(embedder, text, "Printer jams\npaper stuck")
        < 0.3
        < _cosine(embedder, text, "Wifi disconnects\nevery hour")
    )

    anything = engine.search(SearchQuery(text=text, kinds=[DocKind.CASE], vector_weight=1.0))
    floored = engine.search(SearchQuery(text=text, kinds=[DocKind.CASE], vector_weight=1.0, min_similarity=0.3))

    assert [h.doc_id for h in anything] == ["CB-1", "CB-2"]
    assert [h.doc_id for h in floored] == ["CB-1"]


def test_a_floor_above_every_document_leaves_the_lexical_hits_alone(tmp_path):
    engine = _engine(tmp_path, ConceptEmbedder(CONCEPTS))
    engine.upsert([_case("CB-1", "Printer jams", "paper stuck")])

    hits = engine.search(SearchQuery(text="printer", kinds=[DocKind.CASE], vector_weight=1.0, min_similarity=0.99))

    assert [h.doc_id for h in hits] == ["CB-1"]


def _far_lexical_engine(tmp_path) -> EmbeddedIndex:
    engine = _engine(tmp_path, ConceptEmbedder(CONCEPTS))
    engine.upsert(
        [
            _case("CB-1", "Wireless cuts out", "internet disconnects"),  # the answer, by meaning only
            _case("CB-2", "Printer jams", "every print job jams"),  # shares "every" alone
            _case("CB-3", "Printer jams", "every hour the printer jams"),  # shares "every" and "hour"
        ]
    )
    return engine


def test_a_lexical_hit_far_by_meaning_that_matched_one_word_of_several_is_dropped(tmp_path):
    engine = _far_lexical_engine(tmp_path)
    query = SearchQuery(
        text="router wifi drops every hour",
        kinds=[DocKind.CASE],
        vector_weight=3.0,
        min_similarity=0.3,
        far_lexical_min_words=2,
    )

    ruled = [h.doc_id for h in engine.search(query)]
    unruled = [h.doc_id for h in engine.search(query.model_copy(update={"far_lexical_min_words": 0}))]

    assert ruled == ["CB-1", "CB-3"]
    assert set(unruled) == {"CB-1", "CB-2", "CB-3"}


def test_without_a_floor_the_far_lexical_rule_does_nothing(tmp_path):
    engine = _far_lexical_engine(tmp_path)
    query = SearchQuery(
        text="router wifi drops every hour", kinds=[DocKind.CASE], vector_weight=3.0, far_lexical_min_words=2
    )

    assert {h.doc_id for h in engine.search(query)} == {"CB-1", "CB-2", "CB-3"}


def test_a_lexical_hit_is_kept_when_its_kinds_vector_list_was_not_cut_by_the_floor():
    lexical = [SearchHit(doc_id="a", kind=DocKind.CASE, score=1.0, matched_terms=["every"])]
    query = SearchQuery(text="router wifi drops every hour", min_similarity=0.3, far_lexical_min_words=2)

    assert drop_far_lexical(lexical, [], set(), query) == lexical  # the list was full: "a" may be near
    assert drop_far_lexical(lexical, [], {DocKind.CASE}, query) == []
    assert drop_far_lexical(lexical, [_hit("a")], {DocKind.CASE}, query) == lexical  # near by meaning


class _SnippetCounting(EmbeddedIndex):
    made = 0

    @staticmethod
    def _snippet(generators, stored, doc):  # noqa: ANN001, ANN205
        _SnippetCounting.made += 1
        return EmbeddedIndex._snippet(generators, stored, doc)


def test_lexical_snippets_are_made_only_for_the_hits_returned(tmp_path):
    engine = _SnippetCounting(tmp_path / "index", synonyms=None, embedder=ConceptEmbedder(CONCEPTS))
    engine.upsert([_case(f"CB-{i}", f"Wifi disconnects {i}", "the wifi drops every hour") for i in range(30)])
    _SnippetCounting.made = 0

    hits = engine.search(SearchQuery(text="wifi", kinds=[DocKind.CASE], vector_weight=1.0, limit=3, candidates=20))

    assert len(hits) == 3
    assert _SnippetCounting.made == 3  # not the 20 candidates
    assert all("<em>" in h.snippet for h in hits)


def test_the_vector_sides_filter_rule_is_the_term_filters_rule():
    q = SearchQuery(
        text="x", filters={"status": ["open", "pending"], "product": "app"}, exclude={"customer_id": "acme"}
    )

    assert passes_filters({"status": "open", "product": ["web", "app"], "customer_id": "globex"}, q)
    assert not passes_filters({"status": "closed", "product": "app"}, q)  # a filter value missing
    assert not passes_filters({"status": "open"}, q)  # a filter key missing
    assert not passes_filters({"status": "open", "product": "app", "customer_id": ["globex", "acme"]}, q)  # excluded
    assert passes_filters({}, SearchQuery(text="x"))


# ------------------------------------------------------------------------------------ a query like a document
def test_a_query_like_an_indexed_document_uses_its_stored_vector_and_embeds_nothing(tmp_path):
    from functions.search.port import DocRef

    embedder = ConceptEmbedder(CONCEPTS)
    engine = _engine(tmp_path, embedder)
    engine.upsert([_case("CB-1", "Wifi disconnects"), _case("CB-2", "Wireless drops"), _case("CB-3", "Printer jams")])
    before = len(embedder.calls)

    # the text says nothing by meaning of wifi; the document it is like does
    hits = engine.search(
        SearchQuery(
            text="printer",
            kinds=[DocKind.CASE],
            vector_weight=1.0,
            exclude_ids=["CB-1"],
            like=DocRef(kind=DocKind.CASE, doc_id="CB-1"),
        )
    )

    assert len(embedder.calls) == before
    near = {h.doc_id: h.similarity for h in hits if h.similarity is not None}
    assert near["CB-2"] > 0.99  # "Wireless drops" means what "Wifi disconnects" means
    assert near["CB-3"] < 0.5


def test_a_query_like_a_document_not_indexed_yet_embeds_its_text(tmp_path):
    from functions.search.port import DocRef

    embedder = ConceptEmbedder(CONCEPTS)
    engine = _engine(tmp_path, embedder)
    engine.upsert([_case("CB-2", "Wireless drops"), _case("CB-3", "Printer jams")])

    hits = engine.search(
        SearchQuery(
            text="wifi disconnects",
            kinds=[DocKind.CASE],
            vector_weight=1.0,
            like=DocRef(kind=DocKind.CASE, doc_id="CB-9"),
        )
    )

    assert embedder.calls[-1] == ["wifi disconnects"]
    assert hits[0].doc_id == "CB-2"


def test_hits_say_how_near_they_are_by_meaning_and_lexical_only_hits_do_not(tmp_path):
    engine = _engine(tmp_path, ConceptEmbedder(CONCEPTS))
    engine.upsert([_case("CB-1", "Wifi disconnects"), _case("CB-2", "Printer jams", "wifi printer")])

    hits = {
        h.doc_id: h
        for h in engine.search(
            SearchQuery(text="wireless dropping", kinds=[DocKind.CASE], vector_weight=1.0, min_similarity=0.5)
        )
    }
    lexical = engine.search(SearchQuery(text="wifi", kinds=[DocKind.CASE]))

    assert hits["CB-1"].similarity is not None and hits["CB-1"].similarity > 0.9
    assert "CB-2" not in hits
    assert all(h.similarity is None for h in lexical)


def test_a_document_in_both_rankings_keeps_the_vector_hits_similarity():
    lexical = [SearchHit(doc_id="a", kind=DocKind.CASE, score=3.0, matched_terms=["wifi"])]
    vector = [SearchHit(doc_id="a", kind=DocKind.CASE, score=0.8, similarity=0.8), _hit("b")]

    fused = {h.doc_id: h for h in fuse(lexical, vector, 1.0, 1.0)}

    assert fused["a"].similarity == 0.8 and fused["a"].matched_terms == ["wifi"]
    assert fused["b"].similarity is None


def test_a_long_querys_lexical_hit_far_by_meaning_needs_a_quarter_of_its_words():
    two = SearchHit(doc_id="a", kind=DocKind.CASE, score=1.0, matched_terms=["every", "since"])
    three = SearchHit(doc_id="b", kind=DocKind.CASE, score=0.9, matched_terms=["wifi", "every", "since"])
    long_text = "router drops wifi, the wifi keeps dropping every hour since the update"  # 9 content words
    query = SearchQuery(text=long_text, min_similarity=0.3, far_lexical_min_words=2)

    assert drop_far_lexical([two, three], [], {DocKind.CASE}, query) == [three]
    short = query.model_copy(update={"text": "router wifi drops every since"})
    assert drop_far_lexical([two, three], [], {DocKind.CASE}, short) == [two, three]
