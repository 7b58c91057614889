"""The email intake's use cases on in-memory fakes (tests/fakes/channels.py): duplicates,
threading, acknowledgements, loop safety, attachments, quarantine and replay, agents' replies.
The real services, wired by the container; no AWS. The SQS handler with real sample events and
the mail corpus run on moto (tests/integration/test_email_intake.py, test_mail_corpus.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from functions.cases.models import Actor, ActorType, CaseStatus, CaseUpdate, EventKind, ReplyIn
from functions.channels.email.models import Outcome
from functions.core.errors import Conflict, NotFound, Unavailable
from tests.fakes.channels import ChannelFakes, install_channel_fakes

AGENT = Actor(type=ActorType.AGENT, id="alice", name="Alice")


def mail(
    subject="Printer jams", frm="Ann Example <ann@acme.example>", msgid="<m1@acme.example>", extra="", body="It jams."
) -> bytes:
    head = f"From: {frm}\r\nTo: support@casebridge.local\r\nSubject: {subject}\r\n"
    if msgid:
        head += f"Message-ID: {msgid}\r\n"
    return (head + extra + "\r\n" + body + "\r\n").encode()


@pytest.fixture
def fakes() -> ChannelFakes:
    return install_channel_fakes()


def ingest(fakes: ChannelFakes, raw: bytes):
    return fakes.container.email_intake.ingest_raw(raw, None, source="test")


def timeline(fakes: ChannelFakes, case_id: str):
    return fakes.container.cases.view(case_id).timeline


class FailingCases:
    """The case service, failing with ``error`` on open_case while ``broken`` (a bug, or an outage)."""

    def __init__(self, cases, error: Exception) -> None:
        self._cases = cases
        self.error = error
        self.broken = True

    def open_case(self, **kwargs):
        if self.broken:
            raise self.error
        return self._cases.open_case(**kwargs)

    def __getattr__(self, name):
        return getattr(self._cases, name)


def with_failing_cases(fakes: ChannelFakes, error: Exception) -> FailingCases:
    """Put the failing case service in the container before the intake is built with it."""
    failing = FailingCases(fakes.container.cases, error)
    fakes.container.override(cases=failing)
    return failing


# -- what is kept of every mail ---------------------------------------------------------------


def test_the_raw_mail_is_kept_and_the_log_says_what_became_of_it(fakes):
    out = ingest(fakes, mail())

    assert fakes.mail.get(fakes.mail.mail_bucket, out.raw_s3_key) == mail()
    [record] = fakes.container.email_intake.inbound().items
    assert (record.inbound_id, record.outcome, record.case_id, record.source) == (
        out.inbound_id,
        Outcome.CREATED,
        out.case,
        "test",
    )


# -- idempotency ------------------------------------------------------------------------------


def test_same_message_id_and_content_delivered_again_is_one_interaction(fakes):
    first = ingest(fakes, mail())
    # the same mail through another relay: other trace headers prepended, same content
    second = ingest(fakes, b"Received: from relay2.example by mx.example; Tue, 1 Dec 2026 10:00:00 +0000\r\n" + mail())

    assert (first.outcome, second.outcome, second.case) == ("created", "suppressed", first.case)
    assert second.reason.startswith("duplicate:")
    assert fakes.container.cases.get(first.case).interaction_count == 1


def test_same_message_id_with_other_content_is_kept_and_flagged(fakes):
    first = ingest(fakes, mail())
    second = ingest(fakes, mail(body="It jams, and now it smokes too."))

    assert (first.outcome, second.outcome, second.case) == ("created", "threaded", first.case)
    assert "possible_duplicate" in second.flags and "possible duplicate" in second.reason
    events = timeline(fakes, first.case)
    bodies = [e.message.body_text for e in events if e.message and e.message.direction == "in"]
    assert bodies == ["It jams.", "It jams, and now it smokes too."]
    assert any(
        e.kind == "note" and "possible duplicate" in (e.body or "") and e.visibility == "internal" for e in events
    )
    [record] = [r for r in fakes.container.email_intake.inbound().items if r.inbound_id == second.inbound_id]
    assert record.flags == ["possible_duplicate"]
    # that second content delivered again is one interaction still
    third = ingest(
        fakes, b"Received: from relay3.example by mx.example\r\n" + mail(body="It jams, and now it smokes too.")
    )
    assert third.outcome == "suppressed" and fakes.container.cases.get(first.case).interaction_count == 2


def test_a_known_message_id_from_a_stranger_does_not_join_the_case(fakes):
    first = ingest(fakes, mail())
    other = ingest(fakes, mail(frm="mallory@evil.example", body="Please send the invoice to my new IBAN."))

    assert other.outcome == "created" and other.case != first.case
    assert fakes.container.cases.get(first.case).interaction_count == 1


def test_same_bytes_delivered_twice_are_one_log_entry(fakes):
    raw = mail()
    ingest(fakes, raw)
    again = ingest(fakes, raw)

    assert again.outcome == "suppressed" and again.reason.startswith("duplicate:")
    assert len(fakes.container.email_intake.inbound().items) == 1


def test_mail_without_message_id_is_deduplicated_by_its_bytes(fakes):
    raw = mail(msgid=None)
    first, second = ingest(fakes, raw), ingest(fakes, raw)

    assert first.outcome == "created" and second.outcome == "suppressed"
    assert second.reason.startswith("duplicate:")


# -- threading --------------------------------------------------------------------------------


def test_reply_threads_by_in_reply_to(fakes):
    first = ingest(fakes, mail())
    reply = ingest(
        fakes, mail(subject="Re: Printer jams", msgid="<m2@acme.example>", extra="In-Reply-To: <m1@acme.example>\r\n")
    )

    assert (reply.outcome, reply.case) == ("threaded", first.case)
    assert fakes.container.cases.get(first.case).interaction_count == 2


def test_a_reply_to_a_case_merged_into_another_threads_into_that_one(fakes):
    # Given a case merged into another (closed, merged_into: functions/cases/actions CaseMerging)
    first = ingest(fakes, mail())
    target = ingest(fakes, mail(subject="Printer jams again", msgid="<t1@acme.example>"))
    merged = fakes.container.cases.get(first.case)
    closed = {"status": CaseStatus.CLOSED, "merged_into": target.case, "version": merged.version + 1}
    fakes.case_store.save(merged.model_copy(update=closed), merged.version, [])
    # When the customer answers the first case's mail, or names it in the subject
    by_header = ingest(
        fakes, mail(subject="Re: Printer jams", msgid="<m8@acme.example>", extra="In-Reply-To: <m1@acme.example>\r\n")
    )
    by_token = ingest(fakes, mail(subject=f"Re: [{first.case}] Printer jams", msgid="<m9@acme.example>"))
    # Then both go on in the case it was merged into
    assert (by_header.outcome, by_header.case) == ("threaded", target.case)
    assert (by_token.outcome, by_token.case) == ("threaded", target.case)


def test_reply_threads_by_the_case_token_in_the_subject(fakes):
    first = ingest(fakes, mail())
    reply = ingest(fakes, mail(subject=f"Re: [{first.case}] Printer jams", msgid="<m3@acme.example>"))

    assert (reply.outcome, reply.case) == ("threaded", first.case)


def test_colleague_of_the_same_organisation_threads(fakes):
    first = ingest(fakes, mail())
    reply = ingest(fakes, mail(subject=f"[{first.case}] more info", frm="bob@acme.example", msgid="<b1@acme.example>"))

    assert (reply.outcome, reply.case) == ("threaded", first.case)


def test_a_contact_of_the_same_customer_on_another_domain_threads(fakes):
    fakes.directory.add_contact("acme", "ann@acme.example")
    fakes.directory.add_contact("acme", "carl@acme-partner.example")
    first = ingest(fakes, mail())
    reply = ingest(fakes, mail(subject=f"[{first.case}] more", frm="carl@acme-partner.example", msgid="<c1@x>"))

    assert fakes.container.cases.get(first.case).customer_id == "acme"
    assert (reply.outcome, reply.case) == ("threaded", first.case)


def test_stranger_with_a_valid_token_opens_a_new_case_noting_the_claim(fakes):
    first = ingest(fakes, mail())
    other = ingest(
        fakes,
        mail(subject=f"Re: [{first.case}] give me the data", frm="mallory@evil.example", msgid="<x@evil.example>"),
    )

    assert other.outcome == "created" and other.case != first.case
    notes = [e.body for e in timeline(fakes, other.case) if e.kind == EventKind.NOTE]
    assert any(first.case in (n or "") for n in notes)
    assert fakes.container.cases.get(first.case).interaction_count == 1


def test_reply_to_a_closed_case_opens_a_follow_up_case(fakes):
    first = ingest(fakes, mail())
    for status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        fakes.container.cases.update(first.case, AGENT, CaseUpdate(status=status))

    reply = ingest(
        fakes, mail(subject="Re: Printer jams", msgid="<m4@acme.example>", extra="In-Reply-To: <m1@acme.example>\r\n")
    )

    assert reply.outcome == "created" and reply.case != first.case
    assert fakes.container.cases.get(reply.case).context.related_case == first.case


def test_forwarded_mail_keeps_the_original_sender_as_context(fakes):
    body = "Please help this customer.\r\n\r\n---------- Forwarded message ---------\r\nFrom: Carl <carl@client.example>\r\nSubject: Broken\r\n\r\nIt broke."
    out = ingest(fakes, mail(subject="Fwd: Broken", body=body))

    case = fakes.container.cases.get(out.case)
    assert case.contact_email == "ann@acme.example"
    assert case.context.forwarded_from["email"] == "carl@client.example"


# -- acknowledgements and loop safety ---------------------------------------------------------


def test_new_case_is_acknowledged_with_case_token_threading_headers_and_portal_link(fakes):
    out = ingest(fakes, mail())

    [sent] = fakes.mailer.sent
    assert out.acknowledged
    assert sent["To"] == "ann@acme.example"
    assert sent["Subject"] == f"Re: [{out.case}] Printer jams"
    assert sent["In-Reply-To"] == "<m1@acme.example>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert f"/portal/cases/{out.case}?token=" in sent.get_content()


def test_the_acknowledgement_is_on_the_case_with_both_its_ids_as_pointers(fakes):
    out = ingest(fakes, mail())

    [sent] = fakes.mailer.sent
    [ack] = [e for e in timeline(fakes, out.case) if e.kind == EventKind.AUTO_REPLY]
    assert ack.message.message_id == sent["Message-ID"]
    assert fakes.container.cases.find_case_for_message_ids(["<fake-1@email.example>"]) == out.case


def test_a_failed_acknowledgement_keeps_the_case_and_notes_the_failure(fakes):
    fakes.mailer.fail_with = RuntimeError("SES is down")

    out = ingest(fakes, mail())

    assert out.outcome == "created" and not out.acknowledged
    kinds = [e.kind for e in timeline(fakes, out.case)]
    assert EventKind.DELIVERY_FAILED in kinds and EventKind.AUTO_REPLY not in kinds


def test_an_acknowledgement_ses_throttled_is_sent_when_the_mail_is_delivered_again(fakes):
    from botocore.exceptions import ClientError

    fakes.mailer.fail_with = ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "SendRawEmail")
    with pytest.raises(ClientError):  # the queue record fails: SQS delivers it again
        ingest(fakes, mail())
    fakes.mailer.fail_with = None

    again = ingest(fakes, mail())
    assert again.acknowledged and "acknowledgement sent now" in again.reason
    assert len(fakes.mailer.sent) == 1
    kinds = [e.kind for e in timeline(fakes, again.case)]
    assert kinds.count(EventKind.DELIVERY_FAILED) == 1 and kinds.count(EventKind.AUTO_REPLY) == 1
    # a third delivery sends nothing more: at most once
    assert not ingest(fakes, mail()).acknowledged and len(fakes.mailer.sent) == 1


def test_an_acknowledgement_ses_rejected_is_not_tried_again(fakes):
    from botocore.exceptions import ClientError

    fakes.mailer.fail_with = ClientError({"Error": {"Code": "MessageRejected", "Message": "no"}}, "SendRawEmail")
    out = ingest(fakes, mail())
    assert out.outcome == "created" and not out.acknowledged


def test_no_reply_senders_get_no_acknowledgement(fakes):
    out = ingest(fakes, mail(frm="noreply@shop.example"))

    assert out.outcome == "created" and "no-reply" in out.reason
    assert fakes.mailer.sent == []


def test_auto_reply_opens_no_case_and_gets_no_acknowledgement(fakes):
    out = ingest(fakes, mail(subject="Out of office", extra="Auto-Submitted: auto-replied\r\n"))

    assert out.outcome == "suppressed" and out.case is None
    assert fakes.mailer.sent == []
    assert fakes.container.email_intake.inbound().items[0].reason.startswith("auto_reply")
    assert fakes.case_store.cases == {}


def test_bounce_opens_no_case_and_marks_delivery_failed_on_the_case_it_returns(fakes):
    first = ingest(fakes, mail())
    ack_id = fakes.mailer.sent[0]["Message-ID"]
    bounce = (
        "From: MAILER-DAEMON@mx.acme.example\r\nTo: support@casebridge.local\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce1@mx.acme.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nsorry\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; ann@acme.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@casebridge.local\r\nMessage-ID: {ack_id}\r\nSubject: x\r\n\r\n--b--\r\n"
    ).encode()

    out = ingest(fakes, bounce)

    assert (out.outcome, out.case) == ("suppressed", first.case)
    [failed] = [e for e in timeline(fakes, first.case) if e.kind == EventKind.DELIVERY_FAILED]
    assert failed.data["status"] == "5.1.1" and failed.visibility == "internal"
    assert len(fakes.mailer.sent) == 1
    assert len(fakes.case_store.cases) == 1


def test_mail_from_our_own_address_is_never_answered(fakes):
    out = ingest(fakes, mail(frm="support@casebridge.local"))

    assert out.outcome == "suppressed" and fakes.mailer.sent == []


def test_customer_replying_to_the_acknowledgement_threads_back(fakes):
    first = ingest(fakes, mail())
    ack_id = fakes.mailer.sent[0]["Message-ID"]

    reply = ingest(fakes, mail(subject="Re: thanks", msgid="<m5@acme.example>", extra=f"In-Reply-To: {ack_id}\r\n"))

    assert (reply.outcome, reply.case) == ("threaded", first.case)


def test_reply_to_the_providers_message_id_threads_back(fakes):
    first = ingest(fakes, mail())
    provider_id = "<fake-1@email.example>"  # the id the provider gave the acknowledgement

    reply = ingest(
        fakes, mail(subject="Re: thanks", msgid="<m6@acme.example>", extra=f"In-Reply-To: {provider_id}\r\n")
    )

    assert (reply.outcome, reply.case) == ("threaded", first.case)


def test_acknowledgements_can_be_turned_off(fakes):
    from functions.core.settings import get_settings

    fakes = install_channel_fakes(get_settings().model_copy(update={"email_acknowledgements": False}))

    out = ingest(fakes, mail())

    assert out.outcome == "created" and "acknowledgements disabled" in out.reason
    assert fakes.mailer.sent == []


# -- attachments ------------------------------------------------------------------------------


def test_attachments_are_stored_with_md5_and_oversized_ones_are_skipped(shared_data):
    from functions.core.settings import get_settings

    fakes = install_channel_fakes(get_settings().model_copy(update={"max_attachment_bytes": 1000}))

    out = ingest(fakes, (shared_data / "mail" / "mail009.box").read_bytes())

    [message] = [e.message for e in timeline(fakes, out.case) if e.kind == EventKind.MESSAGE_IN]
    [att] = message.attachments
    assert att.md5 == "ddbdf67aa2f5c60c294008a54d57082b" and att.s3_key is None
    assert "larger than 1000 bytes" in att.skipped_reason
    assert fakes.mail.keys(fakes.mail.attachments_bucket) == []


def test_stored_attachment_is_in_the_attachments_bucket(fakes, shared_data):
    out = ingest(fakes, (shared_data / "mail" / "mail009.box").read_bytes())

    [message] = [e.message for e in timeline(fakes, out.case) if e.kind == EventKind.MESSAGE_IN]
    stored = fakes.mail.get(fakes.mail.attachments_bucket, message.attachments[0].s3_key)
    assert len(stored) == message.attachments[0].size
    assert message.raw_s3_key.startswith("inbound/")


def test_attachments_beyond_the_total_limit_are_kept_only_in_the_raw_mail(shared_data):
    from functions.core.settings import get_settings

    raw = (
        "From: ann@acme.example\r\nTo: support@casebridge.local\r\nSubject: files\r\nMessage-ID: <f@acme.example>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nthree files\r\n"
        + "".join(
            f'--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f{i}.bin"\r\n\r\n'
            + "x" * 600
            + "\r\n"
            for i in range(3)
        )
        + "--b--\r\n"
    ).encode()
    settings = get_settings().model_copy(update={"max_attachment_bytes": 1000, "max_total_attachment_bytes": 1300})
    fakes = install_channel_fakes(settings)

    out = ingest(fakes, raw)

    assert [a.skipped_reason is None for a in out.attachments] == [True, True, False]
    assert "1300 bytes in total" in out.attachments[2].skipped_reason
    assert len(fakes.mail.keys(fakes.mail.attachments_bucket)) == 2


# -- quarantine, replay and failures that must be retried -------------------------------------


def test_mail_that_fails_processing_is_quarantined_and_replays_after_the_fix(fakes):
    failing = with_failing_cases(fakes, ValueError("case service bug"))
    out = ingest(fakes, mail())
    assert out.outcome == "quarantined" and "case service bug" in out.reason
    listed = fakes.container.email_intake.inbound(Outcome.QUARANTINED).items
    assert [i.inbound_id for i in listed] == [out.inbound_id]
    assert fakes.mail.get(fakes.mail.mail_bucket, listed[0].quarantine_key) == mail()

    failing.broken = False
    [again] = fakes.container.email_intake.replay(out.inbound_id)

    assert again.outcome == "created"
    assert fakes.container.email_intake.inbound(Outcome.QUARANTINED).items == []
    assert fakes.inbound.get(out.inbound_id).attempts == 2


def test_replaying_a_mail_that_is_not_quarantined_is_a_conflict(fakes):
    out = ingest(fakes, mail())

    with pytest.raises(Conflict):
        fakes.container.email_intake.replay(out.inbound_id)


def test_replaying_an_unknown_id_is_not_found(fakes):
    with pytest.raises(NotFound):
        fakes.container.email_intake.replay("in_nope")


@pytest.mark.parametrize(
    "error",
    [
        Unavailable("the table is throttled"),
        ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "TransactWriteItems"),
    ],
)
def test_an_infrastructure_failure_is_raised_for_the_queue_to_retry_not_quarantined(fakes, error):
    with_failing_cases(fakes, error)

    with pytest.raises(type(error)):
        ingest(fakes, mail())

    assert fakes.container.email_intake.inbound().items == []


def test_a_queue_message_naming_a_missing_object_is_quarantined_and_replays_once_it_is_there(fakes):
    import json

    note = {
        "notificationType": "Received",
        "mail": {"messageId": "x"},
        "receipt": {"action": {"type": "S3", "bucketName": fakes.mail.mail_bucket, "objectKey": "inbound/late"}},
    }
    intake = fakes.container.email_intake
    [out] = intake.ingest_queue_body(json.dumps(note))
    assert out.outcome == "quarantined" and "not found" in out.reason

    fakes.mail.put(fakes.mail.mail_bucket, "inbound/late", mail())
    [again] = intake.replay(out.inbound_id)

    assert again.outcome == "created" and again.raw_s3_key == "inbound/late"
    assert intake.inbound(Outcome.QUARANTINED).items == []
    assert fakes.inbound.get(out.inbound_id).reason == f"replayed: {again.inbound_id} created"


def test_an_unreadable_queue_message_is_kept_as_json_with_its_reason(fakes):
    [out] = fakes.container.email_intake.ingest_queue_body("hello")

    record = fakes.inbound.get(out.inbound_id)
    assert out.outcome == "quarantined" and "not JSON" in record.reason
    assert record.quarantine_key.endswith(".json")
    assert fakes.mail.get(fakes.mail.mail_bucket, record.quarantine_key) == b"hello"


def test_replaying_a_queue_message_that_is_still_unreadable_keeps_it_in_quarantine(fakes):
    [out] = fakes.container.email_intake.ingest_queue_body("hello")

    [again] = fakes.container.email_intake.replay(out.inbound_id)

    assert (again.inbound_id, again.outcome) == (out.inbound_id, "quarantined")
    assert [r.inbound_id for r in fakes.container.email_intake.inbound(Outcome.QUARANTINED).items] == [out.inbound_id]


# -- agents' replies --------------------------------------------------------------------------


def test_agent_reply_is_sent_threaded_to_the_customers_last_message(fakes):
    first = ingest(fakes, mail())
    ingest(
        fakes, mail(subject="Re: Printer jams", msgid="<m7@acme.example>", extra="In-Reply-To: <m1@acme.example>\r\n")
    )

    event = fakes.container.cases.reply(first.case, AGENT, ReplyIn(body="Try a new drum."))

    reply = fakes.mailer.sent[-1]
    assert reply["In-Reply-To"] == "<m7@acme.example>" and f"[{first.case}]" in reply["Subject"]
    assert "<m1@acme.example>" in reply["References"]
    assert f"/portal/cases/{first.case}?token=" in reply.get_content()
    assert event.message.meta["extra_message_ids"] == [f"<fake-{len(fakes.mailer.sent)}@email.example>"]


def test_customer_answer_to_an_agent_reply_threads_back(fakes):
    first = ingest(fakes, mail())
    fakes.container.cases.reply(first.case, AGENT, ReplyIn(body="Try a new drum."))
    reply_id = fakes.mailer.sent[-1]["Message-ID"]

    answer = ingest(fakes, mail(subject="Re: drum", msgid="<m8@acme.example>", extra=f"In-Reply-To: {reply_id}\r\n"))

    assert (answer.outcome, answer.case) == ("threaded", first.case)
