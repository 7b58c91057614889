"""What the self-service service receives: its stores (fixes, public answers, deflection events),
the search index (``functions.search.port.SearchIndex``), and what it needs of cases and knowledge.
``tests/fakes/selfservice.py`` implements the stores in memory."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from functions.cases.models import Actor, CaseView, EventKind, Message, TimelineEvent
from functions.knowledge.scrub import Scrubber
from functions.selfservice.models import DeflectionEvent, Fix, FixPage, PublicAnswer


class KnownIssue(Protocol):
    """An active public notice as customers see it (functions.notify.models.PublicNotice)."""

    notice_id: str
    title: str
    body: str
    updated_at: datetime


class FixStorePort(Protocol):
    """The automated-fix catalogue."""

    def get(self, fix_id: str) -> Fix:
        """NotFound for an unknown fix."""
        ...

    def list_fixes(self, limit: int = 100, cursor: str | None = None) -> FixPage:
        """Fixes by id, one page."""
        ...

    def create(self, fix: Fix) -> None:
        """Duplicate when the id exists."""
        ...

    def save(self, fix: Fix, expected_version: int) -> None:
        """Replace the fix if it is still at ``expected_version``; VersionConflict otherwise."""
        ...

    def delete(self, fix_id: str) -> None:
        """NotFound for an unknown fix."""
        ...


class AnswerStorePort(Protocol):
    """Public answers: scrubbed copies of solved cases."""

    def get(self, answer_id: str) -> PublicAnswer:
        """NotFound for an unknown answer."""
        ...

    def put(self, answer: PublicAnswer) -> None: ...

    def delete(self, answer_id: str) -> bool:
        """False when there was no such answer."""
        ...


class EventStorePort(Protocol):
    """Deflection events (analytics)."""

    def record(self, events: list[DeflectionEvent], received_at: datetime, source: str) -> int:
        """Write every event; how many were written."""
        ...

    def session(self, session_id: str, limit: int = 500) -> list[dict[str, Any]]:
        """One session's events, oldest first."""
        ...


class CaseEvents(Protocol):
    """The part of the case service self-service uses: a note on the case's timeline."""

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
        counts_as_interaction: bool = False,
    ) -> TimelineEvent: ...


class CaseKnowledge(Protocol):
    """The part of the knowledge service self-service uses: a case's whole view and the scrubber
    that knows its people."""

    def case_view(self, case_id: str) -> CaseView: ...
    def scrubber_for(self, view: CaseView) -> Scrubber: ...


class KnownIssues(Protocol):
    """The active public notices (the notices service's ``public_active``), newest first."""

    def __call__(self) -> list[Any]: ...


class ArticleTitles(Protocol):
    """The articles customers are served, most recently published first: (article_id, title)."""

    def __call__(self, limit: int) -> list[tuple[str, str]]: ...
