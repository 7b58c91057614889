"""Notice delivery use cases on the in-memory fakes: batch sending, exactly-once claims, throttling,
redelivered jobs, partial failures, SMS through the topic and its fallbacks, the lifecycle's
signals, pacing, texts. The providers' request formats are tested with the adapters
(tests/integration/test_notice_delivery_adapters.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from functions.notify.contract import Dispatch, DispatchKind, DispatchRecord, NoticeSignal, Recipient
from functions.notify.delivery.models import (
    TEMPLATE_LANGUAGES,
    Channel,
    DeliveryRecord,
    DeliveryStatus,
    Job,
    Partial,
    SendOutcome,
    SendStatus,
    Throttled,
)
from functions.notify.delivery.rules import execution_name, sms_text, template_name
from functions.notify.delivery.service import DeliveryService, Pacer, Policy
from functions.notify.delivery.templates import template_files
from tests.fakes.notices import FakeAudienceFiles, FakeDeliveryStore, FakeEmailSender, FakeSmsSender
from tests.fakes.workflows import FakeWorkflow

NOTICE = "NT-1"
KEY = "notices/NT-1/audience/00000.jsonl"
EPOCH = 1_800_000_000.0


def dispatch(**kw: Any) -> Dispatch:
    data = dict(
        notice_id=NOTICE,
        problem_id="PB-1",
        seq=1,
        kind=DispatchKind.INITIAL,
        subject="Subject",
        body="Body",
        sms_text="Short text",
        created_at=datetime.now(UTC),
    )
    return Dispatch(**(data | kw))


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


class Source:
    """The records part as delivery sees it (NoticeSource): numbered dispatches, paused or not."""

    def __init__(self) -> None:
        self.made: list[DispatchRecord] = []
        self.paused = False

    def next_dispatch(self, notice_id: str, kind: DispatchKind) -> Dispatch | None:
        if self.paused:
            return None
        seq = len(self.made) + 1
        self.made.append(DispatchRecord(seq=seq, kind=kind, at=datetime.now(UTC)))
        return dispatch(notice_id=notice_id, seq=seq, kind=kind)

    def interval_seconds(self, notice_id: str) -> int:
        return 3600

    def dispatches(self, notice_id: str) -> list[DispatchRecord]:
        return list(self.made)


class Parts:
    """One deployment's delivery state: a service built on it is one Lambda container."""

    def __init__(self, rs: list[Recipient] | None = None, **senders: Any) -> None:
        self.store = FakeDeliveryStore()
        self.files = FakeAudienceFiles()
        self.email: FakeEmailSender = senders.get("email") or FakeEmailSender()
        self.sms: FakeSmsSender = senders.get("sms") or FakeSmsSender()
        self.workflow = FakeWorkflow()
        self.source = Source()
        self.store.put_dispatch(dispatch(), 1)
        if rs is not None:
            self.audience(rs)

    def audience(self, rs: list[Recipient]) -> None:
        """The notice's snapshot: ``rs`` in one batch file (KEY)."""
        self.files.write(NOTICE, rs, batch_size=max(1, len(rs)))

    def service(self, sms_mode: str = "topic", **policy: Any) -> DeliveryService:
        return DeliveryService(
            self.store,
            self.files,
            self.email,
            self.sms,
            self.workflow,
            lambda: self.source,
            lambda contact_id, customer_id: f"https://support.example.org/unsub/{customer_id}/{contact_id}",
            Policy(sms_mode=sms_mode, send_rate=0, max_concurrency=4, **policy),
            lambda: "2026-11-23T10:00:00Z",
            epoch=lambda: EPOCH,
        )

    def send(self, seq: int = 1, attempt: int = 0, **kw: Any) -> Any:
        return self.service(**kw).send_batch(NOTICE, seq, KEY, attempt=attempt)

    def status(self, sk: str, seq: int = 1) -> DeliveryRecord | None:
        return self.store.record(NOTICE, seq, 0, sk)


def mails_to(email: FakeEmailSender) -> list[str]:
    return sorted(m.to for _, m in email.sent)


