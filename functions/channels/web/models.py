"""The web form's input and output."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from functions.core.models import Model
from functions.core.validators import Code, Email, Language, Name, Phone

FormSubject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
FormText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
IdempotencyKey = Annotated[str, StringConstraints(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]
# The honeypot: a field the form hides from people (CSS), so only bots fill it in.
HONEYPOT_FIELD = "website"
# Where an upload lands: uploads/{day}/{32 hex}/{file name} (functions.channels.web.rules.upload_key).
UploadKey = Annotated[
    str, StringConstraints(max_length=300, pattern=r"^uploads/[0-9]{4}-[0-9]{2}-[0-9]{2}/[0-9a-f]{32}/[^/]{1,200}$")
]


class WebCaseIn(Model):
    """What the support site's contact form posts."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    email: Email
    phone: Phone | None = None
    subject: FormSubject
    description: FormText
    product: Code | None = None
    model: Code | None = None
    batch: Code | None = Field(default=None, description="batch or lot number from the product label")
    category: Code | None = None
    language: Language | None = Field(default=None, description="the customer's language, e.g. 'en' or 'de-AT'")
    consent: bool = Field(
        default=False,
        description="the customer accepted the privacy notice (required when the deployment sets web_form_require_consent)",
    )
    selfservice_session: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")] | None = Field(
        default=None,
        description="the self-service session the customer searched in before writing (deflection analytics)",
    )
    website: Annotated[str, Field(max_length=2_000)] | None = Field(
        default=None, description="honeypot: hidden from people, leave empty"
    )
    challenge: Annotated[str, Field(max_length=1000)] | None = Field(
        default=None,
        description="a challenge from GET /web/challenge, once the API asked for one (429 challenge_required)",
    )
    solution: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="its proof of work: sha256(challenge + ':' + solution) starts with `bits` zero bits"
    )
    attachments: Annotated[list[UploadKey], Field(max_length=20)] = Field(
        default_factory=list, description="keys of files uploaded through POST /web/uploads"
    )


class WebCaseOut(Model):
    status: Literal["created", "received"] = Field(
        description="created: a case was opened; received: the submission was recorded for review"
    )
    case_id: str | None = None
    portal_url: str | None = Field(
        default=None, description="signed, expiring link for the customer to follow the case"
    )
    acknowledgement: Literal["sent", "pending_no_mailer", "failed", "none"] = "none"


class UploadIn(Model):
    """A file the customer is about to attach: what the presigned POST will allow."""

    model_config = ConfigDict(extra="forbid")

    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    content_type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=100)]
    size: int = Field(ge=1, description="bytes")


class UploadOut(Model):
    """POST ``fields`` and then the file (as the last field, ``file``) to ``url`` as multipart/form-data
    before ``expires_at``; then send ``key`` in the form's ``attachments``."""

    key: str
    url: str
    fields: dict[str, str]
    expires_at: datetime
    max_bytes: int


class UploadedFile(Model):
    key: str
    size: int
    content_type: str
    md5: str


class Challenge(Model):
    """A proof-of-work challenge: find ``solution`` such that sha256(challenge + ":" + solution) starts
    with ``bits`` zero bits, and send both with the form."""

    challenge: str
    bits: int
    expires_in: int
