"""The notice lifecycle state machine executed for real in moto, driven through its jobs handler.

moto runs ``stepfunctions/proactive_updates.asl.json`` as provisioned; the jobs it queues on
``notice-jobs`` are read from the moto queue and handed to the Chalice handler through
``chalice.test.Client``. The records part is a fake ``NoticeSource``; the audience snapshot is
written to S3 as functions/notify/contract.py describes. Mail is read from moto's SES, SMS from
what was published to the ``sms-notices`` topic.
"""

from __future__ import annotations

import email
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email import policy as email_policy
from types import SimpleNamespace

import pytest

from functions.composition import container
from functions.notify.contract import (
    AudienceManifest,
    Dispatch,
    DispatchKind,
    NoticeSignal,
    Recipient,
    batch_key,
    manifest_key,
)
from tests.conftest import DEV_TOKEN
from tests.fakes.workflows import executing_stack


class FakeSource:
    """The records part as delivery sees it: numbered dispatches, an interval, paused / done."""

    def __init__(self, interval: int = 3600) -> None:
        self.interval = interval
        self.seq: dict[str, int] = {}
        self.kinds: list[DispatchKind] = []
        self.sent: dict[str, list[SimpleNamespace]] = {}
        self.paused = False

    def get(self, notice_id: str) -> SimpleNamespace:
        """The notice as GET /notices/{id}/deliveries reads it: its dispatches."""
        return SimpleNamespace(notice_id=notice_id, dispatches=list(self.sent.get(notice_id, [])))

    def next_dispatch(self, notice_id: str, kind: DispatchKind) -> Dispatch | None:
        if self.paused:
            return None
        self.seq[notice_id] = self.seq.get(notice_id, 0) + 1
        self.kinds.append(DispatchKind(kind))
        self.sent.setdefault(notice_id, []).append(SimpleNamespace(seq=self.seq[notice_id], kind=DispatchKind(kind)))
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
def sfn_aws(source: FakeSource, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:
    from functions import composition

    monkeypatch.setenv("CASEBRIDGE_NOTICE_SEND_RATE", "0")  # unpaced: pacing has its unit test
    composition.reset()
    composition.container().override(notices=source)  # delivery asks this source for each dispatch
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


def mails() -> list[email.message.EmailMessage]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return [
        email.message_from_bytes(m.raw_data.encode(), policy=email_policy.default)  # type: ignore[misc]
        for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
        if hasattr(m, "raw_data")
    ]


def mail_count() -> Counter:
    return Counter((str(m["To"]), str(m["Subject"])) for m in mails())


def sms_published(out: dict) -> list[tuple[str, str]]:
    """(contact_id, message) of every entry published to the sms-notices topic."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    topic = sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].topics[out["topics"]["sms-notices"]]
    return [(attrs["contact_id"]["Value"], message) for _, message, _, attrs, _ in topic.sent_notifications]


# -- tests --------------------------------------------------------------------------------------


def test_the_initial_notice_reaches_every_recipient_of_the_snapshot_exactly_once(client, sfn_aws, source):
    # Given an audience of 45 contacts (15 of them opted in to SMS) in 3 batch files
    recipients = audience(45)
    write_audience(sfn_aws, "NT-1", recipients)

    # When the lifecycle starts and its jobs run until it waits for a signal
    arn = container().notice_delivery.start("NT-1")
    pump(client, sfn_aws, lambda: waiting("NT-1"))

    # Then every contact got one mail, every SMS contact one SMS, nobody else anything
    sent = mail_count()
    assert sorted(to for to, _ in sent) == sorted(str(r.email) for r in recipients)
    assert set(sent.values()) == {1}
    sms = Counter(c for c, _ in sms_published(sfn_aws))
    assert sms == Counter(r.contact_id for r in recipients if r.phone)
    assert execution_status(arn) == "RUNNING"


def test_a_notice_mail_carries_unsubscribe_and_threading_headers_in_the_contact_language(client, sfn_aws):
    recipients = audience(6)
    write_audience(sfn_aws, "NT-2", recipients)

    container().notice_delivery.start("NT-2")
    pump(client, sfn_aws, lambda: waiting("NT-2"))

    by_to = {str(m["To"]): m for m in mails()}
    first = by_to["contact0@example.org"]  # language fr, on a linked case
    assert first["In-Reply-To"] == "<case-100001@casebridge.local>"
    assert first["References"] == "<case-100001@casebridge.local>"
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe?token=" in first["List-Unsubscribe"] and "mailto:" in first["List-Unsubscribe"]
    text = first.get_body(preferencelist=("plain",)).get_content()
    assert "Bonjour Contact 0" in text and "Some routers of batch 7" in text
    other = by_to["contact1@example.org"]
    assert other["In-Reply-To"] is None
    assert "Hello Contact 1" in other.get_body(preferencelist=("plain",)).get_content()


def test_sms_notices_are_short_carry_the_opt_out_word_and_their_contact_id(client, sfn_aws):
    write_audience(sfn_aws, "NT-3", audience(4))

    container().notice_delivery.start("NT-3")
    pump(client, sfn_aws, lambda: waiting("NT-3"))

    published = sms_published(sfn_aws)
    assert {c for c, _ in published} == {"CT-0", "CT-3"}
    assert all(len(text) <= 160 and text.endswith("Reply STOP to opt out.") for _, text in published)


def test_injected_throttling_still_ends_with_every_recipient_notified_exactly_once(client, sfn_aws):
    # Given SES and SNS throttle 30% of the bulk calls and fail some SMS entries transiently
    import botocore.exceptions

    rng = random.Random(7)
    calls = Counter()

    def throttle(model, params, **kwargs):
        calls[model.name] += 1
        if rng.random() < 0.3:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, model.name
            )

    service = container().notice_delivery
    service.email.client.meta.events.register("before-call.sesv2.SendBulkEmail", throttle)
    service.sms.client.meta.events.register("before-call.sns.PublishBatch", throttle)
    recipients = audience(120, sms_every=2)
    write_audience(sfn_aws, "NT-4", recipients, batch_size=30)

    # When the lifecycle sends the initial notice (the state machine retries Throttled batches)
    attempts: list[int] = []
    container().notice_delivery.start("NT-4")
    on_job = lambda j: attempts.append(j["attempt"]) if j["type"] == "send" else None  # noqa: E731
    pump(client, sfn_aws, lambda: waiting("NT-4"), timeout=90, on_job=on_job)

    # Then throttling happened and batches were retried by the state machine, and still everyone
    # got exactly one mail and one SMS
    assert calls["SendBulkEmail"] > 3 and calls["PublishBatch"] > 6
    assert max(attempts) > 0
    sent = mail_count()
    assert sorted(to for to, _ in sent) == sorted(str(r.email) for r in recipients)
    assert set(sent.values()) == {1}
    sms = Counter(c for c, _ in sms_published(sfn_aws))
    assert sms == Counter(r.contact_id for r in recipients if r.phone)


def test_a_redelivered_batch_job_sends_nothing_twice(client, sfn_aws):

    recipients = audience(10)
    write_audience(sfn_aws, "NT-5", recipients, batch_size=10)
    send_jobs: list[dict] = []
    container().notice_delivery.start("NT-5")
    pump(
        client, sfn_aws, lambda: waiting("NT-5"), on_job=lambda j: send_jobs.append(j) if j["type"] == "send" else None
    )
    before = (len(mails()), len(sms_published(sfn_aws)))

    # When SQS delivers the same batch job again (its task already answered)
    assert len(send_jobs) == 1
    run_job(client, json.dumps(send_jobs[0]))

    # Then nobody gets a second message
    assert (len(mails()), len(sms_published(sfn_aws))) == before == (10, 4)


def test_a_redelivered_prepare_job_records_no_second_dispatch(client, sfn_aws, source):

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
    sent = len(mails())

    # When SQS delivers the update's prepare job again (its task already answered)
    assert [j["kind"] for j in prepares] == ["initial", "update"] and prepares[1]["prepared_at"]
    run_job(client, json.dumps(prepares[1]))

    # Then the records part is not asked for another dispatch, and nothing more is sent
    assert source.kinds == [DispatchKind.INITIAL, DispatchKind.UPDATE]
    drain(client, sfn_aws, seconds=1)
    assert len(mails()) == sent


def test_a_periodic_update_is_sent_after_the_interval(client, sfn_aws, source):

    source.interval = 1
    recipients = audience(3)
    write_audience(sfn_aws, "NT-6", recipients)
    container().notice_delivery.start("NT-6")

    pump(client, sfn_aws, lambda: waiting("NT-6", 2), timeout=30)

    subjects = Counter(subject for _, subject in mail_count())
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


def test_update_now_sends_an_update_at_once(client, sfn_aws, source):

    write_audience(sfn_aws, "NT-8", audience(2))
    workflow = container().notice_delivery
    workflow.start("NT-8")
    pump(client, sfn_aws, lambda: waiting("NT-8"))

    assert workflow.signal("NT-8", NoticeSignal.UPDATE_NOW)
    pump(client, sfn_aws, lambda: waiting("NT-8", 2))

    assert Counter(s for _, s in mail_count())["Router firmware issue (update)"] == 2


def test_resolved_sends_the_resolution_then_the_execution_succeeds(client, sfn_aws, source):

    write_audience(sfn_aws, "NT-9", audience(3))
    workflow = container().notice_delivery
    arn = workflow.start("NT-9")
    pump(client, sfn_aws, lambda: waiting("NT-9"))

    assert workflow.signal("NT-9", NoticeSignal.RESOLVED)
    pump(client, sfn_aws, lambda: execution_status(arn) != "RUNNING")

    assert execution_status(arn) == "SUCCEEDED"
    assert source.kinds == [DispatchKind.INITIAL, DispatchKind.RESOLUTION]
    assert Counter(s for _, s in mail_count())["Router firmware issue (resolution)"] == 3


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


def sms_direct() -> list[tuple[str, str]]:
    """(phone, message) of every SMS published straight to a phone number."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return list(sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values())


def sms_by_contact(out: dict, recipients: list[Recipient]) -> Counter:
    """SMS received per contact, through the topic (its contact_id attribute) or directly (its phone)."""
    owner = {r.phone: r.contact_id for r in recipients if r.phone}
    return Counter([c for c, _ in sms_published(out)] + [owner[phone] for phone, _ in sms_direct()])


def subscription_quota(limit: int, calls: Counter) -> Callable:
    """A botocore hook: Subscribe answers FilterPolicyLimitExceeded after ``limit`` subscriptions."""
    import botocore.exceptions

    def hook(model, params, **kwargs):
        calls[model.name] += 1
        if model.name == "Subscribe" and calls["Subscribe"] > limit:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "FilterPolicyLimitExceeded", "Message": "Filter policy limit exceeded"}}, "Subscribe"
            )

    return hook


