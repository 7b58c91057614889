"""The AWS paths of the product on LocalStack: what reaches the functions through SNS and SQS, what
they keep in S3 and send with SES, and a Step Functions lifecycle driving its jobs through SQS."""

from __future__ import annotations

import copy
import json
import time
import urllib.request
from collections.abc import Iterator

import pytest

from functions.composition import container
from tests.conftest import SHARED_DATA
from tests.localstack.conftest import Lane


@pytest.fixture
def client(lane: Lane) -> Iterator:
    from chalice.test import Client

    from app import app

    with Client(app) as c:
        yield c


def _receive(queue_url: str, timeout: float = 20.0) -> list[dict]:
    from functions.core import aws

    sqs = aws.client("sqs")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if got:
            for m in got:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
            return got
    raise AssertionError(f"nothing arrived on {queue_url}")


def _sqs_event(messages: list[dict]) -> dict:
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:q",
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }


def _ses_sent(lane: Lane) -> list[dict]:
    with urllib.request.urlopen(f"{lane.localstack}/_aws/ses", timeout=5) as resp:
        return list(json.loads(resp.read()).get("messages", []))


def test_a_mail_stored_by_ses_reaches_a_case_through_sns_and_sqs_and_is_acknowledged_by_ses(lane: Lane, client):
    from functions.core import aws
    from functions.core.settings import get_settings

    # Given a mail as SES receipt rules leave it: the raw mail in S3, a notification on the topic
    s = get_settings()
    key = "inbound/localstack-1"
    raw = (
        b"From: Lane Customer <lane.customer@client.example>\r\nTo: support@casebridge.local\r\n"
        b"Subject: Label printer offline since Monday\r\nMessage-ID: <ls-1@client.example>\r\n\r\n"
        b"The printer shows offline on every PC.\r\n"
    )
    aws.client("s3").put_object(Bucket=s.mail_bucket, Key=key, Body=raw)
    note = copy.deepcopy(json.loads((SHARED_DATA / "events" / "ses-s3-event.json").read_text())["Records"][0]["ses"])
    note["receipt"]["action"].update(
        bucketName=s.mail_bucket, objectKey=key, topicArn=lane.provisioned["topics"]["inbound-mail"]
    )
    note["mail"]["messageId"] = "localstack-1"
    sent_before = len(_ses_sent(lane))
    aws.client("sns").publish(TopicArn=lane.provisioned["topics"]["inbound-mail"], Message=json.dumps(note))
    # When the queue's messages reach the intake function
    messages = _receive(lane.provisioned["queues"]["inbound-mail"]["url"])
    result = client.lambda_.invoke("handle_inbound_mail", _sqs_event(messages)).payload
    # Then a case is open with the mail, and SES (LocalStack's) sent the acknowledgement
    assert result["batchItemFailures"] == [] and result["outcomes"] == ["created"], result
    [record] = container().email_intake.inbound(limit=10).items
    case = container().cases.get(record.case_id)
    assert case.subject == "Label printer offline since Monday"
    sent = [m["RawData"] for m in _ses_sent(lane)[sent_before:]]
    assert len(sent) == 1 and "\nTo: lane.customer@client.example\n" in sent[0]
    assert f"[{record.case_id}]" in sent[0] and "/portal/cases/" in sent[0]


