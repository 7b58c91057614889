"""The email channel end to end on moto: the SQS handler with real sample events, threading,
acknowledgements, loop safety, quarantine and replay, agents' replies."""

from __future__ import annotations

import copy
import json

import pytest

from functions.composition import container
from tests.conftest import SHARED_DATA


def sent_messages() -> list:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages)


def services():

    return container().email_intake


def ingest(raw: bytes):
    from functions.channels.email.intake import ingest_raw

    return ingest_raw(raw, None, services(), source="test")


def mail(
    subject="Printer jams", frm="Ann Example <ann@acme.example>", msgid="<m1@acme.example>", extra="", body="It jams."
):
    head = f"From: {frm}\r\nTo: support@casebridge.local\r\nSubject: {subject}\r\n"
    if msgid:
        head += f"Message-ID: {msgid}\r\n"
    return (head + extra + "\r\n" + body + "\r\n").encode()


def event(name: str) -> dict:
    return json.loads((SHARED_DATA / "events" / name).read_text())


def sqs_event(*bodies: str) -> dict:
    return {
        "Records": [
            {
                "messageId": f"id-{i}",
                "receiptHandle": "h",
                "body": b,
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
            for i, b in enumerate(bodies)
        ]
    }


def sns(message: dict) -> str:
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": "m",
            "TopicArn": "arn:aws:sns:us-east-1:1:t",
            "Message": json.dumps(message),
        }
    )


def timeline(client, headers, case_id):
    return client.http.get(f"/cases/{case_id}", headers=headers).json_body


def first_message(client, headers, case_id):
    return next(e["message"] for e in timeline(client, headers, case_id)["timeline"] if e["kind"] == "message_in")


@pytest.fixture
def corpus_mail(shared_data):
    return (shared_data / "mail" / "mail009.box").read_bytes()


# -- the queue handler with the real sample events ---------------------------------------


def test_sns_wrapped_ses_s3_notification_creates_a_case_from_the_stored_mail(client, aws, corpus_mail):
    from functions.core import aws as core_aws
    from functions.core.settings import get_settings

    key = "inbound/sample-object"
    core_aws.client("s3").put_object(Bucket=get_settings().mail_bucket, Key=key, Body=corpus_mail)
    note = copy.deepcopy(event("ses-s3-event.json")["Records"][0]["ses"])
    note["receipt"]["action"].update(bucketName=get_settings().mail_bucket, objectKey=key)
    result = client.lambda_.invoke("handle_inbound_mail", sqs_event(sns(note))).payload
    assert result["outcomes"] == ["created"]
    page = services().log.list(None).items
    assert page[0].raw_s3_key == key and page[0].case_id


def test_sns_action_notification_with_inline_content_creates_a_case(client):
    body = sns(event("sesSnsReceivedNotification.json"))
    assert client.lambda_.invoke("handle_inbound_mail", sqs_event(body)).payload["outcomes"] == ["created"]


def test_raw_ses_notification_in_the_queue_body_is_accepted(client):
    body = json.dumps(event("sesSnsReceivedNotification.json"))
    assert client.lambda_.invoke("handle_inbound_mail", sqs_event(body)).payload["outcomes"] == ["created"]


def test_s3_object_created_event_for_the_inbound_prefix_is_ingested(client, corpus_mail):
    from functions.core import aws as core_aws
    from functions.core.settings import get_settings

    s3_event = event("s3Event.json")
    s3_event["Records"][0]["s3"]["bucket"]["name"] = get_settings().mail_bucket
    s3_event["Records"][0]["s3"]["object"]["key"] = "inbound/b21b84d653bb07b05b1e6b33684dc11b"
    core_aws.client("s3").put_object(
        Bucket=get_settings().mail_bucket, Key="inbound/b21b84d653bb07b05b1e6b33684dc11b", Body=corpus_mail
    )
    assert client.lambda_.invoke("handle_inbound_mail", sqs_event(json.dumps(s3_event))).payload["outcomes"] == [
        "created"
    ]


def test_record_that_cannot_be_understood_is_quarantined_with_its_reason(client, agent_headers):
    body = event("snsSqsEvent.json")["Records"][0]["body"]
    assert client.lambda_.invoke("handle_inbound_mail", sqs_event(body)).payload["outcomes"] == ["quarantined"]
    items = client.http.get("/inbound/quarantine", headers=agent_headers).json_body["items"]
    assert len(items) == 1 and "unreadable queue message" in items[0]["reason"]


