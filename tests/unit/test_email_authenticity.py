"""Authentic mail and no backscatter: the SES receipt verdicts that come with a mail are read,
recorded and acted on (issue 15). Each test builds the mail and the SES "Received" notification it
comes in (SNS action with the content), on the in-memory fakes; no AWS."""

from __future__ import annotations

import base64
import json
from email.message import EmailMessage

import pytest

from functions.channels.email.models import Outcome
from functions.core.errors import Conflict
from tests.fakes.channels import ChannelFakes, install_channel_fakes

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
PASSING = {"spam": "PASS", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS"}


@pytest.fixture
def fakes() -> ChannelFakes:
    return install_channel_fakes()


def mail(
    subject: str = "Printer jams",
    frm: str = "Ann Example <ann@acme.example>",
    msgid: str = "<m1@acme.example>",
    body: str = "It jams.",
    *,
    in_reply_to: str | None = None,
    attachment: bytes | None = None,
) -> bytes:
    msg = EmailMessage()
    if frm:
        msg["From"] = frm
    msg["To"] = "support@casebridge.local"
    msg["Subject"] = subject
    msg["Message-ID"] = msgid
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="eicar.com")
    return bytes(msg)


def notification(raw: bytes, source: str = "ann@acme.example", policy: str | None = None, **verdicts: str) -> str:
    """The SQS body SES -> SNS delivers for one mail (SNS action, Base64 content)."""
    v = {**PASSING, **verdicts}
    receipt = {
        "recipients": ["support@casebridge.local"],
        **{f"{name}Verdict": {"status": status} for name, status in v.items()},
        "action": {"type": "SNS", "topicArn": "arn:aws:sns:eu-west-1:1:inbound", "encoding": "BASE64"},
    }
    if policy:
        receipt["dmarcPolicy"] = policy
    note = {
        "notificationType": "Received",
        "receipt": receipt,
        "mail": {"source": source, "messageId": "ses-1", "destination": ["support@casebridge.local"]},
        "content": base64.b64encode(raw).decode(),
    }
    return json.dumps({"Type": "Notification", "MessageId": "sns-1", "Message": json.dumps(note)})


def receive(fakes: ChannelFakes, raw: bytes, **kwargs: str):
    [out] = fakes.container.email_intake.ingest_queue_body(notification(raw, **kwargs))
    return out


def record(fakes: ChannelFakes, inbound_id: str):
    return fakes.container.email_intake.log.get(inbound_id)


def first_case(fakes: ChannelFakes) -> tuple[str, str]:
    """A case opened by Ann (authenticated), and the Message-ID of our acknowledgement to her."""
    out = receive(fakes, mail())
    assert out.outcome == "created" and out.acknowledged
    ack = fakes.mailer.to("ann@acme.example")[-1]
    return str(out.case), str(ack["Message-ID"])


# -- verdicts recorded ----------------------------------------------------------------------


def test_verdicts_are_recorded_on_the_inbound_log_and_the_interaction(fakes):
    out = receive(fakes, mail(), spf="GRAY")

    rec = record(fakes, out.inbound_id)
    assert rec.verdicts is not None
    assert (rec.verdicts.spam, rec.verdicts.spf, rec.verdicts.dmarc) == ("PASS", "GRAY", "PASS")
    assert rec.verdicts.envelope_sender == "ann@acme.example"
    [message] = [
        e.message for e in fakes.container.cases.view(out.case).timeline if e.message and e.message.direction == "in"
    ]
    assert message.meta["verdicts"]["dkim"] == "PASS" and message.meta["verdicts"]["spf"] == "GRAY"


# -- failed authentication never joins a case --------------------------------------------------


@pytest.mark.parametrize(
    "verdicts",
    [
        {"dmarc": "FAIL", "policy": "reject"},
        {"dmarc": "FAIL", "policy": "none"},
        {"spf": "FAIL", "dkim": "FAIL", "dmarc": "GRAY"},
    ],
    ids=["dmarc-reject", "dmarc-none", "spf-and-dkim"],
)
def test_a_reply_with_the_owners_from_faked_opens_a_flagged_case_unacknowledged(fakes, verdicts):
    case_id, ack_id = first_case(fakes)
    sent_before = len(fakes.mailer.sent)
    forged = mail(
        f"Re: [{case_id}] Printer jams",
        msgid="<forged@evil.example>",
        body="Please send the invoice to my new IBAN.",
        in_reply_to=ack_id,
    )

    out = receive(fakes, forged, source="bounce@evil.example", **verdicts)

    assert out.outcome == "created" and out.case != case_id
    assert out.flags == ["authentication_failed"] and "authentication failed" in out.reason
    assert not out.acknowledged and len(fakes.mailer.sent) == sent_before
    assert fakes.container.cases.get(case_id).interaction_count == 1
    opened = fakes.container.cases.get(out.case)
    assert opened.contact_email is None  # not filed under the customer whose address was forged
    notes = [e.body for e in fakes.container.cases.view(out.case).timeline if e.kind == "note"]
    assert any("Sender authentication failed" in (n or "") for n in notes)
    assert record(fakes, out.inbound_id).flags == ["authentication_failed"]


