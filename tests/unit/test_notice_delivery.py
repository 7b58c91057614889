"""Notice delivery rules without AWS: batch sending with fakes, exactly-once claims, pacing, texts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from functions.notify.contract import Dispatch, DispatchKind, NoticeSignal, Recipient
from functions.notify.delivery.logic import DeliveryService, Pacer, Policy, sms_text
from functions.notify.delivery.models import (
    TEMPLATE_LANGUAGES,
    Channel,
    DeliveryRecord,
    DeliveryStatus,
    Job,
    Throttled,
    template_name,
)
from functions.notify.delivery.templates import template_files

KEY = "notices/NT-1/audience/00000.jsonl"


def dispatch(**kw: Any) -> Dispatch:
    data = dict(
        notice_id="NT-1",
        problem_id="PB-1",
        seq=1,
        kind=DispatchKind.INITIAL,
        subject="Subject",
        body="Body",
        sms_text="Short text",
        created_at=datetime.now(UTC),
    )
    return Dispatch(**(data | kw))


class FakeStore:
    def __init__(self) -> None:
        self.records: dict[tuple[int, str], DeliveryRecord] = {}
        self.dispatches: dict[int, Dispatch] = {1: dispatch()}
        self.counts: dict[str, int] = {}
        self.waiting: dict[str, dict] = {}
        self.pending: dict[str, list[str]] = {}
        self.subs: dict[str, str] = {}
        self.full_until: dict[str, int] = {}

    def existing(self, notice_id, seq, batch):
        return {
            f"{r.channel.value}#{r.contact_id}": {"status": r.status.value}
            for (s, _), r in self.records.items()
            if s == seq
        }

    def claim(self, records):
        out = []
        for r in records:
            k = (r.seq, f"{r.channel.value}#{r.contact_id}")
            if k not in self.records:
                self.records[k] = r
                out.append(r)
        return out

    def mark(self, records):
        for r in records:
            self.records[(r.seq, f"{r.channel.value}#{r.contact_id}")] = r

    def release(self, records):
        for r in records:
            k = (r.seq, f"{r.channel.value}#{r.contact_id}")
            if k in self.records and self.records[k].claim == r.claim:
                del self.records[k]

    def dispatch(self, notice_id, seq):
        return self.dispatches[seq]

    def add_counts(self, notice_id, seq, counts):
        for k, v in counts.items():
            self.counts[k] = self.counts.get(k, 0) + v

    def take_waiting(self, notice_id, signal=None):
        waiting = self.waiting.pop(notice_id, None)
        if waiting is None and signal is not None:
            self.pending.setdefault(notice_id, []).append(signal)
        return waiting

    def put_waiting(self, notice_id, task_token, *, paused, execution, now):
        queued = self.pending.get(notice_id)
        if queued:
            return queued.pop(0)
        self.waiting[notice_id] = {"task_token": task_token, "paused": paused}
        return None

    def subscribed(self, contact_ids):
        return {c: self.subs[c] for c in contact_ids if c in self.subs}

    def put_subscription(self, contact_id, phone, arn):
        self.subs[contact_id] = phone

    def drop_subscription(self, contact_id):
        return f"sub-{contact_id}" if self.subs.pop(contact_id, None) else None

    def topic_full(self, topic_arn, now):
        return self.full_until.get(topic_arn, 0) > now

    def put_topic_full(self, topic_arn, code, at, expires_at):
        self.full_until[topic_arn] = expires_at


class FakeAudience:
    def __init__(self, recipients):
        self._recipients = recipients

    def recipients(self, key):
        return iter(self._recipients)


class FakeEmail:
    def __init__(self, statuses=None, raise_first=0):
        self.calls: list[dict] = []
        self.statuses = statuses or {}
        self.raise_first = raise_first

    def send_bulk(self, request):
        self.calls.append(request)
        if self.raise_first:
            self.raise_first -= 1
            err = Exception("throttled")
            err.response = {"Error": {"Code": "ThrottlingException"}}  # type: ignore[attr-defined]
            raise err
        out = []
        for e in request["BulkEmailEntries"]:
            to = e["Destination"]["ToAddresses"][0]
            out.append({"Status": self.statuses.pop(to, "SUCCESS"), "MessageId": f"m-{to}"})
        return out


def client_error(code: str) -> Exception:
    err = Exception(code)
    err.response = {"Error": {"Code": code}}  # type: ignore[attr-defined]
    return err


class FakeSms:
    def __init__(self, fail_ids=(), subscription_limit=None, throttle_direct=0):
        self.published: list[dict] = []
        self.subscribed: list[str] = []
        self.unsubscribed: list[str] = []
        self.subscribe_calls = 0
        self.direct: list[tuple[str, str, str]] = []  # (phone, message, sms type)
        self.direct_calls = 0
        self.fail_ids = set(fail_ids)
        self.subscription_limit = subscription_limit
        self.throttle_direct = throttle_direct  # the first n direct Publish calls are throttled

    def topic_arn(self):
        return "arn:aws:sns:us-east-1:123456789012:sms"

    def subscribe(self, topic, contact_id, phone):
        self.subscribe_calls += 1
        if self.subscription_limit is not None and len(self.subscribed) >= self.subscription_limit:
            raise client_error("FilterPolicyLimitExceeded")
        self.subscribed.append(contact_id)
        return f"sub-{contact_id}"

    def unsubscribe(self, arn):
        self.unsubscribed.append(arn)

    def publish_sms(self, phone, message, sms_type):
        self.direct_calls += 1
        if self.throttle_direct:
            self.throttle_direct -= 1
            raise client_error("Throttled")
        self.direct.append((phone, message, sms_type))
        return f"d-{phone}"

    def publish_batch(self, topic, entries):
        ok, failed = [], []
        for e in entries:
            contact = e["MessageAttributes"]["contact_id"]["StringValue"]
            if contact in self.fail_ids:
                self.fail_ids.discard(contact)
                failed.append({"Id": e["Id"], "Code": "Throttled", "SenderFault": False})
            else:
                self.published.append(e)
                ok.append({"Id": e["Id"], "MessageId": f"s-{contact}"})
        return {"Successful": ok, "Failed": failed}


class FakeWorkflow:
    def __init__(self):
        self.answers: list[tuple[str, dict]] = []
        self.failures: list[tuple[str, str]] = []

    def succeed(self, token, output):
        self.answers.append((token, output))
        return token != "gone"

    def fail(self, token, error, cause):
        self.failures.append((token, error))


def recipients(n: int, phones_every: int = 2) -> list[Recipient]:
    return [
        Recipient(
            customer_id="CU-1",
            contact_id=f"CT-{i}",
            email=f"c{i}@example.org",
            phone=f"+1555000{i:04d}" if phones_every and i % phones_every == 0 else None,
            language=["en", "fr", "xx"][i % 3],
        )
        for i in range(n)
    ]


def service(rs, email=None, sms=None, store=None, workflow=None, sms_mode="topic"):
    policy = Policy(
        sms_mode=sms_mode,
        base_url="https://support.example.org",
        from_address="support@example.org",
        from_name="Support",
        mail_domain="example.org",
        send_rate=0,
        max_concurrency=4,
    )
    return DeliveryService(
        store or FakeStore(),
        FakeAudience(rs),
        email or FakeEmail(),
        sms or FakeSms(),
        workflow or FakeWorkflow(),
        lambda: None,  # type: ignore[arg-type, return-value]
        policy,
        lambda: "2026-11-23T10:00:00Z",
    )


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("CASEBRIDGE_SIGNING_SECRET", "x" * 32)


def test_a_batch_sends_one_mail_and_one_sms_per_recipient_in_bulk_calls_per_language():
    rs = recipients(120)
    email, sms = FakeEmail(), FakeSms()
    result = service(rs, email, sms).send_batch("NT-1", 1, KEY)
    assert result.sent == 120 + 60
    sent_to = [e["Destination"]["ToAddresses"][0] for c in email.calls for e in c["BulkEmailEntries"]]
    assert sorted(sent_to) == sorted(str(r.email) for r in rs)
    assert all(len(c["BulkEmailEntries"]) <= 50 for c in email.calls)
    assert {c["DefaultContent"]["Template"]["TemplateName"] for c in email.calls} == {
        "casebridge-notice-en",
        "casebridge-notice-fr",
    }
    assert len(email.calls) == 3  # en (with xx): 80 -> 50 + 30; fr: 40
    assert len(sms.published) == 60


def test_running_a_batch_again_sends_nothing_twice():
    rs = recipients(30)
    store, email, sms = FakeStore(), FakeEmail(), FakeSms()
    service(rs, email, sms, store).send_batch("NT-1", 1, KEY)
    again = service(rs, email, sms, store).send_batch("NT-1", 1, KEY)
    assert again.sent == 0 and again.already == 30 + 15
    assert sum(len(c["BulkEmailEntries"]) for c in email.calls) == 30 and len(sms.published) == 15


def test_a_throttled_bulk_call_releases_its_recipients_and_fails_the_batch_as_throttled():
    rs = recipients(10, phones_every=0)
    store, email = FakeStore(), FakeEmail(raise_first=2)  # both calls (en, fr) throttled
    with pytest.raises(Throttled):
        service(rs, email, FakeSms(), store).send_batch("NT-1", 1, KEY)
    assert store.records == {}  # every claim released for the retry
    retry = service(rs, email, FakeSms(), store).send_batch("NT-1", 1, KEY, attempt=1)
    sent_to = [e["Destination"]["ToAddresses"][0] for c in email.calls[2:] for e in c["BulkEmailEntries"]]
    assert sorted(sent_to) == sorted(str(r.email) for r in rs)
    assert retry.sent == 10


def test_a_per_destination_throttle_is_retried_and_a_rejection_is_recorded_as_failed():
    rs = recipients(3, phones_every=0)
    store = FakeStore()
    email = FakeEmail(statuses={"c0@example.org": "ACCOUNT_THROTTLED", "c1@example.org": "MESSAGE_REJECTED"})
    with pytest.raises(Throttled):
        service(rs, email, FakeSms(), store).send_batch("NT-1", 1, KEY)
    statuses = {k[1]: r.status for k, r in store.records.items()}
    assert statuses == {"email#CT-1": DeliveryStatus.FAILED, "email#CT-2": DeliveryStatus.SENT}
    service(rs, email, FakeSms(), store).send_batch("NT-1", 1, KEY, attempt=1)
    assert store.records[(1, "email#CT-0")].status is DeliveryStatus.SENT
    assert store.records[(1, "email#CT-1")].status is DeliveryStatus.FAILED  # not sent again


def test_failed_sms_entries_are_retried_and_each_contact_gets_one_sms():
    rs = recipients(20, phones_every=1)
    store, sms = FakeStore(), FakeSms(fail_ids={"CT-3", "CT-7"})
    with pytest.raises(Throttled):
        service(rs, FakeEmail(), sms, store).send_batch("NT-1", 1, KEY)
    service(rs, FakeEmail(), sms, store).send_batch("NT-1", 1, KEY, attempt=1)
    contacts = [e["MessageAttributes"]["contact_id"]["StringValue"] for e in sms.published]
    assert sorted(contacts) == sorted(r.contact_id for r in rs)


def test_a_recipient_claimed_by_an_attempt_that_never_finished_is_not_sent_again():
    rs = recipients(2, phones_every=0)
    store, email = FakeStore(), FakeEmail()
    stale = DeliveryRecord(
        notice_id="NT-1", seq=1, batch=0, channel=Channel.EMAIL, contact_id="CT-0",
        status=DeliveryStatus.CLAIMED, claim="old",
    )  # fmt: skip
    store.records[(1, "email#CT-0")] = stale
    result = service(rs, email, FakeSms(), store).send_batch("NT-1", 1, KEY)
    assert result.uncertain == 1 and result.sent == 1
    assert [e["Destination"]["ToAddresses"][0] for c in email.calls for e in c["BulkEmailEntries"]] == [
        "c1@example.org"
    ]


def test_contacts_are_subscribed_to_the_sms_topic_once_not_per_notice():
    rs = recipients(6, phones_every=2)
    store, sms = FakeStore(), FakeSms()
    store.dispatches[2] = dispatch(seq=2, kind=DispatchKind.UPDATE)
    service(rs, FakeEmail(), sms, store).send_batch("NT-1", 1, KEY)
    service(rs, FakeEmail(), sms, store).send_batch("NT-1", 2, KEY)
    assert sorted(sms.subscribed) == ["CT-0", "CT-2", "CT-4"]
    assert len(sms.published) == 6


def test_mail_entries_carry_unsubscribe_and_thread_headers():
    r = Recipient(customer_id="CU-1", contact_id="CT-1", email="a@example.org", thread_message_id="abc@x")
    email = FakeEmail()
    service([r], email).send_batch("NT-1", 1, KEY)
    call = email.calls[0]
    entry = call["BulkEmailEntries"][0]
    headers = {h["Name"]: h["Value"] for h in entry["ReplacementHeaders"]}
    assert headers["In-Reply-To"] == headers["References"] == "<abc@x>"
    assert headers["List-Unsubscribe"].startswith("<https://support.example.org/")
    assert "unsubscribe?token=" in headers["List-Unsubscribe"]
    assert "<mailto:unsubscribe@example.org" in headers["List-Unsubscribe"]
    assert call["DefaultContent"]["Template"]["Headers"] == [
        {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"}
    ]


def test_a_signal_answers_the_waiting_task_once():
    store, workflow = FakeStore(), FakeWorkflow()
    store.waiting["NT-1"] = {"task_token": "tok"}
    svc = service([], store=store, workflow=workflow)
    assert svc.signal("NT-1", NoticeSignal.PAUSED)
    assert workflow.answers == [("tok", {"signal": "paused"})]
    assert not svc.signal("NT-1", NoticeSignal.RESUMED)  # nothing waits until the next await job...
    svc.handle_job(Job(type="await", notice_id="NT-1", task_token="tok2"))
    assert workflow.answers[-1] == ("tok2", {"signal": "resumed"})  # ...which gets the queued signal at once


def test_a_throttled_send_job_fails_its_task_with_the_throttled_error():
    workflow = FakeWorkflow()
    svc = service(recipients(2, phones_every=0), email=FakeEmail(raise_first=5), workflow=workflow)
    svc.handle_job(Job(type="send", notice_id="NT-1", task_token="t", seq=1, key=KEY))
    assert workflow.failures == [("t", "Throttled")]


def test_sms_text_fits_one_message_and_ends_with_the_opt_out_word():
    text = sms_text(dispatch(sms_text="word " * 80))
    assert len(text) <= 160 and text.endswith("Reply STOP to opt out.")


def test_the_pacer_spaces_calls_to_the_rate():
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    pacer = Pacer(rate=10, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        pacer.before(10)
    assert slept == [1.0, 1.0]


def test_unknown_languages_use_the_english_template_and_every_language_has_a_file():
    assert template_name("pt-BR") == "casebridge-notice-en"
    assert template_name("fr-CA") == "casebridge-notice-fr"
    assert set(template_files()) == {f"casebridge-notice-{lang}" for lang in TEMPLATE_LANGUAGES}
    for content in template_files().values():
        assert "{{unsubscribe_url}}" in content["Html"] and "{{unsubscribe_url}}" in content["Text"]


def test_a_job_whose_time_is_up_leaves_the_rest_of_its_batch_for_the_next_run():
    from functions.notify.delivery.models import Partial

    rs = recipients(120, phones_every=0)
    store, email, workflow = FakeStore(), FakeEmail(), FakeWorkflow()
    svc = service(rs, email, FakeSms(), store, workflow)
    svc.policy = Policy(**{**svc.policy.__dict__, "job_seconds": 0.0})
    with pytest.raises(Partial):
        svc.send_batch("NT-1", 1, KEY)
    assert email.calls == [] and store.records == {}
    svc.handle_job(Job(type="send", notice_id="NT-1", task_token="t", seq=1, key=KEY))
    assert workflow.failures == [("t", "Partial")]


# -- SMS beyond the topic's filter-policy quota, and direct mode ---------------------------------


def phone_owner(rs: list[Recipient]) -> dict[str, str]:
    return {str(r.phone): r.contact_id for r in rs if r.phone}


def sms_contacts(sms: FakeSms, rs: list[Recipient]) -> list[str]:
    """Every SMS sent, as the contact it reached: topic entries by their attribute, direct ones by phone."""
    owner = phone_owner(rs)
    topic = [e["MessageAttributes"]["contact_id"]["StringValue"] for e in sms.published]
    return sorted(topic + [owner[phone] for phone, _, _ in sms.direct])


def test_contacts_beyond_the_filter_policy_quota_get_one_direct_sms_each():
    # Given a topic that takes 4 more filter policies and 20 SMS contacts
    rs = recipients(20, phones_every=1)
    sms = FakeSms(subscription_limit=4)

    # When a batch is sent
    result = service(rs, FakeEmail(), sms).send_batch("NT-1", 1, KEY)

    # Then the 4 subscribed contacts got theirs through the topic, the 16 others a direct SMS, each one once
    assert len(sms.subscribed) == 4 and len(sms.published) == 4
    assert {e["MessageAttributes"]["contact_id"]["StringValue"] for e in sms.published} == set(sms.subscribed)
    assert len(sms.direct) == 16
    assert sms_contacts(sms, rs) == sorted(r.contact_id for r in rs)
    assert result.sent == 20 + 20


def test_once_the_topic_is_full_later_batches_do_not_call_subscribe_again():
    # Given a batch that hit the quota (4 subscriptions, then one refused call)
    rs = recipients(20, phones_every=1)
    store, sms = FakeStore(), FakeSms(subscription_limit=4)
    store.dispatches[2] = dispatch(seq=2, kind=DispatchKind.UPDATE)
    service(rs, FakeEmail(), sms, store).send_batch("NT-1", 1, KEY)
    assert sms.subscribe_calls == 5

    # When the next dispatch goes to the same contacts and some new ones (another service: another Lambda)
    more = rs + [rs[0].model_copy(update={"contact_id": f"CT-new{i}", "phone": f"+1555999{i:04d}"}) for i in range(3)]
    service(more, FakeEmail(), sms, store).send_batch("NT-1", 2, KEY)

    # Then no Subscribe call was made, and every contact got one SMS of it
    assert sms.subscribe_calls == 5
    second = FakeSms()
    second.published = sms.published[4:]
    second.direct = sms.direct[16:]
    assert sms_contacts(second, more) == sorted(r.contact_id for r in more)


def test_an_expired_topic_full_marker_lets_subscribing_resume():
    rs = recipients(3, phones_every=1)
    store, sms = FakeStore(), FakeSms()
    store.full_until[sms.topic_arn()] = 1  # marked full long ago (a raised quota is picked up)
    service(rs, FakeEmail(), sms, store).send_batch("NT-1", 1, KEY)
    assert sorted(sms.subscribed) == ["CT-0", "CT-1", "CT-2"] and sms.direct == []


def test_a_contact_whose_number_changed_while_the_topic_is_full_gets_a_direct_sms_to_the_new_number():
    rs = recipients(1, phones_every=1)
    store, sms = FakeStore(), FakeSms(subscription_limit=0)
    store.subs["CT-0"] = "+15550000999"  # subscribed with an old number
    service(rs, FakeEmail(), sms, store).send_batch("NT-1", 1, KEY)
    assert sms.published == []  # the topic would reach the old number
    assert [phone for phone, _, _ in sms.direct] == [str(rs[0].phone)]
    assert sms.unsubscribed == ["sub-CT-0"]  # and the old number's subscription is gone


def test_a_contact_whose_number_changed_is_unsubscribed_at_the_old_number_and_subscribed_at_the_new():
    rs = recipients(1, phones_every=1)
    store, sms = FakeStore(), FakeSms()
    store.subs["CT-0"] = "+15550000999"  # subscribed with an old number
    service(rs, FakeEmail(), sms, store).send_batch("NT-1", 1, KEY)
    assert sms.unsubscribed == ["sub-CT-0"]
    assert store.subs["CT-0"] == str(rs[0].phone)
    assert sms_contacts(sms, rs) == ["CT-0"]


def test_a_throttled_direct_sms_is_released_and_the_retry_sends_each_contact_exactly_once():
    # Given a full topic and SNS throttling the first direct Publish
    rs = recipients(6, phones_every=1)
    store, sms = FakeStore(), FakeSms(subscription_limit=0, throttle_direct=1)

    # When the batch runs and the state machine retries it after Throttled
    with pytest.raises(Throttled):
        service(rs, FakeEmail(), sms, store).send_batch("NT-1", 1, KEY)
    assert not any(k[1].startswith("sms#") for k in store.records)  # nothing sent, every claim released
    retry = service(rs, FakeEmail(), sms, store).send_batch("NT-1", 1, KEY, attempt=1)

    # Then each contact got exactly one SMS, recorded sent with its MessageId
    assert sms_contacts(sms, rs) == sorted(r.contact_id for r in rs)
    assert retry.sent == 6 and retry.already == 6
    assert store.records[(1, "sms#CT-0")].provider_id == f"d-{rs[0].phone}"


def test_a_phone_number_sns_refuses_is_recorded_failed_and_not_retried():
    rs = recipients(2, phones_every=1)
    store, sms = FakeStore(), FakeSms()
    refused = str(rs[0].phone)
    publish = sms.publish_sms

    def refuse(phone, message, sms_type):
        if phone == refused:
            raise client_error("InvalidParameter")
        return publish(phone, message, sms_type)

    sms.publish_sms = refuse  # type: ignore[method-assign]
    result = service(rs, FakeEmail(), sms, store, sms_mode="direct").send_batch("NT-1", 1, KEY)
    assert result.failed == 1 and store.records[(1, "sms#CT-0")].error == "InvalidParameter"
    assert [phone for phone, _, _ in sms.direct] == [str(rs[1].phone)]


def test_direct_mode_sends_one_transactional_sms_per_phone_and_never_subscribes():
    rs = recipients(12, phones_every=2)
    store, sms = FakeStore(), FakeSms()
    service(rs, FakeEmail(), sms, store, sms_mode="direct").send_batch("NT-1", 1, KEY)
    service(rs, FakeEmail(), sms, store, sms_mode="direct").send_batch("NT-1", 1, KEY)  # redelivered
    assert sms.subscribe_calls == 0 and sms.published == []
    assert sms_contacts(sms, rs) == sorted(r.contact_id for r in rs if r.phone)
    assert {t for _, _, t in sms.direct} == {"Transactional"}
    assert all(text.endswith("Reply STOP to opt out.") for _, text, _ in sms.direct)