def test_sms_contacts_beyond_the_filter_policy_quota_still_get_exactly_one_sms_each(client, sfn_aws):
    # Given a topic that takes 5 more filter policies and 15 SMS contacts in 3 batch files

    calls: Counter = Counter()
    service = container().notice_delivery
    hook = subscription_quota(5, calls)
    for name in ("Subscribe", "PublishBatch", "Publish"):
        service.sms.client.meta.events.register(f"before-call.sns.{name}", hook)
    recipients = audience(45)
    write_audience(sfn_aws, "NT-11", recipients)

    # When the initial notice is sent
    container().notice_delivery.start("NT-11")
    pump(client, sfn_aws, lambda: waiting("NT-11"))

    # Then every SMS contact got one SMS: 5 through the topic, 10 published to their phones directly
    assert sms_by_contact(sfn_aws, recipients) == Counter(r.contact_id for r in recipients if r.phone)
    assert len(sms_published(sfn_aws)) == 5 and len(sms_direct()) == 10
    # and Subscribe was not called again after the refusal (later batches read the table's marker)
    assert calls["Subscribe"] == 6
    assert calls["Publish"] == 10


def test_throttled_direct_sms_are_retried_and_each_contact_gets_exactly_one(client, sfn_aws):
    # Given a full topic (no subscription possible) and SNS throttling 30% of the direct Publish calls
    import botocore.exceptions

    rng = random.Random(11)
    calls: Counter = Counter()

    def throttle(model, params, **kwargs):
        calls[model.name] += 1
        if model.name == "Subscribe":
            raise botocore.exceptions.ClientError({"Error": {"Code": "FilterPolicyLimitExceeded"}}, "Subscribe")
        if rng.random() < 0.3:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "Throttled", "Message": "Rate exceeded"}}, "Publish"
            )

    service = container().notice_delivery
    service.sms.client.meta.events.register("before-call.sns.Subscribe", throttle)
    service.sms.client.meta.events.register("before-call.sns.Publish", throttle)
    recipients = audience(60, sms_every=2)
    write_audience(sfn_aws, "NT-12", recipients, batch_size=20)

    # When the lifecycle sends the initial notice (Throttled batches retried by the state machine)
    attempts: list[int] = []
    container().notice_delivery.start("NT-12")
    on_job = lambda j: attempts.append(j["attempt"]) if j["type"] == "send" else None  # noqa: E731
    pump(client, sfn_aws, lambda: waiting("NT-12"), timeout=90, on_job=on_job)

    # Then throttling forced retries, and still every SMS contact got exactly one SMS, all direct
    assert max(attempts) > 0 and calls["Subscribe"] == 1
    assert sms_published(sfn_aws) == []
    assert sms_by_contact(sfn_aws, recipients) == Counter(r.contact_id for r in recipients if r.phone)


