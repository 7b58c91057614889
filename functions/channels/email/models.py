"""Models of the email channel: a parsed mail, the inbound log and the outcome of an intake."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

from functions.core.models import Model


class SentMail(Model):
    """What the ``Mailer`` port answers for one mail sent."""

    model_config = ConfigDict(frozen=True)

    message_id: str = Field(description="ours, as written in the Message-ID header")
    provider_message_id: str | None = Field(
        default=None, description="the provider's id in Message-ID form (SES: <id@email.amazonses.com>)"
    )


class Outcome(StrEnum):
    CREATED = "created"
    THREADED = "threaded"
    SUPPRESSED = "suppressed"
    QUARANTINED = "quarantined"
    SPAM = "spam"  # held in the spam view until an agent releases it
    # A duplicate (same bytes or same Message-ID again) is SUPPRESSED with a "duplicate:" reason.


class ParsedAttachment(Model):
    """One attachment as found in the MIME tree (content kept in memory until stored)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    filename: str
    content_type: str
    data: bytes = Field(repr=False)
    inline: bool = False
    content_id: str | None = None
    origin: str = "mime"  # mime | uuencode | rfc822

    @property
    def size(self) -> int:
        return len(self.data)


class Address(Model):
    email: str
    name: str | None = None


class ParsedMail(Model):
    """Everything the channel needs from one raw RFC 5322 message. Built by parse.parse_mail."""

    message_id: str | None = None
    in_reply_to: list[str] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)
    subject: str = ""
    from_: Address | None = None
    from_raw: str | None = None
    sender_valid: bool = False
    reply_to: list[Address] = Field(default_factory=list)
    to: list[Address] = Field(default_factory=list)
    cc: list[Address] = Field(default_factory=list)
    date: datetime | None = None
    headers: dict[str, list[str]] = Field(default_factory=dict, description="lower-cased name -> decoded values")
    content_type: str = "text/plain"
    body_text: str = ""
    body_html: str | None = None
    body_source: str = "text/plain"  # which part the text came from (text/plain, text/html, none)
    new_text: str | None = Field(default=None, description="the reply above the quoted text, when found")
    attachments: list[ParsedAttachment] = Field(default_factory=list)
    embedded: list[dict[str, Any]] = Field(
        default_factory=list, description="headers of attached message/rfc822 (or text/rfc822-headers) parts"
    )
    delivery_status: list[dict[str, str]] = Field(default_factory=list)
    defects: list[str] = Field(default_factory=list)

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


class Verdict(StrEnum):
    """One SES receipt verdict (``NOT_CHECKED``: the local inbox could not check it, e.g. no DNS)."""

    PASS = "PASS"
    FAIL = "FAIL"
    GRAY = "GRAY"
    PROCESSING_FAILED = "PROCESSING_FAILED"
    NOT_CHECKED = "NOT_CHECKED"


class MailVerdicts(Model):
    """The receipt verdicts SES (or the local SMTP inbox) gives a received mail."""

    spam: Verdict = Verdict.NOT_CHECKED
    virus: Verdict = Verdict.NOT_CHECKED
    spf: Verdict = Verdict.NOT_CHECKED
    dkim: Verdict = Verdict.NOT_CHECKED
    dmarc: Verdict = Verdict.NOT_CHECKED
    dmarc_policy: str | None = Field(
        default=None, description="the From domain's DMARC policy: none, quarantine, reject"
    )
    envelope_sender: str | None = Field(
        default=None, description="the SMTP MAIL FROM (SES ``mail.source``); empty for a null sender"
    )


class StoredAttachmentOut(Model):
    filename: str
    md5: str
    size: int
    content_type: str | None = None
    skipped_reason: str | None = None


class IngestOutcome(Model):
    """What became of one received mail (one JSON line of ``casebridge mail ingest``)."""

    inbound_id: str
    outcome: Outcome
    case: str | None = None
    reason: str | None = None
    from_email: str | None = None
    subject: str | None = None
    message_id: str | None = None
    raw_s3_key: str | None = None
    acknowledged: bool = False
    attachments: list[StoredAttachmentOut] = Field(default_factory=list)
    verdicts: MailVerdicts | None = None
    flags: list[str] = Field(default_factory=list, description="authentication_failed, possible_duplicate, released")


class InboundRecord(Model):
    """One entry of the inbound log (every mail received, whatever became of it)."""

    inbound_id: str
    received_at: datetime
    outcome: Outcome
    reason: str | None = None
    case_id: str | None = None
    message_id: str | None = None
    from_email: str | None = None
    subject: str | None = None
    source: str | None = Field(default=None, description="where it came from: s3://..., sns, cli:...")
    raw_s3_key: str | None = None
    quarantine_key: str | None = None
    attempts: int = 1
    verdicts: MailVerdicts | None = Field(
        default=None, description="the receipt verdicts, when the mail came with them"
    )
    flags: list[str] = Field(default_factory=list, description="authentication_failed, possible_duplicate, released")


class InboundPage(Model):
    items: list[InboundRecord]
    next_cursor: str | None = None


class InboundQuery(Model):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = None


class ReplayResult(Model):
    items: list[IngestOutcome]
