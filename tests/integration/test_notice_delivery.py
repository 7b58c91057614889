"""The notice lifecycle state machine executed for real in moto, driven through its jobs handler.

moto runs ``stepfunctions/proactive_updates.asl.json`` as provisioned; the jobs it queues on
``notice-jobs`` are read from the moto queue and handed to the Chalice handler through
``chalice.test.Client``. Delivery's records, waits and subscriptions are in moto's DynamoDB; the
audience snapshot is written to S3 as functions/notify/contract.py describes. The records part
is a fake ``NoticeSource``; the senders are the in-memory ``FakeEmailSender`` / ``FakeSmsSender``
(what SES and SNS are asked is tested with the adapters: test_notice_delivery_adapters.py).
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from functions.composition import container
from functions.notify.contract import (
    AudienceManifest,
    Dispatch,
    DispatchKind,
    DispatchRecord,
    NoticeSignal,
    Recipient,
    batch_key,
    manifest_key,
)
from tests.conftest import DEV_TOKEN
from tests.fakes.notices import FakeEmailSender, FakeSmsSender
from tests.fakes.workflows import executing_stack


class FakeSource:
    """The records part as delivery sees it: numbered dispatches, an interval, paused / done."""

    def __init__(self, interval: int = 3600) -> None:
        self.interval = interval
        self.seq: dict[str, int] = {}
        self.kinds: list[DispatchKind] = []
        self.sent: dict[str, list[DispatchRecord]] = {}
        self.paused = False

    def dispatches(self, notice_id: str) -> list[DispatchRecord]:
        """The dispatches made (GET /notices/{id}/deliveries lists their counts)."""
        return list(self.sent.get(notice_id, []))

    def next_dispatch(self, notice_id: str, kind: DispatchKind) -> Dispatch | None:
        if self.paused:
            return None
        self.seq[notice_id] = self.seq.get(notice_id, 0) + 1
        self.kinds.append(DispatchKind(kind))
        record = DispatchRecord(seq=self.seq[notice_id], kind=DispatchKind(kind), at=datetime.now(UTC))
        self.sent.setdefault(notice_id, []).append(record)
        return Dispatch(
            notice_id=notice_id,
            problem_id="PB-100001",
            seq=self.seq[notice_id],
            kind=kind,
            subject=f"Router firmware issue ({kind})",
            body="Some routers of batch 7 restart at night. A fix is on its way.",
            sms_text="Routers of batch 7 may restart at night; fix coming.",
            created_at=datetime.now(UTC),
        )

    def interval_seconds(self, notice_id: str) -> int:
        return self.interval


@pytest.fixture
def source() -> FakeSource:
    return FakeSource()


@pytest.fixture
def email() -> FakeEmailSender:
    return FakeEmailSender()


@pytest.fixture
def sms() -> FakeSmsSender:
    return FakeSmsSender()


@pytest.fixture
def sfn_aws(source: FakeSource, email: FakeEmailSender, sms: FakeSmsSender, monkeypatch) -> Iterator[dict]:
    from functions import composition

    monkeypatch.setenv("CASEBRIDGE_NOTICE_SEND_RATE", "0")  # unpaced: pacing has its unit test
    composition.reset()
    # delivery asks this source for each dispatch, and sends through these senders
    composition.container().override(notices=source, notice_email_sender=email, notice_sms_sender=sms)
    AWAITS.clear()  # waits counted per test: notice ids repeat across tests
    with executing_stack("proactive_updates") as out:
        yield out


@pytest.fixture
def client(sfn_aws: dict) -> Iterator:
    from chalice.test import Client

    from app import app

    with Client(app) as c:
        yield c


# -- helpers ------------------------------------------------------------------------------------


def audience(n: int, *, sms_every: int = 3) -> list[Recipient]:
    return [
        Recipient(
            customer_id=f"CU-{i // 2}",
            contact_id=f"CT-{i}",
            email=f"contact{i}@example.org",
            phone=f"+1555000{i:04d}" if i % sms_every == 0 else None,
            language=("fr" if i % 5 == 0 else "en"),
            name=f"Contact {i}",
            affected=i % 7 == 0,
            case_id="CB-100001" if i == 0 else None,
            thread_message_id="<case-100001@casebridge.local>" if i == 0 else None,
        )
        for i in range(n)
    ]


def write_audience(out: dict, notice_id: str, recipients: list[Recipient], batch_size: int = 20) -> None:
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = out["buckets"]["notices"]
    keys = []
    for b, i in enumerate(range(0, len(recipients), batch_size)):
        key = batch_key(notice_id, b)
        body = "".join(r.model_dump_json() + "\n" for r in recipients[i : i + batch_size])
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
        keys.append(key)
    manifest = AudienceManifest(
        notice_id=notice_id,
        count=len(recipients),
        email_count=sum(1 for r in recipients if r.email),
        sms_count=sum(1 for r in recipients if r.phone),
        batch_size=batch_size,
        batches=keys,
        created_at=datetime.now(UTC),
    )
    s3.put_object(Bucket=bucket, Key=manifest_key(notice_id), Body=manifest.model_dump_json().encode())


def run_job(client, body: str) -> dict:
    event = client.events.generate_sqs_event(queue_name="casebridge-test-notice-jobs", message_bodies=[body])
    return client.lambda_.invoke("handle_notice_jobs", event).payload


AWAITS: Counter = Counter()  # notice_id -> await jobs handled (the lifecycle waits for a signal)


def pump(client, out: dict, until: Callable[[], bool], *, timeout: float = 30.0, on_job=None) -> None:
    """Hand queued jobs to the handler until ``until()`` holds."""
    import boto3

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = out["queues"]["notice-jobs"]["url"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if until():
            return
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            if on_job is not None:
                on_job(json.loads(message["Body"]))
            run_job(client, message["Body"])
            job = json.loads(message["Body"])
            if job["type"] == "await":
                AWAITS[job["notice_id"]] += 1
        if not messages:
            time.sleep(0.05)
    raise AssertionError("timed out pumping notice jobs")


def drain(client, out: dict, *, seconds: float) -> None:
    """Run whatever jobs come during ``seconds``."""
    end = time.monotonic() + seconds
    pump(client, out, lambda: time.monotonic() >= end, timeout=seconds + 5)


def execution_status(arn: str) -> str:
    import boto3

    return str(boto3.client("stepfunctions", region_name="us-east-1").describe_execution(executionArn=arn)["status"])


def waiting(notice_id: str, times: int = 1) -> bool:
    """The lifecycle has reached its ``times``-th wait for a signal."""
    return AWAITS[notice_id] >= times


def mail_count(email: FakeEmailSender) -> Counter:
    """Mails sent, per (address, subject)."""
    return Counter((mail.to, call.dispatch.subject) for call, mail in email.sent)


def sms_published(sms: FakeSmsSender) -> list[tuple[str, str]]:
    """(contact_id, message) of every SMS the topic delivered to its contact's phone."""
    assert sms.lost == []  # every entry published to the topic reached a subscribed phone
    return [(contact_id, text) for _, contact_id, text in sms.delivered]


