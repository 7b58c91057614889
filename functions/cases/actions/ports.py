"""What the actions on many cases need: the case service, the problems' links, the jobs' store
and the queue their steps travel on."""

from __future__ import annotations

from typing import Protocol

from functions.cases.actions.models import BulkJob, Failure, JobStep, Outcome
from functions.cases.models import Actor, Case, CasePage, CaseQuery, CaseUpdate


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
