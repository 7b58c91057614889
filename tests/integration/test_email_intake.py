"""The email channel end to end on moto: the SQS handler with real sample events, the stores
(S3, DynamoDB) and SES under the intake, the agents' inbound routes (quarantine, replay).

The intake's use cases themselves (duplicates, threading, acknowledgements, loop safety,
attachments, quarantine and replay, agents' replies) run on in-memory fakes in
tests/unit/test_email_intake.py."""

from __future__ import annotations

import copy
import json

import pytest

from functions.composition import container
from tests.conftest import SHARED_DATA


def intake():
    return container().email_intake


def ingest(raw: bytes):
    return intake().ingest_raw(raw, None, source="test")


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
    page = intake().inbound().items
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
    logged = intake().inbound(limit=50).items
    assert sorted(r.subject for r in logged) == [f"Mail {i}" for i in range(5)]


# -- the stores and SES under the intake ---------------------------------------------------


def test_a_new_case_keeps_the_raw_mail_in_s3_and_is_acknowledged_through_ses(client, agent_headers):
    from functions.core import aws as core_aws
    from functions.core.settings import get_settings

    ses = core_aws.client("ses")
    sent_before = ses.get_send_quota()["SentLast24Hours"]

    out = ingest(mail())

    raw = core_aws.client("s3").get_object(Bucket=get_settings().mail_bucket, Key=out.raw_s3_key)["Body"].read()
    assert raw == mail() and out.acknowledged
    assert ses.get_send_quota()["SentLast24Hours"] > sent_before
    assert [r.inbound_id for r in intake().inbound().items] == [out.inbound_id]


def test_reply_to_the_ses_message_id_threads_back(client, agent_headers):
    first = ingest(mail())
    ack = next(e for e in timeline(client, agent_headers, first.case)["timeline"] if e["kind"] == "auto_reply")
    [ses_id] = ack["message"]["meta"]["extra_message_ids"]
    assert ses_id.endswith("@email.amazonses.com>")

    reply = ingest(mail(subject="Re: thanks", msgid="<m6@acme.example>", extra=f"In-Reply-To: {ses_id}\r\n"))

    assert (reply.outcome, reply.case) == ("threaded", first.case)


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


# -- quarantine and replay through the agents' routes ------------------------------------------


def test_a_quarantined_queue_message_is_listed_and_replays_once_the_mail_is_there(client, agent_headers):
    # Given a notification whose raw mail is not in S3 (yet): the record is quarantined
    from functions.core import aws as core_aws
    from functions.core.settings import get_settings

    bucket, key = get_settings().mail_bucket, "inbound/arrives-late"
    note = copy.deepcopy(event("ses-s3-event.json")["Records"][0]["ses"])
    note["receipt"]["action"].update(bucketName=bucket, objectKey=key)
    assert client.lambda_.invoke("handle_inbound_mail", sqs_event(sns(note))).payload["outcomes"] == ["quarantined"]
    [listed] = client.http.get("/inbound/quarantine", headers=agent_headers).json_body["items"]
    assert "not found" in listed["reason"]
    # When the mail is there and an agent replays the record
    core_aws.client("s3").put_object(Bucket=bucket, Key=key, Body=mail())
    resp = client.http.post(f"/inbound/quarantine/{listed['inbound_id']}/replay", headers=agent_headers)
    # Then it becomes a case and leaves the quarantine
    assert resp.status_code == 200, resp.body
    assert resp.json_body["items"][0]["outcome"] == "created"
    assert resp.json_body["items"][0]["raw_s3_key"] == key
    assert client.http.get("/inbound/quarantine", headers=agent_headers).json_body["items"] == []
    log = client.http.get("/inbound", headers=agent_headers).json_body["items"]
    assert sorted((i["outcome"], i["reason"].split(":")[0]) for i in log) == [
        ("created", "new case"),
        ("suppressed", "replayed"),
    ]


def test_replaying_a_mail_that_is_not_quarantined_is_a_409(client, agent_headers):
    out = ingest(mail())
    resp = client.http.post(f"/inbound/quarantine/{out.inbound_id}/replay", headers=agent_headers)
    assert resp.status_code == 409


def test_replaying_an_unknown_id_is_a_404(client, agent_headers):
    assert client.http.post("/inbound/quarantine/in_nope/replay", headers=agent_headers).status_code == 404


def test_the_inbound_routes_need_an_agent(client):
    assert client.http.get("/inbound").status_code == 401
    assert client.http.post("/inbound/quarantine/in_x/replay").status_code == 401


# -- receipt verdicts: the spam view and its release through the agents' routes -----------------


def with_verdicts(note: dict, **statuses: str) -> dict:
    note = copy.deepcopy(note)
    for name, status in statuses.items():
        note["receipt"][f"{name}Verdict"] = {"status": status}
    return note


def test_spam_is_listed_in_the_spam_view_and_released_by_an_agent(client, agent_headers):
    note = with_verdicts(event("sesSnsReceivedNotification.json"), spam="FAIL")
    assert client.lambda_.invoke("handle_inbound_mail", sqs_event(sns(note))).payload["outcomes"] == ["spam"]
    [held] = client.http.get("/inbound/spam", headers=agent_headers).json_body["items"]
    assert held["outcome"] == "spam" and held["verdicts"]["spam"] == "FAIL" and held["case_id"] is None

    resp = client.http.post(f"/inbound/spam/{held['inbound_id']}/release", headers=agent_headers)

    assert resp.status_code == 200, resp.body
    assert resp.json_body["outcome"] == "created" and "released" in resp.json_body["flags"]
    assert client.http.get("/inbound/spam", headers=agent_headers).json_body["items"] == []
    [entry] = client.http.get("/inbound", headers=agent_headers).json_body["items"]
    assert entry["case_id"] == resp.json_body["case"] and "released from spam by" in entry["reason"]
    again = client.http.post(f"/inbound/spam/{held['inbound_id']}/release", headers=agent_headers)
    assert again.status_code == 409


def test_a_virus_verdict_from_ses_quarantines_the_mail(client, agent_headers):
    note = with_verdicts(event("sesSnsReceivedNotification.json"), virus="FAIL")
    assert client.lambda_.invoke("handle_inbound_mail", sqs_event(sns(note))).payload["outcomes"] == ["quarantined"]
    [listed] = client.http.get("/inbound/quarantine", headers=agent_headers).json_body["items"]
    assert listed["reason"].startswith("virus:") and listed["verdicts"]["virus"] == "FAIL"


def test_the_spam_routes_need_an_agent(client):
    assert client.http.get("/inbound/spam").status_code == 401
    assert client.http.post("/inbound/spam/in_x/release").status_code == 401