# -- tests --------------------------------------------------------------------------------------


def test_the_initial_notice_reaches_every_recipient_of_the_snapshot_exactly_once(client, sfn_aws, email, sms):
    # Given an audience of 45 contacts (15 of them opted in to SMS) in 3 batch files
    recipients = audience(45)
    write_audience(sfn_aws, "NT-1", recipients)

    # When the lifecycle starts and its jobs run until it waits for a signal
    arn = container().notice_delivery.start("NT-1")
    pump(client, sfn_aws, lambda: waiting("NT-1"))

    # Then every contact got one mail, every SMS contact one SMS, nobody else anything
    sent = mail_count(email)
    assert sorted(to for to, _ in sent) == sorted(str(r.email) for r in recipients)
    assert set(sent.values()) == {1}
    assert Counter(c for c, _ in sms_published(sms)) == Counter(r.contact_id for r in recipients if r.phone)
    assert sms.received() == {str(r.phone): 1 for r in recipients if r.phone}
    assert execution_status(arn) == "RUNNING"


def test_a_notice_mail_carries_its_unsubscribe_link_and_thread_in_the_contact_language(client, sfn_aws, email):
    recipients = audience(6)
    write_audience(sfn_aws, "NT-2", recipients)

    container().notice_delivery.start("NT-2")
    pump(client, sfn_aws, lambda: waiting("NT-2"))

    by_to = {mail.to: (call, mail) for call, mail in email.sent}
    call, first = by_to["contact0@example.org"]  # language fr, on a linked case
    assert call.template == "casebridge-notice-fr"
    assert first.thread_message_id == "<case-100001@casebridge.local>"
    assert "/notices/unsubscribe?token=" in first.unsubscribe_url
    assert first.name == "Contact 0" and "Some routers of batch 7" in call.dispatch.body
    other_call, other = by_to["contact1@example.org"]
    assert other.thread_message_id is None and other_call.template == "casebridge-notice-en"
    assert other.unsubscribe_url != first.unsubscribe_url  # each contact's own link


