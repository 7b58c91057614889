"""Notice records: a notice of a problem, its audience spec, texts, dispatches and timeline."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from functions.cases.models import Actor
from functions.core.models import Model
from functions.core.validators import Code, PageSize
from functions.notify.contract import DispatchRecord  # part of a Notice; shared with delivery

Subject = Annotated[str, Field(min_length=1, max_length=200)]
Body = Annotated[str, Field(min_length=1, max_length=20_000)]
SmsText = Annotated[str, Field(min_length=1, max_length=300)]
Values = Annotated[list[Code], Field(max_length=200)]
Interval = Annotated[int, Field(ge=300, le=30 * 24 * 3600, description="seconds between periodic updates")]

MIN_INTERVAL = 300


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"  # approved: the lifecycle is running
    PAUSED = "paused"
    COMPLETED = "completed"  # the resolution notice was sent
    CANCELLED = "cancelled"
    STOPPED = "stopped"  # the problem was dismissed or closed


FINAL = frozenset({NoticeStatus.COMPLETED, NoticeStatus.CANCELLED, NoticeStatus.STOPPED})


class NoticeChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PORTAL = "portal"
    PHONE = "phone"


class Segment(Model):
    """Likely affected: owners whose install base matches every attribute given (any listed value).

    ``product`` is required for a likely-affected audience (the install base is indexed by product)."""

    model_config = ConfigDict(extra="forbid")

    product: Values = Field(default_factory=list)
    model: Values = Field(default_factory=list)
    batch: Values = Field(default_factory=list, description="batch or lot")
    region: Values = Field(default_factory=list)
    tier: Values = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not self.product

    def matches_asset(self, asset: dict[str, Any]) -> bool:
        for attribute in ("product", "model", "batch", "region", "tier"):
            allowed = getattr(self, attribute)
            if allowed and asset.get(attribute) not in allowed:
                return False
        return True

    def matches_product(self, product: str | None, model: str | None, batch: str | None) -> bool:
        """For public product-level lookups: every attribute the caller names must be allowed."""
        if not product or product not in self.product:
            return False
        if model and self.model and model not in self.model:
            return False
        return not (batch and self.batch and batch not in self.batch)


class AudienceSpec(Model):
    model_config = ConfigDict(extra="forbid")

    include_affected: bool = Field(default=True, description="contacts on the problem's linked (root-cause) cases")
    include_likely: bool = Field(default=True, description="owners matching the segment")
    segment: Segment = Field(default_factory=Segment)


class NoticeTexts(Model):
    model_config = ConfigDict(extra="forbid")

    subject: Subject
    body: Body
    sms_text: SmsText
    update_text: Body | None = Field(
        default=None, description="standing text of periodic updates; default: the problem's status and workaround"
    )
    resolution_text: Body | None = Field(default=None, description="default: the problem's permanent fix")


class DirectoryEntry(Model):
    """A customer as the audience walk reads it: the profile's name and language, and its contacts
    (each a dict of the customer record's contact fields: ``contact_id``, ``email``, ``phone``,
    ``email_opt_out``, ``sms_opt_in``, ``language``, ``name``), in the directory's order."""

    name: str | None = None
    language: str | None = None
    contacts: list[dict[str, Any]] = Field(default_factory=list)


class NoticeEventKind(StrEnum):
    CREATED = "created"
    CHANGED = "changed"
    APPROVED = "approved"
    SNAPSHOT = "snapshot"  # the audience snapshot was taken (the lifecycle's first job): data holds its counts
    PAUSED = "paused"
    RESUMED = "resumed"
    CANCELLED = "cancelled"
    STOPPED = "stopped"
    COMPLETED = "completed"
    UPDATE_REQUESTED = "update_requested"
    DISPATCHED = "dispatched"
    START_FAILED = "start_failed"


class NoticeEvent(Model):
    event_id: str
    notice_id: str
    at: datetime
    kind: NoticeEventKind
    actor: Actor
    changes: dict[str, dict[str, Any]] | None = None
    data: dict[str, Any] | None = None