def test_notification_naming_a_missing_s3_object_is_quarantined(client):
    note = copy.deepcopy(event("ses-s3-event.json")["Records"][0]["ses"])
    from functions.core.settings import get_settings

    note["receipt"]["action"].update(bucketName=get_settings().mail_bucket, objectKey="inbound/missing")
    assert client.lambda_.invoke("handle_inbound_mail", sqs_event(sns(note))).payload["outcomes"] == ["quarantined"]


def test_a_batch_with_one_failing_record_reports_only_it_and_the_good_mails_are_ingested_once(client, aws):
    # Given five stored mails, and S3 failing (an AWS error, not a bad mail) for the third
    import botocore.exceptions

    from functions.core import aws as core_aws
    from functions.core.settings import get_settings

    s3 = core_aws.client("s3")
    bodies = []
    for i in range(5):
        key = f"inbound/batch-{i}"
        s3.put_object(Bucket=get_settings().mail_bucket, Key=key, Body=mail(subject=f"Mail {i}", msgid=f"<b{i}@x>"))
        note = copy.deepcopy(event("ses-s3-event.json")["Records"][0]["ses"])
        note["receipt"]["action"].update(bucketName=get_settings().mail_bucket, objectKey=key)
        bodies.append(sns(note))

    def fail_third(params, **kwargs):
        if params.get("Key") == "inbound/batch-2":
            raise botocore.exceptions.ClientError({"Error": {"Code": "InternalError", "Message": "x"}}, "GetObject")

    s3.meta.events.register("provide-client-params.s3.GetObject", fail_third)
    # When the batch is handled
    result = client.lambda_.invoke("handle_inbound_mail", sqs_event(*bodies)).payload
    # Then only the third record is reported for redelivery; the four others became cases
    assert result["batchItemFailures"] == [{"itemIdentifier": "id-2"}]
    assert result["outcomes"] == ["created"] * 4
    # and when SQS delivers just that record again, once S3 answers, it becomes the fifth case
    s3.meta.events.unregister("provide-client-params.s3.GetObject", fail_third)
    again = client.lambda_.invoke("handle_inbound_mail", sqs_event(bodies[2])).payload
    assert again == {"batchItemFailures": [], "processed": 1, "outcomes": ["created"]}
    logged = services().log.list(None, limit=50).items
    assert sorted(r.subject for r in logged) == [f"Mail {i}" for i in range(5)]


# -- idempotency, threading -----------------------------------------------------------


def test_same_message_id_twice_is_one_interaction(client, agent_headers):
    first = ingest(mail())
    second = ingest(mail(body="It jams (resent by the client with other bytes)."))
    assert (first.outcome, second.outcome, second.case) == ("created", "suppressed", first.case)
    assert second.reason.startswith("duplicate:")
    assert timeline(client, agent_headers, first.case)["interaction_count"] == 1


def test_same_bytes_delivered_twice_are_one_log_entry(aws):
    raw = mail()
    ingest(raw)
    again = ingest(raw)
    assert again.outcome == "suppressed" and again.reason.startswith("duplicate:")
    assert len(services().log.list(None).items) == 1


def test_mail_without_message_id_is_deduplicated_by_its_bytes(aws):
    raw = mail(msgid=None)
    first, second = ingest(raw), ingest(raw)
    assert first.outcome == "created" and second.outcome == "suppressed"
    assert second.reason.startswith("duplicate:")


def test_reply_threads_by_in_reply_to(client, agent_headers):
    first = ingest(mail())
    reply = ingest(
        mail(subject="Re: Printer jams", msgid="<m2@acme.example>", extra="In-Reply-To: <m1@acme.example>\r\n")
    )
    assert (reply.outcome, reply.case) == ("threaded", first.case)
    assert timeline(client, agent_headers, first.case)["interaction_count"] == 2


def test_reply_threads_by_the_case_token_in_the_subject(aws):
    first = ingest(mail())
    reply = ingest(mail(subject=f"Re: [{first.case}] Printer jams", msgid="<m3@acme.example>"))
    assert (reply.outcome, reply.case) == ("threaded", first.case)


def test_colleague_of_the_same_organisation_threads(aws):
    first = ingest(mail())
    reply = ingest(mail(subject=f"[{first.case}] more info", frm="bob@acme.example", msgid="<b1@acme.example>"))
    assert (reply.outcome, reply.case) == ("threaded", first.case)


