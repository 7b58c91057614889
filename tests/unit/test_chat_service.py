"""The chat's use cases on in-memory fakes (tests/fakes/channels.py): starting (once), turns
mirrored onto the case exactly once, agents' replies into the session or by email, ending with
the transcript on the case, the idle-chat job, bot hand-offs. The routes run on moto in
tests/integration/test_chat_*.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from functions.cases.models import Actor, ActorType, CaseStatus, CaseUpdate, Channel, EventKind, ReplyIn
from functions.channels.chat.models import ChatMessageIn, ChatStartIn, HandoffIn
from functions.channels.chat.rules import SessionGrant, verify_session_token
from functions.core.errors import Conflict
from functions.core.idempotency import KeyReused
from tests.fakes.channels import ChannelFakes, install_channel_fakes

START = ChatStartIn(name="Ann Example", email="ann@example.org", topic="Router keeps rebooting")
AGENT = Actor(type=ActorType.AGENT, id="alice", name="Alice")
BOT = Actor(type=ActorType.BOT, id="bot-1")
KEY = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
HANDOFF = {
    "conversation_id": "bot-conv-1",
    "customer": {"email": "ann@example.org", "name": "Ann Example"},
    "transcript": [{"role": "customer", "text": "My card was declined"}, {"role": "bot", "text": "Sorry!"}],
    "intent": "card_declined",
    "reason": "customer asked for a human",
}


@pytest.fixture
def fakes() -> ChannelFakes:
    return install_channel_fakes()


def say(fakes: ChannelFakes, chat, text: str, cid: str):
    return fakes.container.chat.customer_send(
        SessionGrant(chat.session_id, chat.case_id), ChatMessageIn(client_message_id=cid, text=text)
    )


def events(fakes: ChannelFakes, case_id: str, kind: EventKind):
    return [e for e in fakes.container.cases.view(case_id).timeline if e.kind == kind]


# -- starting ---------------------------------------------------------------------------------


def test_starting_opens_a_chat_case_bound_to_the_session(fakes):
    chat = fakes.container.chat.start(START)

    case = fakes.container.cases.get(chat.case_id)
    assert (case.channel, case.subject, case.context.chat_session_id) == (
        Channel.CHAT,
        "Chat: Router keeps rebooting",
        chat.session_id,
    )
    assert fakes.container.cases.find_case_for_message_ids([f"chat-session:{chat.session_id}"]) == case.case_id
    assert verify_session_token(chat.token, chat.session_id, max_age=60).case_id == case.case_id
    assert [s.session_id for s in fakes.container.chat.active(50, None)[0]] == [chat.session_id]


def test_a_repeated_start_with_the_same_key_is_the_same_session_and_one_case(fakes):
    first, replayed_first = fakes.container.chat.start_once(START, KEY)
    again, replayed = fakes.container.chat.start_once(START, KEY)

    assert (replayed_first, replayed) == (False, True)
    assert (again.session_id, again.case_id) == (first.session_id, first.case_id)
    assert len(fakes.case_store.cases) == 1 and len(fakes.chat_store.sessions) == 1


def test_the_same_start_key_with_another_form_is_refused(fakes):
    fakes.container.chat.start_once(START, KEY)

    with pytest.raises(KeyReused):
        fakes.container.chat.start_once(START.model_copy(update={"topic": "Something else"}), KEY)


def test_a_start_that_failed_before_opening_a_case_frees_its_key(fakes):
    fakes.container.override(cases=_Failing(fakes.container.cases))

    with pytest.raises(RuntimeError):
        fakes.container.chat.start_once(START, KEY)

    assert fakes.idempotency.records == {}


class _Failing:
    def __init__(self, cases) -> None:
        self._cases = cases

    def open_case(self, **kwargs):
        raise RuntimeError("the case table is down")

    def __getattr__(self, name):
        return getattr(self._cases, name)


# -- turns ------------------------------------------------------------------------------------


def test_a_customer_turn_is_on_the_case_as_it_happens_and_a_retry_once(fakes):
    chat = fakes.container.chat.start(START)

    first, created = say(fakes, chat, "It reboots every ten minutes", "c-1")
    again, created_again = say(fakes, chat, "It reboots every ten minutes", "c-1")

    assert (created, created_again, again.seq) == (True, False, first.seq)
    [turn] = events(fakes, chat.case_id, EventKind.MESSAGE_IN)
    assert turn.message.message_id == f"chat:{chat.session_id}:1"
    assert fakes.container.cases.get(chat.case_id).interaction_count == 1


def test_a_client_id_reused_for_other_text_is_a_conflict(fakes):
    chat = fakes.container.chat.start(START)
    say(fakes, chat, "hello", "c-1")

    with pytest.raises(Conflict):
        say(fakes, chat, "something else", "c-1")


def test_a_turn_on_a_case_closed_under_a_live_chat_stays_in_the_session(fakes):
    chat = fakes.container.chat.start(START)
    for status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        fakes.container.cases.update(chat.case_id, AGENT, CaseUpdate(status=status))

    turn, created = say(fakes, chat, "are you there?", "c-1")

    assert created and [m.text for m in fakes.chat_store.messages(chat.session_id)] == ["are you there?"]
    assert events(fakes, chat.case_id, EventKind.MESSAGE_IN) == []


def test_the_customer_sees_no_agent_ids(fakes):
    chat = fakes.container.chat.start(START)
    fakes.container.cases.reply(chat.case_id, AGENT, ReplyIn(body="Hi Ann, Alice here."))

    page = fakes.container.chat.customer_poll(SessionGrant(chat.session_id, chat.case_id), 0, 100)

    [turn] = page.messages
    assert (turn.role, turn.author_name, turn.text) == ("agent", "Alice", "Hi Ann, Alice here.")
    assert "alice" not in turn.model_dump_json()
    assert page.last_seq == 1


# -- agents' replies --------------------------------------------------------------------------


def test_an_agent_reply_goes_into_the_live_session_not_by_mail(fakes):
    chat = fakes.container.chat.start(START)

    event = fakes.container.cases.reply(chat.case_id, AGENT, ReplyIn(body="Please unplug it."))

    assert event.message.channel == Channel.CHAT and event.message.message_id == f"chat:{chat.session_id}:1"
    assert [(m.role, m.author_id) for m in fakes.chat_store.messages(chat.session_id)] == [("agent", "alice")]
    assert fakes.mailer.sent == []


def test_an_agent_reply_after_the_chat_ended_goes_by_email(fakes):
    chat = fakes.container.chat.start(START)
    fakes.container.chat.end(chat.session_id, role="customer")

    event = fakes.container.cases.reply(chat.case_id, AGENT, ReplyIn(body="Did it help?"))

    assert event.message.channel == Channel.EMAIL
    [sent] = fakes.mailer.sent
    assert sent["To"] == "ann@example.org" and "Did it help?" in sent.get_content()
    assert fakes.chat_store.messages(chat.session_id) == []


def test_an_agent_reply_after_a_chat_without_address_ended_is_refused(fakes):
    out = fakes.container.chat.handoff(HandoffIn.model_validate({**HANDOFF, "customer": {"name": "Anon"}}), BOT)
    fakes.container.chat.end(out.session.session_id, role="agent")

    with pytest.raises(Conflict):
        fakes.container.cases.reply(out.case.case_id, AGENT, ReplyIn(body="Hello?"))


# -- ending -----------------------------------------------------------------------------------


def test_ending_puts_the_ordered_transcript_on_the_case_once(fakes):
    chat = fakes.container.chat.start(START)
    say(fakes, chat, "It reboots", "c-1")
    fakes.container.cases.reply(chat.case_id, AGENT, ReplyIn(body="Unplug it."))

    ended = fakes.container.chat.end(chat.session_id, role="customer", reason="thanks")
    again = fakes.container.chat.end(chat.session_id, role="agent")

    assert (ended.status, ended.ended_by, ended.transcript_recorded) == ("ended", "customer", True)
    assert again.ended_by == "customer"
    [transcript] = events(fakes, chat.case_id, EventKind.CHAT_TRANSCRIPT)
    assert [(m["role"], m["text"]) for m in transcript.data["messages"]] == [
        ("customer", "It reboots"),
        ("agent", "Unplug it."),
    ]
    assert transcript.visibility == "public" and transcript.data["reason"] == "thanks"
    assert fakes.container.chat.active(50, None)[0] == []


def test_a_long_chat_lands_on_the_case_in_parts(fakes):
    chat = fakes.container.chat.start(START)
    for i in range(40):
        say(fakes, chat, f"{i:02d} " + "x" * 3_990, f"c-{i}")

    fakes.container.chat.end(chat.session_id, role="customer")

    parts = events(fakes, chat.case_id, EventKind.CHAT_TRANSCRIPT)
    assert len(parts) == 2 and {p.data["parts"] for p in parts} == {2}
    texts = [m["text"][:2] for p in sorted(parts, key=lambda p: p.data["part"]) for m in p.data["messages"]]
    assert texts == [f"{i:02d}" for i in range(40)]


def test_an_ended_chat_takes_no_turns(fakes):
    chat = fakes.container.chat.start(START)
    fakes.container.chat.end(chat.session_id, role="customer")

    with pytest.raises(Conflict):
        say(fakes, chat, "one more thing", "c-9")


# -- the idle-chat job ------------------------------------------------------------------------


def test_a_chat_idle_longer_than_the_limit_is_ended_with_a_last_system_turn(fakes):
    chat = fakes.container.chat.start(START)
    say(fakes, chat, "It reboots", "c-1")
    fakes.clock.advance(minutes=31)

    assert fakes.container.chat.end_idle() == [chat.session_id]

    [transcript] = events(fakes, chat.case_id, EventKind.CHAT_TRANSCRIPT)
    text = "chat ended after 30 minutes without activity"
    assert [(m["role"], m["text"]) for m in transcript.data["messages"]] == [
        ("customer", "It reboots"),
        ("system", text),
    ]
    assert (transcript.data["ended_by"], transcript.data["reason"]) == ("system", text)


def test_a_chat_with_a_recent_turn_is_not_idle_however_old_it_is(fakes):
    t0 = fakes.clock.now
    chat = fakes.container.chat.start(START)
    fakes.clock.advance(minutes=50)
    say(fakes, chat, "still here", "c-1")

    ended = fakes.container.chat.end_idle(timedelta(minutes=30), now=t0 + timedelta(minutes=60))

    assert ended == [] and fakes.chat_store.get(chat.session_id).status == "active"


def test_a_chat_that_ended_without_its_transcript_gets_it_on_the_next_run(fakes):
    chat = fakes.container.chat.start(START)
    # Given a normal end that stopped (crashed) between ending the session and recording the transcript
    fakes.chat_store.end(chat.session_id, by="customer", reason=None, at=fakes.clock.now)

    fakes.container.chat.end_idle(timedelta(minutes=30), now=fakes.clock.now + timedelta(minutes=1))

    assert len(events(fakes, chat.case_id, EventKind.CHAT_TRANSCRIPT)) == 1
    assert fakes.chat_store.get(chat.session_id).transcript_recorded
    assert fakes.chat_store.ending() == []


def test_running_the_idle_job_twice_records_one_transcript(fakes):
    chat = fakes.container.chat.start(START)
    fakes.clock.advance(minutes=31)

    fakes.container.chat.end_idle()
    fakes.clock.advance(minutes=5)

    assert fakes.container.chat.end_idle() == []
    assert len(events(fakes, chat.case_id, EventKind.CHAT_TRANSCRIPT)) == 1


# -- bot hand-offs ----------------------------------------------------------------------------


def test_a_handoff_opens_a_case_with_the_context_and_a_session_to_continue_in(fakes):
    out = fakes.container.chat.handoff(HandoffIn.model_validate(HANDOFF), BOT)

    assert out.case.subject == "My card was declined" and out.case.context.handoff.intent == "card_declined"
    [note] = events(fakes, out.case.case_id, EventKind.HANDOFF)
    assert note.visibility == "internal" and "customer asked for a human" in note.body
    assert fakes.chat_store.get(out.session.session_id).origin == "handoff"
    assert verify_session_token(out.customer_token, out.session.session_id, max_age=60).case_id == out.case.case_id


def test_replaying_a_handoff_is_one_case_and_one_session(fakes):
    first = fakes.container.chat.handoff(HandoffIn.model_validate(HANDOFF), BOT)
    again = fakes.container.chat.handoff(HandoffIn.model_validate(HANDOFF), BOT)

    assert (again.replayed, again.case.case_id, again.session.session_id) == (
        True,
        first.case.case_id,
        first.session.session_id,
    )
    assert len(fakes.case_store.cases) == 1 and len(fakes.chat_store.sessions) == 1


def test_a_handoff_that_stopped_before_its_session_gets_it_on_the_retry(fakes):
    first = fakes.container.chat.handoff(HandoffIn.model_validate(HANDOFF), BOT)
    del fakes.chat_store.sessions[first.session.session_id]  # as if the first attempt stopped there

    again = fakes.container.chat.handoff(HandoffIn.model_validate(HANDOFF), BOT)

    assert again.replayed and again.session.session_id == first.session.session_id
    assert fakes.chat_store.get(first.session.session_id).case_id == first.case.case_id
