"""Delivery rules: prepare a dispatch, send one audience batch exactly once, the lifecycle's signals.

Exactly once: before a send call each recipient's delivery record is written as ``claimed`` with a
condition (``attribute_not_exists``); it becomes ``sent`` with the provider's message id after the
call, or is deleted again ("released") when the provider throttled or failed that entry, so a retry
sends it. A retried batch, a redelivered job or a redriven execution skips every recipient that has
a record. The window left: a sender that dies after the provider accepted a call and before the
records say ``sent`` leaves ``claimed`` records; they are never sent again automatically (at most
once wins over at least once for notices) and are listed by ``claimed_not_sent`` /
``DeliveryService.claimed_not_sent`` for a person to check. SMS use the same records on both of
their paths (topic PublishBatch, direct Publish per phone: see the SMS section below).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from functions.notify.contract import Dispatch, NoticeSignal, NoticeSource, Recipient
from functions.notify.delivery.models import (
    EMAIL_BULK_LIMIT,
    OPT_OUT_TEXT,
    SMS_BATCH_LIMIT,
    SMS_MAX_CHARS,
    BatchResult,
    Channel,
    DeliveryRecord,
    DeliveryStatus,
    Job,
    Partial,
    PrepareResult,
    Throttled,
    template_name,
)
from functions.notify.delivery.store import batch_number
from functions.notify.optout import unsubscribe_url

# SES per-destination statuses: retried later (released) vs refused for good (recorded as failed).
EMAIL_RETRYABLE = {
    "ACCOUNT_THROTTLED",
    "TRANSIENT_FAILURE",
    "FAILED",
    "ACCOUNT_DAILY_QUOTA_EXCEEDED",
    "ACCOUNT_SENDING_PAUSED",
    "CONFIGURATION_SET_SENDING_PAUSED",
    "MAIL_FROM_DOMAIN_NOT_VERIFIED",
    "TEMPLATE_NOT_FOUND",
    "CONFIGURATION_SET_NOT_FOUND",
    "INVALID_SENDING_POOL_NAME",
    "ACCOUNT_SUSPENDED",
}
THROTTLING_CODES = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "LimitExceededException",
    "ThrottledException",
    "RequestLimitExceeded",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalError",
    "Throttled",  # SNS (ThrottledException)
    "KMSThrottling",
}
# SNS Subscribe: the topic (or account) cannot take another filtered subscription.
TOPIC_FULL_CODES = {"FilterPolicyLimitExceeded", "SubscriptionLimitExceeded"}
# SNS Publish to a phone number refused for this recipient (bad or disabled number): recorded as failed.
SMS_REFUSED_CODES = {"InvalidParameter", "InvalidParameterValue", "EndpointDisabled"}


@dataclass(frozen=True)
class Policy:
    base_url: str
    from_address: str
    from_name: str
    mail_domain: str
    send_rate: float  # messages per second across the account (0: unpaced)
    max_concurrency: int  # Map iterations at once; each job paces at send_rate / max_concurrency
    job_seconds: float = 40.0  # a send job stops after this (Lambda timeout); the rest is retried
    prepared_ttl_seconds: int = 7 * 24 * 3600
    sms_mode: str = "topic"  # "topic": subscribe + PublishBatch (Publish per phone once the topic is full); "direct"
    # Notices are service information the customer opted in to, not marketing: Transactional
    # (SNS's higher-reliability route; Promotional is the cheaper, best-effort one).
    sms_type: str = "Transactional"
    topic_full_ttl_seconds: int = 7 * 24 * 3600  # after this, Subscribe is tried again (a raised quota)


class Store(Protocol):
    def existing(self, notice_id: str, seq: int, batch: int) -> dict[str, dict[str, Any]]: ...
    def claim(self, records: list[DeliveryRecord]) -> list[DeliveryRecord]: ...
    def mark(self, records: Iterable[DeliveryRecord]) -> None: ...
    def release(self, records: Iterable[DeliveryRecord]) -> None: ...
    def put_dispatch(self, dispatch: Dispatch, batches: int) -> None: ...
    def dispatch(self, notice_id: str, seq: int) -> Dispatch: ...
    def add_counts(self, notice_id: str, seq: int, counts: dict[str, int]) -> None: ...
    def counts(self, notice_id: str, seq: int) -> dict[str, int]: ...
    def prepared(self, notice_id: str, marker: str) -> dict[str, Any] | None: ...
    def put_prepared(self, notice_id: str, marker: str, result: dict[str, Any], expires_at: int) -> None: ...
    def put_waiting(
        self, notice_id: str, task_token: str, *, paused: bool, execution: str | None, now: str
    ) -> str | None: ...
    def take_waiting(self, notice_id: str, signal: str | None = None) -> dict[str, Any] | None: ...
    def subscribed(self, contact_ids: list[str]) -> dict[str, str]: ...
    def claimed_not_sent(self, notice_id: str, seq: int, batches: int) -> Iterable[DeliveryRecord]: ...
    def put_subscription(self, contact_id: str, phone: str, arn: str) -> None: ...
    def drop_subscription(self, contact_id: str) -> str | None: ...
    def topic_full(self, topic_arn: str, now: int) -> bool: ...
    def put_topic_full(self, topic_arn: str, code: str, at: str, expires_at: int) -> None: ...


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


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _is_throttling(exc: Exception) -> bool:
    return _error_code(exc) in THROTTLING_CODES or type(exc).__name__ in {"ConnectionError", "EndpointConnectionError"}


def sms_text(dispatch: Dispatch) -> str:
    room = SMS_MAX_CHARS - len(OPT_OUT_TEXT) - 1
    text = " ".join(dispatch.sms_text.split())
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return f"{text} {OPT_OUT_TEXT}"


def _angle(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


class DeliveryService:
    def __init__(
        self,
        store: Store,
        audience: Any,
        email: Any,
        sms: Any,
        workflow: Any,
        source: Callable[[], NoticeSource],
        policy: Policy,
        now: Callable[[], str],
    ) -> None:
        self.store = store
        self.audience = audience
        self.email = email
        self.sms = sms
        self.workflow = workflow
        self._source = source
        self.policy = policy
        self.now = now
        self._topic_arn: str | None = None
        self._topic_full_until = 0.0  # epoch seconds: this container trusts a seen topic-full marker until then

    # -- NoticeWorkflow (used by the records part) -----------------------------------------------

    def start(self, notice_id: str) -> str:
        return str(self.workflow.start(_execution_name(notice_id), {"notice_id": notice_id}))

    def signal(self, notice_id: str, signal: NoticeSignal) -> bool:
        """Hand the signal to the waiting lifecycle; when it is busy (sending), queue it for its next
        wait. True: delivered now; False: queued."""
        value = NoticeSignal(signal).value
        waiting = self.store.take_waiting(notice_id, value)
        if not waiting:
            return False
        return bool(self.workflow.succeed(str(waiting["task_token"]), {"signal": value}))

    def claimed_not_sent(self, notice_id: str, seq: int) -> list[DeliveryRecord]:
        """Recipients whose send is uncertain (claimed, never marked): for a person to check in the
        provider's logs (SES/SNS message events) before sending them anything by hand."""
        batches = self.store.counts(notice_id, seq).get("batches", 0)
        return list(self.store.claimed_not_sent(notice_id, seq, batches))

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
            self.workflow.succeed(job.task_token, self.store.counts(job.notice_id, _need(job.seq)))
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
            expires = int(time.time()) + self.policy.prepared_ttl_seconds
            self.store.put_prepared(job.notice_id, marker, result.model_dump(mode="json"), expires)
        return result

    def send_batch(self, notice_id: str, seq: int, key: str, *, attempt: int = 0) -> BatchResult:
        """Send one audience batch file of a dispatch; raises Throttled when part of it stays unsent."""
        dispatch = self.store.dispatch(notice_id, seq)
        batch = batch_number(key)
        existing = self.store.existing(notice_id, seq, batch)
        claim = uuid.uuid4().hex
        counters = Counters()
        pacer = Pacer(self.policy.send_rate / max(1, self.policy.max_concurrency))
        deadline = time.monotonic() + self.policy.job_seconds
        late = Counters()  # left for the next attempt: the job's time is up (paced sending)

        def send_emails(group: list[Recipient]) -> None:
            if time.monotonic() > deadline:
                late.email.unsent += len(group)
                return
            self._send_emails(dispatch, batch, group, claim, attempt, counters.email, pacer)

        def send_sms(group: list[Recipient]) -> None:
            if time.monotonic() > deadline:
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
        return total

    # -- email -----------------------------------------------------------------------------------

    def _records(
        self, dispatch: Dispatch, batch: int, recipients: list[Recipient], channel: Channel, claim: str, attempt: int
    ) -> list[DeliveryRecord]:
        now = self.now()
        return [
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
        records = self._records(dispatch, batch, recipients, Channel.EMAIL, claim, attempt)
        claimed = {r.contact_id: r for r in self.store.claim(records)}
        counters.uncertain += len(records) - len(claimed)  # another attempt holds them right now
        by_template: dict[str, list[Recipient]] = {}
        for r in recipients:
            if r.contact_id in claimed:
                by_template.setdefault(template_name(r.language), []).append(r)
        outcome: list[DeliveryRecord] = []
        unsent: list[DeliveryRecord] = []
        for name, group in by_template.items():
            for i in range(0, len(group), EMAIL_BULK_LIMIT):
                chunk = group[i : i + EMAIL_BULK_LIMIT]
                pacer.before(len(chunk))
                try:
                    results = self.email.send_bulk(self._bulk_request(dispatch, name, chunk))
                except Exception as exc:
                    if not _is_throttling(exc):
                        self.store.release(claimed[r.contact_id] for r in chunk)
                        raise
                    unsent.extend(claimed[r.contact_id] for r in chunk)
                    continue
                for r, res in zip(chunk, results, strict=False):
                    rec = claimed[r.contact_id]
                    status = str(res.get("Status", "FAILED"))
                    if status == "SUCCESS":
                        outcome.append(
                            rec.model_copy(update={"status": DeliveryStatus.SENT, "provider_id": res.get("MessageId")})
                        )
                    elif status in EMAIL_RETRYABLE:
                        unsent.append(rec)
                    else:
                        outcome.append(rec.model_copy(update={"status": DeliveryStatus.FAILED, "error": status}))
                for r in chunk[len(results) :]:
                    unsent.append(claimed[r.contact_id])
        self.store.mark(outcome)
        self.store.release(unsent)
        counters.sent += sum(1 for r in outcome if r.status is DeliveryStatus.SENT)
        counters.failed += sum(1 for r in outcome if r.status is DeliveryStatus.FAILED)
        counters.unsent += len(unsent)

    def _bulk_request(self, dispatch: Dispatch, template: str, chunk: list[Recipient]) -> dict[str, Any]:
        p = self.policy
        entries = []
        for r in chunk:
            url = unsubscribe_url(r.contact_id, r.customer_id, p.base_url)
            mailto = f"mailto:unsubscribe@{p.mail_domain}?subject=unsubscribe%20{r.contact_id}"
            headers = [{"Name": "List-Unsubscribe", "Value": f"<{url}>, <{mailto}>"}]
            if r.thread_message_id:
                ref = _angle(r.thread_message_id)
                headers += [{"Name": "In-Reply-To", "Value": ref}, {"Name": "References", "Value": ref}]
            data = {"name": r.name or "", "subject": dispatch.subject, "body": dispatch.body, "unsubscribe_url": url}
            entries.append(
                {
                    "Destination": {"ToAddresses": [str(r.email)]},
                    "ReplacementEmailContent": {"ReplacementTemplate": {"ReplacementTemplateData": json.dumps(data)}},
                    "ReplacementHeaders": headers,
                }
            )
        default = {"name": "", "subject": dispatch.subject, "body": dispatch.body, "unsubscribe_url": ""}
        return {
            "FromEmailAddress": f"{p.from_name} <{p.from_address}>",
            "DefaultContent": {
                "Template": {
                    "TemplateName": template,
                    "TemplateData": json.dumps(default),
                    "Headers": [{"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"}],
                }
            },
            "BulkEmailEntries": entries,
            "DefaultEmailTags": [
                {"Name": "notice", "Value": _tag(dispatch.notice_id)},
                {"Name": "seq", "Value": str(dispatch.seq)},
            ],
        }

    # -- SMS -------------------------------------------------------------------------------------
    #
    # Two paths, both with the same claim -> send -> mark/release records:
    # * topic: each opted-in phone is subscribed once to the ``sms-notices`` topic with the filter
    #   policy {"contact_id": [id]}; a batch goes out with PublishBatch (10 entries a call), each
    #   entry reaching exactly its contact. SNS allows 200 filter policies per topic and 10,000 per
    #   account by default: when Subscribe answers FilterPolicyLimitExceeded (or the topic's
    #   subscription quota), the topic is marked full in the table for ``topic_full_ttl_seconds``
    #   (no more Subscribe calls until then) and contacts without a subscription get a direct SMS.
    # * direct: one Publish(PhoneNumber=...) per contact (its MessageId is the provider id): the
    #   fallback above, and every contact in ``sms_mode="direct"`` (no subscriptions at all).

    def _topic(self) -> str:
        if self._topic_arn is None:
            self._topic_arn = str(self.sms.topic_arn())
        return self._topic_arn

    def _topic_is_full(self) -> bool:
        now = time.time()
        if self._topic_full_until > now:
            return True
        if self.store.topic_full(self._topic(), int(now)):
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
                arn = self.sms.subscribe(self._topic(), r.contact_id, str(r.phone))
            except Exception as exc:
                code = _error_code(exc) or type(exc).__name__.removesuffix("Exception")
                if code in TOPIC_FULL_CODES:
                    self.store.put_topic_full(
                        self._topic(), code, self.now(), int(time.time()) + self.policy.topic_full_ttl_seconds
                    )
                    self._topic_full_until = time.time() + 60
                    break
                if _is_throttling(exc):
                    break  # the rest get a direct SMS this time and are subscribed on a later notice
                raise
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
        records = self._records(dispatch, batch, recipients, Channel.SMS, claim, attempt)
        claimed = {r.contact_id: r for r in self.store.claim(records)}
        counters.uncertain += len(records) - len(claimed)
        todo = [r for r in recipients if r.contact_id in claimed]
        text = sms_text(dispatch)
        outcome: list[DeliveryRecord] = []
        unsent: list[DeliveryRecord] = []
        try:
            via_topic = [r for r in todo if r.contact_id in reachable]
            for i in range(0, len(via_topic), SMS_BATCH_LIMIT):
                chunk = via_topic[i : i + SMS_BATCH_LIMIT]
                self._publish_batch(dispatch, text, chunk, claimed, outcome, unsent, pacer)
            throttled = False
            for r in todo:
                if r.contact_id in reachable:
                    continue
                if throttled:  # leave the rest to the state machine's retry (with backoff)
                    unsent.append(claimed[r.contact_id])
                    continue
                throttled = not self._publish_direct(text, r, claimed[r.contact_id], outcome, unsent, pacer)
        except Exception:
            done = {rec.contact_id for rec in outcome}
            self.store.mark(outcome)
            self.store.release(rec for c, rec in claimed.items() if c not in done)
            raise
        self.store.mark(outcome)
        self.store.release(unsent)
        counters.sent += sum(1 for r in outcome if r.status is DeliveryStatus.SENT)
        counters.failed += sum(1 for r in outcome if r.status is DeliveryStatus.FAILED)
        counters.unsent += len(unsent)

    def _publish_batch(
        self,
        dispatch: Dispatch,
        text: str,
        chunk: list[Recipient],
        claimed: dict[str, DeliveryRecord],
        outcome: list[DeliveryRecord],
        unsent: list[DeliveryRecord],
        pacer: Pacer,
    ) -> None:
        """Up to 10 subscribed contacts through the topic (PublishBatch); a non-throttling error raises."""
        entries = [
            {
                "Id": str(n),
                "Message": text,
                "MessageAttributes": {
                    "contact_id": {"DataType": "String", "StringValue": r.contact_id},
                    "notice_id": {"DataType": "String", "StringValue": dispatch.notice_id},
                    "seq": {"DataType": "Number", "StringValue": str(dispatch.seq)},
                },
            }
            for n, r in enumerate(chunk)
        ]
        pacer.before(len(chunk))
        try:
            resp = self.sms.publish_batch(self._topic(), entries)
        except Exception as exc:
            if not _is_throttling(exc):
                raise
            unsent.extend(claimed[r.contact_id] for r in chunk)
            return
        ok = {e["Id"]: e.get("MessageId") for e in resp.get("Successful", [])}
        bad = {e["Id"]: e for e in resp.get("Failed", [])}
        for n, r in enumerate(chunk):
            rec = claimed[r.contact_id]
            if str(n) in ok:
                outcome.append(rec.model_copy(update={"status": DeliveryStatus.SENT, "provider_id": ok[str(n)]}))
            elif str(n) in bad and bad[str(n)].get("SenderFault"):
                error = str(bad[str(n)].get("Code", "failed"))
                outcome.append(rec.model_copy(update={"status": DeliveryStatus.FAILED, "error": error}))
            else:
                unsent.append(rec)

    def _publish_direct(
        self,
        text: str,
        r: Recipient,
        rec: DeliveryRecord,
        outcome: list[DeliveryRecord],
        unsent: list[DeliveryRecord],
        pacer: Pacer,
    ) -> bool:
        """One SMS straight to the contact's phone; False when SNS throttled it (released for a retry)."""
        pacer.before(1)
        try:
            message_id = self.sms.publish_sms(str(r.phone), text, self.policy.sms_type)
        except Exception as exc:
            if _is_throttling(exc):
                unsent.append(rec)
                return False
            code = _error_code(exc)
            if code not in SMS_REFUSED_CODES:
                raise
            outcome.append(rec.model_copy(update={"status": DeliveryStatus.FAILED, "error": code}))
            return True
        outcome.append(rec.model_copy(update={"status": DeliveryStatus.SENT, "provider_id": message_id}))
        return True


def _need(value: Any) -> Any:
    if value is None:
        raise ValueError("the job lacks a field its type needs")
    return value


def _tag(value: str) -> str:
    """SES tag values: letters, digits, _ and - only."""
    return "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in value)[:256]


def _execution_name(notice_id: str) -> str:
    """Step Functions execution names: 1-80 characters, no spaces or special characters."""
    return "notice-" + "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in notice_id)[:73]
