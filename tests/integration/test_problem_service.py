"""ProblemService's contract for detection and escalation (create_candidate, assign_department,
record_fix, resolve), against moto."""

from __future__ import annotations

import pytest

from functions.cases.models import Actor, ActorType, Channel
from functions.composition import container
from functions.core.errors import Conflict, InvalidTransition
from functions.problems.models import ProblemQuery

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
    service = ProblemService(ProblemStore(), composition.container().cases, escalation=recorder, cost_per_channel={})
    return service, composition.container().cases, recorder


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


def test_a_candidate_key_opens_one_problem_even_when_detection_retries(setup):
    # Given a candidate opened by detection under a key
    service, cases, _ = setup
    ids = _open(cases, 3)
    first = service.create_candidate({"candidate_id": "G4-1"}, ids, "Charged twice", key="lineage-1/G4-1")
    # When detection retries the same batch (its state was not saved) and hands it over again
    again = service.create_candidate({"candidate_id": "G4-1"}, ids, "Charged twice", key="lineage-1/G4-1")
    # Then it gets the same problem back, with its cases still linked, and no empty twin
    assert again.problem_id == first.problem_id
    assert [link.case_id for link in service.view(first.problem_id).links] == ids
    assert [p.problem_id for p in service.list_problems(ProblemQuery(status="candidate")).items] == [first.problem_id]
    # while another key opens another problem
    other = service.create_candidate({}, _open(cases, 1), "Other", key="lineage-1/G9-1")
    assert other.problem_id != first.problem_id


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


# -- the escalation due date: one policy, the department's, else the deployment's ----------


def _department(policy):
    from functions.problems.departments import DepartmentCreate, DepartmentStore

    return DepartmentStore().create(
        DepartmentCreate(
            department_id="legal",
            name="Legal",
            contact_email="legal@example.org",
            manager_email="gc@example.org",
            escalation_policy=policy,
        )
    )


def test_the_escalation_due_date_follows_the_departments_policy_by_priority(aws):
    from functions.problems.departments import EscalationPolicy
    from functions.problems.models import Problem

    dept = _department(EscalationPolicy(due_hours={"urgent": 1, "high": 2, "normal": 5, "low": 9}))
    problem = Problem.model_construct(problem_id="PB-1", title="x", priority="high")
    assert container().escalation.due_for(problem, dept) == 2 * 3600


def test_a_department_without_a_policy_gets_the_deployments_default(aws, monkeypatch):
    from functions.core.settings import reset_settings
    from functions.problems.models import Problem

    monkeypatch.setenv("CASEBRIDGE_ESCALATION_DUE_SECONDS", "urgent=60,high=120,normal=300,low=900")
    reset_settings()
    try:
        dept = _department(None)
        problem = Problem.model_construct(problem_id="PB-1", title="x", priority="urgent")
        assert container().escalation.due_for(problem, dept) == 60
    finally:
        monkeypatch.delenv("CASEBRIDGE_ESCALATION_DUE_SECONDS")
        reset_settings()


# -- Case.problem_id is written by the cases service ------------------------------------------


def test_linking_sets_the_cases_problem_through_the_cases_service_with_an_internal_event(setup):
    service, cases, _ = setup
    (case_id,) = _open(cases)
    problem = service.create_candidate({}, [case_id], "blip")
    event = [e for e in cases.view(case_id).timeline if e.kind.value == "fields_changed"][-1]
    assert event.changes == {"problem_id": {"from": None, "to": problem.problem_id}}
    assert event.visibility == "internal"


def test_setting_the_same_problem_again_writes_nothing(setup):
    _, cases, _ = setup
    (case_id,) = _open(cases)
    first = cases.set_problem(case_id, "PB-9", AGENT)
    assert cases.set_problem(case_id, "PB-9", AGENT).version == first.version


def test_unlinking_clears_the_cases_problem(setup):
    service, cases, _ = setup
    (case_id,) = _open(cases)
    problem = service.create_candidate({}, [case_id], "blip")
    service.unlink(problem.problem_id, case_id, AGENT)
    assert cases.get(case_id).problem_id is None