def test_sms_notices_are_short_carry_the_opt_out_word_and_their_contact_id(client, sfn_aws, sms):
    write_audience(sfn_aws, "NT-3", audience(4))

    container().notice_delivery.start("NT-3")
    pump(client, sfn_aws, lambda: waiting("NT-3"))

    published = sms_published(sms)
    assert {c for c, _ in published} == {"CT-0", "CT-3"}
    assert all(len(text) <= 160 and text.endswith("Reply STOP to opt out.") for _, text in published)


def test_injected_throttling_still_ends_with_every_recipient_notified_exactly_once(client, sfn_aws, email, sms):
    # Given SES and SNS throttle 30% of the bulk calls
    rng = random.Random(7)
    email.throttle = lambda n: rng.random() < 0.3
    sms.throttle = lambda operation, n: operation == "publish_batch" and rng.random() < 0.3
    recipients = audience(120, sms_every=2)
    write_audience(sfn_aws, "NT-4", recipients, batch_size=30)

    # When the lifecycle sends the initial notice (the state machine retries Throttled batches)
    attempts: list[int] = []
    container().notice_delivery.start("NT-4")
    on_job = lambda j: attempts.append(j["attempt"]) if j["type"] == "send" else None  # noqa: E731
    pump(client, sfn_aws, lambda: waiting("NT-4"), timeout=180, on_job=on_job)

    # Then throttling happened and batches were retried by the state machine, and still everyone
    # got exactly one mail and one SMS
    assert len(email.calls) > 3 and sms.calls["publish_batch"] > 6
    assert max(attempts) > 0
    sent = mail_count(email)
    assert sorted(to for to, _ in sent) == sorted(str(r.email) for r in recipients)
    assert set(sent.values()) == {1}
    assert Counter(c for c, _ in sms_published(sms)) == Counter(r.contact_id for r in recipients if r.phone)


def test_a_redelivered_batch_job_sends_nothing_twice(client, sfn_aws, email, sms):
    recipients = audience(10)
    write_audience(sfn_aws, "NT-5", recipients, batch_size=10)
    send_jobs: list[dict] = []
    container().notice_delivery.start("NT-5")
    pump(
        client, sfn_aws, lambda: waiting("NT-5"), on_job=lambda j: send_jobs.append(j) if j["type"] == "send" else None
    )
    before = (len(email.sent), len(sms_published(sms)))

    # When SQS delivers the same batch job again (its task already answered)
    assert len(send_jobs) == 1
    run_job(client, json.dumps(send_jobs[0]))

    # Then nobody gets a second message
    assert (len(email.sent), len(sms_published(sms))) == before == (10, 4)


def test_a_redelivered_prepare_job_records_no_second_dispatch(client, sfn_aws, source, email):
    write_audience(sfn_aws, "NT-12", audience(2))
    workflow = container().notice_delivery
    workflow.start("NT-12")
    prepares: list[dict] = []

    def keep(job: dict) -> None:
        if job["type"] == "prepare":
            prepares.append(job)

    pump(client, sfn_aws, lambda: waiting("NT-12"), on_job=keep)
    assert workflow.signal("NT-12", NoticeSignal.UPDATE_NOW)
    pump(client, sfn_aws, lambda: waiting("NT-12", 2), on_job=keep)
    assert source.kinds == [DispatchKind.INITIAL, DispatchKind.UPDATE]
    sent = len(email.sent)

    # When SQS delivers the update's prepare job again (its task already answered)
    assert [j["kind"] for j in prepares] == ["initial", "update"] and prepares[1]["prepared_at"]
    run_job(client, json.dumps(prepares[1]))

    # Then the records part is not asked for another dispatch, and nothing more is sent
    assert source.kinds == [DispatchKind.INITIAL, DispatchKind.UPDATE]
    drain(client, sfn_aws, seconds=1)
    assert len(email.sent) == sent


