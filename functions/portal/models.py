"""What a customer sees of their case, and what they may send. Agent-only data never appears here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from functions.channels.web.models import UploadKey
from functions.core.models import Model
from functions.core.validators import Email, Language

# The customer's vocabulary: internal hand-offs (pending_department) look like "in progress".
CustomerStatus = Literal["received", "in_progress", "awaiting_your_reply", "solved", "closed"]
CaseNumber = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_upper=True, min_length=3, max_length=32, pattern=r"^[A-Za-z0-9]+-[0-9]+$"
    ),
]
ClientMessageId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


class PortalAttachment(Model):
    filename: str
    content_type: str
    size: int


class PortalTranscriptLine(Model):
    role: Literal["customer", "agent", "bot", "system"]
    author_name: str | None = None
    text: str
    at: datetime


class PortalEvent(Model):
    event_id: str
    at: datetime
    kind: Literal["created", "message_in", "message_out", "status_changed", "chat_transcript", "auto_reply"]
    author: Literal["customer", "support", "system"]
    author_name: str | None = Field(default=None, description="the agent's display name, when the agent has one")
    subject: str | None = None
    body: str | None = None
    attachments: list[PortalAttachment] = Field(default_factory=list)
    status: CustomerStatus | None = Field(default=None, description="the new status, for status_changed")
    transcript: list[PortalTranscriptLine] | None = None


class PortalCase(Model):
    case_id: str
    subject: str
    description: str
    status: CustomerStatus
    channel: str
    product: str | None = None
    model: str | None = None
    batch: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    can_reply: bool
    timeline: list[PortalEvent]
    timeline_cursor: str | None = None


class PortalQuery(Model):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, Field(max_length=4096)] | None = None
    cursor: Annotated[str, Field(max_length=2048)] | None = None
    lang: Literal["en", "de", "fr", "es"] | None = Field(default=None, description="the case page's language (HTML)")
    done: Literal["case.replied", "case.marked_solved", "case.reopened"] | None = Field(
        default=None, description="what the case page confirms after a form post (HTML)"
    )


class PortalReplyIn(Model):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    client_message_id: ClientMessageId | None = Field(
        default=None, description="your id for this message; a retry with the same id is recorded once"
    )
    attachments: Annotated[list[UploadKey], Field(max_length=20)] = Field(
        default_factory=list,
        description="keys of files uploaded through POST /web/uploads (the same limits as the contact form)",
    )


class PortalReplyOut(Model):
    case_id: str
    status: CustomerStatus
    event_id: str | None = None
    duplicate: bool = False


class LinkRequestIn(Model):
    model_config = ConfigDict(extra="forbid")

    case_id: CaseNumber
    email: Email
    language: Language | None = Field(
        default=None,
        description="the language of the mail when the case has none on record (else the browser's Accept-Language)",
    )


class LinkRequestOut(Model):
    status: Literal["accepted"] = "accepted"
    message: str = "If the case number and the address match, we have sent a new link to that address."
