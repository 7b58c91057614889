"""The web form's input and output."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from functions.core.models import Model
from functions.core.validators import Code, Email, Language, Name, Phone

FormSubject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
FormText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
IdempotencyKey = Annotated[str, StringConstraints(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]
# The honeypot: a field the form hides from people (CSS), so only bots fill it in.
HONEYPOT_FIELD = "website"


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


class WebCaseOut(Model):
    status: Literal["created", "received"] = Field(
        description="created: a case was opened; received: the submission was recorded for review"
    )
    case_id: str | None = None
    portal_url: str | None = Field(
        default=None, description="signed, expiring link for the customer to follow the case"
    )
    acknowledgement: Literal["sent", "pending_no_mailer", "failed", "none"] = "none"
