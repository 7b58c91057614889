"""A chat transcript mail SES could not take is sent again, exactly once: its state is kept on the
session (pending, sending, sent, failed); a transient failure (throttling, a 5xx) leaves it pending
for the sweep that already ends idle chats (``end_idle``, every 5 minutes); a refusal is not tried
again; a claim a crash left "sending" is never sent again. On the in-memory fakes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from functions.cases.models import EventKind
from functions.channels.chat.models import ChatMessageIn, ChatStartIn
from functions.channels.chat.rules import SessionGrant
from functions.channels.chat.service import TRANSCRIPT_MAIL_ATTEMPTS
from tests.fakes.channels import ChannelFakes, install_channel_fakes

THROTTLED = ClientError({"Error": {"Code": "Throttling", "Message": "Maximum sending rate exceeded."}}, "SendRawEmail")
SES_DOWN = ClientError(
    {"Error": {"Code": "ServiceUnavailable"}, "ResponseMetadata": {"HTTPStatusCode": 503}}, "SendRawEmail"
)
REJECTED = ClientError(
    {"Error": {"Code": "MessageRejected", "Message": "Email address is not verified."}}, "SendRawEmail"
)


@pytest.fixture
def fakes() -> ChannelFakes:
    return install_channel_fakes()


def ended_chat(fakes: ChannelFakes, fail_with: Exception | None = None):
    """A chat with one turn, ended by the customer while SES answers ``fail_with`` (then SES is fine)."""
    chat = fakes.container.chat.start(ChatStartIn(name="Ann Example", email="ann@example.org", topic="Router"))
    fakes.container.chat.customer_send(
        SessionGrant(chat.session_id, chat.case_id), ChatMessageIn(client_message_id="c1", text="It reboots")
    )
    fakes.mailer.fail_with = fail_with
    out = fakes.container.chat.end(chat.session_id, role="customer")
    fakes.mailer.fail_with = None
    return chat, out


def sweep(fakes: ChannelFakes, minutes: int = 5) -> None:
    fakes.clock.advance(minutes=minutes)
    fakes.container.chat.end_idle()


def transcripts_sent(fakes: ChannelFakes) -> int:
    return len([m for m in fakes.mailer.to("ann@example.org") if "chat" in str(m["Subject"]).lower()])


def notes(fakes: ChannelFakes, case_id: str, kind: EventKind) -> list[str]:
    return [e.body or "" for e in fakes.container.cases.view(case_id).timeline if e.kind == kind]


@pytest.mark.parametrize("error", [THROTTLED, SES_DOWN], ids=["throttled", "5xx"])
def test_a_transient_ses_failure_is_sent_by_the_next_sweep_exactly_once(fakes, error):
    chat, out = ended_chat(fakes, fail_with=error)
    assert out.transcript_mailed is False and transcripts_sent(fakes) == 0
    assert fakes.chat_store.get(chat.session_id).transcript_mail == "pending"

    sweep(fakes)
    sweep(fakes)
    fakes.container.chat.end(chat.session_id, role="customer")  # a repeated end sends nothing either

    assert transcripts_sent(fakes) == 1
    session = fakes.chat_store.get(chat.session_id)
    assert (session.transcript_mail, session.transcript_mailed, session.transcript_mail_attempts) == ("sent", True, 2)
    assert fakes.chat_store.ending() == []  # out of the sweep's list
    assert notes(fakes, chat.case_id, EventKind.AUTO_REPLY) == ["Chat transcript sent to the customer by email"]
    [failed] = notes(fakes, chat.case_id, EventKind.DELIVERY_FAILED)
    assert failed.endswith("it is tried again.")


def test_the_customer_sees_the_transcript_mailed_once_the_sweep_sent_it(fakes):
    chat, _ = ended_chat(fakes, fail_with=THROTTLED)
    grant = SessionGrant(chat.session_id, chat.case_id)
    assert fakes.container.chat.customer_poll(grant, 0, 10).transcript_mailed is False

    sweep(fakes)

    assert fakes.container.chat.customer_poll(grant, 0, 10).transcript_mailed is True


def test_a_mail_ses_refuses_is_not_tried_again(fakes):
    chat, out = ended_chat(fakes, fail_with=REJECTED)

    sweep(fakes)

    assert out.transcript_mailed is False and transcripts_sent(fakes) == 0
    assert fakes.chat_store.get(chat.session_id).transcript_mail == "failed"
    assert fakes.chat_store.ending() == []
    [failed] = notes(fakes, chat.case_id, EventKind.DELIVERY_FAILED)
    assert failed == "The chat transcript could not be mailed (ClientError)."
    assert notes(fakes, chat.case_id, EventKind.AUTO_REPLY) == []


def test_a_mail_failing_every_time_is_given_up_after_its_attempts(fakes):
    chat, _ = ended_chat(fakes, fail_with=THROTTLED)
    fakes.mailer.fail_with = THROTTLED

    for _ in range(TRANSCRIPT_MAIL_ATTEMPTS + 3):
        sweep(fakes)

    session = fakes.chat_store.get(chat.session_id)
    assert (session.transcript_mail, session.transcript_mail_attempts) == ("failed", TRANSCRIPT_MAIL_ATTEMPTS)
    assert fakes.chat_store.ending() == []
    fakes.mailer.fail_with = None
    sweep(fakes)
    assert transcripts_sent(fakes) == 0


def test_a_claim_a_crash_left_sending_is_never_sent_again_and_leaves_the_sweeps_list(fakes):
    chat, _ = ended_chat(fakes, fail_with=THROTTLED)
    assert fakes.chat_store.claim_transcript_mail(chat.session_id, fakes.clock.now) == 2  # then the sender died

    sweep(fakes, minutes=5)
    assert fakes.chat_store.get(chat.session_id).transcript_mail == "sending"  # it may still be sending
    sweep(fakes, minutes=30)

    assert transcripts_sent(fakes) == 0
    assert fakes.chat_store.get(chat.session_id).transcript_mail == "failed"
    assert fakes.chat_store.ending() == []


def test_a_chat_mailed_at_its_end_is_not_in_the_sweeps_list(fakes):
    chat, out = ended_chat(fakes)

    sweep(fakes)

    assert out.transcript_mailed is True and transcripts_sent(fakes) == 1
    assert fakes.chat_store.get(chat.session_id).transcript_mail == "sent"
    assert fakes.chat_store.ending() == []
