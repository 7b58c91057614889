"""Pure rules of the email channel: loop safety, threading, forwards, subjects. No network."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.cases.models import Case, CaseStatus, Channel
from functions.channels.email import rules
from functions.channels.email.parse import parse_mail
from tests.conftest import SHARED_DATA

MAIL = SHARED_DATA / "mail"
OWN = {"support@casebridge.local"}


def mail(headers: str, body: str = "Hello") -> bytes:
    base = "From: Ann <ann@acme.example>\r\nTo: support@casebridge.local\r\nMessage-ID: <m1@acme.example>\r\n"
    return (base + headers + "\r\n" + body + "\r\n").encode()


def case(**over) -> Case:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    data = dict(
        case_id="CB-100001",
        subject="Printer jams",
        channel=Channel.EMAIL,
        contact_email="ann@acme.example",
        customer_id="acme",
        created_at=now,
        updated_at=now,
    )
    data.update(over)
    return Case(**data)


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: hi\r\nAuto-Submitted: auto-replied\r\n",
        "Subject: hi\r\nX-Autoreply: yes\r\n",
        "Subject: hi\r\nX-Autorespond: 1\r\n",
        "Subject: hi\r\nPrecedence: bulk\r\n",
        "Subject: hi\r\nPrecedence: auto_reply\r\n",
        "Subject: hi\r\nX-Auto-Response-Suppress: OOF, AutoReply\r\n",
        "Subject: Out of Office: back on Monday\r\n",
        "Subject: Abwesenheitsnotiz: Urlaub\r\n",
        "Subject: Automatic reply: your request\r\n",
    ],
)
def test_auto_replies_are_suppressed(headers):
    found = rules.suppression(parse_mail(mail(headers)), OWN)
    assert found is not None and found.kind == "auto_reply"


def test_auto_submitted_no_is_a_normal_mail():
    assert rules.suppression(parse_mail(mail("Subject: hi\r\nAuto-Submitted: no\r\n")), OWN) is None


@pytest.mark.parametrize(
    "raw",
    [
        b"From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail\r\n\r\nsorry\r\n",
        b"From: postmaster@mx.example\r\nSubject: Delivery failure\r\n\r\nsorry\r\n",
        b"Return-Path: <>\r\nFrom: x@mx.example\r\nSubject: Returned mail\r\n\r\nsorry\r\n",
    ],
)
def test_bounces_are_suppressed(raw):
    found = rules.suppression(parse_mail(raw), OWN)
    assert found is not None and found.kind == "bounce"


def test_delivery_status_report_is_a_bounce_that_names_the_returned_message():
    path = MAIL / "mail033-undelivered-mail-returned-to-sender.box"
    if not path.exists():
        pytest.fail(f"shared mail {path} is missing; set CASEBRIDGE_SHARED_DATA")
    parsed = parse_mail(path.read_bytes())
    assert rules.detect_bounce(parsed)
    assert rules.bounced_message_ids(parsed)[0].startswith("<")
    assert rules.bounce_summary(parsed)["status"] == "5.1.1"


def test_mail_from_our_own_address_is_a_loop():
    raw = b"From: support@casebridge.local\r\nSubject: hi\r\n\r\nx\r\n"
    found = rules.suppression(parse_mail(raw), OWN)
    assert found is not None and found.kind == "loop"


def test_case_tokens_come_from_brackets_only():
    assert rules.case_tokens("Re: [CB-100042] printer and CB-100043", "CB") == ["CB-100042"]


def test_contact_may_join_their_own_case():
    assert rules.may_join(case(), rules.Sender("Ann@acme.example"))


def test_colleague_from_the_same_company_domain_may_join():
    assert rules.may_join(case(customer_id=None), rules.Sender("bob@acme.example"))


def test_contact_of_the_same_customer_on_another_domain_may_join():
    assert rules.may_join(case(), rules.Sender("bob@acme-labs.example", contact_customer_id="acme"))


def test_sender_whose_domain_belongs_to_the_customer_may_join():
    assert rules.may_join(case(), rules.Sender("eve@acme.co.example", domain_customer_id="acme"))


def test_stranger_on_a_public_mail_domain_may_not_join_even_with_the_same_provider():
    assert not rules.may_join(case(contact_email="ann@gmail.com", customer_id=None), rules.Sender("mallory@gmail.com"))


def test_stranger_referring_to_a_case_opens_a_new_one_and_names_the_claimed_case():
    decision = rules.decide_thread([rules.Candidate(case(), "subject")], rules.Sender("mallory@evil.example"))
    assert decision.action == "new" and decision.claimed == ["CB-100001"]


def test_reply_to_a_closed_case_is_a_follow_up():
    decision = rules.decide_thread(
        [rules.Candidate(case(status=CaseStatus.CLOSED), "reference")], rules.Sender("ann@acme.example")
    )
    assert (decision.action, decision.case_id) == ("follow_up", "CB-100001")


def test_reply_to_an_open_case_threads():
    decision = rules.decide_thread([rules.Candidate(case(), "reference")], rules.Sender("ann@acme.example"))
    assert (decision.action, decision.case_id, decision.via) == ("thread", "CB-100001", "reference")


def test_forwarded_block_keeps_the_original_sender():
    body = "FYI\r\n\r\n---------- Forwarded message ---------\r\nFrom: Carl Customer <carl@client.example>\r\nDate: Mon, 1 Jan 2024\r\nSubject: Broken unit\r\n\r\nIt broke."
    parsed = parse_mail(mail("Subject: Fwd: Broken unit\r\n", body))
    fwd = rules.forwarded_from(parsed)
    assert fwd is not None and fwd["email"] == "carl@client.example" and fwd["name"] == "Carl Customer"
    assert fwd["subject"] == "Broken unit"


def test_attached_message_of_a_forward_keeps_the_original_sender():
    inner = (
        "From: Carl <carl@client.example>\r\nSubject: Broken\r\nMessage-ID: <c1@client.example>\r\n\r\nIt broke.\r\n"
    )
    raw = (
        "From: Ann <ann@acme.example>\r\nSubject: FW: Broken\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee below\r\n'
        "--b\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--b--\r\n"
    ).encode()
    fwd = rules.forwarded_from(parse_mail(raw))
    assert fwd is not None and fwd["email"] == "carl@client.example" and fwd["via"] == "attached message"


def test_plain_reply_with_quote_is_not_a_forward():
    body = "Thanks!\r\n\r\n-----Original Message-----\r\nFrom: Support <support@casebridge.local>\r\nSubject: x"
    assert rules.forwarded_from(parse_mail(mail("Subject: Re: x\r\n", body))) is None


def test_reply_subject_adds_the_token_once_and_drops_stacked_prefixes():
    assert rules.reply_subject("CB-100001", "AW: Re: Printer") == "Re: [CB-100001] Printer"
    assert rules.reply_subject("CB-100001", "Re: [CB-100001] Printer") == "Re: [CB-100001] Printer"


def test_no_reply_senders_get_no_acknowledgement():
    raw = b"From: noreply@shop.example\r\nSubject: order\r\n\r\nx\r\n"
    assert rules.ack_refusal(parse_mail(raw), OWN) == "sender is a no-reply address"
