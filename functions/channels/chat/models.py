"""Chat sessions, messages, hand-offs: records and request/response models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from functions.cases.models import Case, Handoff, HandoffCustomer, HandoffTurn
from functions.core.models import Model
from functions.core.validators import Code, Email, Language, Name, Phone

SessionStatus = Literal["active", "ended"]
# The transcript mail of an ended session: due (``pending``: not sent yet, or a transient failure to be
# tried again), claimed by one sender (``sending``), ``sent``, or ``failed`` (refused, or given up).
TranscriptMailState = Literal["pending", "sending", "sent", "failed"]
Role = Literal["customer", "agent", "bot", "system"]
ClientMessageId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
ChatText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4_000)]
SessionId = Annotated[str, StringConstraints(pattern=r"^chs_[0-9a-f]{20}$")]
# A hand-off's turns are stored twice in 400 KB DynamoDB items (the case's context and the
# HANDOFF event), so their text is capped in UTF-8 bytes.
MAX_HANDOFF_TRANSCRIPT_BYTES = 100_000


class ChatSession(Model):
    """The live session (stored as CHAT#{id} / #META)."""

    session_id: str
    case_id: str
    status: SessionStatus = "active"
    origin: Literal["widget", "handoff"] = "widget"
    customer_name: str | None = None
    customer_email: str | None = None
    topic: str | None = None
    product: str | None = None
    language: str | None = None
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None = None
    last_seq: int = 0
    ended_at: datetime | None = None
    ended_by: Role | None = None
    end_reason: str | None = None
    transcript_recorded: bool = False
    transcript_mailed: bool = False
    transcript_mail: TranscriptMailState | None = None  # None: no mail due (no address, no turns, no mailer)
    transcript_mail_attempts: int = 0
    transcript_mail_claimed_at: datetime | None = None
    customer_typing_at: datetime | None = None
    agent_typing_at: datetime | None = None


class ChatMessage(Model):
    """One turn (stored as CHAT#{id} / MSG#{seq:08d}); ``seq`` orders a session's turns without gaps."""

    session_id: str
    seq: int
    client_message_id: str
    role: Role
    author_id: str | None = None
    author_name: str | None = None
    text: str
    at: datetime


# -- customer side ---------------------------------------------------------
class ChatStartIn(Model):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: Email
    topic: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    product: Code | None = None
    language: Language | None = None


class ChatStarted(Model):
    session_id: str
    case_id: str
    token: str = Field(description="send as 'Authorization: Bearer <token>' (or ?token=) on the session's routes")
    expires_in: int = Field(description="seconds the token stays valid")
    portal_url: str | None = Field(default=None, description="signed link to follow the case after the chat")


class ChatMessageIn(Model):
    model_config = ConfigDict(extra="forbid")

    client_message_id: ClientMessageId = Field(
        description="your id for this message: a retry with the same id is stored once"
    )
    text: ChatText


class CustomerChatMessage(Model):
    """A turn as the customer sees it: no agent ids."""

    seq: int
    client_message_id: str | None = None
    role: Role
    author_name: str | None = None
    text: str
    at: datetime


class ChatPollQuery(Model):
    model_config = ConfigDict(extra="forbid")

    after: Annotated[int, Field(ge=0)] = 0
    limit: Annotated[int, Field(ge=1, le=200)] = 100
    token: Annotated[str, Field(max_length=4096)] | None = None


class CustomerChatPage(Model):
    session_id: str
    status: SessionStatus
    messages: list[CustomerChatMessage]
    last_seq: int = Field(description="pass as ?after= on the next poll")
    agent_typing: bool = Field(default=False, description="an agent is typing a reply (said in the last few seconds)")
    transcript_mailed: bool = Field(default=False, description="the ended chat's transcript was mailed to the customer")


class ChatEndIn(Model):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class ChatSessionOut(Model):
    session_id: str
    case_id: str
    status: SessionStatus
    ended_at: datetime | None = None
    ended_by: Role | None = None
    transcript_recorded: bool = False
    transcript_mailed: bool = Field(default=False, description="the transcript was mailed to the customer")


class ChatTypingOut(Model):
    """A typing signal taken: the other side sees it on its next read for ``visible_for`` seconds."""

    session_id: str
    role: Role
    visible_for: int


# -- agent side ------------------------------------------------------------
class AgentChatPage(Model):
    session: ChatSession
    messages: list[ChatMessage]
    last_seq: int
    customer_typing: bool = Field(default=False, description="the customer is typing (said in the last few seconds)")


class AgentSessionPatch(Model):
    model_config = ConfigDict(extra="forbid")

    status: Literal["ended"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class ChatSessionList(Model):
    items: list[ChatSession]
    next_cursor: str | None = None


class ChatListQuery(Model):
    model_config = ConfigDict(extra="forbid")

    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=2048)] | None = None


# -- bot hand-off ----------------------------------------------------------
class HandoffCustomerIn(HandoffCustomer):
    """Stricter than the stored model: what a bot may send."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    phone: Phone | None = None


class HandoffTurnIn(HandoffTurn):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class HandoffIn(Handoff):
    """The hand-off payload (functions.cases.models.Handoff), validated strictly."""

    conversation_id: Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:/@-]+$")]
    customer: HandoffCustomerIn
    transcript: Annotated[list[HandoffTurnIn], Field(min_length=1, max_length=500)]  # type: ignore[assignment]
    fixes_attempted: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]] = (
        Field(default_factory=list, max_length=50)
    )
    language: Language | None = None

    @field_validator("transcript")
    @classmethod
    def _fits(cls, turns: list[HandoffTurnIn]) -> list[HandoffTurnIn]:
        if sum(len(t.text.encode()) for t in turns) > MAX_HANDOFF_TRANSCRIPT_BYTES:
            raise ValueError(
                f"transcript text is larger than {MAX_HANDOFF_TRANSCRIPT_BYTES} bytes in total; send the latest turns"
            )
        return turns

    def stored(self) -> Handoff:
        return Handoff.model_validate(self.model_dump(mode="json"))


class HandoffOut(Model):
    case: Case
    session: ChatSessionOut
    customer_token: str = Field(description="chat-session token for the customer's widget to continue in the session")
    replayed: bool = False


class ChatAvailability(Model):
    """Whether the chat takes conversations now; when not, the widget says why and takes a message
    (``POST /web/cases``) that becomes a case."""

    open: bool
    reason: Literal["open", "outside_business_hours", "no_agent_available"]