def test_a_periodic_update_is_sent_after_the_interval(client, sfn_aws, source, email):
    source.interval = 1
    recipients = audience(3)
    write_audience(sfn_aws, "NT-6", recipients)
    container().notice_delivery.start("NT-6")

    pump(client, sfn_aws, lambda: waiting("NT-6", 2), timeout=30)

    subjects = Counter(subject for _, subject in mail_count(email))
    assert subjects["Router firmware issue (update)"] >= 3
    assert subjects["Router firmware issue (initial)"] == 3
    # and agents see each dispatch's counts (one Query for all of them)
    resp = client.http.get("/notices/NT-6/deliveries", headers={"Authorization": f"Bearer {DEV_TOKEN}"})
    assert resp.status_code == 200, resp.body
    items = resp.json_body["items"]
    assert [i["seq"] for i in items] == [d.seq for d in source.sent["NT-6"]]
    assert items[0]["kind"] == "initial" and items[0]["sent_email"] == 3 and items[0]["sent_sms"] == 1
    assert all(i["sent_email"] == 3 and i["failed"] == 0 for i in items[1:] if i["batches"])


def test_a_paused_notice_sends_no_update_until_resumed(client, sfn_aws, source):
    source.interval = 1
    write_audience(sfn_aws, "NT-7", audience(2))
    workflow = container().notice_delivery
    workflow.start("NT-7")
    pump(client, sfn_aws, lambda: waiting("NT-7"))

    # When the agent pauses it and more than the interval passes
    assert workflow.signal("NT-7", NoticeSignal.PAUSED)
    pump(client, sfn_aws, lambda: waiting("NT-7", 2))
    drain(client, sfn_aws, seconds=2.5)

    # Then no update was sent; after resuming, updates come again
    assert source.kinds == [DispatchKind.INITIAL]
    assert workflow.signal("NT-7", NoticeSignal.RESUMED)
    pump(client, sfn_aws, lambda: DispatchKind.UPDATE in source.kinds and waiting("NT-7", 4), timeout=30)
    assert source.kinds[:2] == [DispatchKind.INITIAL, DispatchKind.UPDATE]


def test_update_now_sends_an_update_at_once(client, sfn_aws, source, email):
    write_audience(sfn_aws, "NT-8", audience(2))
    workflow = container().notice_delivery
    workflow.start("NT-8")
    pump(client, sfn_aws, lambda: waiting("NT-8"))

    assert workflow.signal("NT-8", NoticeSignal.UPDATE_NOW)
    pump(client, sfn_aws, lambda: waiting("NT-8", 2))

    assert Counter(s for _, s in mail_count(email))["Router firmware issue (update)"] == 2


def test_resolved_sends_the_resolution_then_the_execution_succeeds(client, sfn_aws, source, email):
    write_audience(sfn_aws, "NT-9", audience(3))
    workflow = container().notice_delivery
    arn = workflow.start("NT-9")
    pump(client, sfn_aws, lambda: waiting("NT-9"))

    assert workflow.signal("NT-9", NoticeSignal.RESOLVED)
    pump(client, sfn_aws, lambda: execution_status(arn) != "RUNNING")

    assert execution_status(arn) == "SUCCEEDED"
    assert source.kinds == [DispatchKind.INITIAL, DispatchKind.RESOLUTION]
    assert Counter(s for _, s in mail_count(email))["Router firmware issue (resolution)"] == 3


def test_cancelled_stops_the_lifecycle_without_another_notice(client, sfn_aws, source):
    write_audience(sfn_aws, "NT-10", audience(3))
    workflow = container().notice_delivery
    arn = workflow.start("NT-10")
    pump(client, sfn_aws, lambda: waiting("NT-10"))

    assert workflow.signal("NT-10", NoticeSignal.CANCELLED)
    pump(client, sfn_aws, lambda: execution_status(arn) != "RUNNING")

    assert execution_status(arn) == "SUCCEEDED"
    assert source.kinds == [DispatchKind.INITIAL]
    assert not workflow.signal("NT-10", NoticeSignal.UPDATE_NOW)  # nothing waits any more


# -- SMS beyond the topic's filter-policy quota, and direct mode ---------------------------------


def sms_by_contact(sms: FakeSmsSender, recipients: list[Recipient]) -> Counter:
    """SMS received per contact, through the topic (its contact's subscription) or directly (its phone)."""
    owner = {r.phone: r.contact_id for r in recipients if r.phone}
    return Counter([c for c, _ in sms_published(sms)] + [owner[phone] for phone, _ in sms.direct])


def test_sms_contacts_beyond_the_subscription_quota_still_get_exactly_one_sms_each(client, sfn_aws, sms):
    # Given a topic that takes 5 more subscriptions and 15 SMS contacts in 3 batch files
    sms.subscription_limit = 5
    recipients = audience(45)
    write_audience(sfn_aws, "NT-11", recipients)

    # When the initial notice is sent
    container().notice_delivery.start("NT-11")
    pump(client, sfn_aws, lambda: waiting("NT-11"))

    # Then every SMS contact got one SMS: 5 through the topic, 10 sent to their phones directly
    assert sms_by_contact(sms, recipients) == Counter(r.contact_id for r in recipients if r.phone)
    assert len(sms_published(sms)) == 5 and len(sms.direct) == 10
    # and Subscribe was not called again after the refusal (later batches read the table's marker)
    assert sms.calls["subscribe"] == 6
    assert sms.calls["publish_direct"] == 10


