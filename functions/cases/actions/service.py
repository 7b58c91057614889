"""Use cases of the actions on many cases: a bulk change as a job (submit, resolve the selection,
change one chunk of cases, report)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime

from functions.cases.actions import rules
from functions.cases.actions.models import (
    CHUNK_SIZE,
    MAX_SELECTED,
    BulkIn,
    BulkJob,
    Failure,
    JobAccepted,
    JobStatus,
    JobStep,
    JobView,
    MergeIn,
    MergeResult,
    Outcome,
    SplitIn,
    SplitResult,
)
from functions.cases.actions.ports import CaseOpening, Cases, JobQueue, JobStore, Merger, ProblemLinks, TimelineMoves
from functions.cases.models import (
    Actor,
    Case,
    CaseContext,
    CaseQuery,
    CaseStatus,
    EventKind,
    TimelineEvent,
    new_event_id,
)
from functions.core.errors import Conflict, DomainError, Duplicate, NotFound, VersionConflict
from functions.core.timeutil import iso


class BulkActions:
    MAX_RETRIES = 5  # version conflicts on one case before it is reported
    PAGE = 200  # cases read per page while resolving a filter

    def __init__(
        self,
        cases: Cases,
        problems: ProblemLinks | None,
        jobs: JobStore,
        queue: JobQueue,
        clock: Callable[[], datetime],
        merger: Merger | None = None,
    ) -> None:
        self.cases = cases
        self.problems = problems
        self.jobs = jobs
        self.queue = queue
        self.clock = clock
        self.merger = merger

    # -- the API -------------------------------------------------------------------------------
    def submit(self, request: BulkIn, actor: Actor, idempotency_key: str | None = None) -> JobAccepted:
        """Record the job and queue its first step. The same Idempotency-Key (of the same agent) with
        the same body answers the same job (queued again if its first step may have been lost);
        with another body it is a Conflict."""
        fingerprint = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
        if idempotency_key:
            digest = hashlib.sha256(f"{actor.id}\n{idempotency_key}".encode()).hexdigest()
            job_id = f"JB-{digest[:20]}"
        else:
            job_id = f"JB-{secrets.token_hex(10)}"
        job = BulkJob(
            job_id=job_id,
            case_ids=request.case_ids,
            filter=request.filter,
            update=request.update,
            fingerprint=fingerprint,
            created_by=actor,
            created_at=self.clock(),
        )
        try:
            self.jobs.create(job)
        except Duplicate:
            job = self.jobs.get(job_id)
            if job.fingerprint != fingerprint:
                raise Conflict("this Idempotency-Key was used for another bulk change") from None
            if job.status is not JobStatus.QUEUED:
                return JobAccepted(job_id=job.job_id, status=job.status)
        self.queue.send([JobStep(job_id=job_id, step="select")])
        return JobAccepted(job_id=job.job_id, status=job.status)

    def view(self, job_id: str) -> JobView:
        job = self.jobs.get(job_id)
        failures = self.jobs.failures(job_id) if job.failed else []
        return JobView(**job.model_dump(), done=job.changed + job.unchanged + job.failed, failures=failures)

    # -- the queue's consumer -------------------------------------------------------------------
    def handle(self, step: JobStep) -> None:
        if step.step == "select":
            self.select(step.job_id)
        else:
            if step.chunk is None:
                raise ValueError("a chunk step names its chunk")
            self.run_chunk(step.job_id, step.chunk)

    def select(self, job_id: str) -> None:
        """Resolve the selection once (every page of a filter, before any case changes, so that the
        changes do not move cases in or out of it), store it in chunks, queue one step per chunk.
        Redelivered: the stored chunks are queued again (each case changes once all the same)."""
        job = self.jobs.get(job_id)
        if job.status is JobStatus.QUEUED:
            ids, truncated = self._selection(job)
            chunks = rules.chunks(ids, CHUNK_SIZE)
            self.jobs.start(job_id, chunks, truncated)
            job = self.jobs.get(job_id)
        if job.status is JobStatus.RUNNING and job.chunks == 0:
            self.jobs.finish_if_complete(job_id, iso(self.clock()))
            return
        if job.status is JobStatus.RUNNING:
            self.queue.send([JobStep(job_id=job_id, step="chunk", chunk=n) for n in range(job.chunks or 0)])

    def _selection(self, job: BulkJob) -> tuple[list[str], bool]:
        if job.case_ids is not None:
            return list(dict.fromkeys(job.case_ids)), False
        assert job.filter is not None
        # a span before now names one instant for the whole selection (each page read later would
        # otherwise move it)
        query = job.filter.resolved(self.clock()).model_dump(exclude={"limit", "cursor"}, exclude_none=True)
        ids: list[str] = []
        cursor: str | None = None
        while True:
            page = self.cases.list_cases(CaseQuery.model_validate({**query, "limit": self.PAGE, "cursor": cursor}))
            ids += [c.case_id for c in page.items]
            cursor = page.next_cursor
            if len(dict.fromkeys(ids)) > MAX_SELECTED:
                return list(dict.fromkeys(ids))[:MAX_SELECTED], True
            if not cursor:
                return list(dict.fromkeys(ids)), False

    def run_chunk(self, job_id: str, chunk: int) -> None:
        """Change each case of the chunk that has no outcome yet, each with its own version check,
        and record its outcome once. A redelivered chunk skips the cases it did."""
        job = self.jobs.get(job_id)
        case_ids = self.jobs.chunk(job_id, chunk)
        done = self.jobs.outcomes(job_id, case_ids)
        for case_id in case_ids:
            if case_id in done:
                continue
            outcome, failure = self._apply(job, case_id)
            self.jobs.record(job_id, case_id, outcome, failure)
        self.jobs.finish_if_complete(job_id, iso(self.clock()))

    def _apply(self, job: BulkJob, case_id: str) -> tuple[Outcome, Failure | None]:
        """Bring one case where the job asks. A version conflict is retried on the case as it is
        now, as long as the change still applies there; otherwise the reason is the outcome."""
        if job.update.merge_into is not None:
            return self._merge(job, case_id, job.update.merge_into)
        for _ in range(self.MAX_RETRIES):
            try:
                case = self.cases.get(case_id)
                change = rules.change_for(case, job.update)
                if change is not None:
                    self.cases.update(case_id, job.created_by, change)
                linked = self._link(job, case)
            except VersionConflict:
                continue
            except DomainError as exc:
                return Outcome.FAILED, Failure(case_id=case_id, error=exc.code, message=exc.message)
            return (Outcome.CHANGED if change is not None or linked else Outcome.UNCHANGED), None
        busy = f"case {case_id} kept changing while the bulk change tried it ({self.MAX_RETRIES} times)"
        return Outcome.FAILED, Failure(case_id=case_id, error="conflict", message=busy)

    def _merge(self, job: BulkJob, case_id: str, into: str) -> tuple[Outcome, Failure | None]:
        """One case of a bulk merge (the merge retries its own conflicts). The target, when the
        selection holds it, is left as it is."""
        if case_id == into:
            return Outcome.UNCHANGED, None
        try:
            if self.merger is None:
                raise Conflict("merging is not available here")
            before = self.cases.get(case_id).merged_into
            request = MergeIn(into=into, confirm_other_customer=job.update.confirm_other_customer)
            self.merger.merge(case_id, request, job.created_by)
        except DomainError as exc:
            return Outcome.FAILED, Failure(case_id=case_id, error=exc.code, message=exc.message)
        return (Outcome.UNCHANGED if before == into else Outcome.CHANGED), None

    def _link(self, job: BulkJob, case: Case) -> bool:
        problem_id = job.update.problem_id
        if problem_id is None or case.problem_id == problem_id:
            return False
        if self.problems is None:
            raise NotFound("problem", problem_id)
        self.problems.link_case(problem_id, case.case_id, job.created_by)
        return True


class CaseMerging:
    """Merge a case into another, split interactions off into a new case (docs/data-model.md)."""

    MAX_RETRIES = 5

    def __init__(
        self,
        cases: CaseOpening,
        moves: TimelineMoves,
        problems: ProblemLinks | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.cases = cases
        self.moves = moves
        self.problems = problems
        self.clock = clock

    def merge(self, case_id: str, request: MergeIn, actor: Actor, if_match: int | None = None) -> MergeResult:
        """Close ``case_id`` pointing at the target, and bring its whole timeline, tags and problem
        link there; both timelines say so. A merge stopped half-way (the two cases are written
        first, then the events copied) is finished by asking again."""
        expected = request.version if request.version is not None else if_match
        for _ in range(self.MAX_RETRIES):
            source, target = self.cases.get(case_id), self.cases.get(request.into)
            if source.merged_into == target.case_id:
                break  # done before (perhaps not the copy of its timeline): finish it
            if expected is not None and expected != source.version:
                raise VersionConflict("case", case_id, expected, source.version)
            rules.check_merge(source, target, request.confirm_other_customer)
            now = self.clock()
            timeline = self.moves.events(case_id)
            interactions = sum(1 for e in timeline if e.kind in rules.INTERACTIONS)
            closed = source.model_copy(
                update={
                    "status": CaseStatus.CLOSED,
                    "closed_at": source.closed_at or now,
                    "merged_into": target.case_id,
                    "updated_at": now,
                    "version": source.version + 1,
                }
            )
            grown = target.model_copy(
                update={
                    "tags": rules.merged_tags(target, source),
                    "interaction_count": target.interaction_count + interactions,
                    "updated_at": now,
                    "version": target.version + 1,
                }
            )
            said: dict[str, object] = {"from": source.status.value, "to": CaseStatus.CLOSED.value}
            source_event = _event(
                case_id, EventKind.MERGED_INTO, actor, now, data={"into": target.case_id}, changes={"status": said}
            )
            target_event = _event(
                target.case_id,
                EventKind.MERGED,
                actor,
                now,
                data={"merged_case_id": case_id, "events": len(timeline), "subject": source.subject},
            )
            try:
                self.moves.save_both(closed, source.version, [source_event], grown, target.version, [target_event])
            except VersionConflict as exc:
                if exc.ident == case_id and expected is not None:
                    raise
                continue  # the target (or an unversioned source) moved: again on the fresh cases
            break
        else:
            raise Conflict(f"cases {case_id} and {request.into} are too busy; try again")
        timeline = [e for e in self.moves.events(case_id) if e.kind is not EventKind.MERGED_INTO]
        self.moves.copy_events([rules.moved(e, request.into, case_id) for e in timeline])
        source, target = self.cases.get(case_id), self.cases.get(request.into)
        linked, error = self._carry_problem(source, target, actor)
        if linked:
            target = self.cases.get(request.into)
        return MergeResult(
            case=target, merged=source, moved_events=len(timeline), problem_linked=linked, problem_error=error
        )

    def _carry_problem(self, source: Case, target: Case, actor: Actor) -> tuple[str | None, str | None]:
        if not source.problem_id or target.problem_id == source.problem_id:
            return None, None
        if target.problem_id:
            return None, f"{target.case_id} is linked to problem {target.problem_id} already"
        if self.problems is None:
            return None, "problems are not available"
        try:
            self.problems.link_case(source.problem_id, target.case_id, actor)
        except DomainError as exc:
            return None, exc.message
        return source.problem_id, None

    def split(self, case_id: str, request: SplitIn, actor: Actor, if_match: int | None = None) -> SplitResult:
        """A new case for the customer with these interactions (and their message ids: replies to
        them thread there), linked to the original; both timelines say so. Nothing is lost if it
        stops half-way: the events are on the new case before they leave the original."""
        original = self.cases.get(case_id)
        expected = request.version if request.version is not None else if_match
        if expected is not None and expected != original.version:
            raise VersionConflict("case", case_id, expected, original.version)
        chosen = rules.check_split(original, self.moves.events(case_id), request.event_ids)
        ids = [e.event_id for e in chosen]
        new = self.cases.open_case(
            subject=request.subject,
            channel=original.channel,
            actor=actor,
            description="",
            contact_email=original.contact_email,
            contact_name=original.contact_name,
            contact_phone=original.contact_phone,
            customer_id=original.customer_id,
            priority=original.priority,
            category=original.category,
            product=original.product,
            model=original.model,
            batch=original.batch,
            language=original.language,
            context=CaseContext(split_from=case_id),
            extra_events=[(EventKind.SPLIT_FROM, {"data": {"original_case_id": case_id, "event_ids": ids}})],
        )
        self.moves.copy_events([rules.moved(e, new.case_id, case_id) for e in chosen])
        self.moves.repoint([k for e in chosen for k in rules.pointer_keys(e)], case_id, new.case_id)
        self.cases.add_event(
            case_id, EventKind.SPLIT, actor, data={"new_case_id": new.case_id, "event_ids": ids}, visibility="internal"
        )
        self.moves.delete_events(case_id, ids)
        return SplitResult(case=self.cases.get(new.case_id), original=self.cases.get(case_id), moved_events=len(ids))


def _event(
    case_id: str,
    kind: EventKind,
    actor: Actor,
    at: datetime,
    *,
    data: dict[str, object],
    changes: dict[str, dict[str, object]] | None = None,
) -> TimelineEvent:
    return TimelineEvent(
        event_id=new_event_id(iso(at)),
        case_id=case_id,
        at=at,
        kind=kind,
        actor=actor,
        data=data,
        changes=changes,
        visibility="internal",
    )
