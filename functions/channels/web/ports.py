"""The ports of the web form: what ``service.WebIntake`` receives.

The case service (functions.cases), the held-submissions log (``store.HeldSubmissions``), the
portal's link mails (``functions.portal.service.LinkMails``) and the self-service deflection
record, wired in ``functions.composition``. In-memory fakes: ``tests/fakes/channels.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol

from functions.cases.models import Actor, Case, CaseView, Channel, Message
from functions.channels.web.models import UploadedFile


class CasePort(Protocol):
    """The part of the case service the web form uses."""

    def get(self, case_id: str) -> Case: ...
    def find_case_for_message_ids(self, ids: list[str]) -> str | None: ...

    def view(
        self, case_id: str, *, public_only: bool = False, limit: int = 200, cursor: str | None = None
    ) -> CaseView: ...

    def open_case(
        self,
        *,
        subject: str,
        channel: Channel,
        actor: Actor,
        message: Message | None = None,
        description: str = "",
        contact_email: str | None = None,
        contact_name: str | None = None,
        contact_phone: str | None = None,
        category: str | None = None,
        product: str | None = None,
        model: str | None = None,
        batch: str | None = None,
        language: str | None = None,
        pointers: list[str] | None = None,
    ) -> Case:
        """Duplicate (nothing written) when a pointer is already known."""
        ...


class HeldLog(Protocol):
    """Submissions held back as likely bots (kept whole, so a person caught by mistake can be answered)."""

    def record(self, *, at: datetime, reason: str, form: dict[str, Any]) -> str: ...


class LinkSender(Protocol):
    """Mails the customer the link to their case and notes it on the case (the portal's ``LinkMails``)."""

    def send(
        self,
        case: Case,
        to: str,
        link: str,
        kind: Literal["acknowledgement", "portal_link"],
        language: str | None = None,
    ) -> Literal["sent", "failed", "pending_no_mailer"]: ...


class Deflection(Protocol):
    """Self-service analytics: the customer's self-service session went on to open this case."""

    def __call__(self, session_id: str, case_id: str) -> None: ...


class UploadStore(Protocol):
    """Customers' uploads in S3 (``store.Uploads``): presigned POSTs, and what arrived."""

    def presign(self, key: str, content_type: str, max_bytes: int, ttl_seconds: int) -> tuple[str, dict[str, str]]: ...
    def head(self, key: str) -> UploadedFile | None: ...

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store a file a page posted itself (a form without JavaScript), under ``key``."""
        ...


class RateCounter(Protocol):
    """Counts per key and window (``store.RateCounters``, DynamoDB ADD): the count after this one."""

    def hit(self, key: str, window: str, ttl_seconds: int) -> int: ...

    def peek(self, key: str, window: str) -> int: ...
