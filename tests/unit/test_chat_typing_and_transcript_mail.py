"""Typing both ways (customer <-> agents' console) and the transcript mailed to the customer at the
end of a chat, in the session's language, at most once; on the in-memory fakes."""

from __future__ import annotations

import pytest

from functions.cases.models import Actor, ActorType, EventKind, ReplyIn
from functions.channels.chat.models import ChatMessageIn, ChatSession, ChatStartIn
from functions.channels.chat.rules import SessionGrant, transcript_mail, typing_now
from functions.core.errors import Conflict
from tests.fakes.channels import ChannelFakes, install_channel_fakes

AGENT = Actor(type=ActorType.AGENT, id="alice", name="Alice")


@pytest.fixture
def fakes() -> ChannelFakes:
    return install_channel_fakes()


def start(fakes: ChannelFakes, language: str | None = None, email: str = "ann@example.org"):
    req = ChatStartIn(name="Ann Example", email=email, topic="Router keeps rebooting", language=language)
    return fakes.container.chat.start(req)


def grant(chat) -> SessionGrant:
    return SessionGrant(chat.session_id, chat.case_id)


def say(fakes: ChannelFakes, chat, text: str, cid: str) -> None:
    fakes.container.chat.customer_send(grant(chat), ChatMessageIn(client_message_id=cid, text=text))


def agent_says(fakes: ChannelFakes, chat, text: str) -> None:
    fakes.container.cases.reply(chat.case_id, AGENT, ReplyIn(body=text))


# -- typing ------------------------------------------------------------------------------------
def test_the_customer_typing_shows_on_the_agents_read_for_a_few_seconds(fakes):
    chat = start(fakes)
    chat_svc = fakes.container.chat
    assert chat_svc.agent_view(chat.session_id, 0, 100).customer_typing is False

    chat_svc.customer_typing(grant(chat))
    assert chat_svc.agent_view(chat.session_id, 0, 100).customer_typing is True

    fakes.clock.advance(seconds=7)
    assert chat_svc.agent_view(chat.session_id, 0, 100).customer_typing is False


def test_an_agent_typing_shows_on_the_customers_poll_until_the_reply_arrives(fakes):
    chat = start(fakes)
    chat_svc = fakes.container.chat
    assert chat_svc.customer_poll(grant(chat), 0, 100).agent_typing is False

    chat_svc.agent_typing(chat.session_id)
    assert chat_svc.customer_poll(grant(chat), 0, 100).agent_typing is True

    fakes.clock.advance(seconds=1)
    agent_says(fakes, chat, "Let me check that for you.")
    page = chat_svc.customer_poll(grant(chat), 0, 100)
    assert page.agent_typing is False and page.messages[-1].text == "Let me check that for you."
    assert chat_svc.customer_poll(grant(chat), page.last_seq, 100).agent_typing is False  # nor on the next poll


def test_typing_into_an_ended_chat_is_refused(fakes):
    chat = start(fakes)
    fakes.container.chat.end(chat.session_id, role="customer")
    with pytest.raises(Conflict):
        fakes.container.chat.customer_typing(grant(chat))
    with pytest.raises(Conflict):
        fakes.container.chat.agent_typing(chat.session_id)


def test_typing_is_only_recent_and_only_after_the_typists_last_turn():
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert typing_now(now - timedelta(seconds=2), None, now)
    assert not typing_now(now - timedelta(seconds=10), None, now)
    assert not typing_now(now - timedelta(seconds=2), now - timedelta(seconds=1), now)
    assert typing_now(now - timedelta(seconds=1), now - timedelta(seconds=2), now)
    assert not typing_now(None, None, now)


