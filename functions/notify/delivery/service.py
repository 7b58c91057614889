"""Delivery use cases: the lifecycle state machine's jobs (prepare a dispatch, send one audience
batch exactly once, finish, wait for a signal) and the ``NoticeWorkflow`` the records part drives.

Exactly once: before a send each recipient's delivery record is claimed (written only where none
exists); it becomes ``sent`` with the provider's message id after the call, or is deleted again
("released") when the provider throttled or failed that message, so a retry sends it. A retried
batch, a redelivered job or a redriven execution skips every recipient that has a record. The
window left: a sender that dies after the provider accepted a call and before the records say
``sent`` leaves ``claimed`` records; they are never sent again automatically (at most once wins
over at least once for notices) and are listed by ``claimed_not_sent`` for a person to check. SMS
use the same records on both of their paths (topic and direct: see the SMS section below).

The providers' request formats (SES v2 SendBulkEmail, SNS Subscribe / PublishBatch / Publish) and
their error codes live in the adapters (``adapters.py``); the ports are in ``ports.py``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from functions.core.logs import logger
from functions.notify.contract import Dispatch, NoticeSignal, Recipient, batch_number
from functions.notify.delivery.models import (
    EMAIL_BULK_LIMIT,
    SMS_BATCH_LIMIT,
    BatchResult,
    Channel,
    DeliveryRecord,
    DeliveryStatus,
    Job,
    NoticeDeliveries,
    NoticeMail,
    Partial,
    PrepareResult,
    SenderThrottled,
    SendOutcome,
    SendStatus,
    Throttled,
    TopicFull,
    TopicSms,
)
from functions.notify.delivery.ports import (
    AudienceReader,
    DeliveryStorePort,
    EmailSender,
    NoticeSource,
    SmsSender,
    UnsubscribeLink,
    Workflow,
)
from functions.notify.delivery.rules import deliveries, execution_name, sms_text, template_name


@dataclass(frozen=True)
class Policy:
    send_rate: float  # messages per second across the account (0: unpaced)
    max_concurrency: int  # Map iterations at once; each job paces at send_rate / max_concurrency
    job_seconds: float = 40.0  # a send job stops after this (Lambda timeout); the rest is retried
    prepared_ttl_seconds: int = 7 * 24 * 3600
    sms_mode: str = "topic"  # "topic": subscribe + PublishBatch (Publish per phone once the topic is full); "direct"
    topic_full_ttl_seconds: int = 7 * 24 * 3600  # after this, Subscribe is tried again (a raised quota)


@dataclass
class Pacer:
    """Sleeps so that this job sends at most ``rate`` messages per second (0: no pacing)."""

    rate: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _start: float | None = None
    _sent: int = 0

    def before(self, messages: int) -> None:
        if self.rate <= 0:
            return
        now = self.clock()
        if self._start is None:
            self._start = now
        due = self._start + self._sent / self.rate
        if due > now:
            self.sleep(due - now)
        self._sent += messages


@dataclass
class Counters:
    email: BatchResult = field(default_factory=BatchResult)
    sms: BatchResult = field(default_factory=BatchResult)

    def total(self) -> BatchResult:
        return BatchResult(
            **{k: getattr(self.email, k) + getattr(self.sms, k) for k in BatchResult.model_fields}  # type: ignore[arg-type]
        )


@dataclass
class _Outcomes:
    """A send's records by what became of them: sent or failed (``done``), or left for a retry."""

    done: list[DeliveryRecord] = field(default_factory=list)
    unsent: list[DeliveryRecord] = field(default_factory=list)

    def add(self, record: DeliveryRecord, outcome: SendOutcome) -> bool:
        """Record ``outcome``; False when the message was not sent (a retry sends it)."""
        if outcome.status is SendStatus.SENT:
            self.done.append(
                record.model_copy(update={"status": DeliveryStatus.SENT, "provider_id": outcome.provider_id})
            )
        elif outcome.status is SendStatus.FAILED:
            self.done.append(record.model_copy(update={"status": DeliveryStatus.FAILED, "error": outcome.error}))
        else:
            self.unsent.append(record)
            return False
        return True

    def count(self, counters: BatchResult) -> None:
        counters.sent += sum(1 for r in self.done if r.status is DeliveryStatus.SENT)
        counters.failed += sum(1 for r in self.done if r.status is DeliveryStatus.FAILED)
        counters.unsent += len(self.unsent)


