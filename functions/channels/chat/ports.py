"""The ports of the chat: what ``service.ChatService`` receives.

The chat store (``store.ChatStore``) and what the chat needs of the case service (functions.cases),
wired in ``functions.composition``; the idempotency store is functions.core's ``IdempotencyPort``.
In-memory fakes: ``tests/fakes/channels.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from functions.cases.models import Actor, Case, CaseContext, Channel, EventKind, Message, TimelineEvent
from functions.channels.chat.models import ChatMessage, ChatSession, Role, TranscriptMailState


class ChatStorePort(Protocol):
    """Chat sessions and their turns (``store.ChatStore``). Turns of a session get seq 1, 2, 3 ...
    without gaps; a retried client message id is stored once; an ended session takes no turns."""

    def create(self, session: ChatSession) -> None:
        """Conflict when the session exists."""
        ...

    def find(self, session_id: str) -> ChatSession | None: ...

    def get(self, session_id: str) -> ChatSession:
        """NotFound when there is no such session."""
        ...

    def end(self, session_id: str, *, by: Role, reason: str | None, at: datetime) -> tuple[ChatSession, bool]:
        """(session, True) when this call ended it, (session, False) when it had ended already."""
        ...

    def mark_transcript_recorded(self, session_id: str, *, mail_due: bool = False) -> None:
        """The transcript is on the case. With ``mail_due`` its mail becomes ``pending`` (unless it
        has a state already) and the session stays among the ``ending`` ones until the mail settles."""
        ...

    def claim_transcript_mail(self, session_id: str, at: datetime) -> int | None:
        """Claim the pending transcript mail for one send (``pending`` -> ``sending``): the attempt's
        number, or None when it is not pending (sent, being sent, failed, or not due)."""
        ...

    def settle_transcript_mail(self, session_id: str, state: TranscriptMailState) -> None:
        """The claimed send's outcome (from ``sending``): ``sent``, ``failed``, or ``pending`` again
        (a transient failure, tried again by the sweep). Out of ``ending`` unless pending."""
        ...

    def typing(self, session_id: str, role: Role, at: datetime) -> bool:
        """Note that ``role`` is typing; False when the session is not active."""
        ...

    def append(
        self,
        session_id: str,
        *,
        role: Role,
        client_message_id: str,
        text: str,
        at: datetime,
        author_id: str | None = None,
        author_name: str | None = None,
        max_messages: int = 2000,
    ) -> tuple[ChatMessage, bool]:
        """(the turn, True), or (the earlier turn, False) for a retried client id. Conflict when the
        session has ended or is full, NotFound when there is no such session."""
        ...

    def messages(self, session_id: str, after: int = 0, limit: int = 100) -> list[ChatMessage]: ...
    def all_messages(self, session_id: str) -> list[ChatMessage]: ...

    def active(self, limit: int = 50, cursor: str | None = None) -> tuple[list[ChatSession], str | None]:
        """Live sessions, longest waiting first, and the cursor of the next page."""
        ...

    def idle_since(self, cutoff: datetime, limit: int = 200) -> list[ChatSession]:
        """Live sessions without a turn since ``cutoff`` (may be stale: ``end_idle`` rechecks)."""
        ...

    def ending(self, limit: int = 200) -> list[ChatSession]:
        """Ended sessions whose transcript is not on the case yet."""
        ...

    def end_idle(self, session_id: str, *, seen_seq: int, text: str, at: datetime) -> ChatSession | None:
        """End a session with no turn after ``seen_seq``, with a last system turn ``text``, atomically;
        None when it got a turn (or ended) meanwhile."""
        ...


class CasePort(Protocol):
    """The part of the case service (functions.cases) the chat uses."""

    def get(self, case_id: str) -> Case: ...
    def find_case_for_message_ids(self, ids: list[str]) -> str | None: ...

    def open_case(
        self,
        *,
        subject: str,
        channel: Channel,
        actor: Actor,
        description: str = "",
        contact_email: str | None = None,
        contact_name: str | None = None,
        contact_phone: str | None = None,
        customer_id: str | None = None,
        product: str | None = None,
        language: str | None = None,
        context: CaseContext | None = None,
        pointers: list[str] | None = None,
        extra_events: list[tuple[EventKind, dict[str, Any]]] | None = None,
    ) -> Case:
        """Duplicate (nothing written) when a pointer is already known."""
        ...

    def add_inbound(
        self, case_id: str, message: Message, actor: Actor, pointers: list[str] | None = None
    ) -> tuple[Case, TimelineEvent]:
        """Duplicate when a pointer is already known; Conflict when the case is closed."""
        ...

    def add_event(
        self,
        case_id: str,
        kind: EventKind,
        actor: Actor,
        *,
        body: str | None = None,
        message: Message | None = None,
        data: dict[str, Any] | None = None,
        visibility: str = "public",
        pointers: list[str] | None = None,
    ) -> TimelineEvent:
        """Duplicate when a pointer is already known."""
        ...


class AgentAvailability(Protocol):
    """Is any agent available to take a chat now? (The agents' service, wired in
    ``functions.composition``: an agent whose availability is on and who was seen recently.)"""

    def __call__(self) -> bool: ...


class TranscriptMail(Protocol):
    """Mails the customer a text about their case from the support address (the email channel's
    ``CaseLinkMailer``: SES, or the local stack's SMTP inbox); returns the mail's Message-ID."""

    def send_case_mail(self, case_id: str, *, to: str, subject: str, body: str) -> str | None: ...


class StartLimit(Protocol):
    """May this client (IP, None when unknown) and address start one more chat? None: yes; else the
    seconds until they may (the contact form's rate counters, wired in ``functions.composition``)."""

    def __call__(self, client: str | None, email: str) -> int | None: ...


class BusinessHours(Protocol):
    """Is the chat within its business hours at ``at``? (The SLA calendar named by ``chat_calendar_id``.)"""

    def __call__(self, at: datetime) -> bool: ...