def test_stranger_with_a_valid_token_opens_a_new_case_noting_the_claim(client, agent_headers):
    first = ingest(mail())
    other = ingest(
        mail(subject=f"Re: [{first.case}] give me the data", frm="mallory@evil.example", msgid="<x@evil.example>")
    )
    assert other.outcome == "created" and other.case != first.case
    notes = [e["body"] for e in timeline(client, agent_headers, other.case)["timeline"] if e["kind"] == "note"]
    assert any(first.case in n for n in notes)
    assert timeline(client, agent_headers, first.case)["interaction_count"] == 1


def test_reply_to_a_closed_case_opens_a_follow_up_case(client, agent_headers):
    first = ingest(mail())
    for status in ("resolved", "closed"):
        client.http.patch(f"/cases/{first.case}", headers=agent_headers, body=json.dumps({"status": status}))
    reply = ingest(
        mail(subject="Re: Printer jams", msgid="<m4@acme.example>", extra="In-Reply-To: <m1@acme.example>\r\n")
    )
    assert reply.outcome == "created" and reply.case != first.case
    assert timeline(client, agent_headers, reply.case)["context"]["related_case"] == first.case


def test_forwarded_mail_keeps_the_original_sender_as_context(client, agent_headers):
    body = "Please help this customer.\r\n\r\n---------- Forwarded message ---------\r\nFrom: Carl <carl@client.example>\r\nSubject: Broken\r\n\r\nIt broke."
    out = ingest(mail(subject="Fwd: Broken", body=body))
    view = timeline(client, agent_headers, out.case)
    assert view["contact_email"] == "ann@acme.example"
    assert view["context"]["forwarded_from"]["email"] == "carl@client.example"


# -- acknowledgements and loop safety ---------------------------------------------------


def test_new_case_is_acknowledged_with_case_token_threading_headers_and_portal_link(aws):
    out = ingest(mail())
    [sent] = sent_messages()
    raw = sent.raw_data if hasattr(sent, "raw_data") else str(sent)
    assert out.acknowledged
    assert f"Subject: Re: [{out.case}] Printer jams" in raw
    assert "In-Reply-To: <m1@acme.example>" in raw
    assert "Auto-Submitted: auto-replied" in raw
    assert f"/portal/cases/{out.case}?token=" in raw


def test_auto_reply_opens_no_case_and_gets_no_acknowledgement(aws):
    out = ingest(mail(subject="Out of office", extra="Auto-Submitted: auto-replied\r\n"))
    assert out.outcome == "suppressed" and out.case is None
    assert sent_messages() == []
    assert services().log.list(None).items[0].reason.startswith("auto_reply")


def test_bounce_opens_no_case_and_marks_delivery_failed_on_the_case_it_returns(client, agent_headers):
    first = ingest(mail())
    [ack] = sent_messages()
    ack_id = next(
        line.split(":", 1)[1].strip() for line in ack.raw_data.splitlines() if line.lower().startswith("message-id:")
    )
    bounce = (
        "From: MAILER-DAEMON@mx.acme.example\r\nTo: support@casebridge.local\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce1@mx.acme.example>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nsorry\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; ann@acme.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@casebridge.local\r\nMessage-ID: {ack_id}\r\nSubject: x\r\n\r\n--b--\r\n"
    ).encode()
    out = ingest(bounce)
    assert (out.outcome, out.case) == ("suppressed", first.case)
    kinds = [e["kind"] for e in timeline(client, agent_headers, first.case)["timeline"]]
    assert "delivery_failed" in kinds
    assert len(sent_messages()) == 1


def test_mail_from_our_own_address_is_never_answered(aws):
    out = ingest(mail(frm="support@casebridge.local"))
    assert out.outcome == "suppressed" and sent_messages() == []


def test_customer_replying_to_the_acknowledgement_threads_back(aws):
    first = ingest(mail())
    [ack] = sent_messages()
    ack_id = next(
        line.split(":", 1)[1].strip() for line in ack.raw_data.splitlines() if line.lower().startswith("message-id:")
    )
    reply = ingest(mail(subject="Re: thanks", msgid="<m5@acme.example>", extra=f"In-Reply-To: {ack_id}\r\n"))
    assert (reply.outcome, reply.case) == ("threaded", first.case)


