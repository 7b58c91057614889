"""Self-service logic on the in-memory fake index: kinds, snippets, the public filter."""

from __future__ import annotations

from functions.search.port import DocKind, SearchDoc
from functions.selfservice.logic import SelfService, answer_id_for
from functions.selfservice.models import DeflectionEvent, SearchParams, SuggestParams
from tests.fakes.search import FakeSearchIndex


class _Events:
    def __init__(self):
        self.recorded = []

    def record(self, events, received_at, source):
        self.recorded += events
        return len(events)


def _service(docs):
    index = FakeSearchIndex()
    index.upsert(docs)
    events = _Events()
    return SelfService(search=index, fixes=None, answers=None, events=events), index, events  # type: ignore[arg-type]


def _doc(kind, doc_id, title, body, audience="public"):
    return SearchDoc(doc_id=doc_id, kind=kind, title=title, body=body, fields={"audience": audience})


def test_results_say_their_kind_and_carry_a_highlighted_snippet():
    service, _, _ = _service(
        [
            _doc(DocKind.ARTICLE, "KB-1", "Invoice VAT", "the invoice shows wrong VAT"),
            _doc(DocKind.CASE, "A1", "Invoice missing", "no invoice arrived"),
            _doc(DocKind.FIX, "resend-invoice", "Resend my invoice", "sends the invoice again"),
        ]
    )
    results = service.search(SearchParams(q="invoice")).results
    assert {r.kind for r in results} == {"article", "answer", "fix"}
    assert all("<em>invoice</em>" in r.snippet.lower() for r in results)


def test_hits_without_the_public_audience_are_dropped_even_if_the_engine_returns_them():
    service, index, _ = _service([_doc(DocKind.ARTICLE, "KB-2", "Secret", "invoice internals", audience="agents")])
    index.search = lambda q: FakeSearchIndex.search(index, q.model_copy(update={"filters": {}}))  # a careless engine
    assert service.search(SearchParams(q="invoice")).results == []


def test_suggest_asks_for_five_without_highlighting():
    service, index, _ = _service([_doc(DocKind.FIX, f"f{i}", f"Reset {i}", "reset") for i in range(8)])
    assert len(service.suggest(SuggestParams(q="reset")).suggestions) == 5
    assert index.queries[-1].limit == 5 and index.queries[-1].highlight is False


def test_a_search_with_a_session_records_a_scrubbed_searched_event():
    service, _, events = _service([])
    service.search(SearchParams(q="refund for jane@example.org", session="s_12345678"))
    assert [(e.type, e.query) for e in events.recorded] == [("searched", "refund for [email]")]


def test_events_missing_what_their_type_needs_are_refused_with_the_field_names():
    import pytest

    from functions.core.errors import InvalidInput

    service, _, events = _service([])
    with pytest.raises(InvalidInput) as err:
        service.record_events([DeflectionEvent(session_id="s_12345678", type="opened_case")], 25)
    assert err.value.fields[0]["field"] == "events.0.case_id"
    assert events.recorded == []


def test_public_answer_ids_are_stable_and_not_the_case_number():
    assert answer_id_for("CB-100001") == answer_id_for("CB-100001")
    assert "100001" not in answer_id_for("CB-100001")