# -- the transcript by mail ------------------------------------------------------------------------
def test_ending_mails_the_transcript_to_the_customer_once(fakes):
    chat = start(fakes)
    say(fakes, chat, "My router keeps rebooting", "m1")
    agent_says(fakes, chat, "Please update its firmware.")
    before = len(fakes.mailer.to("ann@example.org"))

    out = fakes.container.chat.end(chat.session_id, role="customer")
    fakes.container.chat.end(chat.session_id, role="agent")  # ending again mails nothing more
    fakes.container.chat.end_idle()  # nor does the idle job

    mails = fakes.mailer.to("ann@example.org")[before:]
    assert out.transcript_mailed is True and len(mails) == 1
    body = mails[0].get_content()
    assert str(mails[0]["Subject"]) == f"[{chat.case_id}] Your chat transcript"
    assert "You: My router keeps rebooting" in body and "Alice: Please update its firmware." in body
    assert f"/portal/cases/{chat.case_id}?token=" in body
    assert fakes.container.chat.customer_poll(grant(chat), 0, 100).transcript_mailed is True
    notes = [e for e in fakes.container.cases.view(chat.case_id).timeline if e.kind == EventKind.AUTO_REPLY]
    assert [n.body for n in notes] == ["Chat transcript sent to the customer by email"]


@pytest.mark.parametrize(
    ("language", "subject", "you"),
    [
        ("de", "Ihr Chatverlauf", "Sie: "),
        ("fr", "La transcription de votre chat", "Vous: "),
        ("es-MX", "La transcripción de tu chat", "Tú: "),
        ("it", "Your chat transcript", "You: "),
    ],
)
def test_the_transcript_mail_is_in_the_chats_language(fakes, language, subject, you):
    chat = start(fakes, language=language if language != "es-MX" else "es")
    say(fakes, chat, "Hallo", "m1")
    fakes.container.chat.end(chat.session_id, role="customer")
    mail = fakes.mailer.to("ann@example.org")[-1]
    assert str(mail["Subject"]).endswith(subject) and you in mail.get_content()


def test_the_mail_words_cover_a_region_and_an_unknown_language():
    from datetime import UTC, datetime

    at = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    session = ChatSession(session_id="chs_" + "0" * 20, case_id="CB-1", created_at=at, updated_at=at, language="es-MX")
    assert transcript_mail(session, [], None)[0] == "[CB-1] La transcripción de tu chat"
    session = session.model_copy(update={"language": "it", "customer_name": None})
    subject, body = transcript_mail(session, [], None)
    assert subject == "[CB-1] Your chat transcript" and body.startswith("Hello,\n")


def test_a_failed_transcript_mail_leaves_the_chat_ended_with_its_transcript(fakes):
    chat = start(fakes)
    say(fakes, chat, "Hello", "m1")
    fakes.mailer.fail_with = RuntimeError("SES is down")

    out = fakes.container.chat.end(chat.session_id, role="customer")

    assert out.status == "ended" and out.transcript_recorded is True and out.transcript_mailed is False


def test_a_chat_without_turns_mails_nothing(fakes):
    chat = start(fakes)
    before = len(fakes.mailer.to("ann@example.org"))
    assert fakes.container.chat.end(chat.session_id, role="customer").transcript_mailed is False
    assert len(fakes.mailer.to("ann@example.org")) == before


# -- the start limit -------------------------------------------------------------------------------
def test_starting_past_the_limit_is_refused_with_retry_after():
    from functions.core.errors import RateLimited

    seen: list[tuple[str | None, str]] = []

    def limit(client, email):
        seen.append((client, email))
        return 120 if len(seen) > 1 else None

    fakes = install_channel_fakes(chat_start_limit=limit)
    req = ChatStartIn(name="Ann Example", email="ann@example.org")
    fakes.container.chat.start_once(req, None, client="203.0.113.7")
    with pytest.raises(RateLimited) as refused:
        fakes.container.chat.start_once(req, None, client="203.0.113.7")
    assert refused.value.retry_after == 120 and seen[0] == ("203.0.113.7", "ann@example.org")
    assert len(fakes.case_store.cases) == 1