def test_a_notice_lifecycle_runs_its_jobs_through_sqs_and_step_functions(lane: Lane, client):
    from datetime import UTC, datetime

    from functions.core import aws
    from functions.notify.contract import AudienceManifest, batch_key, manifest_key
    from tests.fakes.notices import FakeEmailSender
    from tests.integration.test_notice_delivery import FakeSource, audience

    # Given an audience snapshot in S3 (LocalStack's) and the notice lifecycle state machine there
    # (the notice's own record and sender are fakes: SES v2's bulk mail is not served by LocalStack)
    email = FakeEmailSender()
    container().override(notices=FakeSource(), notice_email_sender=email)
    recipients = audience(6, sms_every=100)
    bucket = lane.provisioned["buckets"]["notices"]
    body = "".join(r.model_dump_json() + "\n" for r in recipients)
    aws.client("s3").put_object(Bucket=bucket, Key=batch_key("NT-LS", 0), Body=body.encode())
    manifest = AudienceManifest(
        notice_id="NT-LS",
        count=len(recipients),
        email_count=len(recipients),
        sms_count=0,
        batch_size=20,
        batches=[batch_key("NT-LS", 0)],
        created_at=datetime.now(UTC),
    )
    aws.client("s3").put_object(Bucket=bucket, Key=manifest_key("NT-LS"), Body=manifest.model_dump_json().encode())
    # When the lifecycle starts and its jobs are run as SQS delivers them, until it waits for a signal
    arn = container().notice_delivery.start("NT-LS")
    url = lane.provisioned["queues"]["notice-jobs"]["url"]
    kinds: list[str] = []
    deadline = time.monotonic() + 60
    while "await" not in kinds and time.monotonic() < deadline:
        for m in _receive(url, timeout=30):
            kinds.append(json.loads(m["Body"])["type"])
            assert client.lambda_.invoke("handle_notice_jobs", _sqs_event([m])).payload["batchItemFailures"] == []
    # Then every contact got one mail and the execution is waiting on LocalStack's Step Functions
    assert "await" in kinds, kinds
    assert sorted(mail.to for _, mail in email.sent) == sorted(str(r.email) for r in recipients)
    assert aws.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "RUNNING"
    aws.client("stepfunctions").stop_execution(executionArn=arn)


def test_the_escalation_workflow_writes_its_states_through_to_the_resolution(lane: Lane, client):
    from functions.core import aws
    from tests.fakes.mail import FakeMailer
    from tests.integration.test_problem_escalation import RecordingResolver, link_for, start, submit

    # Given the escalation state machine on LocalStack's Step Functions, whose DynamoDB tasks write
    # the lane's table (moto, through LocalStack's forwarding provider); the mails and the problem's
    # resolution are fakes (the mail path has its own test above)
    mailer, resolver = FakeMailer(), RecordingResolver()
    container().override(mailer=mailer, escalation_resolver=resolver)
    url = lane.provisioned["queues"]["escalation-jobs"]["url"]

    def run_next(kind: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for m in _receive(url, timeout=30):
                job = json.loads(m["Body"])
                if job["escalation_id"] != escalation_id:
                    continue
                assert job["kind"] == kind, job
                assert (
                    client.lambda_.invoke("handle_escalation_jobs", _sqs_event([m])).payload["batchItemFailures"] == []
                )
                return
        raise AssertionError(f"no {kind} job")

    def status() -> str | None:
        return container().escalation.escalation("PB-100001", escalation_id).status

    def wait_status(expected: str) -> None:
        deadline = time.monotonic() + 30
        while status() != expected and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status() == expected

    # When a problem's escalation starts, the department accepts, then delivers the fix by its links
    escalation_id = start(lane.provisioned)
    run_next("decide")
    wait_status("awaiting_department")
    assert submit(client, link_for(mailer.sent[-1], "accept")).status_code == 200
    run_next("fix")
    wait_status("accepted")
    resp = submit(client, link_for(mailer.sent[-1], "deliver"), root_cause="VAT applied twice", fix="Rate table")
    assert resp.status_code == 200, resp.body
    run_next("resolve")

    # Then each state's write reached the table, the resolution was handed over once, and the
    # execution succeeded on LocalStack
    view = container().escalation.escalation("PB-100001", escalation_id)
    assert (view.status, view.root_cause, view.fix, view.resolved) == (
        "fix_delivered",
        "VAT applied twice",
        "Rate table",
        True,
    )
    assert resolver.calls == [("PB-100001", "VAT applied twice", "Rate table")]
    arn = (
        lane.provisioned["state_machines"]["escalation"].replace(":stateMachine:", ":execution:") + f":{escalation_id}"
    )
    deadline = time.monotonic() + 30
    while (state := aws.client("stepfunctions").describe_execution(executionArn=arn)["status"]) == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert state == "SUCCEEDED"
    assert [m["To"] for m in mailer.sent] == ["finance@example.org", "finance@example.org"]