def test_direct_mode_publishes_to_each_phone_and_makes_no_subscription(client, sfn_aws, monkeypatch):
    # Given a deployment that prefers no subscriptions
    from functions.core.settings import reset_settings

    monkeypatch.setenv("CASEBRIDGE_NOTICE_SMS_MODE", "direct")
    reset_settings()
    calls: Counter = Counter()
    service = container().notice_delivery
    service.sms.client.meta.events.register("before-call.sns.*", lambda model, **kw: calls.update([model.name]))
    recipients = audience(30)
    write_audience(sfn_aws, "NT-13", recipients)

    # When the initial notice is sent
    container().notice_delivery.start("NT-13")
    pump(client, sfn_aws, lambda: waiting("NT-13"))

    # Then each SMS contact got one SMS straight to the phone, and nothing was subscribed
    assert sms_by_contact(sfn_aws, recipients) == Counter(r.contact_id for r in recipients if r.phone)
    assert calls["Subscribe"] == 0 and calls["PublishBatch"] == 0 and calls["Publish"] == 10
    assert all(text.endswith("Reply STOP to opt out.") for _, text in sms_direct())
    monkeypatch.undo()
    reset_settings()  # later tests get the default mode


def test_signals_sent_while_the_lifecycle_is_busy_are_queued_for_its_next_wait_in_order(aws):
    from functions.notify.delivery.store import DeliveryStore

    store = DeliveryStore()
    # Given no task waiting (the lifecycle is sending): two signals arrive
    assert store.take_waiting("NT-9", "update_now") is None
    assert store.take_waiting("NT-9", "resolved") is None
    # When the lifecycle parks its next tasks, each gets the oldest queued signal instead of waiting
    assert store.put_waiting("NT-9", "tok-1", paused=False, execution=None, now="t") == "update_now"
    assert store.put_waiting("NT-9", "tok-2", paused=False, execution=None, now="t") == "resolved"
    # Then with the queue empty the next task waits, and a signal takes its token exactly once
    assert store.put_waiting("NT-9", "tok-3", paused=False, execution=None, now="t") is None
    assert store.take_waiting("NT-9", "cancelled")["task_token"] == "tok-3"
    assert store.take_waiting("NT-9") is None