def sms_contacts(sms: FakeSmsSender, rs: list[Recipient]) -> list[str]:
    """Every SMS a phone received, as the contact it reached: topic ones by subscription, direct ones by phone."""
    owner = {str(r.phone): r.contact_id for r in rs if r.phone}
    return sorted([c for _, c, _ in sms.delivered] + [owner[phone] for phone, _ in sms.direct])


# -- email ---------------------------------------------------------------------------------------


def test_a_batch_sends_one_mail_and_one_sms_per_recipient_in_bulk_calls_per_language():
    rs = recipients(120)
    p = Parts(rs)
    result = p.send()
    assert result.sent == 120 + 60
    assert mails_to(p.email) == sorted(str(r.email) for r in rs)
    assert all(len(c.mails) <= 50 for c in p.email.calls)
    assert {c.template for c in p.email.calls} == {"casebridge-notice-en", "casebridge-notice-fr"}
    assert len(p.email.calls) == 3  # en (with xx): 80 -> 50 + 30; fr: 40
    assert sms_contacts(p.sms, rs) == sorted(r.contact_id for r in rs if r.phone)


def test_each_language_s_readers_get_the_dispatch_in_their_language_by_mail_and_sms():
    from functions.notify.contract import DispatchText

    rs = recipients(6, phones_every=1)  # en, fr, xx (no words for it: English), twice
    p = Parts(rs)
    p.store.put_dispatch(
        dispatch(
            seq=2,
            kind=DispatchKind.UPDATE,
            subject="Update: jams",
            sms_text="Update: jams",
            translations={
                "fr": DispatchText(subject="Mise à jour : jams", body="Corps", sms_text="Mise à jour : jams")
            },
        ),
        1,
    )
    p.send(seq=2, sms_mode="direct")

    by_template = {c.template: (c.dispatch.subject, c.dispatch.body) for c in p.email.calls}
    assert by_template == {
        "casebridge-notice-en": ("Update: jams", "Body"),
        "casebridge-notice-fr": ("Mise à jour : jams", "Corps"),
    }
    texts = {phone: text.removesuffix(" Reply STOP to opt out.") for phone, text in p.sms.direct}
    assert texts == {str(r.phone): "Mise à jour : jams" if r.language == "fr" else "Update: jams" for r in rs}


def test_running_a_batch_again_sends_nothing_twice():
    rs = recipients(30)
    p = Parts(rs)
    p.send()
    again = p.send()  # a redelivered job, another Lambda container
    assert again.sent == 0 and again.already == 30 + 15
    assert sum(len(c.mails) for c in p.email.calls) == 30 and len(p.sms.published) == 15


def test_a_throttled_bulk_call_releases_its_recipients_and_fails_the_batch_as_throttled():
    rs = recipients(10, phones_every=0)
    p = Parts(rs, email=FakeEmailSender(throttle_calls=2))  # both calls (en, fr) throttled
    with pytest.raises(Throttled):
        p.send()
    assert p.store.all_records() == []  # every claim released for the retry
    retry = p.send(attempt=1)
    assert mails_to(p.email) == sorted(str(r.email) for r in rs)
    assert retry.sent == 10


def test_a_per_destination_throttle_is_retried_and_a_rejection_is_recorded_as_failed():
    rs = recipients(3, phones_every=0)
    email = FakeEmailSender(
        {
            "c0@example.org": SendOutcome(SendStatus.RETRY),
            "c1@example.org": SendOutcome(SendStatus.FAILED, error="MESSAGE_REJECTED"),
        }
    )
    p = Parts(rs, email=email)
    with pytest.raises(Throttled):
        p.send()
    statuses = {_sk: r.status for _sk, r in p.store.records[(NOTICE, 1, 0)].items()}
    assert statuses == {"email#CT-1": DeliveryStatus.FAILED, "email#CT-2": DeliveryStatus.SENT}
    assert p.status("email#CT-1").error == "MESSAGE_REJECTED"
    p.send(attempt=1)
    assert p.status("email#CT-0").status is DeliveryStatus.SENT
    assert p.status("email#CT-1").status is DeliveryStatus.FAILED  # not sent again
    assert mails_to(p.email) == ["c0@example.org", "c2@example.org"]


