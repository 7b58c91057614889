"""ProblemService's contract for detection and escalation (create_candidate, assign_department,
record_fix, resolve), against moto."""

from __future__ import annotations

import pytest

from functions.cases.models import Actor, ActorType, Channel
from functions.core.errors import Conflict, InvalidTransition

AGENT = Actor(type=ActorType.AGENT, id="agent-1")


class Recorder:
    def __init__(self) -> None:
        self.started: list[tuple[str, str, str]] = []

    def start(self, problem, department):
        self.started.append((problem.problem_id, department.department_id, problem.status.value))


@pytest.fixture
def setup(aws):
    from functions import composition
    from functions.problems.departments import seed_departments
    from functions.problems.logic import ProblemService
    from functions.problems.store import ProblemStore

    seed_departments()
    recorder = Recorder()
    service = ProblemService(ProblemStore(), composition.case_service(), escalation=recorder, cost_per_channel={})
    return service, composition.case_service(), recorder


def _open(cases, n=1, email="ann@example.org"):
    return [
        cases.open_case(subject="Charged twice", channel=Channel.EMAIL, actor=AGENT, contact_email=email).case_id
        for _ in range(n)
    ]


def test_candidate_keeps_the_evidence_and_links_cases_as_similar(setup):
    service, cases, _ = setup
    ids = _open(cases, 2)
    evidence = {"growth": {"z": 4.2}, "common_thread": [{"attribute": "batch", "value": "B7", "count": 5, "lift": 3.1}]}
    problem = service.create_candidate(evidence, ids, "Blip: charged twice", "5 cases in an hour")
    assert problem.status.value == "candidate"
    assert problem.evidence == evidence
    view = service.view(problem.problem_id)
    assert {(link.case_id, link.link_type.value) for link in view.links} == {(ids[0], "similar"), (ids[1], "similar")}
    assert cases.get(ids[0]).problem_id == problem.problem_id


def test_candidate_leaves_out_cases_already_linked_elsewhere(setup):
    service, cases, _ = setup
    taken, free = _open(cases, 2)
    first = service.create_candidate({}, [taken], "first")
    second = service.create_candidate({}, [taken, free, "CB-404"], "second")
    assert [link.case_id for link in service.view(second.problem_id).links] == [free]
    assert second.evidence["skipped_cases"] == [taken, "CB-404"]
    assert cases.get(taken).problem_id == first.problem_id


def test_assign_department_confirms_a_candidate_moves_it_to_analysis_and_starts_escalation(setup):
    service, cases, recorder = setup
    problem = service.create_candidate({}, _open(cases), "blip")
    assigned = service.assign_department(problem.problem_id, "finance", AGENT)
    assert (assigned.status.value, assigned.department_id) == ("root_cause_analysis", "finance")
    assert recorder.started == [(problem.problem_id, "finance", "root_cause_analysis")]
    kinds = [e.kind.value for e in service.view(problem.problem_id).timeline]
    assert kinds[-2:] == ["status_changed", "department_assigned"]


def test_assigning_a_dismissed_problem_is_refused(setup):
    service, cases, recorder = setup
    problem = service.create_candidate({}, _open(cases), "blip")
    from functions.problems.models import ProblemStatus, ProblemUpdate

    service.update(problem.problem_id, ProblemUpdate(status=ProblemStatus.DISMISSED), AGENT)
    with pytest.raises(Conflict):
        service.assign_department(problem.problem_id, "finance", AGENT)
    assert recorder.started == []


def test_escalation_path_record_fix_then_resolve_with_plain_actor_resolves_the_cases(setup):
    service, cases, _ = setup
    ids = _open(cases, 2)
    problem = service.create_candidate({}, ids, "blip")
    service.assign_department(problem.problem_id, "finance", AGENT)
    fixed = service.record_fix(
        problem.problem_id, root_cause="double run", fix="Refunded; job fixed.", actor="department:finance"
    )
    assert fixed.status.value == "fix_in_progress"
    result = service.resolve(problem.problem_id, actor="department:finance", resolve_cases=True)
    assert sorted(result.resolved_cases) == sorted(ids)
    assert result.problem.status.value == "resolved"
    assert {cases.get(cid).status.value for cid in ids} == {"resolved"}
    last = cases.view(ids[0]).timeline
    assert any(e.kind.value == "message_out" and "Refunded; job fixed." in (e.body or "") for e in last)


def test_resolving_twice_is_refused(setup):
    service, cases, _ = setup
    problem = service.create_candidate({}, _open(cases), "blip")
    service.assign_department(problem.problem_id, "finance", AGENT)
    service.resolve(problem.problem_id, "fixed", True, AGENT)
    with pytest.raises(InvalidTransition):
        service.resolve(problem.problem_id, "fixed", True, AGENT)


def test_a_case_without_a_contact_address_is_resolved_and_reported_as_not_informed(setup):
    service, cases, _ = setup
    cid = cases.open_case(subject="Walk-in", channel=Channel.PHONE, actor=AGENT).case_id
    problem = service.create_candidate({}, [cid], "blip")
    service.assign_department(problem.problem_id, "finance", AGENT)
    result = service.resolve(problem.problem_id, "fixed", True, AGENT)
    assert result.resolved_cases == [cid]
    assert [s.case_id for s in result.not_informed] == [cid]
    assert cases.get(cid).status.value == "resolved"
