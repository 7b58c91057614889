"""In-memory fakes of the bulk jobs' ports (functions/cases/actions/ports.py), behaving as the
production parts do where it matters: a job is created once (``Duplicate``); ``start`` moves a job
from queued to running once; an outcome is recorded once with its count; the queue keeps what was
sent, and can lose a send (``fail_next``) as SQS can refuse one. ``FakeTimelineMoves``: the moves
of merge and split over a ``FakeCaseStore``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from functions.cases.actions.models import BulkJob, Failure, JobStatus, JobStep, Outcome
from functions.cases.models import Case, TimelineEvent
from functions.core.errors import Duplicate, NotFound, VersionConflict
from tests.fakes.cases import FakeCaseStore


class FakeJobStore:
    def __init__(self) -> None:
        self.jobs: dict[str, BulkJob] = {}
        self.chunks: dict[tuple[str, int], list[str]] = {}
        self.outcome: dict[tuple[str, str], tuple[Outcome, Failure | None]] = {}

    def create(self, job: BulkJob) -> None:
        if job.job_id in self.jobs:
            raise Duplicate(f"job {job.job_id} already exists")
        self.jobs[job.job_id] = job.model_copy(deep=True)

    def get(self, job_id: str) -> BulkJob:
        if job_id not in self.jobs:
            raise NotFound("job", job_id)
        return self.jobs[job_id].model_copy(deep=True)

    def start(self, job_id: str, chunks: list[list[str]], truncated: bool) -> bool:
        for n, ids in enumerate(chunks):
            self.chunks[(job_id, n)] = list(ids)
        job = self.jobs[job_id]
        if job.status is not JobStatus.QUEUED:
            return False
        total = sum(len(c) for c in chunks)
        self.jobs[job_id] = job.model_copy(
            update={"status": JobStatus.RUNNING, "total": total, "chunks": len(chunks), "truncated": truncated}
        )
        return True

    def chunk(self, job_id: str, chunk: int) -> list[str]:
        if (job_id, chunk) not in self.chunks:
            raise NotFound("job chunk", f"{job_id}/{chunk}")
        return list(self.chunks[(job_id, chunk)])

    def outcomes(self, job_id: str, case_ids: list[str]) -> set[str]:
        return {cid for cid in case_ids if (job_id, cid) in self.outcome}

    def record(self, job_id: str, case_id: str, outcome: Outcome, error: Failure | None = None) -> bool:
        if (job_id, case_id) in self.outcome:
            return False
        self.outcome[(job_id, case_id)] = (outcome, error)
        job = self.jobs[job_id]
        self.jobs[job_id] = job.model_copy(update={outcome.value: getattr(job, outcome.value) + 1})
        return True

    def finish_if_complete(self, job_id: str, at: str) -> bool:
        job = self.jobs[job_id]
        if job.status is not JobStatus.RUNNING or job.total is None:
            return False
        if job.changed + job.unchanged + job.failed < job.total:
            return False
        finished = datetime.fromisoformat(at)
        self.jobs[job_id] = job.model_copy(update={"status": JobStatus.DONE, "finished_at": finished})
        return True

    def failures(self, job_id: str, limit: int = 1000) -> list[Failure]:
        found = [f for (jid, _), (o, f) in sorted(self.outcome.items()) if jid == job_id and f is not None]
        return found[:limit]


@dataclass
class FakeJobQueue:
    sent: list[JobStep] = field(default_factory=list)
    fail_next: int = 0  # sends refused from now on

    def send(self, steps: list[JobStep]) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("the queue refused the steps")
        self.sent += steps

    def take(self) -> list[JobStep]:
        out, self.sent = self.sent, []
        return out


class FakeTimelineMoves:
    """``TimelineMoves`` over a ``FakeCaseStore``'s dicts: the pair of cases written at once or
    not at all, events put and deleted, pointers moved only from the case they point at."""

    def __init__(self, store: FakeCaseStore) -> None:
        self.store = store
        self.fail_copy = False  # the copy of events stops (a consumer dying half-way)

    def events(self, case_id: str) -> list[TimelineEvent]:
        return sorted(
            (e.model_copy(deep=True) for e in self.store.events.get(case_id, {}).values()), key=lambda e: e.event_id
        )

    def save_both(
        self,
        first: Case,
        first_expected: int,
        first_events: list[TimelineEvent],
        second: Case,
        second_expected: int,
        second_events: list[TimelineEvent],
    ) -> None:
        for case, expected in ((first, first_expected), (second, second_expected)):
            current = self.store.cases.get(case.case_id)
            if current is None or current.version != expected:
                raise VersionConflict("case", case.case_id, expected, current.version if current else None)
        self.store.save(first, first_expected, first_events)
        self.store.save(second, second_expected, second_events)

    def copy_events(self, events: list[TimelineEvent]) -> None:
        if self.fail_copy:
            self.fail_copy = False
            raise RuntimeError("stopped half-way")
        for event in events:
            self.store.events.setdefault(event.case_id, {})[event.event_id] = event.model_copy(deep=True)

    def delete_events(self, case_id: str, event_ids: list[str]) -> None:
        for event_id in event_ids:
            self.store.events.get(case_id, {}).pop(event_id, None)

    def repoint(self, keys: list[str], from_case: str, to_case: str) -> list[str]:
        moved = []
        for key in dict.fromkeys(keys):
            pointer = self.store.pointers.get(key)
            if pointer is not None and pointer["case_id"] == from_case:
                pointer["case_id"] = to_case
                moved.append(key)
        return moved
