"""What the actions on many cases need: the case service, the problems' links, the jobs' store
and the queue their steps travel on."""

from __future__ import annotations

from typing import Any, Protocol

from functions.cases.actions.models import BulkJob, Failure, JobStep, MergeIn, MergeResult, Outcome
from functions.cases.models import (
    Actor,
    Case,
    CaseContext,
    CasePage,
    CaseQuery,
    CaseUpdate,
    Channel,
    EventKind,
    Priority,
    TimelineEvent,
)


class Cases(Protocol):
    """The part of the case service (functions.cases.service.CaseService) the actions use."""

    def get(self, case_id: str) -> Case:
        """NotFound."""
        ...

    def list_cases(self, q: CaseQuery) -> CasePage: ...

    def update(self, case_id: str, agent: Actor, change: CaseUpdate, if_match: int | None = None) -> Case:
        """VersionConflict when the case is not at ``change.version``; InvalidTransition."""
        ...


class ProblemLinks(Protocol):
    """Linking a case to a problem (the problems service, wired by the composition root)."""

    def link_case(self, problem_id: str, case_id: str, actor: Actor) -> None:
        """Link the case as a root cause (already linked to it: nothing). NotFound for the problem;
        Conflict when the case is linked to another problem or the problem takes no links."""
        ...


class Merger(Protocol):
    """Merging one case into another (``CaseMerging.merge``)."""

    def merge(self, case_id: str, request: MergeIn, actor: Actor, if_match: int | None = None) -> MergeResult: ...


class JobStore(Protocol):
    """Jobs, the chunks of their resolved selection, and each case's outcome (recorded once)."""

    def create(self, job: BulkJob) -> None:
        """Duplicate (and nothing written) when the job id exists."""
        ...

    def get(self, job_id: str) -> BulkJob:
        """NotFound."""
        ...

    def start(self, job_id: str, chunks: list[list[str]], truncated: bool) -> bool:
        """Write the chunks and move the job from queued to running with its total; False (the
        chunks written before stay as they were) when it was no longer queued."""
        ...

    def chunk(self, job_id: str, chunk: int) -> list[str]:
        """The case ids of one chunk; NotFound."""
        ...

    def outcomes(self, job_id: str, case_ids: list[str]) -> set[str]:
        """Which of these cases have their outcome recorded already."""
        ...

    def record(self, job_id: str, case_id: str, outcome: Outcome, error: Failure | None = None) -> bool:
        """The case's outcome and the job's count, at once and once: False when it was recorded."""
        ...

    def finish_if_complete(self, job_id: str, at: str) -> bool:
        """Mark the running job done if every selected case has an outcome; True when it did."""
        ...

    def failures(self, job_id: str, limit: int = 1000) -> list[Failure]: ...


class JobQueue(Protocol):
    def send(self, steps: list[JobStep]) -> None:
        """Queue the steps (SQS; the consumer is functions.cases.actions.handlers.handle_case_jobs)."""
        ...


class CaseOpening(Protocol):
    """The part of the case service a split uses: open the new case, note the split on the original."""

    def get(self, case_id: str) -> Case: ...

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
        priority: Priority = Priority.NORMAL,
        category: str | None = None,
        product: str | None = None,
        model: str | None = None,
        batch: str | None = None,
        language: str | None = None,
        context: CaseContext | None = None,
        extra_events: list[tuple[EventKind, dict[str, Any]]] | None = None,
    ) -> Case: ...

    def add_event(
        self,
        case_id: str,
        kind: EventKind,
        actor: Actor,
        *,
        data: dict[str, Any] | None = None,
        visibility: str = "public",
    ) -> TimelineEvent: ...


class TimelineMoves(Protocol):
    """Moves of timeline events and message pointers between cases (functions/cases/actions/store.py)."""

    def events(self, case_id: str) -> list[TimelineEvent]:
        """The case's whole timeline, oldest first."""
        ...

    def save_both(
        self,
        first: Case,
        first_expected: int,
        first_events: list[TimelineEvent],
        second: Case,
        second_expected: int,
        second_events: list[TimelineEvent],
    ) -> None:
        """Both cases (their versions already the next ones) and their events at once, each only at
        its expected version; else nothing is written and VersionConflict names the case that moved."""
        ...

    def copy_events(self, events: list[TimelineEvent]) -> None:
        """Put the events (already carrying their new case id); putting one twice changes nothing."""
        ...

    def delete_events(self, case_id: str, event_ids: list[str]) -> None: ...

    def repoint(self, keys: list[str], from_case: str, to_case: str) -> list[str]:
        """Point these message ids at ``to_case`` where they point at ``from_case``; the ones moved."""
        ...