def test_reply_to_the_ses_message_id_threads_back(aws):
    first = ingest(mail())
    ses_id = sent_messages()[0].id
    reply = ingest(
        mail(subject="Re: thanks", msgid="<m6@acme.example>", extra=f"In-Reply-To: <{ses_id}@email.amazonses.com>\r\n")
    )
    assert (reply.outcome, reply.case) == ("threaded", first.case)


# -- attachments ------------------------------------------------------------------------


def test_attachments_are_stored_with_md5_and_oversized_ones_are_skipped(
    client, agent_headers, monkeypatch, corpus_mail
):
    monkeypatch.setenv("CASEBRIDGE_MAX_ATTACHMENT_BYTES", "1000")
    from functions import composition

    composition.reset()
    out = ingest(corpus_mail)
    [att] = first_message(client, agent_headers, out.case)["attachments"]
    assert att["md5"] == "ddbdf67aa2f5c60c294008a54d57082b" and att["s3_key"] is None
    assert "larger than 1000 bytes" in att["skipped_reason"]


def test_stored_attachment_is_in_the_attachments_bucket(client, agent_headers, corpus_mail):
    from functions.core import aws as core_aws
    from functions.core.settings import get_settings

    out = ingest(corpus_mail)
    message = first_message(client, agent_headers, out.case)
    body = (
        core_aws.client("s3")
        .get_object(Bucket=get_settings().attachments_bucket, Key=message["attachments"][0]["s3_key"])["Body"]
        .read()
    )
    assert len(body) == message["attachments"][0]["size"]
    assert message["raw_s3_key"].startswith("inbound/")


# -- quarantine and replay ----------------------------------------------------------------


def test_mail_that_fails_processing_is_quarantined_and_replays_after_the_fix(client, agent_headers, monkeypatch):
    from functions.channels.email import intake

    def broken(raw):
        raise ValueError("parser bug")

    monkeypatch.setattr(intake, "parse_mail", broken)
    out = ingest(mail())
    assert out.outcome == "quarantined" and "parser bug" in out.reason
    listed = client.http.get("/inbound/quarantine", headers=agent_headers).json_body["items"]
    assert [i["inbound_id"] for i in listed] == [out.inbound_id]
    monkeypatch.undo()
    resp = client.http.post(f"/inbound/quarantine/{out.inbound_id}/replay", headers=agent_headers)
    assert resp.status_code == 200, resp.body
    assert resp.json_body["items"][0]["outcome"] == "created"
    assert client.http.get("/inbound/quarantine", headers=agent_headers).json_body["items"] == []


def test_replaying_a_mail_that_is_not_quarantined_is_a_409(client, agent_headers):
    out = ingest(mail())
    resp = client.http.post(f"/inbound/quarantine/{out.inbound_id}/replay", headers=agent_headers)
    assert resp.status_code == 409


def test_replaying_an_unknown_id_is_a_404(client, agent_headers):
    assert client.http.post("/inbound/quarantine/in_nope/replay", headers=agent_headers).status_code == 404


# -- agents' replies ----------------------------------------------------------------------


def test_agent_reply_is_sent_threaded_to_the_customers_last_message(client, agent_headers):
    first = ingest(mail())
    ingest(mail(subject="Re: Printer jams", msgid="<m7@acme.example>", extra="In-Reply-To: <m1@acme.example>\r\n"))
    resp = client.http.post(
        f"/cases/{first.case}/replies", headers=agent_headers, body=json.dumps({"body": "Try a new drum."})
    )
    assert resp.status_code == 201, resp.body
    reply = sent_messages()[-1].raw_data
    assert "In-Reply-To: <m7@acme.example>" in reply and f"[{first.case}]" in reply
    assert resp.json_body["message"]["meta"]["extra_message_ids"][0].endswith("@email.amazonses.com>")


def test_customer_answer_to_an_agent_reply_threads_back(client, agent_headers):
    first = ingest(mail())
    client.http.post(
        f"/cases/{first.case}/replies", headers=agent_headers, body=json.dumps({"body": "Try a new drum."})
    )
    reply_id = next(
        line.split(":", 1)[1].strip()
        for line in sent_messages()[-1].raw_data.splitlines()
        if line.lower().startswith("message-id:")
    )
    answer = ingest(mail(subject="Re: drum", msgid="<m8@acme.example>", extra=f"In-Reply-To: {reply_id}\r\n"))
    assert (answer.outcome, answer.case) == ("threaded", first.case)