def test_a_recipient_claimed_by_an_attempt_that_never_finished_is_not_sent_again():
    rs = recipients(2, phones_every=0)
    p = Parts(rs)
    stale = DeliveryRecord(
        notice_id=NOTICE, seq=1, batch=0, channel=Channel.EMAIL, contact_id="CT-0",
        status=DeliveryStatus.CLAIMED, claim="old",
    )  # fmt: skip
    p.store.claim([stale])
    result = p.send()
    assert result.uncertain == 1 and result.sent == 1
    assert mails_to(p.email) == ["c1@example.org"]
    assert [r.contact_id for r in p.service().claimed_not_sent(NOTICE, 1)] == ["CT-0"]


def test_a_failing_bulk_call_marks_what_was_sent_releases_the_rest_and_raises():
    # Given a batch in two languages whose second bulk call fails (not throttling)
    rs = recipients(4, phones_every=0)  # en, fr, xx(en), en
    boom = RuntimeError("SES is down")
    p = Parts(rs)
    calls = p.email.send_bulk

    def second_fails(template: str, d: Dispatch, mails: list) -> list:
        if len(p.email.calls) == 1:
            p.email.fail_with = boom
        return calls(template, d, mails)

    p.email.send_bulk = second_fails  # type: ignore[method-assign]
    # When the batch runs, the error comes out (the job's task fails: the state machine retries)
    with pytest.raises(RuntimeError):
        p.send()
    # Then the first call's mails are recorded sent, the others released for the retry
    sent = {sk for sk, r in p.store.records[(NOTICE, 1, 0)].items() if r.status is DeliveryStatus.SENT}
    assert sent == {"email#CT-0", "email#CT-2", "email#CT-3"}
    assert set(p.store.records[(NOTICE, 1, 0)]) == sent
    p.email.fail_with = None
    p.email.send_bulk = calls  # type: ignore[method-assign]
    retry = p.send(attempt=1)
    assert retry.sent == 1 and retry.already == 3
    assert mails_to(p.email) == sorted(str(r.email) for r in rs)


def test_mails_carry_the_unsubscribe_link_and_the_case_thread_of_their_recipient():
    r = Recipient(customer_id="CU-1", contact_id="CT-1", email="a@example.org", name="Ann", thread_message_id="abc@x")
    p = Parts([r])
    p.send()
    [(call, mail)] = p.email.sent
    assert mail.unsubscribe_url == "https://support.example.org/unsub/CU-1/CT-1"
    assert mail.thread_message_id == "abc@x" and mail.name == "Ann"
    assert call.dispatch.subject == "Subject" and call.dispatch.body == "Body"


# -- SMS through the topic -------------------------------------------------------------------------


def test_failed_sms_entries_are_retried_and_each_contact_gets_one_sms():
    rs = recipients(20, phones_every=1)
    p = Parts(rs, sms=FakeSmsSender(retry_ids={"CT-3", "CT-7"}))
    with pytest.raises(Throttled):
        p.send()
    p.send(attempt=1)
    assert sms_contacts(p.sms, rs) == sorted(r.contact_id for r in rs)
    assert p.sms.lost == []


def test_an_sms_entry_refused_for_good_is_recorded_failed_and_not_retried():
    rs = recipients(3, phones_every=1)
    p = Parts(rs, sms=FakeSmsSender(refuse_ids={"CT-1"}))
    result = p.send()
    assert result.failed == 1 and p.status("sms#CT-1").status is DeliveryStatus.FAILED
    assert p.status("sms#CT-1").error == "InvalidParameter"
    assert sms_contacts(p.sms, rs) == ["CT-0", "CT-2"]


def test_contacts_are_subscribed_to_the_sms_topic_once_not_per_notice():
    rs = recipients(6, phones_every=2)
    p = Parts(rs)
    p.store.put_dispatch(dispatch(seq=2, kind=DispatchKind.UPDATE), 1)
    p.send(seq=1)
    p.send(seq=2)
    assert p.sms.subscribed() == ["CT-0", "CT-2", "CT-4"] and p.sms.calls["subscribe"] == 3
    assert len(p.sms.published) == 6
    assert sorted(p.sms.received().values()) == [2, 2, 2]


