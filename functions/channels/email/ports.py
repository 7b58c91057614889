"""The ports of the email channel: what ``service.EmailIntake`` receives.

Its own stores (``store.MailStore``, ``store.InboundLog``), the mail sender (``adapters.SesMailer``),
and what it needs of other domains: the case service (functions.cases) and the customer
directory (functions.customers). The in-memory fakes are in ``tests/fakes/channels.py`` and
``tests/fakes/mail.py``.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any, Protocol

from functions.cases.models import Actor, Case, CaseContext, Channel, EventKind, Message, TimelineEvent
from functions.channels.email.models import InboundPage, InboundRecord, Outcome, SentMail
from functions.customers.models import ContactRef


class Mailer(Protocol):
    """Sends one composed mail (``compose.compose``). Raises when the provider refuses it."""

    def send(self, message: EmailMessage) -> SentMail: ...


class MailStorePort(Protocol):
    """Raw mail and the quarantine (in the mail bucket), extracted attachments (attachments bucket)."""

    @property
    def mail_bucket(self) -> str: ...

    def put_raw(self, raw: bytes) -> str:
        """Keep a received mail's bytes; returns their key in the mail bucket."""
        ...

    def get(self, bucket: str, key: str) -> bytes:
        """The bytes at ``bucket``/``key``; NotFound when there is no such object (or bucket)."""
        ...

    def quarantine(self, inbound_id: str, data: bytes, suffix: str = ".eml") -> str:
        """Keep what could not be processed; returns its key in the mail bucket."""
        ...

    def put_attachment(self, inbound_id: str, index: int, filename: str, data: bytes, content_type: str) -> str: ...


class InboundLogPort(Protocol):
    """Every mail received and what became of it (one record per inbound id, replaced on a retry)."""

    def put(self, record: InboundRecord) -> None: ...
    def find(self, inbound_id: str) -> InboundRecord | None: ...

    def get(self, inbound_id: str) -> InboundRecord:
        """NotFound when there is no such record."""
        ...

    def list(self, outcome: Outcome | None = None, limit: int = 50, cursor: str | None = None) -> InboundPage:
        """Newest first; ``next_cursor`` continues the listing."""
        ...

    def ack_due(self, key: str) -> None:
        """The mail whose message key is ``key`` is to be acknowledged (unless a state is recorded already)."""
        ...

    def claim_ack(self, key: str) -> bool:
        """Claim sending the acknowledgement of the mail: False when one is being sent or was sent
        (at most once); one that is due or failed may be claimed."""
        ...

    def ack_done(self, key: str, *, sent: bool, skipped: bool = False) -> None:
        """The claimed acknowledgement went out (``sent``), or failed and may be claimed again, or is
        not to be sent after all (``skipped``: over the address's limit)."""
        ...

    def ack_state(self, key: str) -> str | None:
        """``due``, ``sending``, ``sent``, ``failed``, ``skipped``, or None (none due: refused, or a threaded mail)."""
        ...


class ContactDirectory(Protocol):
    """Who a sender is: their contact record, or the customer owning their mail domain."""

    def contact_by_email(self, email: str) -> ContactRef | None: ...
    def customer_by_domain(self, domain: str) -> str | None: ...


class CasePort(Protocol):
    """The part of the case service (functions.cases) the intake uses."""

    def get(self, case_id: str) -> Case: ...
    def find_case_for_message_ids(self, ids: list[str]) -> str | None:
        """The case the ids belong to (for a merged case: the case it was merged into)."""
        ...

    def surviving(self, case_id: str) -> Case:
        """The case, or the case it was merged into; NotFound."""
        ...

    def open_case(
        self,
        *,
        subject: str,
        channel: Channel,
        actor: Actor,
        message: Message | None = None,
        contact_email: str | None = None,
        contact_name: str | None = None,
        context: CaseContext | None = None,
        pointers: list[str] | None = None,
        extra_events: list[tuple[EventKind, dict[str, Any]]] | None = None,
        declared_language: str | None = None,
    ) -> Case:
        """Duplicate (nothing written) when a pointer is already known. ``declared_language``: the
        case's language when the contact's is not known."""
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
    ) -> TimelineEvent: ...
