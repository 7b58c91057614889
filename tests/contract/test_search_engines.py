"""One contract for every search engine (functions.search.port.SearchIndex).

The embedded engine (Tantivy, in a temp dir) always runs; OpenSearch runs whenever
``OPENSEARCH_URL`` is set (e.g. ``http://127.0.0.1:9200``, ``https://user:pass@host:9200``, or a
domain endpoint ``https://search-....es.amazonaws.com`` with ``OPENSEARCH_SIGV4=es`` (or ``aoss``)
and ``OPENSEARCH_REGION``: requests are then signed with the environment's AWS credentials),
against indexes with a throwaway prefix that are deleted afterwards (docs/deploy.md explains).

``tests/contract/test_engine_parity.py`` holds the two engines' analysis and query plans together.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from functions.search.analysis import parse_synonyms
from functions.search.port import DocKind, SearchDoc, SearchIndex, SearchQuery

SYNONYMS = parse_synonyms("refund, reimbursement\npassword, passcode\n")


def _embedded(tmp_path) -> Iterator[SearchIndex]:
    from functions.search.embedded import EmbeddedIndex

    yield EmbeddedIndex(tmp_path / "index", synonyms=SYNONYMS)


def opensearch_auth() -> dict[str, str]:
    """SigV4 settings from the environment (OPENSEARCH_SIGV4=es|aoss, OPENSEARCH_REGION)."""
    service = os.environ.get("OPENSEARCH_SIGV4")
    if not service:
        return {}
    return {
        "sigv4_service": service,
        "region": os.environ.get("OPENSEARCH_REGION") or os.environ.get("AWS_REGION", "us-east-1"),
    }


def _opensearch(tmp_path) -> Iterator[SearchIndex]:
    url = os.environ.get("OPENSEARCH_URL")
    if not url:
        pytest.skip("OPENSEARCH_URL is not set: no OpenSearch cluster to run the contract against")
    from functions.search.opensearch import OpenSearchIndex

    prefix = f"casebridge-contract-{uuid.uuid4().hex[:8]}"
    index = OpenSearchIndex.from_url(url, prefix=prefix, synonyms=SYNONYMS, replicas=0, **opensearch_auth())
    try:
        yield index
    finally:
        index.client.indices.delete(index=f"{prefix}-*", params={"ignore": 404})
        for kind in DocKind:
            index.client.indices.delete_index_template(name=index.alias(kind), params={"ignore": 404})


@pytest.fixture(params=["embedded", "opensearch"])
def engine(request, tmp_path) -> Iterator[SearchIndex]:
    factory = {"embedded": _embedded, "opensearch": _opensearch}[request.param]
    yield from factory(tmp_path)


def case(doc_id: str, title: str, body: str = "", **fields: str | list[str]) -> SearchDoc:
    return SearchDoc(doc_id=doc_id, kind=DocKind.CASE, title=title, body=body, fields=fields)


def search(index: SearchIndex, text: str, **kwargs) -> list:
    index.refresh()
    return index.search(SearchQuery(text=text, **kwargs))


def test_upsert_then_get_returns_the_document(engine):
    doc = case("CB-1", "Refund not received", "I returned the kettle two weeks ago", product="kettle")
    engine.upsert([doc])
    engine.refresh()
    assert engine.get(DocKind.CASE, "CB-1") == doc


def test_upserting_the_same_document_twice_keeps_one_copy_with_the_latest_content(engine):
    engine.upsert([case("CB-1", "First title")])
    engine.upsert([case("CB-1", "Second title")])
    engine.refresh()
    assert engine.count(DocKind.CASE) == 1
    assert engine.get(DocKind.CASE, "CB-1").title == "Second title"


def test_delete_is_idempotent_and_removes_the_document_from_search(engine):
    engine.upsert([case("CB-1", "Printer jammed")])
    engine.delete(DocKind.CASE, ["CB-1"])
    engine.delete(DocKind.CASE, ["CB-1", "never-indexed"])
    engine.refresh()
    assert engine.get(DocKind.CASE, "CB-1") is None
    assert search(engine, "printer") == []


def test_stemming_finds_plural_forms(engine):
    engine.upsert([case("CB-1", "Where is my refund")])
    hits = search(engine, "refunds")
    assert [h.doc_id for h in hits] == ["CB-1"]


def test_synonyms_find_documents_that_use_another_word(engine):
    engine.upsert([case("CB-1", "Reimbursement for a damaged parcel")])
    hits = search(engine, "refund")
    assert [h.doc_id for h in hits] == ["CB-1"]


def test_filters_keep_only_matching_documents(engine):
    engine.upsert(
        [
            case("CB-1", "Battery drains fast", status="open", product="phone"),
            case("CB-2", "Battery drains fast", status="resolved", product="phone"),
            case("CB-3", "Battery drains fast", status="closed", product="phone"),
        ]
    )
    hits = search(engine, "battery", filters={"status": ["open", "resolved"], "product": "phone"})
    assert sorted(h.doc_id for h in hits) == ["CB-1", "CB-2"]


def test_excludes_leave_out_documents_by_field_and_by_id(engine):
    engine.upsert(
        [
            case("CB-1", "Battery drains fast", customer_id="acme"),
            case("CB-2", "Battery drains fast", customer_id="globex"),
            case("CB-3", "Battery drains fast", customer_id="initech"),
        ]
    )
    hits = search(engine, "battery", exclude={"customer_id": "acme"}, exclude_ids=["CB-3"])
    assert [h.doc_id for h in hits] == ["CB-2"]


def test_kinds_are_separate_and_each_hit_says_its_kind(engine):
    engine.upsert(
        [
            case("X-1", "Reset my password"),
            SearchDoc(doc_id="X-1", kind=DocKind.ARTICLE, title="How to reset your password"),
            SearchDoc(doc_id="fix-pw", kind=DocKind.FIX, title="Reset password"),
        ]
    )
    engine.refresh()
    assert engine.count(DocKind.CASE) == 1 and engine.count(DocKind.ARTICLE) == 1
    only_articles = search(engine, "password", kinds=[DocKind.ARTICLE])
    assert [(h.kind, h.doc_id) for h in only_articles] == [(DocKind.ARTICLE, "X-1")]
    every_kind = search(engine, "password", kinds=list(DocKind))
    assert {(h.kind, h.doc_id) for h in every_kind} == {
        (DocKind.CASE, "X-1"),
        (DocKind.ARTICLE, "X-1"),
        (DocKind.FIX, "fix-pw"),
    }


def test_highlighted_snippet_and_matched_terms_show_what_matched(engine):
    engine.upsert([case("CB-1", "Delivery problem", "The courier left the parcel at the wrong address")])
    [hit] = search(engine, "wrong address")
    assert "<em>wrong</em>" in hit.snippet and "<em>address</em>" in hit.snippet
    assert hit.matched_terms == ["wrong", "address"]


def test_the_snippet_of_a_long_body_is_the_part_around_the_match(engine):
    body = "Lorem ipsum dolor sit amet. " * 30 + "Then the blender started smoking. " + "Filler words here. " * 30
    engine.upsert([case("CB-1", "Kitchen appliance", body)])
    [hit] = search(engine, "blender")
    assert "<em>blender</em> started smoking" in hit.snippet
    assert len(hit.snippet) < 400


def test_a_title_match_ranks_above_a_body_match(engine):
    engine.upsert(
        [
            case("body", "Question about my account", "the invoice total looks wrong to me"),
            case("title", "Invoice total looks wrong", "question about my account"),
        ]
    )
    hits = search(engine, "invoice")
    assert [h.doc_id for h in hits] == ["title", "body"]
    assert hits[0].score > hits[1].score


def test_recreate_empties_only_that_kind(engine):
    engine.upsert([case("CB-1", "Screen flickers"), SearchDoc(doc_id="A-1", kind=DocKind.ARTICLE, title="Screen")])
    engine.recreate(DocKind.CASE)
    engine.refresh()
    assert engine.count(DocKind.CASE) == 0
    assert engine.count(DocKind.ARTICLE) == 1
    assert search(engine, "screen", kinds=[DocKind.CASE]) == []


def test_unicode_text_is_indexed_searched_and_highlighted(engine):
    engine.upsert([case("CB-1", "Café au lait machine", "Die Kaffeemaschine zeigt Fehler 東京 ✓")])
    [hit] = search(engine, "café")
    assert hit.doc_id == "CB-1"
    [hit] = search(engine, "fehler")
    assert "<em>Fehler</em>" in hit.snippet
    assert engine.get(DocKind.CASE, "CB-1").body.endswith("東京 ✓")


def test_a_query_without_words_finds_nothing(engine):
    engine.upsert([case("CB-1", "Anything")])
    assert search(engine, "?!  ...") == []


def test_reindex_replaces_a_kinds_documents_and_leaves_other_kinds(engine):
    engine.upsert([case("CB-1", "Screen flickers"), SearchDoc(doc_id="A-1", kind=DocKind.ARTICLE, title="Screen")])
    loaded = engine.reindex(DocKind.CASE, [case("CB-2", "Battery drains"), case("CB-3", "Battery swells")])
    engine.refresh()
    assert loaded == 2
    assert engine.get(DocKind.CASE, "CB-1") is None
    assert [h.doc_id for h in search(engine, "battery", kinds=[DocKind.CASE])] in (["CB-2", "CB-3"], ["CB-3", "CB-2"])
    assert engine.count(DocKind.ARTICLE) == 1


def test_reconcile_writes_what_differs_and_deletes_what_is_gone(engine):
    engine.upsert([case("CB-1", "Screen flickers"), case("CB-2", "Battery drains"), case("CB-3", "Fan is loud")])
    engine.refresh()
    fresh = [case("CB-1", "Screen flickers"), case("CB-2", "Battery drains fast"), case("CB-4", "Hinge broke")]
    result = engine.reconcile([DocKind.CASE], lambda: {DocKind.CASE: fresh})
    engine.refresh()
    assert result[DocKind.CASE].as_json() == {"upserted": 2, "deleted": 1, "superseded": 0}
    assert {d.doc_id: d.title for i in ("CB-1", "CB-2", "CB-3", "CB-4") if (d := engine.get(DocKind.CASE, i))} == {
        "CB-1": "Screen flickers",
        "CB-2": "Battery drains fast",
        "CB-4": "Hinge broke",
    }


# ---------------------------------------------------------------------------- vectors (hybrid queries)
HYBRID_CONCEPTS = {
    "wifi": "network",
    "wireless": "network",
    "internet": "network",
    "drops": "drop",
    "disconnecting": "drop",
}


@pytest.fixture(params=["embedded", "opensearch"])
def hybrid_engine(request, tmp_path) -> Iterator[SearchIndex]:
    """Each engine with a fake embedder (tests.fakes.search.ConceptEmbedder): vectors on write, k-NN on query."""
    from tests.fakes.search import ConceptEmbedder

    embedder = ConceptEmbedder(HYBRID_CONCEPTS, dim=16)
    if request.param == "embedded":
        from functions.search.embedded import EmbeddedIndex

        yield EmbeddedIndex(tmp_path / "index", synonyms=SYNONYMS, embedder=embedder)
        return
    url = os.environ.get("OPENSEARCH_URL")
    if not url:
        pytest.skip("OPENSEARCH_URL is not set: no OpenSearch cluster to run the contract against")
    from functions.search.opensearch import OpenSearchIndex

    prefix = f"casebridge-contract-{uuid.uuid4().hex[:8]}"
    index = OpenSearchIndex.from_url(
        url, prefix=prefix, synonyms=SYNONYMS, replicas=0, embedder=embedder, **opensearch_auth()
    )
    try:
        yield index
    finally:
        index.client.indices.delete(index=f"{prefix}-*", params={"ignore": 404})
        for kind in DocKind:
            index.client.indices.delete_index_template(name=index.alias(kind), params={"ignore": 404})


def test_a_hybrid_query_finds_a_paraphrase_that_shares_no_word_with_it(hybrid_engine):
    hybrid_engine.upsert([case("CB-1", "Wifi drops every hour"), case("CB-2", "Printer jams on page two")])

    lexical = search(hybrid_engine, "wireless disconnecting", kinds=[DocKind.CASE])
    hybrid = search(hybrid_engine, "wireless disconnecting", kinds=[DocKind.CASE], vector_weight=1.0)

    assert lexical == []
    assert hybrid[0].doc_id == "CB-1"


def test_a_hybrid_query_keeps_filters_and_excludes_on_its_vector_side(hybrid_engine):
    hybrid_engine.upsert(
        [
            case("CB-1", "Wifi drops", customer_id="acme", status="open"),
            case("CB-2", "Internet drops", customer_id="globex", status="open"),
            case("CB-3", "Wireless drops", customer_id="globex", status="closed"),
        ]
    )

    hits = search(
        hybrid_engine,
        "network disconnecting",
        kinds=[DocKind.CASE],
        filters={"status": "open"},
        exclude={"customer_id": "acme"},
        vector_weight=1.0,
    )

    assert [h.doc_id for h in hits] == ["CB-2"]


def test_documents_read_back_from_a_vector_index_are_the_documents_written(hybrid_engine):
    doc = case("CB-1", "Wifi drops", "every hour", product="router")
    hybrid_engine.upsert([doc])
    hybrid_engine.refresh()

    assert hybrid_engine.get(DocKind.CASE, "CB-1") == doc