def test_a_contact_whose_number_changed_is_unsubscribed_at_the_old_number_and_subscribed_at_the_new():
    rs = recipients(1, phones_every=1)
    p = Parts(rs)
    old = p.sms.subscribe("CT-0", "+15550000999")
    p.store.put_subscription("CT-0", "+15550000999", old)  # subscribed with an old number
    p.send()
    assert p.sms.unsubscribed == [old]
    assert p.store.subscribed(["CT-0"]) == {"CT-0": str(rs[0].phone)}
    assert p.sms.received() == {str(rs[0].phone): 1}  # the old number got nothing


# -- SMS beyond the topic's subscription quota, and direct mode -----------------------------------


def test_contacts_beyond_the_subscription_quota_get_one_direct_sms_each():
    # Given a topic that takes 4 more subscriptions and 20 SMS contacts
    rs = recipients(20, phones_every=1)
    p = Parts(rs, sms=FakeSmsSender(subscription_limit=4))

    # When a batch is sent
    result = p.send()

    # Then the 4 subscribed contacts got theirs through the topic, the 16 others a direct SMS, each one once
    assert len(p.sms.subscribed()) == 4 and len(p.sms.published) == 4
    assert {m.contact_id for m in p.sms.published} == set(p.sms.subscribed())
    assert len(p.sms.direct) == 16
    assert sms_contacts(p.sms, rs) == sorted(r.contact_id for r in rs)
    assert result.sent == 20 + 20
    assert p.store.full[p.sms.topic]["code"] == "FilterPolicyLimitExceeded"


def test_once_the_topic_is_full_later_batches_do_not_subscribe_again():
    # Given a batch that hit the quota (4 subscriptions, then one refused call)
    rs = recipients(20, phones_every=1)
    p = Parts(rs, sms=FakeSmsSender(subscription_limit=4))
    p.store.put_dispatch(dispatch(seq=2, kind=DispatchKind.UPDATE), 1)
    p.send(seq=1)
    assert p.sms.calls["subscribe"] == 5

    # When the next dispatch goes to the same contacts and some new ones (another service: another Lambda)
    more = rs + [rs[0].model_copy(update={"contact_id": f"CT-new{i}", "phone": f"+1555999{i:04d}"}) for i in range(3)]
    p.audience(more)
    before = (len(p.sms.delivered), len(p.sms.direct))
    p.send(seq=2)

    # Then no Subscribe call was made, and every contact got one SMS of it
    assert p.sms.calls["subscribe"] == 5
    second = FakeSmsSender()
    second.delivered, second.direct = p.sms.delivered[before[0] :], p.sms.direct[before[1] :]
    assert sms_contacts(second, more) == sorted(r.contact_id for r in more)


def test_an_expired_topic_full_marker_lets_subscribing_resume():
    rs = recipients(3, phones_every=1)
    p = Parts(rs)
    p.store.put_topic_full(p.sms.topic, "FilterPolicyLimitExceeded", "long ago", int(EPOCH) - 1)
    p.send()
    assert p.sms.subscribed() == ["CT-0", "CT-1", "CT-2"] and p.sms.direct == []


def test_a_throttled_subscribe_leaves_the_rest_to_a_direct_sms_this_time():
    rs = recipients(4, phones_every=1)
    p = Parts(rs, sms=FakeSmsSender(throttle=lambda op, n: op == "subscribe" and n == 3))
    p.send()
    assert p.sms.subscribed() == ["CT-0", "CT-1"] and not p.store.full
    assert sms_contacts(p.sms, rs) == ["CT-0", "CT-1", "CT-2", "CT-3"]
    assert sorted(phone for phone, _ in p.sms.direct) == [str(rs[2].phone), str(rs[3].phone)]


def test_a_contact_whose_number_changed_while_the_topic_is_full_gets_a_direct_sms_to_the_new_number():
    rs = recipients(1, phones_every=1)
    p = Parts(rs, sms=FakeSmsSender(subscription_limit=1))
    old = p.sms.subscribe("CT-0", "+15550000999")
    p.store.put_subscription("CT-0", "+15550000999", old)
    p.sms.subscriptions[f"{p.sms.topic}:other"] = ("CT-x", "+15550000888")  # the topic is full again
    p.send()
    assert p.sms.published == []  # the topic would reach the old number
    assert [phone for phone, _ in p.sms.direct] == [str(rs[0].phone)]
    assert p.sms.unsubscribed == [old]  # and the old number's subscription is gone


