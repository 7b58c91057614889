"""Jobs of the notice lifecycle state machine, the delivery records, and what the senders
(``ports.EmailSender`` / ``ports.SmsSender``) are asked and answer, in the domain's terms."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import Field

from functions.core.models import Model
from functions.notify.contract import DispatchKind

# Languages with a stored SES template (functions/notify/templates/notice.<lang>.json);
# a recipient in another language gets the English one.
TEMPLATE_LANGUAGES = ("en", "de", "fr", "es")
TEMPLATE_NAME = "casebridge-notice-{lang}"
EMAIL_BULK_LIMIT = 50  # SES v2 SendBulkEmail destinations per call
SMS_BATCH_LIMIT = 10  # SNS PublishBatch entries per call
SMS_MAX_CHARS = 160
OPT_OUT_TEXT = "Reply STOP to opt out."


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class DeliveryStatus(StrEnum):
    CLAIMED = "claimed"  # written before the send call; stays so only if the sender died in between
    SENT = "sent"
    FAILED = "failed"  # permanently refused for this recipient (e.g. rejected address): not retried


class Job(Model):
    """One job the state machine queues (``MessageBody`` of its ``sqs:sendMessage.waitForTaskToken`` tasks)."""

    type: Literal["prepare", "send", "finish", "await"]
    notice_id: str
    task_token: str
    kind: DispatchKind | None = None  # prepare
    execution: str | None = None
    prepared_at: str | None = None  # prepare: the state's entry time (a redelivered job is the same)
    seq: int | None = None  # send, finish
    key: str | None = None  # send: the audience batch file
    attempt: int = 0  # send: the Step Functions retry count
    paused: bool = False  # await


class PrepareResult(Model):
    status: Literal["send", "skip"]
    seq: int = 0
    batches: list[str] = []
    interval_seconds: int
    max_concurrency: int


class BatchResult(Model):
    sent: int = 0  # sent by this job
    already: int = 0  # sent before (retried batch, redelivered job, redriven execution)
    failed: int = 0  # permanently refused
    unsent: int = 0  # released for a retry (throttled, transient)
    uncertain: int = 0  # claimed by an attempt that did not finish: left for a person to check


class DeliveryRecord(Model):
    notice_id: str
    seq: int
    batch: int
    channel: Channel
    contact_id: str
    status: DeliveryStatus
    attempt: int = 0
    claim: str = ""
    claimed_at: str | None = None
    provider_id: str | None = None
    error: str | None = None


class SendStatus(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # throttled or transient: not sent, a later attempt sends it
    FAILED = "failed"  # refused for good for this recipient (rejected address, disabled number)


@dataclass(frozen=True)
class SendOutcome:
    """What a sender answers for one message."""

    status: SendStatus
    provider_id: str | None = None  # the provider's message id (SENT)
    error: str | None = None  # the provider's reason (FAILED)


@dataclass(frozen=True)
class NoticeMail:
    """One notice mail of a bulk send: the recipient's part (the dispatch gives the rest)."""

    contact_id: str
    to: str
    name: str | None
    unsubscribe_url: str
    thread_message_id: str | None = None  # Message-ID of the recipient's case mail to thread to


@dataclass(frozen=True)
class TopicSms:
    """One SMS through the notices topic: it reaches the contact's subscribed phone only."""

    contact_id: str
    text: str
    notice_id: str
    seq: int


class TopicFull(Exception):
    """The SMS topic (or the account) takes no more filtered subscriptions."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class SenderThrottled(Exception):
    """The provider throttled a call that has no per-message answer (a subscription)."""


class Throttled(Exception):
    """Part of a batch stays unsent (throttled or transient): the state machine retries it with backoff."""


class Partial(Exception):
    """The job's time is up (paced sending of a large batch): the state machine runs it again at once."""


class DispatchDeliveries(Model):
    """What delivery recorded for one dispatch of a notice (counts only: no recipient)."""

    seq: int
    kind: DispatchKind
    sent_email: int = 0
    sent_sms: int = 0
    failed: int = 0
    uncertain: int = 0
    batches: int = 0
    batches_done: int = Field(
        default=0,
        description="audience batches sent to the end; fewer than batches once the dispatch finished: "
        "the recipients of the others were not reached (a job that could not be queued or kept failing)",
    )


class NoticeDeliveries(Model):
    notice_id: str
    items: list[DispatchDeliveries]
