"""The problem services as the container wires them, against moto: the real cases service behind
the ``Cases`` port (the use cases themselves run on fakes in tests/unit/test_problem_service.py)."""

from __future__ import annotations

import pytest

from functions.cases.models import Actor, ActorType, Channel
from tests.fakes.mail import FakeMailer
from tests.fakes.problems import FakeEscalationStarter

AGENT = Actor(type=ActorType.AGENT, id="agent-1")


@pytest.fixture
def setup(aws, container):
    escalation, mailer = FakeEscalationStarter(), FakeMailer()
    container.override(escalation=escalation, mailer=mailer)
    container.departments.seed()
    return container.problems, container.cases, mailer


def _open(cases, n=1, email="ann@example.org"):
    return [
        cases.open_case(subject="Charged twice", channel=Channel.EMAIL, actor=AGENT, contact_email=email).case_id
        for _ in range(n)
    ]


def test_linking_sets_the_cases_problem_through_the_cases_service_with_an_internal_event(setup):
    service, cases, _ = setup
    (case_id,) = _open(cases)
    problem = service.create_candidate({}, [case_id], "blip")
    assert cases.get(case_id).problem_id == problem.problem_id
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


def test_escalation_path_record_fix_then_resolve_with_plain_actor_resolves_the_cases(setup):
    service, cases, mailer = setup
    ids = _open(cases, 2)
    problem = service.create_candidate({}, ids, "blip")
    service.assign_department(problem.problem_id, "finance", AGENT)
    service.record_fix(
        problem.problem_id, root_cause="double run", fix="Refunded; job fixed.", actor="department:finance"
    )
    result = service.resolve(problem.problem_id, actor="department:finance", resolve_cases=True)
    assert sorted(result.resolved_cases) == sorted(ids)
    assert {cases.get(cid).status.value for cid in ids} == {"resolved"}
    # the fix went to each customer through the case's channel (email)
    timeline = cases.view(ids[0]).timeline
    assert any(e.kind.value == "message_out" and "Refunded; job fixed." in (e.body or "") for e in timeline)
    assert len(mailer.to("ann@example.org")) == 2
    assert all("Refunded; job fixed." in m.get_body(preferencelist=("plain",)).get_content() for m in mailer.sent)


def test_a_case_without_a_contact_address_is_resolved_and_reported_as_not_informed(setup):
    service, cases, mailer = setup
    cid = cases.open_case(subject="Walk-in", channel=Channel.PHONE, actor=AGENT).case_id
    problem = service.create_candidate({}, [cid], "blip")
    service.assign_department(problem.problem_id, "finance", AGENT)
    result = service.resolve(problem.problem_id, "fixed", True, AGENT)
    assert result.resolved_cases == [cid]
    assert [s.case_id for s in result.not_informed] == [cid]
    assert cases.get(cid).status.value == "resolved"
    assert mailer.sent == []