def test_a_throttled_direct_sms_is_released_and_the_retry_sends_each_contact_exactly_once():
    # Given a full topic and SNS throttling the first direct SMS
    rs = recipients(6, phones_every=1)
    p = Parts(rs, sms=FakeSmsSender(subscription_limit=0, throttle_direct=1))

    # When the batch runs and the state machine retries it after Throttled
    with pytest.raises(Throttled):
        p.send()
    assert not any(sk.startswith("sms#") for sk in p.store.records[(NOTICE, 1, 0)])  # every SMS claim released
    retry = p.send(attempt=1)

    # Then each contact got exactly one SMS, recorded sent with its provider id
    assert sms_contacts(p.sms, rs) == sorted(r.contact_id for r in rs)
    assert retry.sent == 6 and retry.already == 6
    assert p.status("sms#CT-0").provider_id == f"d-{rs[0].phone}"


def test_a_phone_number_the_provider_refuses_is_recorded_failed_and_not_retried():
    rs = recipients(2, phones_every=1)
    p = Parts(rs, sms=FakeSmsSender(refuse_phones={str(rs[0].phone)}))
    result = p.send(sms_mode="direct")
    assert result.failed == 1 and p.status("sms#CT-0").error == "InvalidParameter"
    assert [phone for phone, _ in p.sms.direct] == [str(rs[1].phone)]
    p.send(sms_mode="direct")
    assert [phone for phone, _ in p.sms.direct] == [str(rs[1].phone)]


def test_direct_mode_sends_one_sms_per_phone_and_never_subscribes():
    rs = recipients(12, phones_every=2)
    p = Parts(rs)
    p.send(sms_mode="direct")
    p.send(sms_mode="direct")  # redelivered
    assert p.sms.calls["subscribe"] == 0 and p.sms.published == []
    assert sms_contacts(p.sms, rs) == sorted(r.contact_id for r in rs if r.phone)
    assert all(text.endswith("Reply STOP to opt out.") for _, text in p.sms.direct)


# -- jobs and the lifecycle ------------------------------------------------------------------------


def test_a_signal_answers_the_waiting_task_once():
    p = Parts([])
    svc = p.service()
    svc.handle_job(Job(type="await", notice_id=NOTICE, task_token="tok"))
    assert svc.signal(NOTICE, NoticeSignal.PAUSED)
    assert p.workflow.answered == [("tok", {"signal": "paused"})]
    assert not svc.signal(NOTICE, NoticeSignal.RESUMED)  # nothing waits until the next await job...
    svc.handle_job(Job(type="await", notice_id=NOTICE, task_token="tok2"))
    assert p.workflow.answered[-1] == ("tok2", {"signal": "resumed"})  # ...which gets the queued signal at once


def test_signals_sent_while_the_lifecycle_is_busy_reach_its_next_waits_in_order():
    p = Parts([])
    svc = p.service()
    assert not svc.signal(NOTICE, NoticeSignal.UPDATE_NOW)
    assert not svc.signal(NOTICE, NoticeSignal.RESOLVED)
    for token in ("t1", "t2", "t3"):
        svc.handle_job(Job(type="await", notice_id=NOTICE, task_token=token))
    assert p.workflow.answered == [("t1", {"signal": "update_now"}), ("t2", {"signal": "resolved"})]
    assert svc.signal(NOTICE, NoticeSignal.CANCELLED)
    assert p.workflow.answered[-1] == ("t3", {"signal": "cancelled"})


def test_start_runs_one_lifecycle_per_notice():
    p = Parts([])
    svc = p.service()
    first = svc.start(NOTICE)
    assert svc.start(NOTICE) == first  # a retried approval: the same execution
    assert p.workflow.started == [(execution_name(NOTICE), {"notice_id": NOTICE})]


