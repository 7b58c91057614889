"""The ports of the portal: what ``service.PortalService`` and ``service.LinkMails`` receive.

``CustomerMailer`` is implemented by the email channel (``functions.channels.email.adapters.
CaseLinkMailer``), the link request log by ``store.LinkRequestLog``, the case port by the case
service (functions.cases); all wired in ``functions.composition``. In-memory fakes:
``tests/fakes/channels.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol

from functions.cases.models import Actor, Attachment, Case, CaseUpdate, CaseView, EventKind, Message, TimelineEvent

LinkKind = Literal["acknowledgement", "portal_link"]


class AgentNames(Protocol):
    """The name the agents' directory gives an agent (``functions.agents``), or None when it has none."""

    def __call__(self, agent_id: str) -> str | None: ...


class CustomerMailer(Protocol):
    """Mails a customer the link to their case; returns the mail's Message-ID. In the case's stored
    language, else ``language`` (the form's or the browser's), else English."""

    def send_case_link(
        self, case: Case, *, to: str, link: str, kind: LinkKind, language: str | None = None
    ) -> str | None: ...


class LinkLog(Protocol):
    """The log of "send me a new link" requests (the address only as a hash)."""

    def record(self, *, at: datetime, case_id: str, email_sha256: str, matched: bool, delivery: str) -> None: ...


class CaseEvents(Protocol):
    """What noting a mailed link on a case needs of the case service."""

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


class CasePort(CaseEvents, Protocol):
    """The part of the case service the portal uses."""

    def get(self, case_id: str) -> Case: ...
    def update(self, case_id: str, agent: Actor, change: CaseUpdate, if_match: int | None = None) -> Case: ...

    def view(
        self, case_id: str, *, public_only: bool = False, limit: int = 200, cursor: str | None = None
    ) -> CaseView: ...

    def add_inbound(
        self, case_id: str, message: Message, actor: Actor, pointers: list[str] | None = None
    ) -> tuple[Case, TimelineEvent]:
        """Duplicate when a pointer is already known; Conflict when the case is closed."""
        ...


class KnownIssueView(Protocol):
    """A known issue (a public notice) as the case page shows it."""

    notice_id: str
    title: str
    body: str
    updated_at: datetime


class ProblemIssues(Protocol):
    """The public notices of a problem the case is linked to (the notices service), newest first."""

    def __call__(self, problem_id: str) -> list[Any]: ...


class UploadedAttachments(Protocol):
    """Files uploaded through POST /web/uploads as a message's attachments (the contact form's
    checks: each there, of an allowed type and size, at most the allowed number; else InvalidInput)."""

    def __call__(self, keys: list[str]) -> list[Attachment]: ...
