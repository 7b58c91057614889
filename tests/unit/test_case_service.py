"""The case service's use cases on the in-memory fakes: open, thread, change, reply (with
idempotency keys), close resolved cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.cases.models import (
    Actor,
    ActorType,
    Case,
    CaseQuery,
    CaseStatus,
    CaseUpdate,
    Channel,
    EventKind,
    Message,
    ReplyIn,
)
from functions.cases.service import CaseService
from functions.core.errors import Conflict, Duplicate, InvalidTransition, NotFound, VersionConflict
from functions.core.idempotency import InProgress, KeyReused
from functions.customers.models import CustomerIn
from tests.fakes.cases import FakeCaseStore, FakeReplyChannel
from tests.fakes.customers import FakeCustomerStore
from tests.fakes.idempotency import FakeIdempotency

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEY = "9b1d2c3e-4f5a-4b6c-8d7e-0f1a2b3c4d5e"
AGENT = Actor(type=ActorType.AGENT, id="alice")
CUSTOMER = Actor(type=ActorType.CUSTOMER)


class Clock:
    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


class World:
    """A case service on fakes, with the parts a test looks at."""

    def __init__(self, store: FakeCaseStore | None = None) -> None:
        self.clock = Clock()
        self.store = store or FakeCaseStore()
        self.customers = FakeCustomerStore(clock=self.clock)
        self.email = FakeReplyChannel(Channel.EMAIL)
        self.chat = FakeReplyChannel(Channel.CHAT)
        self.keys = FakeIdempotency(clock=self.clock)
        self.service = CaseService(
            self.store,
            directory=self.customers,
            reply_channels={Channel.EMAIL: self.email, Channel.CHAT: self.chat},
            clock=self.clock,
            idempotency=self.keys,
            auto_close_after=timedelta(days=7),
        )

    def open(self, **over) -> Case:
        data = {
            "subject": "Printer jams",
            "channel": Channel.EMAIL,
            "actor": CUSTOMER,
            "contact_email": "ann@example.org",
        }
        data.update(over)
        return self.service.open_case(**data)

    def kinds(self, case_id: str) -> list[str]:
        events, _ = self.store.timeline(case_id)
        return [e.kind.value for e in events]


@pytest.fixture
def world() -> World:
    return World()


def mail(message_id: str, body: str = "It still jams.") -> Message:
    return Message(channel=Channel.EMAIL, direction="in", body_text=body, message_id=message_id)


# -- opening ---------------------------------------------------------------------------
def test_case_numbers_come_from_the_counter_with_the_prefix(world):
    assert [world.open().case_id for _ in range(3)] == ["CB-100001", "CB-100002", "CB-100003"]


def test_a_case_opened_by_a_message_is_new_with_the_message_on_its_timeline(world):
    case = world.open(message=mail("<m1@example.org>"), pointers=["<m1@example.org>"])

    assert (case.status, case.interaction_count, case.last_inbound_at) == (CaseStatus.NEW, 1, T0)
    assert world.kinds(case.case_id) == ["created", "message_in"]
    assert world.service.find_case_for_message_ids(["<other@x>", "<m1@example.org>"]) == case.case_id


def test_a_known_sender_is_the_customers_contact(world):
    world.customers.upsert(
        CustomerIn.model_validate(
            {"customer_id": "acme", "name": "Acme", "contacts": [{"name": "Ann Lee", "email": "Ann@Acme.example"}]}
        )
    )

    case = world.open(contact_email="ann@acme.example")

    assert (case.customer_id, case.contact_name) == ("acme", "Ann Lee")
    assert case.contact_id is not None


def test_an_unknown_sender_of_a_customers_mail_domain_belongs_to_that_customer(world):
    world.customers.upsert(
        CustomerIn.model_validate({"customer_id": "acme", "name": "Acme", "email_domains": ["acme.example"]})
    )

    assert world.open(contact_email="new.person@acme.example").customer_id == "acme"
    assert world.open(contact_email="someone@gmail.com").customer_id is None


def test_opening_a_case_for_a_message_already_recorded_writes_nothing(world):
    first = world.open(message=mail("<m1@x>"), pointers=["<m1@x>"])

    with pytest.raises(Duplicate, match=first.case_id):
        world.open(message=mail("<m1@x>"), pointers=["<m1@x>"])

    assert list(world.store.cases) == [first.case_id]


# -- threading -----------------------------------------------------------------------------
def test_the_customer_writing_again_reopens_a_case_waiting_on_them(world):
    case = world.open()
    world.service.update(case.case_id, AGENT, CaseUpdate(status=CaseStatus.PENDING_CUSTOMER))
    world.clock.advance(hours=1)

    updated, event = world.service.add_inbound(case.case_id, mail("<m2@x>"), CUSTOMER, pointers=["<m2@x>"])

    assert updated.status == CaseStatus.OPEN and updated.last_inbound_at == world.clock()
    assert event.kind == EventKind.MESSAGE_IN
    assert world.kinds(case.case_id)[-2:] == ["message_in", "status_changed"]
    assert world.service.find_case_for_message_ids(["<m2@x>"]) == case.case_id


def test_the_same_message_threaded_twice_is_a_duplicate_and_changes_nothing(world):
    case = world.open()
    world.service.add_inbound(case.case_id, mail("<m2@x>"), CUSTOMER, pointers=["<m2@x>"])
    before = world.service.get(case.case_id)

    with pytest.raises(Duplicate):
        world.service.add_inbound(case.case_id, mail("<m2@x>"), CUSTOMER, pointers=["<m2@x>"])

    assert world.service.get(case.case_id) == before


def test_a_closed_case_takes_no_more_messages(world):
    case = world.open()
    world.service.update(case.case_id, AGENT, CaseUpdate(status=CaseStatus.CLOSED))

    with pytest.raises(Conflict, match="closed"):
        world.service.add_inbound(case.case_id, mail("<m3@x>"), CUSTOMER)


# -- agents' changes ---------------------------------------------------------------------------
def test_status_transitions_follow_the_lifecycle(world):
    cid = world.open().case_id
    world.service.update(cid, AGENT, CaseUpdate(status=CaseStatus.RESOLVED))
    closed = world.service.update(cid, AGENT, CaseUpdate(status=CaseStatus.CLOSED))

    assert (closed.status, closed.closed_at, closed.version) == (CaseStatus.CLOSED, T0, 3)
    with pytest.raises(InvalidTransition) as refused:
        world.service.update(cid, AGENT, CaseUpdate(status=CaseStatus.OPEN))
    assert refused.value.allowed == []


def test_a_change_from_a_stale_version_is_refused_and_changes_nothing(world):
    cid = world.open().case_id
    world.service.update(cid, AGENT, CaseUpdate(version=1, priority="high"))

    with pytest.raises(VersionConflict):
        world.service.update(cid, AGENT, CaseUpdate(priority="low"), if_match=1)

    assert world.service.get(cid).priority == "high"


def test_assigning_a_new_case_opens_it_with_an_internal_change_event(world):
    cid = world.open().case_id
    world.clock.advance(minutes=1)

    case = world.service.update(cid, AGENT, CaseUpdate(assignee="bob"))

    assert (case.status, case.assignee) == (CaseStatus.OPEN, "bob")
    events, _ = world.store.timeline(cid)
    assert [(e.kind.value, e.visibility) for e in events[1:]] == [
        ("status_changed", "public"),
        ("fields_changed", "internal"),
    ]
    assert [c.case_id for c in world.service.list_cases(CaseQuery(assignee="bob")).items] == [cid]


def test_a_change_that_changes_nothing_writes_nothing(world):
    case = world.open()

    assert world.service.update(case.case_id, AGENT, CaseUpdate(priority="normal")) == case
    assert world.kinds(case.case_id) == ["created"]


def test_notes_are_internal(world):
    cid = world.open().case_id

    note = world.service.add_note(cid, AGENT, "Called back, no answer")

    assert (note.kind, note.visibility) == (EventKind.NOTE, "internal")
    assert world.service.view(cid, public_only=True).timeline[-1].kind == EventKind.CREATED


def test_cases_are_listed_newest_activity_first_a_page_at_a_time(world):
    made = []
    for i in range(5):
        made.append(world.open(product="printer-x" if i % 2 == 0 else "router-y").case_id)
        world.clock.advance(minutes=1)
    seen, cursor = [], None
    while True:
        page = world.service.list_cases(CaseQuery(product="printer-x", limit=2, cursor=cursor))
        seen += [c.case_id for c in page.items]
        if not (cursor := page.next_cursor):
            break

    assert seen == [made[4], made[2], made[0]]


def test_an_unknown_case_is_not_found(world):
    with pytest.raises(NotFound):
        world.service.view("CB-999999")


# -- replies -------------------------------------------------------------------------------------
def test_a_reply_goes_out_through_the_cases_channel_and_waits_on_the_customer(world):
    cid = world.open().case_id
    world.clock.advance(minutes=5)

    event = world.service.reply(cid, AGENT, ReplyIn(body="Please try a new cartridge."))

    assert [(sent[0], sent[1]) for sent in world.email.sent] == [(cid, "Please try a new cartridge.")]
    case = world.service.get(cid)
    assert (case.status, case.first_response_at, case.interaction_count) == (
        CaseStatus.PENDING_CUSTOMER,
        world.clock(),
        1,
    )
    assert event.kind == EventKind.MESSAGE_OUT
    assert world.service.find_case_for_message_ids(["<reply-1@fake.example>"]) == cid


def test_a_reply_into_a_live_chat_keeps_the_status_unless_asked(world):
    cid = world.open(channel=Channel.CHAT).case_id
    world.service.update(cid, AGENT, CaseUpdate(status=CaseStatus.OPEN))

    world.service.reply(cid, AGENT, ReplyIn(body="Let me check."))
    assert world.service.get(cid).status == CaseStatus.OPEN

    world.service.reply(cid, AGENT, ReplyIn(body="Done.", status_after=CaseStatus.RESOLVED))
    assert world.service.get(cid).status == CaseStatus.RESOLVED
    assert len(world.chat.sent) == 2 and world.email.sent == []


def test_a_closed_case_or_one_without_an_address_sends_nothing(world):
    closed = world.open().case_id
    world.service.update(closed, AGENT, CaseUpdate(status=CaseStatus.CLOSED))
    nobody = world.open(contact_email=None).case_id

    for cid in (closed, nobody):
        with pytest.raises(Conflict):
            world.service.reply(cid, AGENT, ReplyIn(body="hello"))

    assert world.email.sent == []


def test_a_repeated_reply_with_its_key_is_sent_once_and_answers_the_same_event(world):
    cid = world.open().case_id

    first, replayed_first = world.service.reply_once(cid, AGENT, ReplyIn(body="Try a new cartridge."), KEY)
    again, replayed_again = world.service.reply_once(cid, AGENT, ReplyIn(body="Try a new cartridge."), KEY)

    assert (replayed_first, replayed_again) == (False, True)
    assert again == first
    assert len(world.email.sent) == 1
    assert world.kinds(cid).count("message_out") == 1


def test_the_same_key_with_another_reply_is_refused_and_sends_nothing(world):
    cid = world.open().case_id
    world.service.reply_once(cid, AGENT, ReplyIn(body="Try a new cartridge."), KEY)

    with pytest.raises(KeyReused):
        world.service.reply_once(cid, AGENT, ReplyIn(body="Something else"), KEY)
    with pytest.raises(KeyReused):  # an explicit status_after is another request than an omitted one
        world.service.reply_once(cid, AGENT, ReplyIn(body="Try a new cartridge.", status_after=None), KEY)

    assert len(world.email.sent) == 1


def test_the_same_key_on_another_case_is_another_reply(world):
    one, other = world.open().case_id, world.open().case_id

    world.service.reply_once(one, AGENT, ReplyIn(body="hi"), KEY)
    _, replayed = world.service.reply_once(other, AGENT, ReplyIn(body="hi"), KEY)

    assert not replayed and len(world.email.sent) == 2


def test_a_reply_that_could_not_be_sent_frees_its_key(world):
    cid = world.open().case_id
    world.email.fail_with = RuntimeError("SES is down")
    with pytest.raises(RuntimeError):
        world.service.reply_once(cid, AGENT, ReplyIn(body="hi"), KEY)
    world.email.fail_with = None

    _, replayed = world.service.reply_once(cid, AGENT, ReplyIn(body="hi"), KEY)

    assert not replayed and len(world.email.sent) == 1


def test_a_repeat_while_the_first_reply_is_still_sending_is_in_progress(world):
    # Given a first request that holds the key and is still sending (a sender that retries meanwhile)
    case = world.open()
    outcomes: list[str] = []

    class RetryingSender:
        def send_reply(self, case, body, agent, thread):
            try:
                world.service.reply_once(case.case_id, AGENT, ReplyIn(body="hi"), KEY)
            except InProgress:
                outcomes.append("in_progress")
            return Message(channel=Channel.EMAIL, direction="out", body_text=body, message_id="<r1@x>")

    world.service.reply_channels = {Channel.EMAIL: RetryingSender()}

    event, replayed = world.service.reply_once(case.case_id, AGENT, ReplyIn(body="hi"), KEY)

    assert outcomes == ["in_progress"] and not replayed
    assert world.service.reply_once(case.case_id, AGENT, ReplyIn(body="hi"), KEY) == (event, True)


def test_replies_without_a_key_are_sent_each_time(world):
    cid = world.open().case_id

    world.service.reply_once(cid, AGENT, ReplyIn(body="hi"), None)
    world.service.reply_once(cid, AGENT, ReplyIn(body="hi"), None)

    assert len(world.email.sent) == 2


# -- closing resolved cases ----------------------------------------------------------------------
def test_resolved_cases_close_after_the_grace_period_unless_reopened(world):
    old, fresh, reopened = (world.open().case_id for _ in range(3))
    for cid in (old, reopened):
        world.service.update(cid, AGENT, CaseUpdate(status=CaseStatus.RESOLVED))
    world.clock.advance(days=3)
    world.service.update(fresh, AGENT, CaseUpdate(status=CaseStatus.RESOLVED))
    world.service.update(reopened, AGENT, CaseUpdate(status=CaseStatus.OPEN))

    closed = world.service.close_resolved(T0 + timedelta(days=8))

    assert closed == [old]
    assert [world.service.get(c).status for c in (old, fresh, reopened)] == [
        CaseStatus.CLOSED,
        CaseStatus.RESOLVED,
        CaseStatus.OPEN,
    ]
    events, _ = world.store.timeline(old)
    assert events[-1].actor.id == "auto-close"


def test_a_case_touched_while_the_job_runs_is_left_alone():
    class CustomerWritesMeanwhile(FakeCaseStore):
        def resolved_before(self, cutoff, limit=500):
            found = super().resolved_before(cutoff, limit)
            for case in found:  # the customer writes in between: the case reopens
                world.service.add_inbound(case.case_id, mail(f"<late-{case.case_id}@x>"), CUSTOMER)
            return found

    world = World(CustomerWritesMeanwhile())
    cid = world.open().case_id
    world.service.update(cid, AGENT, CaseUpdate(status=CaseStatus.RESOLVED))

    assert world.service.close_resolved(T0 + timedelta(days=8)) == []
    assert world.service.get(cid).status == CaseStatus.OPEN