def test_a_prepare_job_records_the_dispatch_and_answers_its_batches():
    p = Parts(recipients(3))
    keys = p.files.write("NT-2", recipients(45), batch_size=20)
    job = Job(
        type="prepare", notice_id="NT-2", task_token="t", kind=DispatchKind.INITIAL, execution="x", prepared_at="1"
    )
    p.service().handle_job(job)
    [(token, answer)] = p.workflow.answered
    assert token == "t" and answer["status"] == "send" and answer["batches"] == keys and answer["seq"] == 1
    assert p.store.dispatch("NT-2", 1).kind is DispatchKind.INITIAL
    assert p.store.counts("NT-2", 1)["batches"] == 3


def test_a_redelivered_prepare_job_asks_the_records_part_for_no_second_dispatch():
    p = Parts([])
    p.files.write("NT-2", recipients(2))
    job = Job(
        type="prepare", notice_id="NT-2", task_token="t", kind=DispatchKind.UPDATE, execution="x", prepared_at="1"
    )
    first = p.service().prepare(job)
    again = p.service().prepare(job.model_copy(update={"task_token": "t-again"}))
    assert again == first and [d.kind for d in p.source.made] == [DispatchKind.UPDATE]


def test_a_prepare_job_of_a_paused_notice_skips_the_send():
    p = Parts([])
    p.source.paused = True
    result = p.service().prepare(Job(type="prepare", notice_id=NOTICE, task_token="t", kind=DispatchKind.UPDATE))
    assert result.status == "skip" and result.interval_seconds == 3600


def test_a_finish_job_answers_the_dispatch_counts():
    p = Parts(recipients(4))
    p.send()
    p.service().handle_job(Job(type="finish", notice_id=NOTICE, task_token="t", seq=1))
    assert p.workflow.answered == [
        ("t", {"sent_email": 4, "sent_sms": 2, "failed": 0, "uncertain": 0, "batches": 1, "batches_done": 1})
    ]


def test_deliveries_list_each_dispatch_made_with_its_counts():
    p = Parts(recipients(4))
    svc = p.service()
    svc.prepare(Job(type="prepare", notice_id=NOTICE, task_token="t", kind=DispatchKind.INITIAL))
    p.source.next_dispatch(NOTICE, DispatchKind.UPDATE)  # made, not sent yet
    p.send()
    items = svc.deliveries(NOTICE).items
    assert [(i.seq, i.kind, i.sent_email, i.sent_sms) for i in items] == [
        (1, DispatchKind.INITIAL, 4, 2),
        (2, DispatchKind.UPDATE, 0, 0),
    ]


def test_a_throttled_send_job_fails_its_task_with_the_throttled_error():
    p = Parts(recipients(2, phones_every=0), email=FakeEmailSender(throttle_calls=5))
    p.service().handle_job(Job(type="send", notice_id=NOTICE, task_token="t", seq=1, key=KEY))
    assert [(t, e) for t, e, _ in p.workflow.failed] == [("t", "Throttled")]


def test_a_job_whose_time_is_up_leaves_the_rest_of_its_batch_for_the_next_run():
    p = Parts(recipients(120, phones_every=0))
    with pytest.raises(Partial):
        p.send(job_seconds=-1.0)
    assert p.email.calls == [] and p.store.all_records() == []
    p.service(job_seconds=-1.0).handle_job(Job(type="send", notice_id=NOTICE, task_token="t", seq=1, key=KEY))
    assert [(t, e) for t, e, _ in p.workflow.failed] == [("t", "Partial")]


# -- rules -----------------------------------------------------------------------------------------


def test_sms_text_fits_one_message_and_ends_with_the_opt_out_word():
    text = sms_text(dispatch(sms_text="word " * 80))
    assert len(text) <= 160 and text.endswith("Reply STOP to opt out.")


def test_execution_names_fit_step_functions():
    assert execution_name("NT-100001") == "notice-NT-100001"
    assert execution_name("a b/c" * 40).startswith("notice-a_b_c") and len(execution_name("x" * 200)) == 80


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
        assert "{{name}}" in content["Text"] and "{{body}}" in content["Text"]
    assert "Bonjour {{name}}" in template_files()["casebridge-notice-fr"]["Text"]
