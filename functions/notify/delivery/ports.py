"""The ports the delivery service receives (``service.py``).

Production parts: ``store.DeliveryStore``, ``store.AudienceFiles``, ``adapters.SesEmailSender``,
``adapters.SnsSmsSender``, ``functions.core.workflows.StateMachine`` (the ``Workflow`` port), the
records' ``NoticeService`` (``NoticeSource``, defined with the contract both halves share:
``functions/notify/contract.py``) and ``functions.notify.links.unsubscribe_url``. In-memory fakes:
``tests/fakes/notices.py`` and ``tests/fakes/workflows.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from functions.core.workflows import Workflow
from functions.notify.contract import AudienceManifest, Dispatch, NoticeSource, Recipient
from functions.notify.delivery.models import DeliveryRecord, NoticeMail, SendOutcome, TopicSms

__all__ = [
    "AudienceReader",
    "DeliveryStorePort",
    "EmailSender",
    "NoticeSource",
    "SmsSender",
    "UnsubscribeLink",
    "Workflow",
]

# (contact_id, customer_id) -> the contact's signed unsubscribe link
UnsubscribeLink = Callable[[str, str], str]


class DeliveryStorePort(Protocol):
    """Delivery records, dispatches and their counters, prepared answers, the waiting lifecycle,
    SMS subscriptions and the topic-full marker."""

    # One record per recipient, dispatch, batch and channel: ``claim`` writes each record only
    # where none exists (returns those it wrote); ``mark`` overwrites with the outcome; ``release``
    # deletes a record only while it still holds that claim.
    def existing(self, notice_id: str, seq: int, batch: int) -> dict[str, dict[str, Any]]:
        """The batch's records by ``{channel}#{contact_id}``: each a dict with its ``status``."""
        ...

    def claim(self, records: list[DeliveryRecord]) -> list[DeliveryRecord]: ...
    def mark(self, records: Iterable[DeliveryRecord]) -> None: ...
    def release(self, records: Iterable[DeliveryRecord]) -> None: ...
    def claimed_not_sent(self, notice_id: str, seq: int, batches: int) -> Iterable[DeliveryRecord]: ...

    # A dispatch's texts and counters: ``put_dispatch`` keeps the first one written.
    def put_dispatch(self, dispatch: Dispatch, batches: int) -> None: ...
    def dispatch(self, notice_id: str, seq: int) -> Dispatch: ...
    def add_counts(self, notice_id: str, seq: int, counts: dict[str, int]) -> None: ...
    def batch_done(self, notice_id: str, seq: int, batch: int) -> None: ...
    def counts(self, notice_id: str, seq: int) -> dict[str, int]: ...
    def all_counts(self, notice_id: str) -> dict[int, dict[str, int]]: ...

    # The answer of a prepare job, for a redelivered one.
    def prepared(self, notice_id: str, marker: str) -> dict[str, Any] | None: ...
    def put_prepared(self, notice_id: str, marker: str, result: dict[str, Any], expires_at: int) -> None: ...

    # The waiting lifecycle: a task token, or the signals queued while none waits (in order).
    def put_waiting(
        self, notice_id: str, task_token: str, *, paused: bool, execution: str | None, now: str
    ) -> str | None:
        """Park the task's token, unless a signal is queued: then take the oldest and return it."""
        ...

    def take_waiting(self, notice_id: str, signal: str | None = None) -> dict[str, Any] | None:
        """Take the waiting task (once); with ``signal``, queue it when none waits (None then)."""
        ...

    # SMS subscriptions to the notices topic, and the topic's "full" marker.
    def subscribed(self, contact_ids: list[str]) -> dict[str, str]: ...
    def put_subscription(self, contact_id: str, phone: str, arn: str) -> None: ...
    def drop_subscription(self, contact_id: str) -> str | None: ...
    def topic_full(self, topic_arn: str, now: int) -> bool: ...
    def put_topic_full(self, topic_arn: str, code: str, at: str, expires_at: int) -> None: ...


class AudienceReader(Protocol):
    """The audience snapshot the records part wrote (``contract.py``)."""

    def manifest(self, notice_id: str) -> AudienceManifest: ...
    def recipients(self, key: str) -> Iterator[Recipient]: ...


class EmailSender(Protocol):
    """Notice mails in bulk with a stored template (``EMAIL_BULK_LIMIT`` a call)."""

    def send_bulk(self, template: str, dispatch: Dispatch, mails: list[NoticeMail]) -> list[SendOutcome]:
        """One outcome per mail, in order. A throttled call answers RETRY for each mail; another
        failure of the call raises."""
        ...


class SmsSender(Protocol):
    """Notice SMS: through the notices topic to subscribed phones, or straight to a phone."""

    @property
    def topic(self) -> str:
        """The notices topic (its ARN)."""
        ...

    def subscribe(self, contact_id: str, phone: str) -> str:
        """Subscribe the phone, reached only by the contact's messages; returns the subscription's
        ARN. Raises ``TopicFull`` (quota reached) or ``SenderThrottled``."""
        ...

    def unsubscribe(self, subscription_arn: str | None) -> None:
        """Remove a subscription (one already gone is fine)."""
        ...

    def publish_batch(self, messages: list[TopicSms]) -> list[SendOutcome]:
        """Up to ``SMS_BATCH_LIMIT`` messages through the topic: one outcome each, in order. A
        throttled call answers RETRY for each; another failure of the call raises."""
        ...

    def publish_direct(self, phone: str, text: str) -> SendOutcome:
        """One SMS to the phone: SENT, RETRY (throttled) or FAILED (the number is refused)."""
        ...