def test_one_failed_check_of_spf_or_dkim_alone_still_threads(fakes):
    case_id, ack_id = first_case(fakes)
    reply = mail(f"Re: [{case_id}] Printer jams", msgid="<m2@acme.example>", body="Still jams.", in_reply_to=ack_id)

    out = receive(fakes, reply, spf="FAIL", dkim="PASS", dmarc="PASS")

    assert (out.outcome, out.case, out.flags) == ("threaded", case_id, [])


def test_a_failed_bounce_does_not_touch_the_case_it_names(fakes):
    case_id, ack_id = first_case(fakes)
    bounce = (
        f"From: MAILER-DAEMON@evil.example\r\nTo: support@casebridge.local\r\nSubject: Undeliverable\r\n"
        f"Message-ID: <b1@evil.example>\r\nIn-Reply-To: {ack_id}\r\n\r\nfailed\r\n"
    ).encode()

    out = receive(fakes, bounce, source="", dmarc="FAIL", policy="reject")

    assert out.outcome == "suppressed" and out.case is None
    assert not [e for e in fakes.container.cases.view(case_id).timeline if e.kind == "delivery_failed"]


# -- spam: held, listed, released ----------------------------------------------------------------


def test_spam_is_held_out_of_cases_and_an_agent_can_release_it(fakes):
    out = receive(fakes, mail(), spam="FAIL")

    assert out.outcome == "spam" and out.case is None and not fakes.mailer.sent
    held = fakes.container.email_intake.inbound(Outcome.SPAM).items
    assert [r.inbound_id for r in held] == [out.inbound_id]

    released = fakes.container.email_intake.release(out.inbound_id, "alice")

    assert released.outcome == "created" and released.acknowledged
    assert "released" in released.flags and "released from spam by alice" in released.reason
    rec = record(fakes, out.inbound_id)
    assert (rec.outcome, rec.case_id, rec.flags) == ("created", released.case, ["released"])
    assert fakes.container.email_intake.inbound(Outcome.SPAM).items == []
    with pytest.raises(Conflict):
        fakes.container.email_intake.release(out.inbound_id, "alice")


def test_released_spam_that_failed_authentication_stays_unacknowledged(fakes):
    out = receive(fakes, mail(), spam="FAIL", dmarc="FAIL", policy="quarantine")

    released = fakes.container.email_intake.release(out.inbound_id, "alice")

    assert released.outcome == "created" and not released.acknowledged
    assert released.flags == ["authentication_failed", "released"]


# -- virus: quarantined, attachments nowhere ----------------------------------------------------


def test_a_virus_verdict_quarantines_the_mail_and_keeps_its_attachment_out(fakes):
    case_id, ack_id = first_case(fakes)
    infected = mail(f"Re: [{case_id}] Printer jams", msgid="<m3@acme.example>", in_reply_to=ack_id, attachment=EICAR)
    sent_before = len(fakes.mailer.sent)

    out = receive(fakes, infected, virus="FAIL")

    assert out.outcome == "quarantined" and out.reason.startswith("virus:")
    assert out.case is None and len(fakes.mailer.sent) == sent_before
    assert fakes.container.cases.get(case_id).interaction_count == 1
    assert not [k for (bucket, k) in fakes.mail.objects if bucket == fakes.mail.attachments_bucket]
    assert record(fakes, out.inbound_id).verdicts.virus == "FAIL"
    # a replay keeps the verdict: still quarantined
    [again] = fakes.container.email_intake.replay(out.inbound_id)
    assert again.outcome == "quarantined" and again.reason.startswith("virus:")
    assert not [k for (bucket, k) in fakes.mail.objects if bucket == fakes.mail.attachments_bucket]


# -- no backscatter -----------------------------------------------------------------------------


def test_no_acknowledgement_to_a_null_envelope_sender(fakes):
    out = receive(fakes, mail(), source="")

    assert out.outcome == "created" and not out.acknowledged and not fakes.mailer.sent
    assert "null envelope sender" in out.reason


def test_no_acknowledgement_to_an_empty_return_path(fakes):
    raw = b"Return-Path: <>\r\n" + mail(subject="Question about my order")

    out = fakes.container.email_intake.ingest_raw(raw, None, source="test")

    assert not out.acknowledged and not fakes.mailer.sent


def test_no_acknowledgement_to_a_mail_without_from(fakes):
    raw = mail(frm="").replace(b"Subject:", b"Reply-To: someone@victim.example\r\nSubject:", 1)

    out = receive(fakes, raw, source="someone@victim.example")

    assert out.outcome == "created" and not out.acknowledged and not fakes.mailer.sent
    assert "no From header" in out.reason


def test_no_acknowledgement_to_garbage(fakes):
    out = receive(fakes, b"\x00\x01garbage \xff\xfe not a mail at all\r\n", source="victim@victim.example")

    assert not out.acknowledged and not fakes.mailer.sent


def test_an_authenticated_mail_with_an_envelope_sender_is_acknowledged(fakes):
    out = receive(fakes, mail())

    assert out.acknowledged and [str(m["To"]) for m in fakes.mailer.sent] == ["ann@acme.example"]
