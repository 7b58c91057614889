"""Case, timeline and request/response models."""

from __future__ import annotations

import itertools
import re
import secrets
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, model_validator

from functions.core.models import Model
from functions.core.validators import Code, Email, PageSize, Subject, Text
from functions.sla.models import CaseSla
from functions.triage.models import TriageField, TriageSuggestion


class CaseStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    PENDING_DEPARTMENT = "pending_department"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Channel(StrEnum):
    EMAIL = "email"
    WEB = "web"
    CHAT = "chat"
    PHONE = "phone"
    API = "api"


class ActorType(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"
    DEPARTMENT = "department"


class Actor(Model):
    type: ActorType
    id: str | None = None
    name: str | None = None


class EventKind(StrEnum):
    CREATED = "created"
    MESSAGE_IN = "message_in"
    MESSAGE_OUT = "message_out"
    NOTE = "note"
    STATUS_CHANGED = "status_changed"
    FIELDS_CHANGED = "fields_changed"
    MERGED = "merged"  # another case was merged into this one (data: merged_case_id)
    MERGED_INTO = "merged_into"  # this case was merged into another and closed (data: into)
    SPLIT = "split"  # interactions of this case moved to a new case (data: new_case_id, event_ids)
    SPLIT_FROM = "split_from"  # this case was split off another (data: original_case_id, event_ids)
    HANDOFF = "handoff"
    CHAT_TRANSCRIPT = "chat_transcript"
    DELIVERY_FAILED = "delivery_failed"
    AUTO_REPLY = "auto_reply"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"


class Attachment(Model):
    attachment_id: str | None = Field(
        default=None, description="download it with GET /cases/{case_id}/attachments/{attachment_id}"
    )
    filename: str
    content_type: str
    size: int
    md5: str
    s3_key: str | None = None
    skipped_reason: str | None = Field(default=None, description="why the content was not stored (e.g. too large)")

    @model_validator(mode="after")
    def _with_id(self) -> Attachment:
        # The content's MD5: stable for attachments stored before ids existed; the same id twice on
        # a case is the same bytes.
        if self.attachment_id is None:
            self.attachment_id = self.md5
        return self


class AttachmentLink(Model):
    """A short-lived link to download an attachment (``Content-Disposition: attachment``)."""

    url: str
    expires_at: datetime
    filename: str
    content_type: str
    size: int


class Message(Model):
    """One interaction's content: an email, a form post, a chat turn, an agent reply."""

    channel: Channel
    direction: Literal["in", "out"]
    body_text: str = ""
    subject: str | None = None
    message_id: str | None = Field(default=None, description="channel's unique id (RFC 5322 Message-ID for email)")
    from_address: str | None = None
    from_name: str | None = None
    to: list[str] = Field(default_factory=list)
    cc: list[str] = Field(default_factory=list)
    raw_s3_key: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    meta: dict[str, Any] = Field(default_factory=dict)


_MADE = itertools.count()  # this process's events, in the order made


def new_event_id(at_iso: str, seq: int = 0) -> str:
    """A timeline event's id: sorts by time, then by the order this process made its events (a clock
    read twice can give one instant: a test's stopped clock, or a coarse one), then by position
    among events written together, then at random (two processes at one instant: a true tie; the
    random part keeps their ids apart)."""
    return f"{at_iso}#{next(_MADE) % 0x1000000:06x}{seq:03d}{secrets.token_hex(4)}"


class TimelineEvent(Model):
    event_id: str
    case_id: str
    at: datetime
    kind: EventKind
    actor: Actor
    visibility: Literal["public", "internal"] = "public"
    body: str | None = None
    message: Message | None = None
    changes: dict[str, dict[str, Any]] | None = None
    data: dict[str, Any] | None = None
    moved_from: str | None = Field(
        default=None, description="the case this interaction was recorded on before a merge or a split"
    )


SlaState = Literal["none", "ok", "at_risk", "breached", "paused"]


class HandoffTurn(Model):
    role: Literal["customer", "bot", "agent"]
    text: Annotated[str, Field(max_length=10_000)]
    at: datetime | None = None


class OfferedArticle(Model):
    article_id: str
    title: str | None = None
    helped: bool | None = Field(default=None, description="the customer's answer to 'did this help?'")


class HandoffCustomer(Model):
    customer_id: Code | None = None
    email: Email | None = None
    name: str | None = None
    phone: str | None = None


class Handoff(Model):
    """What a bot sends when it hands a conversation to a human agent."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: Annotated[str, Field(min_length=1, max_length=128)]
    customer: HandoffCustomer
    transcript: Annotated[list[HandoffTurn], Field(min_length=1, max_length=500)]
    intent: Annotated[str, Field(max_length=128)] | None = None
    intent_confidence: Annotated[float, Field(ge=0, le=1)] | None = None
    articles_offered: list[OfferedArticle] = Field(default_factory=list, max_length=50)
    fixes_attempted: list[str] = Field(default_factory=list, max_length=50)
    reason: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="why the bot handed over (low confidence, customer asked, ...)"
    )
    product: Code | None = None
    language: str | None = None


class CaseContext(Model):
    handoff: Handoff | None = None
    forwarded_from: dict[str, str | None] | None = None
    related_case: str | None = Field(default=None, description="an earlier (closed) case this one follows up")
    chat_session_id: str | None = None
    split_from: str | None = Field(default=None, description="the case this one was split off")


class Case(Model):
    case_id: str = Field(description="human-friendly case number, e.g. CB-100042")
    subject: str
    description: str = ""
    channel: Channel
    status: CaseStatus = CaseStatus.NEW
    priority: Priority = Priority.NORMAL
    category: str | None = None
    product: str | None = None
    model: str | None = None
    batch: str | None = None
    assignee: str | None = None
    group_id: str | None = Field(default=None, description="the agent group the case is routed to")
    customer_id: str | None = None
    customer_name: str | None = None
    contact_id: str | None = None
    contact_email: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    language: str | None = None
    tags: list[str] = Field(default_factory=list)
    context: CaseContext = Field(default_factory=CaseContext)
    merged_into: str | None = Field(
        default=None, description="the case this one was merged into (it is closed; replies thread there)"
    )
    problem_id: str | None = None
    triage: TriageSuggestion | None = Field(
        default=None,
        description=(
            "triage's suggested category, priority and department (the agent group, group_id) with "
            "confidences, set shortly after the case opens; applied fields were set on the case"
        ),
    )
    triage_corrections: dict[str, str] = Field(
        default_factory=dict,
        description="suggested fields an agent changed to another value: field -> the agent's value (training data)",
    )
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    last_inbound_at: datetime | None = None
    interaction_count: int = 0
    sla: CaseSla | None = Field(default=None, description="the SLA clock (None: no policy covers the case)")
    sla_state: SlaState = Field(
        default="none", description="derived when read: none, ok, at_risk (warning given), breached, paused"
    )
    message_text: str = Field(
        default="",
        exclude=True,
        description="the latest message bodies, bounded (what text search finds); stored, never answered",
    )
    version: int = 1


class CaseView(Case):
    timeline: list[TimelineEvent] = Field(default_factory=list)
    timeline_cursor: str | None = None


class CasePage(Model):
    items: list[Case]
    next_cursor: str | None = None
    total_estimate: int | None = Field(
        default=None, description="about how many cases the view holds (None: not counted for this view)"
    )


class QueueSort(StrEnum):
    UPDATED = "updated"  # newest activity first
    OLDEST_UPDATE = "-updated"  # longest untouched first
    CREATED = "created"  # newest first
    PRIORITY = "priority"  # urgent first, then newest activity
    DUE = "due"  # the nearest SLA due first (cases without a running clock last)


class SlaFilter(StrEnum):
    BREACHING_SOON = "breaching_soon"
    BREACHED = "breached"


def _listed(value: Any) -> Any:
    """A query parameter given once, repeated (a list) or comma-separated, as a list."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[Any] = []
    for item in items:
        out.extend(p.strip() for p in item.split(",") if p.strip()) if isinstance(item, str) else out.append(item)
    return out


def _utc(value: datetime) -> datetime:
    """An instant without an offset (a date, or a time given without one) is read as UTC: a naive
    datetime cannot be compared with the cases' times (a TypeError, answered 500)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


MAX_WINDOW = timedelta(days=366)
# The durations the list takes: weeks, days, hours, minutes (P7D, PT24H, P1DT12H); the agents' app
# reads the same forms (web/agents/src/views/queue.ts, withinMs), so a saved view means one thing.
WINDOW = re.compile(r"P(?=\d|T\d)(?:\d{1,4}W)?(?:\d{1,4}D)?(?:T(?=\d)(?:\d{1,5}H)?(?:\d{1,6}M)?)?")


def _window_text(value: Any) -> Any:
    if isinstance(value, timedelta):  # a span already read (a stored job's filter, copied)
        return value
    if not isinstance(value, str) or not WINDOW.fullmatch(value.strip()):
        raise ValueError("an ISO 8601 duration in weeks, days, hours or minutes, e.g. P7D or PT24H")
    return value.strip()


def _window(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("a span after zero, e.g. P7D or PT24H")
    if value > MAX_WINDOW:
        raise ValueError("at most P366D")
    return value


def _one(value: Any) -> Any:
    """A parameter that may be given once only."""
    if isinstance(value, list):
        raise ValueError("give this parameter once")
    return value


class CaseQuery(Model):
    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None,
        description=(
            "text: subject, description, message bodies, contact name and address, customer name, case number "
            "(through the search index: at most 100 best matches, in relevance order unless sort is given)"
        ),
    )
    status: Annotated[list[CaseStatus], BeforeValidator(_listed), Field(max_length=6)] = Field(
        default_factory=list, description="one or more statuses, comma-separated or repeated (status=new,open)"
    )
    assignee: Annotated[Annotated[str, Field(max_length=128)] | None, BeforeValidator(_one)] = Field(
        default=None, description="an agent id, me (the caller) or none (unassigned)"
    )
    group_id: Code | None = None
    sla: SlaFilter | None = Field(default=None, description="breaching_soon (warned, not yet due) or breached")
    tag: Annotated[list[Code], BeforeValidator(_listed), Field(max_length=10)] = Field(
        default_factory=list, description="repeatable: cases carrying every tag given"
    )
    sort: QueueSort | None = Field(default=None, description="updated (default), -updated, created, priority, due")
    customer_id: Code | None = None
    product: Code | None = None
    channel: Channel | None = None
    priority: Priority | None = None
    updated_since: Annotated[datetime, AfterValidator(_utc)] | None = None
    updated_within: Annotated[timedelta, BeforeValidator(_window_text), AfterValidator(_window)] | None = Field(
        default=None,
        description=(
            "cases changed within this span before now, an ISO 8601 duration (P7D, PT24H); kept relative in a "
            "saved view, so the view rolls with time (with updated_since too: the later of the two)"
        ),
    )
    limit: PageSize = 50
    cursor: str | None = None

    def resolved(self, now: datetime) -> CaseQuery:
        """This query with ``updated_within`` turned into the instant it names at ``now`` (the later
        of it and ``updated_since``): what the indexes and the matching read."""
        if self.updated_within is None:
            return self
        since = now - self.updated_within
        if self.updated_since is not None and self.updated_since > since:
            since = self.updated_since
        return self.model_copy(update={"updated_since": since, "updated_within": None})


class TimelineQuery(Model):
    model_config = ConfigDict(extra="forbid")

    limit: PageSize = 200
    cursor: str | None = Field(default=None, description="timeline_cursor of the previous page")


class CaseUpdate(Model):
    """Fields an agent may change. ``version`` is the version the agent last saw."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1, description="optimistic lock; or send If-Match")
    status: CaseStatus | None = None
    priority: Priority | None = None
    assignee: Annotated[str, Field(max_length=128)] | None = None
    unassign: bool = False
    category: Code | None = None
    group_id: Code | None = Field(default=None, description="the agent group (triage's department)")
    product: Code | None = None
    model: Code | None = None
    batch: Code | None = None
    tags: list[Code] | None = None
    triage_confirm: list[TriageField] | None = Field(
        default=None,
        description="fields triage applied that the agent confirms as right, as the case holds them (training labels)",
    )
    comment: Annotated[str, Field(max_length=10_000)] | None = Field(
        default=None, description="why (goes on the timeline)"
    )


class NoteIn(Model):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, Field(min_length=1, max_length=50_000)]


class ReplyIn(Model):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, Field(min_length=1, max_length=100_000)]
    status_after: CaseStatus | None = Field(
        default=CaseStatus.PENDING_CUSTOMER,
        description=(
            "status to move to after replying (null keeps it). When omitted: pending_customer, except on a "
            "chat case whose session is live, where the reply is a turn in an ongoing conversation and the "
            "status is kept (a new case still becomes open); a chat whose session has ended is answered by "
            "email and moves to pending_customer as usual."
        ),
    )


class NewCaseIn(Model):
    """An agent (or an API client) opens a case on a customer's behalf."""

    model_config = ConfigDict(extra="forbid")

    subject: Subject
    description: Text = ""
    channel: Channel = Channel.PHONE
    contact_email: Email | None = None
    customer_id: Code | None = None
    priority: Priority = Priority.NORMAL
    category: Code | None = None
    product: Code | None = None
