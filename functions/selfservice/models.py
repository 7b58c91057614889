"""Self-service: customer search and suggestions, automated fixes, public answers, deflection events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from functions.core.models import Model
from functions.core.validators import Code

SessionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
Query = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
Ref = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
]
ResultKind = Literal["article", "answer", "fix"]


# --------------------------------------------------------------------------- search
class SearchParams(Model):
    model_config = ConfigDict(extra="forbid")

    q: Query
    limit: int = Field(default=10, ge=1, le=20)
    session: SessionId | None = Field(default=None, description="self-service session id: records a 'searched' event")


class SuggestParams(Model):
    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    session: SessionId | None = Field(default=None, description="records a 'suggested' event when given")


class SelfServiceHit(Model):
    kind: ResultKind = Field(description="article: a knowledge article; answer: a solved case; fix: an automated fix")
    id: str
    title: str
    snippet: str = Field(default="", description="extract with matched terms in <em>...</em>")
    score: float
    url: str = Field(description="where the customer opens it (API path)")


class SelfServiceResults(Model):
    query: str
    results: list[SelfServiceHit]


class Suggestion(Model):
    kind: ResultKind
    id: str
    title: str
    url: str


class Suggestions(Model):
    query: str
    suggestions: list[Suggestion]


# --------------------------------------------------------------------------- automated fixes
class FixAction(Model):
    model_config = ConfigDict(extra="forbid")

    type: Literal["link", "api", "workflow"] = Field(
        description="link: send the customer to a page; api: the client calls an endpoint; workflow: a back-office run"
    )
    target: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    method: Literal["GET", "POST"] | None = None


class FixFields(Model):
    model_config = ConfigDict(extra="forbid")

    title: ShortText
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)] = Field(
        description="what the fix does, in the customer's words"
    )
    intents: list[Code] = Field(min_length=1, max_length=20, description="intents it answers, e.g. 'resend_invoice'")
    phrases: list[ShortText] = Field(default_factory=list, max_length=50, description="ways customers ask for it")
    action: FixAction
    requires_verification: bool = Field(default=True, description="the customer proves who they are first")
    enabled: bool = True


class FixIn(FixFields):
    fix_id: Code


class FixUpdate(Model):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1, description="the version you saw (or If-Match)")
    title: ShortText | None = None
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)] | None = None
    intents: list[Code] | None = Field(default=None, min_length=1, max_length=20)
    phrases: list[ShortText] | None = Field(default=None, max_length=50)
    action: FixAction | None = None
    requires_verification: bool | None = None
    enabled: bool | None = None


class Fix(FixIn):
    version: int = 1
    created_at: datetime
    updated_at: datetime
    updated_by: str


class FixPage(Model):
    items: list[Fix]
    next_cursor: str | None = None


class FixQuery(Model):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=100, ge=1, le=200)
    cursor: str | None = None


class PublicFix(Model):
    fix_id: str
    title: str
    description: str
    action: FixAction
    requires_verification: bool


class SeedResult(Model):
    created: list[str]
    existing: list[str]


# --------------------------------------------------------------------------- public answers
class PublicAnswerIn(Model):
    """Texts to publish (default: the case's subject, description and last reply). Always scrubbed."""

    model_config = ConfigDict(extra="forbid")

    title: ShortText | None = None
    question: LongText | None = None
    answer: LongText | None = None


class PublicAnswer(Model):
    answer_id: str
    case_id: str
    title: str
    question: str
    answer: str
    product: str | None = None
    created_at: datetime
    created_by: str
    updated_at: datetime
    removed: dict[str, int] = Field(default_factory=dict, description="personal data removed, by kind")


class CustomerAnswer(Model):
    answer_id: str
    title: str
    question: str
    answer: str
    product: str | None = None
    updated_at: datetime


# --------------------------------------------------------------------------- deflection
EventType = Literal["searched", "suggested", "clicked", "solved_it", "not_helped", "notice_viewed", "opened_case"]
# What an event is about: a search result, or a known issue (an active public notice).
EventResultKind = Literal["article", "answer", "fix", "notice"]


class DeflectionEvent(Model):
    model_config = ConfigDict(extra="forbid")

    session_id: SessionId
    type: EventType
    query: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    result_kind: EventResultKind | None = None
    result_id: Ref | None = None
    position: int | None = Field(default=None, ge=0, le=100)
    case_id: Ref | None = None
    at: datetime | None = Field(default=None, description="client time (the server also records when it received it)")


# What each event type must say besides session and type.
REQUIRED_BY_TYPE: dict[str, tuple[str, ...]] = {
    "searched": ("query",),
    "suggested": ("query",),
    "clicked": ("result_kind", "result_id"),
    "solved_it": (),
    "not_helped": (),
    "notice_viewed": ("result_id",),
    "opened_case": ("case_id",),
}


def missing_fields(event: DeflectionEvent) -> list[str]:
    return [name for name in REQUIRED_BY_TYPE[event.type] if getattr(event, name) in (None, "")]


class EventBatch(Model):
    """One event, or up to N in ``events`` (the settings bound it)."""

    model_config = ConfigDict(extra="forbid")

    events: list[DeflectionEvent] = Field(min_length=1, max_length=100)


class EventsAccepted(Model):
    accepted: int


class SessionEvents(Model):
    """One self-service session's events, oldest first (type, query, result_kind, result_id, received_at, source)."""

    items: list[dict[str, Any]]