class Notice(Model):
    notice_id: str
    problem_id: str
    status: NoticeStatus = NoticeStatus.DRAFT
    channels: list[NoticeChannel]
    audience: AudienceSpec
    texts: NoticeTexts
    interval_seconds: int
    pending_update: str | None = Field(default=None, description="agent's text for the next update (sent once)")
    dispatches: list[DispatchRecord] = Field(default_factory=list)
    audience_count: int | None = Field(
        default=None, description="recipients in the snapshot (None until the lifecycle's first job took it)"
    )
    email_count: int | None = None
    sms_count: int | None = None
    customer_count: int | None = None
    execution_arn: str | None = None
    created_by: Actor
    created_at: datetime
    updated_at: datetime
    approved_by: Actor | None = None
    approved_at: datetime | None = None
    version: int = 1

    @property
    def last_seq(self) -> int:
        return max((d.seq for d in self.dispatches), default=0)


class NoticeView(Notice):
    timeline: list[NoticeEvent] = Field(default_factory=list)


class NoticeList(Model):
    items: list[Notice]


class NoticePage(Model):
    items: list[Notice]
    next_cursor: str | None = None


class NoticeQuery(Model):
    """``GET /notices``: newest first; by problem (newest created first), by status (most recently
    changed first), or both."""

    model_config = ConfigDict(extra="forbid")

    status: NoticeStatus | None = None
    problem_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    limit: PageSize = 50
    cursor: str | None = Field(default=None, description="next_cursor of the previous page")


# -- requests ------------------------------------------------------------------


class NoticeIn(Model):
    model_config = ConfigDict(extra="forbid")

    channels: Annotated[list[NoticeChannel], Field(min_length=1)] = Field(
        default_factory=lambda: [NoticeChannel.EMAIL, NoticeChannel.SMS, NoticeChannel.PORTAL, NoticeChannel.PHONE]
    )
    audience: AudienceSpec | None = Field(
        default=None, description="default: affected + likely affected by the problem's product / common thread"
    )
    texts: NoticeTexts | None = Field(default=None, description="default: built from the problem's title/workaround")
    interval_seconds: Interval = 24 * 3600


class NoticePatch(Model):
    """Texts and interval may change while the notice runs; channels and audience only in draft."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)
    channels: Annotated[list[NoticeChannel], Field(min_length=1)] | None = None
    audience: AudienceSpec | None = None
    texts: NoticeTexts | None = None
    interval_seconds: Interval | None = None


class VersionIn(Model):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)


class UpdateNowIn(Model):
    model_config = ConfigDict(extra="forbid")

    text: Body
    version: int | None = Field(default=None, ge=1)


class UpdateNowOut(Model):
    notice: Notice
    signalled: bool = Field(
        description="False when the lifecycle was busy sending: the update is queued and goes out when that send ends"
    )


class AudienceQuery(Model):
    model_config = ConfigDict(extra="forbid")

    sample: Annotated[int, Field(ge=0, le=200)] = 20


class SampleRecipient(Model):
    customer_id: str
    name: str | None = None
    email: str | None = Field(default=None, description="masked")
    phone: str | None = Field(default=None, description="masked")
    affected: bool
    case_id: str | None = None


class AudienceCounts(Model):
    recipients: int = 0
    customers: int = 0
    affected: int = 0
    likely: int = 0
    email: int = 0
    sms: int = 0


class AudiencePreview(Model):
    notice_id: str
    snapshot: bool = Field(description="True: counts of the approved snapshot; False: computed now (nothing sent)")
    counts: AudienceCounts
    sample: list[SampleRecipient] = Field(default_factory=list)
    complete: bool = Field(
        default=True,
        description="False: the preview stopped after CASEBRIDGE_NOTICE_PREVIEW_CUSTOMERS customers and its counts "
        "are lower bounds (the snapshot after approval counts everyone)",
    )


class PublicNotice(Model):
    """What anyone may see: no customer data."""

    notice_id: str
    problem_id: str
    title: str
    body: str
    updated_at: datetime


class PublicNoticeList(Model):
    items: list[PublicNotice]


class ActiveQuery(Model):
    model_config = ConfigDict(extra="forbid")

    product: Code
    model: Code | None = None
    batch: Code | None = None


class PortalNoticeQuery(Model):
    token: str | None = None


class PhoneQuery(Model):
    model_config = ConfigDict(extra="forbid")

    caller: Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")] | None = None
    product: Code | None = None


class PhoneMessage(Model):
    notice_id: str | None = None
    message: str | None = Field(default=None, description="null: nothing to announce")
    known_caller: bool = False