class DeliveryService:
    def __init__(
        self,
        store: DeliveryStorePort,
        audience: AudienceReader,
        email: EmailSender,
        sms: SmsSender,
        workflow: Workflow,
        source: Callable[[], NoticeSource],
        unsubscribe_link: UnsubscribeLink,
        policy: Policy,
        now: Callable[[], str],
        *,
        epoch: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.audience = audience
        self.email = email
        self.sms = sms
        self.workflow = workflow
        self._source = source
        self.unsubscribe_link = unsubscribe_link
        self.policy = policy
        self.now = now
        self.epoch = epoch
        self.monotonic = monotonic
        self._topic_full_until = 0.0  # epoch seconds: this container trusts a seen topic-full marker until then

    # -- NoticeWorkflow (used by the records part) -----------------------------------------------

    def start(self, notice_id: str) -> str:
        """Start the notice's lifecycle (idempotent: one execution per notice); its ARN."""
        return str(self.workflow.start(execution_name(notice_id), {"notice_id": notice_id}, existing_ok=True))

    def signal(self, notice_id: str, signal: NoticeSignal) -> bool:
        """Hand the signal to the waiting lifecycle; when it is busy (sending), queue it for its next
        wait. True: delivered now; False: queued."""
        value = NoticeSignal(signal).value
        waiting = self.store.take_waiting(notice_id, value)
        if not waiting:
            return False
        return bool(self.workflow.succeed(str(waiting["task_token"]), {"signal": value}))

    # -- reads -----------------------------------------------------------------------------------

    def claimed_not_sent(self, notice_id: str, seq: int) -> list[DeliveryRecord]:
        """Recipients whose send is uncertain (claimed, never marked): for a person to check in the
        provider's logs (SES/SNS message events) before sending them anything by hand."""
        batches = self.store.counts(notice_id, seq).get("batches", 0)
        return list(self.store.claimed_not_sent(notice_id, seq, batches))

    def deliveries(self, notice_id: str) -> NoticeDeliveries:
        """Per dispatch made: mails sent, SMS published, failed, uncertain (NotFound: no such notice)."""
        made = self._source().dispatches(notice_id)
        return NoticeDeliveries(notice_id=notice_id, items=deliveries(made, self.store.all_counts(notice_id)))

    # -- jobs ----------------------------------------------------------------------------------

    def handle_job(self, job: Job) -> None:
        """Run one job and answer its task (Throttled -> task failure the state machine retries)."""
        if job.type == "await":
            queued = self.store.put_waiting(
                job.notice_id, job.task_token, paused=job.paused, execution=job.execution, now=self.now()
            )
            if queued is not None:  # a signal came while the lifecycle was busy: answer at once
                self.workflow.succeed(job.task_token, {"signal": queued})
            return
        if job.type == "prepare":
            self.workflow.succeed(job.task_token, self.prepare(job).model_dump(mode="json"))
            return
        if job.type == "finish":
            totals = self.store.counts(job.notice_id, _need(job.seq))
            if totals["batches_done"] < totals["batches"]:
                # The Map went on past a batch that kept failing: its recipients were not reached.
                logger().warning("dispatch incomplete", extra={"notice_id": job.notice_id, "seq": job.seq, **totals})
            self.workflow.succeed(job.task_token, totals)
            return
        try:
            result = self.send_batch(job.notice_id, _need(job.seq), job.key or "", attempt=job.attempt)
        except Partial as exc:
            self.workflow.fail(job.task_token, "Partial", str(exc))
            return
        except Throttled as exc:
            self.workflow.fail(job.task_token, "Throttled", str(exc))
            return
        self.workflow.succeed(job.task_token, result.model_dump(mode="json"))

    def prepare(self, job: Job) -> PrepareResult:
        marker = f"{job.execution or ''}#{job.prepared_at or ''}#{job.kind}"
        done = self.store.prepared(job.notice_id, marker) if job.execution and job.prepared_at else None
        if done is not None:
            return PrepareResult.model_validate(done)
        source = self._source()
        interval = int(source.interval_seconds(job.notice_id))
        dispatch = source.next_dispatch(job.notice_id, _need(job.kind))
        if dispatch is None:
            result = PrepareResult(
                status="skip", interval_seconds=interval, max_concurrency=self.policy.max_concurrency
            )
        else:
            manifest = self.audience.manifest(job.notice_id)
            self.store.put_dispatch(dispatch, len(manifest.batches))
            result = PrepareResult(
                status="send",
                seq=dispatch.seq,
                batches=list(manifest.batches),
                interval_seconds=interval,
                max_concurrency=self.policy.max_concurrency,
            )
        if job.execution and job.prepared_at:
            expires = int(self.epoch()) + self.policy.prepared_ttl_seconds
            self.store.put_prepared(job.notice_id, marker, result.model_dump(mode="json"), expires)
        return result

    def send_batch(self, notice_id: str, seq: int, key: str, *, attempt: int = 0) -> BatchResult:
        """Send one audience batch file of a dispatch; raises Throttled when part of it stays unsent,
        Partial when the job's time ran out first."""
        dispatch = self.store.dispatch(notice_id, seq)
        batch = batch_number(key)
        existing = self.store.existing(notice_id, seq, batch)
        claim = uuid.uuid4().hex
        counters = Counters()
        pacer = Pacer(self.policy.send_rate / max(1, self.policy.max_concurrency))
        deadline = self.monotonic() + self.policy.job_seconds
        late = Counters()  # left for the next attempt: the job's time is up (paced sending)

        def send_emails(group: list[Recipient]) -> None:
            if self.monotonic() > deadline:
                late.email.unsent += len(group)
                return
            self._send_emails(dispatch, batch, group, claim, attempt, counters.email, pacer)

        def send_sms(group: list[Recipient]) -> None:
            if self.monotonic() > deadline:
                late.sms.unsent += len(group)
                return
            self._send_sms(dispatch, batch, group, claim, attempt, counters.sms, pacer)

        emails: dict[str, list[Recipient]] = {}  # template (language) -> pending, sent 50 a call
        phones: list[Recipient] = []
        for r in self.audience.recipients(key):
            for channel, wanted in ((Channel.EMAIL, r.email), (Channel.SMS, r.phone)):
                if not wanted:
                    continue
                found = existing.get(f"{channel.value}#{r.contact_id}")
                if found is None:
                    todo = emails.setdefault(template_name(r.language), []) if channel is Channel.EMAIL else phones
                    todo.append(r)
                    continue
                c = counters.email if channel is Channel.EMAIL else counters.sms
                if found.get("status") == DeliveryStatus.CLAIMED.value:
                    c.uncertain += 1
                else:
                    c.already += 1
            group = emails.get(template_name(r.language))
            if group is not None and len(group) >= EMAIL_BULK_LIMIT:
                send_emails(group)
                group.clear()
            if len(phones) >= EMAIL_BULK_LIMIT:
                send_sms(phones)
                phones = []
        for group in emails.values():
            if group:
                send_emails(group)
        if phones:
            send_sms(phones)
        self.store.add_counts(
            notice_id,
            seq,
            {
                "sent_email": counters.email.sent,
                "sent_sms": counters.sms.sent,
                "failed": counters.email.failed + counters.sms.failed,
            },
        )
        total = counters.total()
        if late.total().unsent:
            raise Partial(
                f"batch {batch}: time up after {total.sent} sent; {late.total().unsent} left for the next run"
            )
        if total.unsent:
            raise Throttled(f"batch {batch}: {total.unsent} unsent (throttled or transient), {total.sent} sent")
        self.store.batch_done(notice_id, seq, batch)
        return total

    def _claim(
        self,
        dispatch: Dispatch,
        batch: int,
        recipients: list[Recipient],
        channel: Channel,
        claim: str,
        attempt: int,
        counters: BatchResult,
    ) -> dict[str, DeliveryRecord]:
        """Claim each recipient's record; those claimed here, by contact (the others are held by
        another attempt right now, or were sent meanwhile: counted uncertain)."""
        now = self.now()
        records = [
            DeliveryRecord(
                notice_id=dispatch.notice_id,
                seq=dispatch.seq,
                batch=batch,
                channel=channel,
                contact_id=r.contact_id,
                status=DeliveryStatus.CLAIMED,
                attempt=attempt,
                claim=claim,
                claimed_at=now,
            )
            for r in recipients
        ]
        claimed = {r.contact_id: r for r in self.store.claim(records)}
        counters.uncertain += len(records) - len(claimed)
        return claimed

    # -- email -----------------------------------------------------------------------------------

    def _send_emails(
        self,
        dispatch: Dispatch,
        batch: int,
        recipients: list[Recipient],
        claim: str,
        attempt: int,
        counters: BatchResult,
        pacer: Pacer,
    ) -> None:
        claimed = self._claim(dispatch, batch, recipients, Channel.EMAIL, claim, attempt, counters)
        by_template: dict[str, list[Recipient]] = {}
        for r in recipients:
            if r.contact_id in claimed:
                by_template.setdefault(template_name(r.language), []).append(r)
        outcomes = _Outcomes()
        for name, group in by_template.items():
            for i in range(0, len(group), EMAIL_BULK_LIMIT):
                chunk = group[i : i + EMAIL_BULK_LIMIT]
                pacer.before(len(chunk))
                try:
                    answers = self.email.send_bulk(
                        name, dispatch.in_language(chunk[0].language), [self._mail(r) for r in chunk]
                    )
                except Exception:
                    self.store.mark(outcomes.done)
                    self.store.release(
                        rec for c, rec in claimed.items() if c not in {d.contact_id for d in outcomes.done}
                    )
                    raise
                for r, outcome in zip(chunk, answers, strict=False):
                    outcomes.add(claimed[r.contact_id], outcome)
                for r in chunk[len(answers) :]:  # no answer: not sent
                    outcomes.unsent.append(claimed[r.contact_id])
        self.store.mark(outcomes.done)
        self.store.release(outcomes.unsent)
        outcomes.count(counters)

    def _mail(self, r: Recipient) -> NoticeMail:
        return NoticeMail(
            contact_id=r.contact_id,
            to=str(r.email),
            name=r.name,
            unsubscribe_url=self.unsubscribe_link(r.contact_id, r.customer_id),
            thread_message_id=r.thread_message_id,
        )

    # -- SMS -------------------------------------------------------------------------------------
    #
    # Two paths, both with the same claim -> send -> mark/release records:
    # * topic: each opted-in phone is subscribed once to the notices topic, reached only by its
    #   contact's messages; a batch goes out through the topic (``SMS_BATCH_LIMIT`` a call). The
    #   topic takes a limited number of such subscriptions (SNS: 200 filter policies per topic,
    #   10,000 per account by default): when the sender says ``TopicFull``, the topic is marked
    #   full in the store for ``topic_full_ttl_seconds`` (no more subscribing until then) and
    #   contacts without a subscription get a direct SMS.
    # * direct: one SMS straight to the contact's phone: the fallback above, and every contact in
    #   ``sms_mode="direct"`` (no subscriptions at all).

    def _topic_is_full(self) -> bool:
        now = self.epoch()
        if self._topic_full_until > now:
            return True
        if self.store.topic_full(self.sms.topic, int(now)):
            self._topic_full_until = now + 60  # trust the marker for a minute in this container
            return True
        return False

    def ensure_subscriptions(self, recipients: list[Recipient]) -> set[str]:
        """Subscribe contacts not yet subscribed (or whose number changed) while the topic has room;
        returns the contacts the topic reaches (subscribed with their current number)."""
        phones = [r for r in recipients if r.phone]
        known = self.store.subscribed([r.contact_id for r in phones])
        for r in phones:
            if r.contact_id in known and known[r.contact_id] != r.phone:
                # the contact's number changed: the old number (maybe someone else's now) must stop
                # receiving this contact's messages before anything else is sent
                self.sms.unsubscribe(self.store.drop_subscription(r.contact_id))
                known.pop(r.contact_id)
        reachable = {r.contact_id for r in phones if known.get(r.contact_id) == r.phone}
        todo = [r for r in phones if r.contact_id not in reachable]
        if not todo or self._topic_is_full():
            return reachable
        for r in todo:
            try:
                arn = self.sms.subscribe(r.contact_id, str(r.phone))
            except TopicFull as full:
                now = self.epoch()
                self.store.put_topic_full(
                    self.sms.topic, full.code, self.now(), int(now) + self.policy.topic_full_ttl_seconds
                )
                self._topic_full_until = now + 60
                break
            except SenderThrottled:
                break  # the rest get a direct SMS this time and are subscribed on a later notice
            self.store.put_subscription(r.contact_id, str(r.phone), arn)
            reachable.add(r.contact_id)
        return reachable

    def _send_sms(
        self,
        dispatch: Dispatch,
        batch: int,
        recipients: list[Recipient],
        claim: str,
        attempt: int,
        counters: BatchResult,
        pacer: Pacer,
    ) -> None:
        reachable = self.ensure_subscriptions(recipients) if self.policy.sms_mode == "topic" else set()
        claimed = self._claim(dispatch, batch, recipients, Channel.SMS, claim, attempt, counters)
        todo = [r for r in recipients if r.contact_id in claimed]

        def text(r: Recipient) -> str:
            return sms_text(dispatch.in_language(r.language))

        outcomes = _Outcomes()
        try:
            via_topic = [r for r in todo if r.contact_id in reachable]
            for i in range(0, len(via_topic), SMS_BATCH_LIMIT):
                chunk = via_topic[i : i + SMS_BATCH_LIMIT]
                pacer.before(len(chunk))
                messages = [TopicSms(r.contact_id, text(r), dispatch.notice_id, dispatch.seq) for r in chunk]
                answers = self.sms.publish_batch(messages)
                for r, outcome in zip(chunk, answers, strict=False):
                    outcomes.add(claimed[r.contact_id], outcome)
                for r in chunk[len(answers) :]:
                    outcomes.unsent.append(claimed[r.contact_id])
            throttled = False
            for r in todo:
                if r.contact_id in reachable:
                    continue
                if throttled:  # leave the rest to the state machine's retry (with backoff)
                    outcomes.unsent.append(claimed[r.contact_id])
                    continue
                pacer.before(1)
                throttled = not outcomes.add(claimed[r.contact_id], self.sms.publish_direct(str(r.phone), text(r)))
        except Exception:
            done = {rec.contact_id for rec in outcomes.done}
            self.store.mark(outcomes.done)
            self.store.release(rec for c, rec in claimed.items() if c not in done)
            raise
        self.store.mark(outcomes.done)
        self.store.release(outcomes.unsent)
        outcomes.count(counters)


def _need(value: Any) -> Any:
    if value is None:
        raise ValueError("the job lacks a field its type needs")
    return value