def test_throttled_direct_sms_are_retried_and_each_contact_gets_exactly_one(client, sfn_aws, sms):
    # Given a full topic (no subscription possible) and SNS throttling 30% of the direct SMS
    rng = random.Random(11)
    sms.subscription_limit = 0
    sms.throttle = lambda operation, n: operation == "publish_direct" and rng.random() < 0.3
    recipients = audience(60, sms_every=2)
    write_audience(sfn_aws, "NT-12", recipients, batch_size=20)

    # When the lifecycle sends the initial notice (Throttled batches retried by the state machine)
    attempts: list[int] = []
    container().notice_delivery.start("NT-12")
    on_job = lambda j: attempts.append(j["attempt"]) if j["type"] == "send" else None  # noqa: E731
    pump(client, sfn_aws, lambda: waiting("NT-12"), timeout=180, on_job=on_job)

    # Then throttling forced retries, and still every SMS contact got exactly one SMS, all direct
    assert max(attempts) > 0 and sms.calls["subscribe"] == 1
    assert sms_published(sms) == []
    assert sms_by_contact(sms, recipients) == Counter(r.contact_id for r in recipients if r.phone)


def test_direct_mode_sends_to_each_phone_and_makes_no_subscription(client, sfn_aws, sms, monkeypatch):
    # Given a deployment that prefers no subscriptions
    from functions.core.settings import reset_settings

    monkeypatch.setenv("CASEBRIDGE_NOTICE_SMS_MODE", "direct")
    reset_settings()
    recipients = audience(30)
    write_audience(sfn_aws, "NT-13", recipients)

    # When the initial notice is sent
    container().notice_delivery.start("NT-13")
    pump(client, sfn_aws, lambda: waiting("NT-13"))

    # Then each SMS contact got one SMS straight to the phone, and nothing was subscribed
    assert sms_by_contact(sms, recipients) == Counter(r.contact_id for r in recipients if r.phone)
    assert sms.calls == {"subscribe": 0, "publish_batch": 0, "publish_direct": 10}
    assert all(text.endswith("Reply STOP to opt out.") for _, text in sms.direct)
    monkeypatch.undo()
    reset_settings()  # later tests get the default mode


def test_faults_under_the_delivery_jobs_end_with_every_recipient_notified_exactly_once(client, sfn_aws, email, sms):
    """DynamoDB (claims, dispatch records) and S3 (the audience snapshot) fail now and then under the
    jobs handler; SQS delivers a failed job again. Nobody is missed and nobody gets two."""
    import boto3

    from tests.faults import inject

    recipients = audience(40)
    write_audience(sfn_aws, "NT-F", recipients)
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sfn_aws["queues"]["notice-jobs"]["url"]
    container().notice_delivery.start("NT-F")
    deliveries = 0
    with inject(0.1, ("dynamodb", "*"), ("s3", "GetObject"), seed=5) as faults:
        deadline = time.monotonic() + 60
        while not waiting("NT-F") and time.monotonic() < deadline:
            faults.enabled = False
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            faults.enabled = True
            for message in messages:
                job = json.loads(message["Body"])
                for _ in range(30):  # SQS delivers it again until the handler reports no failure
                    deliveries += 1
                    if run_job(client, message["Body"])["batchItemFailures"] == []:
                        break
                else:
                    raise AssertionError(f"job kept failing: {job['type']}")
                faults.enabled = False
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                faults.enabled = True
                if job["type"] == "await":
                    AWAITS[job["notice_id"]] += 1
            if not messages:
                time.sleep(0.05)
        faults.enabled = False
    print(f"\nnotice delivery: {faults.total_injected} faults injected over {deliveries} job deliveries")
    assert waiting("NT-F") and faults.total_injected > 0
    sent = mail_count(email)
    assert sorted(to for to, _ in sent) == sorted(str(r.email) for r in recipients)
    assert set(sent.values()) == {1}
    assert sms.received() == {str(r.phone): 1 for r in recipients if r.phone}
    from tests.figures import record

    record("faults", path="notice delivery (jobs handler)", injected=faults.total_injected, deliveries=deliveries)
