"""The self-service service on the in-memory fakes: kinds, snippets, the public filter, events,
the fix catalogue and public answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.cases.models import Actor, ActorType, CaseStatus, CaseUpdate, Channel, ReplyIn
from functions.cases.service import CaseService
from functions.core.errors import Conflict, Duplicate, InvalidInput, NotFound, VersionConflict
from functions.knowledge.service import KnowledgeService
from functions.search.port import DocKind, SearchDoc
from functions.selfservice.models import (
    DeflectionEvent,
    FixIn,
    FixUpdate,
    PublicAnswerIn,
    SearchParams,
    SuggestParams,
)
from functions.selfservice.rules import answer_id_for
from functions.selfservice.service import SelfService
from tests.fakes.cases import FakeCaseStore, FakeReplyChannel
from tests.fakes.customers import FakeCustomerStore
from tests.fakes.knowledge import FakeArticleStore
from tests.fakes.search import FakeSearchIndex
from tests.fakes.selfservice import FakeAnswerStore, FakeEventStore, FakeFixStore

AGENT = Actor(type=ActorType.AGENT, id="alice")


class _Events(FakeEventStore):
    @property
    def recorded_events(self) -> list[DeflectionEvent]:
        return [r.event for r in self.recorded]


def _service(docs):
    index = FakeSearchIndex()
    index.upsert(docs)
    events = _Events()
    service = SelfService(search=index, fixes=FakeFixStore(), answers=FakeAnswerStore(), events=events)
    return service, index, events


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
    assert [(e.type, e.query) for e in events.recorded_events] == [("searched", "refund for [email]")]


def test_events_missing_what_their_type_needs_are_refused_with_the_field_names():
    service, _, events = _service([])
    with pytest.raises(InvalidInput) as err:
        service.record_events([DeflectionEvent(session_id="s_12345678", type="opened_case")])
    assert err.value.fields[0]["field"] == "events.0.case_id"
    assert events.recorded == []


def test_public_answer_ids_are_stable_and_not_the_case_number():
    assert answer_id_for("CB-100001") == answer_id_for("CB-100001")
    assert "100001" not in answer_id_for("CB-100001")


def test_too_many_events_at_once_are_refused():
    service, _, events = _service([])
    batch = [DeflectionEvent(session_id="s_12345678", type="solved_it")] * 26

    with pytest.raises(InvalidInput) as err:
        service.record_events(batch)

    assert err.value.fields[0]["field"] == "events"
    assert service.record_events(batch[:1], source="web-form", max_events=1) == 1
    assert [r.source for r in events.recorded] == ["web-form"]


# -- the fix catalogue --------------------------------------------------------------------------
def _fix(**over) -> FixIn:
    data = {
        "fix_id": "reset-password",
        "title": "Reset my password",
        "description": "Sends a link.",
        "intents": ["reset_password"],
        "action": {"type": "link", "target": "/reset"},
    }
    data.update(over)
    return FixIn.model_validate(data)


def test_seeding_the_catalogue_twice_creates_nothing_new():
    service, _, _ = _service([])

    first = service.seed_fixes("alice")
    again = service.seed_fixes("alice")

    assert first.created and again.created == [] and set(again.existing) == set(first.created)
    assert [f.fix_id for f in service.list_fixes().items] == sorted(first.created)


def test_a_fix_changes_only_from_the_version_seen_and_a_disabled_one_is_hidden_from_customers():
    service, _, _ = _service([])
    service.create_fix(_fix(), "alice")
    with pytest.raises(Duplicate):
        service.create_fix(_fix(), "bob")

    service.update_fix("reset-password", FixUpdate(enabled=False), "alice", if_match=1)
    with pytest.raises(VersionConflict):
        service.update_fix("reset-password", FixUpdate(title="x"), "bob", if_match=1)

    assert service.get_fix("reset-password").version == 2
    with pytest.raises(NotFound):
        service.customer_fix("reset-password")
    service.delete_fix("reset-password")
    with pytest.raises(NotFound):
        service.delete_fix("reset-password")


# -- public answers -----------------------------------------------------------------------------
class World:
    """Self-service with the case and knowledge services on fakes."""

    def __init__(self) -> None:
        self.at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        self.cases = CaseService(FakeCaseStore(), reply_channels={Channel.EMAIL: FakeReplyChannel()}, clock=self.clock)
        knowledge = KnowledgeService(
            FakeArticleStore(), cases=self.cases, customers=FakeCustomerStore(), clock=self.clock
        )
        self.answers = FakeAnswerStore()
        self.service = SelfService(
            search=FakeSearchIndex(),
            fixes=FakeFixStore(),
            answers=self.answers,
            events=FakeEventStore(),
            cases=self.cases,
            knowledge=knowledge,
            clock=self.clock,
        )

    def clock(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at

    def solved_case(self) -> str:
        case = self.cases.open_case(
            subject="Dana Lee cannot log in",
            description="Hi, I am Dana Lee, call me at +1 415 555 0123.",
            channel=Channel.EMAIL,
            actor=AGENT,
            contact_email="dana.lee@pacific.example",
        )
        self.cases.reply(case.case_id, AGENT, ReplyIn(body="Dear Dana, reset the password from the login page."))
        self.cases.update(case.case_id, AGENT, CaseUpdate(status=CaseStatus.RESOLVED))
        return case.case_id


def test_a_public_answer_is_a_scrubbed_copy_of_the_solved_case_noted_on_it_once():
    world = World()
    cid = world.solved_case()

    answer = world.service.mark_public_answer(cid, "alice", PublicAnswerIn())
    world.service.mark_public_answer(cid, "alice", PublicAnswerIn(title="Cannot log in"))

    exposed = world.service.customer_answer(answer.answer_id).model_dump_json()
    for leaked in ("Dana", "Lee", "415", cid):
        assert leaked not in exposed, leaked
    assert "reset the password" in exposed and answer.answer_id == answer_id_for(cid)
    notes = [e for e in world.cases.view(cid).timeline if (e.data or {}).get("public_answer")]
    assert len(notes) == 1 and notes[0].visibility == "internal"


def test_only_a_solved_case_can_be_a_public_answer():
    world = World()
    case = world.cases.open_case(subject="Open", channel=Channel.EMAIL, actor=AGENT, contact_email="a@b.example")

    with pytest.raises(Conflict):
        world.service.mark_public_answer(case.case_id, "alice", PublicAnswerIn(answer="x"))

    assert world.answers.answers == {}


def test_unmarking_removes_the_answer_and_says_so_on_the_case():
    world = World()
    cid = world.solved_case()
    world.service.mark_public_answer(cid, "alice", PublicAnswerIn())

    world.service.unmark_public_answer(cid, "alice")

    with pytest.raises(NotFound):
        world.service.public_answer_of(cid)
    with pytest.raises(NotFound):
        world.service.unmark_public_answer(cid, "alice")
    assert world.cases.view(cid).timeline[-1].data == {
        "public_answer": {"answer_id": answer_id_for(cid), "marked": False}
    }
