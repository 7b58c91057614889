"""Bulk changes of cases as jobs (functions/cases/actions) on the in-memory fakes: selection by ids
or by a filter across pages, each case with its own version check, conflicts retried or reported,
redelivered steps counted once, Idempotency-Key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from functions.cases.actions import rules
from functions.cases.actions.models import CHUNK_SIZE, BulkIn, BulkUpdate, JobStatus, JobStep
from functions.cases.actions.service import BulkActions
from functions.cases.models import Actor, ActorType, Case, CaseStatus, CaseUpdate, Channel, Priority
from functions.cases.service import CaseService
from functions.core.errors import Conflict, InvalidTransition, NotFound
from tests.fakes.case_jobs import FakeJobQueue, FakeJobStore
from tests.fakes.cases import FakeCaseStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = Actor(type=ActorType.AGENT, id="alice")
OTHER = Actor(type=ActorType.AGENT, id="bob")


class FakeProblemLinks:
    def __init__(self, cases: CaseService, taken: set[str] | None = None) -> None:
        self.cases = cases
        self.taken = taken or set()  # cases linked to another problem
        self.linked: list[tuple[str, str]] = []

    def link_case(self, problem_id: str, case_id: str, actor: Actor) -> None:
        if problem_id == "PB-404":
            raise NotFound("problem", problem_id)
        if case_id in self.taken:
            raise Conflict(f"cases already linked to another problem: {case_id}")
        self.linked.append((problem_id, case_id))
        self.cases.set_problem(case_id, problem_id, actor)


class Interfering:
    """The case service, with another agent changing a case right before the bulk job's write."""

    def __init__(self, cases: CaseService, times: int = 1, change: CaseUpdate | None = None) -> None:
        self.cases = cases
        self.times = times
        self.change = change  # default: the priority flips between urgent and high
        self.interfered = 0

    def get(self, case_id: str) -> Case:
        return self.cases.get(case_id)

    def list_cases(self, q: Any) -> Any:
        return self.cases.list_cases(q)

    def update(self, case_id: str, agent: Actor, change: CaseUpdate, if_match: int | None = None) -> Case:
        if self.interfered < self.times:
            self.interfered += 1
            current = self.cases.get(case_id)
            flip = Priority.HIGH if current.priority is Priority.URGENT else Priority.URGENT
            theirs = self.change or CaseUpdate(priority=flip)
            self.cases.update(case_id, OTHER, theirs.model_copy(update={"version": current.version}))
        return self.cases.update(case_id, agent, change, if_match)


class World:
    def __init__(self, cases: Any = None) -> None:
        self.store = FakeCaseStore()
        self.cases = CaseService(self.store, clock=lambda: T0)
        self.problems = FakeProblemLinks(self.cases)
        self.jobs = FakeJobStore()
        self.queue = FakeJobQueue()
        self.bulk = BulkActions(cases or self.cases, self.problems, self.jobs, self.queue, lambda: T0)

    def open(self, n: int = 1, **over: Any) -> list[str]:
        ids = []
        for i in range(n):
            data: dict[str, Any] = {"subject": f"case {i}", "channel": Channel.EMAIL, "actor": AGENT} | over
            ids.append(self.cases.open_case(**data).case_id)
        return ids

    def run(self) -> None:
        """Hand every queued step to the consumer until the queue is empty."""
        while steps := self.queue.take():
            for step in steps:
                self.bulk.handle(step)

    def submit(self, key: str | None = None, **body: Any) -> str:
        return self.bulk.submit(BulkIn.model_validate(body), AGENT, key).job_id


@pytest.fixture
def world() -> World:
    return World()


def test_a_bulk_change_by_ids_changes_every_case_in_chunks_and_reports_done(world):
    ids = world.open(CHUNK_SIZE + 5)
    job_id = world.submit(case_ids=ids, update={"status": "pending_customer", "priority": "high"})
    assert world.bulk.view(job_id).status is JobStatus.QUEUED
    world.run()
    job = world.bulk.view(job_id)
    assert (job.status, job.total, job.chunks, job.changed, job.failed, job.done) == (
        JobStatus.DONE,
        CHUNK_SIZE + 5,
        2,
        CHUNK_SIZE + 5,
        0,
        CHUNK_SIZE + 5,
    )
    assert {(c.status, c.priority) for c in map(world.cases.get, ids)} == {(CaseStatus.PENDING_CUSTOMER, Priority.HIGH)}


