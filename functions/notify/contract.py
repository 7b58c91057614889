"""The contract between the two halves of proactive notices: what they share, and the two ports
through which they call each other (one definition each, here).

Records (``functions/notify/``) own notices, their audience and their texts; delivery
(``functions/notify/delivery/``, the state machine ``stepfunctions/proactive_updates.asl.json``)
sends them. Neither imports the other's modules: they meet here, and the composition root
(``functions/composition.py``) hands each its port of the other:

* ``NoticeWorkflow``: what records need of delivery (start the lifecycle, signal it); the
  ``DeliveryService`` implements it.
* ``NoticeSource``: what delivery needs of records (the next dispatch, the interval, the
  dispatches made); the ``NoticeService`` implements it.

The shapes they share:

* The audience snapshot, written once by the records part when delivery first asks for the
  initial dispatch of an approved notice (the lifecycle's first job), is JSON Lines in the
  ``notices`` bucket: ``notices/{notice_id}/audience/{batch:05d}.jsonl`` (one ``Recipient`` a
  line, ``AudienceManifest.batch_size`` lines a file) and
  ``notices/{notice_id}/audience/manifest.json`` (an ``AudienceManifest``). Every dispatch of
  the notice (initial, updates, resolution) goes to this same snapshot.
* A ``Dispatch`` is one send of a notice to its whole snapshot; records build it
  (``NoticeSource.next_dispatch``), delivery sends it and records one delivery per
  recipient and dispatch, so nobody receives the same dispatch twice.
* The lifecycle signals (``NoticeSignal``) records send to the running workflow
  (``NoticeWorkflow.signal``) when an agent pauses, resumes or cancels, or when the problem
  is resolved, dismissed or closed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import Field

from functions.core.i18n import base_language
from functions.core.models import Model

AUDIENCE_PREFIX = "notices/{notice_id}/audience/"


def batch_key(notice_id: str, batch: int) -> str:
    return AUDIENCE_PREFIX.format(notice_id=notice_id) + f"{batch:05d}.jsonl"


def manifest_key(notice_id: str) -> str:
    return AUDIENCE_PREFIX.format(notice_id=notice_id) + "manifest.json"


def batch_number(key: str) -> int:
    """``notices/{id}/audience/00042.jsonl`` -> 42."""
    return int(key.rsplit("/", 1)[-1].split(".", 1)[0])


class Recipient(Model):
    """One contact in a notice's audience (one line of a batch file)."""

    customer_id: str
    contact_id: str
    email: str | None = None  # None when the contact has no address or opted out of email
    phone: str | None = None  # E.164; set only for contacts who opted in to SMS
    language: str = "en"
    name: str | None = None
    affected: bool = False  # True: a contact on a linked case; False: likely affected (segment)
    case_id: str | None = None  # the contact's case linked to the problem, if any
    thread_message_id: str | None = None  # Message-ID to thread the notice mail to that case


class AudienceManifest(Model):
    notice_id: str
    count: int  # recipients (contacts), de-duplicated
    email_count: int
    sms_count: int
    batch_size: int
    batches: list[str]  # S3 keys of the batch files, in order
    created_at: datetime


class DispatchKind(StrEnum):
    INITIAL = "initial"
    UPDATE = "update"
    RESOLUTION = "resolution"


class DispatchText(Model):
    """A dispatch's texts for readers of one language."""

    subject: str
    body: str
    sms_text: str


class Dispatch(Model):
    """One send of a notice to its snapshot: what every recipient receives this time (in English,
    and in ``translations`` for readers of the customers' other languages)."""

    notice_id: str
    problem_id: str
    seq: int  # 1 for the initial notice, then 2, 3 ...; (notice_id, seq) names the dispatch
    kind: DispatchKind
    subject: str
    body: str  # plain text written by the agent or built from the problem's status and workaround
    sms_text: str  # short text for SMS (the opt-out word is added by delivery)
    created_at: datetime
    # by language (de, fr, es): the frame ("Update:", "Resolved:") and the texts written from the
    # problem in that language, the agent's own words as written; fixed when the dispatch is made
    translations: dict[str, DispatchText] = Field(default_factory=dict)

    def in_language(self, lang: str | None) -> Dispatch:
        """This dispatch as readers of ``lang`` receive it (English for a language it lacks)."""
        found = self.translations.get(base_language(lang) or "")
        return self.model_copy(update=found.model_dump()) if found else self


# A dispatch as the notice lists it (its texts are kept apart: ``Dispatch``). No docstring: it
# would become the schema's description in docs/openapi.json.
class DispatchRecord(Model):
    seq: int
    kind: DispatchKind
    at: datetime


class NoticeSignal(StrEnum):
    UPDATE_NOW = "update_now"
    PAUSED = "paused"
    RESUMED = "resumed"
    CANCELLED = "cancelled"
    RESOLVED = "resolved"  # the problem was resolved: send the resolution notice, then stop
    STOPPED = "stopped"  # the problem was dismissed or closed: stop without a notice


class NoticeSource(Protocol):
    """What delivery needs from the records part."""

    def next_dispatch(self, notice_id: str, kind: DispatchKind) -> Dispatch | None:
        """Record and return the next dispatch; None when the notice is paused, cancelled or done."""
        ...

    def interval_seconds(self, notice_id: str) -> int:
        """Seconds between periodic updates, as the agent set them."""
        ...

    def dispatches(self, notice_id: str) -> list[DispatchRecord]:
        """The dispatches made so far, in order (NotFound for an unknown notice)."""
        ...


class NoticeWorkflow(Protocol):
    """What the records part needs from delivery: the running lifecycle of a notice."""

    def start(self, notice_id: str) -> str:
        """Start the lifecycle (sends the initial notice); returns the execution ARN."""
        ...

    def signal(self, notice_id: str, signal: NoticeSignal) -> bool:
        """Wake the waiting lifecycle with a signal; False when none is waiting."""
        ...