def test_a_filter_selects_every_matching_case_across_pages_even_as_the_change_moves_them_out(world):
    # Given five new email cases and two chat cases
    mail = world.open(5)
    chat = world.open(2, channel=Channel.CHAT)
    world.bulk.PAGE = 2  # the list answers two cases a page
    # When every new email case is moved to open (which takes it out of the filter's status)
    job_id = world.submit(filter={"status": "new", "channel": "email"}, update={"status": "open"})
    world.run()
    # Then all five changed, across three pages, and the chat cases did not
    assert world.bulk.view(job_id).changed == 5
    assert {world.cases.get(c).status for c in mail} == {CaseStatus.OPEN}
    assert {world.cases.get(c).status for c in chat} == {CaseStatus.NEW}


def test_tags_are_added_and_removed_on_each_case_s_own_tags(world):
    a, b = world.open(2)
    world.cases.update(a, OTHER, CaseUpdate(tags=["vip", "billing"]))
    world.submit(case_ids=[a, b], update={"add_tags": ["refund"], "remove_tags": ["billing"]})
    world.run()
    assert world.cases.get(a).tags == ["vip", "refund"] and world.cases.get(b).tags == ["refund"]


def test_a_conflict_is_retried_on_the_fresh_version_and_keeps_the_other_agent_s_change():
    world = World()
    world.bulk.cases = Interfering(world.cases, times=2)
    [case_id] = world.open()
    job_id = world.submit(case_ids=[case_id], update={"assignee": "carol"})
    world.run()
    case = world.cases.get(case_id)
    assert (case.assignee, case.priority) == ("carol", Priority.HIGH)  # both changes, none overwritten
    assert world.bulk.view(job_id).changed == 1


def test_a_change_that_no_longer_applies_after_a_conflict_is_reported_with_its_reason():
    world = World()
    # another agent closes the case just before the bulk change would move it to pending_department
    world.bulk.cases = Interfering(world.cases, change=CaseUpdate(status=CaseStatus.CLOSED))
    [case_id] = world.open()
    job_id = world.submit(case_ids=[case_id], update={"status": "pending_department"})
    world.run()
    job = world.bulk.view(job_id)
    assert (job.status, job.failed, job.changed) == (JobStatus.DONE, 1, 0)
    assert job.failures[0].case_id == case_id and job.failures[0].error == "invalid_transition"
    assert world.cases.get(case_id).status is CaseStatus.CLOSED


def test_a_case_that_keeps_changing_is_reported_not_overwritten():
    world = World()
    world.bulk.cases = Interfering(world.cases, times=99)
    [case_id] = world.open()
    job_id = world.submit(case_ids=[case_id], update={"priority": "low"})
    world.run()
    [failure] = world.bulk.view(job_id).failures
    assert failure.error == "conflict" and world.cases.get(case_id).priority is not Priority.LOW


def test_unknown_cases_and_refused_problem_links_are_failures_the_others_change(world):
    ok, taken = world.open(2)
    world.problems.taken.add(taken)
    job_id = world.submit(case_ids=[ok, "CB-404", taken], update={"problem_id": "PB-7"})
    world.run()
    job = world.bulk.view(job_id)
    assert (job.changed, job.failed) == (1, 2)
    assert {(f.case_id, f.error) for f in job.failures} == {("CB-404", "not_found"), (taken, "conflict")}
    assert world.problems.linked == [("PB-7", ok)] and world.cases.get(ok).problem_id == "PB-7"


def test_a_case_already_as_asked_counts_as_unchanged(world):
    a, b = world.open(2)
    world.cases.update(a, OTHER, CaseUpdate(priority=Priority.HIGH))
    job_id = world.submit(case_ids=[a, b], update={"priority": "high"})
    world.run()
    job = world.bulk.view(job_id)
    assert (job.changed, job.unchanged, job.status) == (1, 1, JobStatus.DONE)


def test_redelivered_steps_change_and_count_each_case_once(world):
    ids = world.open(CHUNK_SIZE + 1)
    job_id = world.submit(case_ids=ids, update={"add_tags": ["x"]})
    [select] = world.queue.take()
    world.bulk.handle(select)
    world.bulk.handle(select)  # SQS delivered the first step twice: its chunks are queued twice
    steps = world.queue.take()
    assert len(steps) == 4
    for step in steps:
        world.bulk.handle(step)
    job = world.bulk.view(job_id)
    assert (job.total, job.changed, job.unchanged, job.status) == (CHUNK_SIZE + 1, CHUNK_SIZE + 1, 0, JobStatus.DONE)
    assert all(world.cases.get(c).tags == ["x"] for c in ids)


def test_the_same_idempotency_key_and_body_answer_the_same_job_another_body_is_a_conflict(world):
    ids = world.open(2)
    first = world.submit("k-1", case_ids=ids, update={"priority": "high"})
    assert world.submit("k-1", case_ids=ids, update={"priority": "high"}) == first
    with pytest.raises(Conflict):
        world.submit("k-1", case_ids=ids, update={"priority": "low"})
    assert world.submit("k-2", case_ids=ids, update={"priority": "high"}) != first


def test_a_first_step_the_queue_refused_is_queued_again_by_the_retry_with_the_same_key(world):
    ids = world.open(1)
    world.queue.fail_next = 1
    with pytest.raises(RuntimeError):
        world.submit("k-1", case_ids=ids, update={"priority": "high"})
    job_id = world.submit("k-1", case_ids=ids, update={"priority": "high"})
    world.run()
    assert world.bulk.view(job_id).changed == 1


def test_an_empty_selection_is_done_at_once(world):
    job_id = world.submit(filter={"status": "pending_department"}, update={"priority": "high"})
    world.run()
    job = world.bulk.view(job_id)
    assert (job.status, job.total, job.chunks) == (JobStatus.DONE, 0, 0)


@pytest.mark.parametrize(
    ("body", "wrong"),
    [
        ({"update": {"priority": "high"}}, "either case_ids or filter"),
        ({"case_ids": ["CB-1"], "filter": {}, "update": {"priority": "high"}}, "either case_ids or filter"),
        ({"case_ids": ["CB-1"], "update": {}}, "changes nothing"),
        ({"case_ids": ["CB-1"], "update": {"assignee": "a", "unassign": True}}, "not both"),
        ({"case_ids": ["CB-1"], "update": {"add_tags": ["a"], "remove_tags": ["a"]}}, "both added and removed"),
        ({"filter": {"cursor": "abc"}, "update": {"priority": "high"}}, "leave out cursor"),
    ],
)
def test_a_request_that_selects_or_changes_nothing_clearly_is_refused(body, wrong):
    with pytest.raises(ValueError, match=wrong):
        BulkIn.model_validate(body)


def test_the_change_for_a_case_is_what_it_still_lacks():
    case = Case(
        case_id="CB-1",
        subject="s",
        channel=Channel.EMAIL,
        status=CaseStatus.CLOSED,
        assignee="alice",
        tags=["a"],
        created_at=T0,
        updated_at=T0,
        version=4,
    )
    assert rules.change_for(case, BulkUpdate(assignee="alice", add_tags=["a"])) is None
    change = rules.change_for(case, BulkUpdate(unassign=True, add_tags=["b"], comment="tidy"))
    assert change == CaseUpdate(unassign=True, tags=["a", "b"], version=4, comment="tidy")
    with pytest.raises(InvalidTransition):
        rules.change_for(case, BulkUpdate(status=CaseStatus.OPEN))


def test_chunks_keep_each_id_once_in_order():
    assert rules.chunks(["a", "b", "a", "c"], 2) == [["a", "b"], ["c"]]
    assert rules.chunks([], 2) == []


def test_a_malformed_chunk_step_fails():
    world = World()
    with pytest.raises(ValueError):
        world.bulk.handle(JobStep(job_id="JB-1", step="chunk"))
