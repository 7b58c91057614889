"""Escalation without AWS: deadline policy, answers, mails, pages, link checks, starting, the
resolver. The service runs on the shared fakes (store, workflow, mailer)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from functions.cases.models import Actor, ActorType
from functions.core import errors
from functions.problems.escalation.models import Action, Answer, Job, JobKind, Level, Policy, Task
from functions.problems.escalation.rules import execution_name
from functions.problems.escalation.service import EscalationService
from functions.problems.rules import due_seconds
from tests.fakes.escalation import FakeEscalationStore
from tests.fakes.mail import FakeMailer
from tests.fakes.workflows import FakeWorkflow

SECRET = "unit-secret"
POLICY = Policy(
    due_policy="urgent=3600,high=7200,normal=86400",
    fix_due_seconds=100,
    info_due_seconds=50,
    link_ttl_seconds=3600,
    base_url="https://support.example.org/api",
    from_address="support@example.org",
    from_name="Support",
    mail_domain="example.org",
    service_owner="owner@example.org",
)


class StandingResolver:
    """The escalation's view of the problem: ``moved_on`` says why it no longer needs the department."""

    def __init__(self) -> None:
        self.moved_on: str | None = None
        self.resolved: list[str] = []

    def standing(self, problem_id: str, department: str | None) -> str | None:
        return self.moved_on

    def resolve(self, problem_id: str, fix, actor: str, department: str) -> str | None:
        if self.moved_on:
            return self.moved_on
        self.resolved.append(problem_id)
        return None


def service() -> EscalationService:
    from functions.core import signing

    return EscalationService(
        FakeEscalationStore(),
        FakeWorkflow(),
        FakeMailer(),
        StandingResolver(),
        POLICY,
        lambda: "2026-03-01T10:00:00.000000Z",
        sign=lambda purpose, payload: signing.sign(purpose, payload, secret=SECRET),
        verify=lambda purpose, token, max_age=None: signing.verify(purpose, token, max_age=max_age, secret=SECRET),
    )


def decide_job(**over) -> Job:
    data = {
        "kind": "decide",
        "escalation_id": "PB-1-abc",
        "problem_id": "PB-1",
        "department": "finance",
        "title": "VAT <twice>",
        "task_token": "token-1",
        "level": "department",
        "recipient": "finance@example.org",
        "due_seconds": 86400,
    }
    data.update(over)
    return Job.model_validate(data)


def tokens(svc: EscalationService) -> dict[str, str]:
    from urllib.parse import unquote

    body = svc.mailer.sent[-1].get_content()
    out = {}
    for line in body.splitlines():
        if "token=" in line:
            token = unquote(line.split("token=", 1)[1])
            out[svc._verify("escalation", token)["a"]] = token
    return out


def test_due_seconds_follow_the_priority_policy():
    assert due_seconds("urgent", POLICY.due_policy) == 3600


def test_an_unknown_priority_gets_the_normal_deadline():
    assert due_seconds("whenever", POLICY.due_policy) == 86400


def test_execution_names_keep_only_characters_step_functions_allows():
    assert execution_name("PB 1/2", "x") == "PB-1-2-x"


@pytest.mark.parametrize("action", ["reject", "info"])
def test_rejecting_or_asking_needs_a_reason(action):
    with pytest.raises(ValidationError, match="reason is required"):
        Answer(action=action)


def test_delivering_the_fix_needs_root_cause_and_fix():
    with pytest.raises(ValidationError, match="root_cause and fix"):
        Answer(action="deliver", root_cause="x")


def test_a_decide_job_mails_one_link_per_action_to_the_recipient():
    svc = service()
    svc.handle_job(decide_job())
    mail = svc.mailer.sent[-1]
    assert mail["To"] == "finance@example.org"
    assert set(tokens(svc)) == {"accept", "reject", "info"}
    assert "1 day" in mail.get_content()


def test_an_escalated_job_says_so_in_the_subject():
    svc = service()
    svc.handle_job(decide_job(level="manager", recipient="cfo@example.org"))
    assert svc.mailer.sent[-1]["Subject"].startswith("ESCALATED: ")


def test_an_information_job_mails_nobody_and_waits_for_the_agents():
    svc = service()
    svc.handle_job(decide_job(kind="info", recipient=None, level=None, question="Which runs?"))
    assert svc.mailer.sent == []
    assert svc.escalation("PB-1", "PB-1-abc").current_task_id in svc.store.tasks


def test_acting_on_a_link_answers_the_task_with_the_action_and_reason():
    svc = service()
    svc.handle_job(decide_job())
    svc.act(tokens(svc)["reject"], {"reason": "Not ours"})
    assert svc.workflow.answered == [
        ("token-1", {"action": "reject", "reason": "Not ours", "by": "department (signed link)"})
    ]


def test_a_link_whose_nonce_is_not_the_tasks_is_forbidden():
    from functions.core import signing

    svc = service()
    svc.handle_job(decide_job())
    task_id = next(iter(svc.store.tasks))
    token = signing.sign("escalation", {"t": task_id, "a": "accept", "n": "guessed"}, secret=SECRET)
    with pytest.raises(errors.Forbidden):
        svc.act(token, {})


def test_a_link_to_an_unknown_task_is_forbidden():
    from functions.core import signing

    svc = service()
    token = signing.sign("escalation", {"t": "nope", "a": "accept", "n": "x"}, secret=SECRET)
    with pytest.raises(errors.Forbidden):
        svc.inspect(token)


def test_a_token_for_another_purpose_is_unauthorized():
    from functions.core import signing

    svc = service()
    svc.handle_job(decide_job())
    task_id = next(iter(svc.store.tasks))
    token = signing.sign("portal", {"t": task_id, "a": "accept", "n": "x"}, secret=SECRET)
    with pytest.raises(errors.Unauthorized):
        svc.inspect(token)


def test_an_aws_failure_while_answering_releases_the_link():
    svc = service()
    svc.handle_job(decide_job())

    def boom(token, output):
        raise RuntimeError("throttled")

    svc.workflow.succeed = boom
    with pytest.raises(RuntimeError):
        svc.act(tokens(svc)["accept"], {})
    assert next(iter(svc.store.tasks.values())).used_nonce is None


def test_a_task_the_workflow_no_longer_waits_for_spends_the_link():
    # Given a task whose deadline passed (the workflow escalated it)
    svc = service()
    svc.handle_job(decide_job())
    svc.workflow.gone.add("token-1")
    token = tokens(svc)["accept"]
    # When the department confirms its link
    with pytest.raises(errors.Conflict, match="no longer open"):
        svc.act(token, {})
    # Then the link is spent: it cannot be used again
    with pytest.raises(errors.Conflict, match="already used"):
        svc.act(token, {})


def test_a_redelivered_job_mails_once_and_keeps_its_links():
    svc = service()
    svc.handle_job(decide_job())
    first = tokens(svc)
    svc.handle_job(decide_job())
    assert len(svc.mailer.sent) == 1
    svc.act(first["accept"], {})
    assert svc.workflow.answered[0][1]["action"] == "accept"


def test_a_failed_mail_is_sent_again_when_the_job_is_retried():
    svc = service()
    svc.mailer.fail_with = RuntimeError("SES throttled")
    with pytest.raises(RuntimeError):
        svc.handle_job(decide_job())
    svc.mailer.fail_with = None
    svc.handle_job(decide_job())
    assert len(svc.mailer.sent) == 1


# -- a problem that moved on (issue 15: a stale department link overwrote the agent's decision) ---


def test_a_link_of_a_problem_resolved_meanwhile_answers_no_longer_needed_and_changes_nothing():
    from functions.problems.escalation.models import NoLongerNeeded

    # Given a department request whose problem an agent resolved afterwards
    svc = service()
    svc.handle_job(decide_job())
    token = tokens(svc)["accept"]
    svc.resolver.moved_on = "the problem was resolved"
    # When the department opens or confirms its link
    with pytest.raises(NoLongerNeeded, match="no longer needed"):
        svc.inspect(token)
    with pytest.raises(NoLongerNeeded):
        svc.act(token, {})
    # Then the workflow is not answered and the link is not spent
    assert svc.workflow.answered == []
    assert next(iter(svc.store.tasks.values())).used_nonce is None


def test_the_agents_api_cannot_answer_for_a_problem_that_moved_on():
    from functions.problems.escalation.models import AnswerIn, NoLongerNeeded

    svc = service()
    svc.handle_job(decide_job())
    svc.resolver.moved_on = "the problem was reassigned to another department"
    with pytest.raises(NoLongerNeeded):
        svc.answer_current("PB-1", "PB-1-abc", "ann", AnswerIn(action=Action.ACCEPT))
    assert svc.workflow.answered == []


def test_a_link_of_a_stopped_escalation_says_why_it_was_stopped():
    from functions.problems.escalation.models import NoLongerNeeded

    svc = service()
    svc.handle_job(decide_job())
    token = tokens(svc)["accept"]
    svc.store.mark_cancelled("PB-1", "PB-1-abc", "the problem was dismissed", "now")
    with pytest.raises(NoLongerNeeded, match="dismissed"):
        svc.inspect(token)


def test_a_request_for_a_problem_that_moved_on_is_not_mailed_and_its_execution_stops():
    svc = service()
    svc.workflow.started.append(("PB-1-abc", {}))
    svc.resolver.moved_on = "the problem was closed"
    # When the state machine's job arrives after the problem was closed
    svc.handle_job(decide_job())
    # Then no mail goes out and the execution is stopped with the reason, not retried
    assert svc.mailer.sent == []
    assert svc.workflow.stopped == [("PB-1-abc", "the problem was closed")]
    assert svc.escalation("PB-1", "PB-1-abc").status == "cancelled"


def test_a_delivered_fix_for_a_problem_an_agent_resolved_is_not_applied_and_not_an_error():
    svc = service()
    svc.resolver.moved_on = "the problem was resolved"
    job = Job.model_validate(
        {
            "kind": "resolve",
            "escalation_id": "PB-1-abc",
            "problem_id": "PB-1",
            "department": "finance",
            "fix": {"root_cause": "rc", "fix": "fx"},
        }
    )
    svc.handle_job(job)  # no exception: the batch is not retried
    view = svc.escalation("PB-1", "PB-1-abc")
    assert (view.status, view.resolved, view.reason) == ("cancelled", False, "the problem was resolved")


def test_stopping_a_problems_escalations_stops_the_running_ones_once():
    from functions.problems.escalation.api_models import EscalationView

    svc = service()
    for esc, status in (("PB-1-a", "accepted"), ("PB-1-b", "rejected"), ("PB-1-c", "awaiting_department")):
        svc.workflow.started.append((esc, {}))
        svc.store.views[("PB-1", esc)] = EscalationView(problem_id="PB-1", escalation_id=esc, status=status)
    assert svc.stop_for_problem("PB-1", "the problem was resolved") == ["PB-1-a", "PB-1-c"]
    assert svc.stop_for_problem("PB-1", "the problem was resolved") == []
    assert [name for name, _ in svc.workflow.stopped] == ["PB-1-a", "PB-1-c"]
    assert svc.escalation("PB-1", "PB-1-b").status == "rejected"


def test_assigning_another_department_stops_the_running_escalation_first():
    svc = service()
    first = svc.start(_problem(), _department())
    svc.store.views[("PB-7", first)] = svc.store._view("PB-7", first).model_copy(update={"status": "accepted"})
    second = svc.start(_problem(department_id="finance"), _department(department_id="finance"))
    assert svc.workflow.stopped == [(first, "the problem was reassigned to finance")]
    assert [name for name, _ in svc.workflow.started] == [first, second]


def test_the_resolver_keeps_an_agents_resolution_and_writes_no_article():
    from functions.problems.escalation.adapters import ProblemResolver
    from functions.problems.escalation.models import Fix
    from functions.problems.models import ProblemIn
    from tests.fakes.problems import problem_services

    # Given a problem an agent resolved with their own root cause and fix
    world = problem_services()
    case = world.cases.open("VAT charged twice")
    problem = world.problems.create(ProblemIn(title="VAT twice", case_ids=[case.case_id]), AGENT)
    world.problems.assign_department(problem.problem_id, "finance", AGENT)
    world.problems.record_fix(problem.problem_id, root_cause="agent's cause", fix="agent's fix", actor=AGENT)
    world.problems.resolve(problem.problem_id, resolve_cases=True, actor=AGENT)
    before = world.problems.get(problem.problem_id)
    articles = dict(world.knowledge.articles)
    # When the department's stale fix arrives
    resolver = ProblemResolver(lambda: world.problems)
    why = resolver.resolve(problem.problem_id, Fix(root_cause="dept", fix="dept fix"), "department:finance", "finance")
    # Then nothing changes and the reason is given
    assert why == "the problem was resolved"
    after = world.problems.get(problem.problem_id)
    assert (after.root_cause, after.permanent_fix, after.version) == ("agent's cause", "agent's fix", before.version)
    assert world.knowledge.articles == articles
    assert resolver.standing(problem.problem_id, "finance") == "the problem was resolved"


def test_the_resolver_sees_a_reassigned_problem():
    from functions.problems.escalation.adapters import ProblemResolver
    from functions.problems.models import ProblemIn
    from tests.fakes.problems import problem_services

    world = problem_services()
    problem = world.problems.create(ProblemIn(title="VAT twice"), AGENT)
    world.problems.assign_department(problem.problem_id, "finance", AGENT)
    resolver = ProblemResolver(lambda: world.problems)
    assert resolver.standing(problem.problem_id, "finance") is None
    assert resolver.standing(problem.problem_id, "logistics") == "the problem was reassigned to another department"
    assert resolver.standing("PB-404", "finance") == "the problem no longer exists"


def _problem(**over):
    from functions.problems.models import Problem

    data = {
        "problem_id": "PB-7",
        "title": "Bad batch",
        "priority": "high",
        "created_by": {"type": "agent", "id": "ann"},
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Problem.model_validate(data | over)


def _department(**over):
    from functions.problems.models import Department

    data = {
        "department_id": "manufacturing",
        "name": "Manufacturing",
        "contact_email": "mf@example.org",
        "manager_email": "mf-boss@example.org",
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Department.model_validate(data | over)


NOW = datetime(2026, 3, 1, tzinfo=UTC)
AGENT = Actor(type=ActorType.AGENT, id="ann")


def test_starting_uses_the_departments_contacts_and_its_policy_by_priority():
    svc = service()
    policy = {"due_hours": {"urgent": 1, "high": 2, "normal": 5, "low": 9}}
    escalation_id = svc.start(_problem(), _department(escalation_policy=policy))
    name, payload = svc.workflow.started[0]
    assert name == escalation_id and escalation_id.startswith("PB-7-")
    assert (payload["contact"], payload["manager"], payload["service_owner"]) == (
        "mf@example.org",
        "mf-boss@example.org",
        "owner@example.org",
    )
    assert payload["due_seconds"] == 7200


def test_the_escalation_due_date_follows_the_departments_policy_by_priority():
    policy = {"due_hours": {"urgent": 1, "high": 2, "normal": 5, "low": 9}}
    assert service().due_for(_problem(priority="high"), _department(escalation_policy=policy)) == 2 * 3600


def test_a_department_without_a_policy_gets_the_deployments_default():
    assert service().due_for(_problem(priority="urgent"), _department(escalation_policy=None)) == 3600


def test_the_deployments_default_policy_comes_from_the_settings():
    from functions.composition import Container
    from functions.core.settings import Settings

    settings = Settings.from_env({"CASEBRIDGE_ESCALATION_DUE_SECONDS": "urgent=60,high=120,normal=300,low=900"})
    escalation = Container(settings).escalation
    assert escalation.due_for(_problem(priority="urgent"), _department(escalation_policy=None)) == 60


def test_the_confirmation_page_escapes_what_it_shows():
    from functions.problems.escalation import pages

    task = Task(
        task_id="t",
        escalation_id="e",
        problem_id="<b>PB</b>",
        kind=JobKind.DECIDE,
        level=Level.DEPARTMENT,
        task_token="x",
        created_at="now",
    )
    page = pages.confirm(task, Action.REJECT, 'tok"en')
    assert "<b>PB</b>" not in page and "&lt;b&gt;PB&lt;/b&gt;" in page
    assert 'value="tok&quot;en"' in page


def test_the_resolver_records_the_fix_then_resolves_the_problem_and_its_cases():
    from functions.problems.escalation.adapters import ProblemResolver
    from functions.problems.escalation.models import Fix

    calls = []
    fake = SimpleNamespace(
        get=lambda pid: SimpleNamespace(
            status=SimpleNamespace(value="fix_in_progress"), permanent_fix=None, department_id="finance"
        ),
        record_fix=lambda pid, root_cause, fix, actor: calls.append(("record_fix", pid, root_cause, fix)),
        resolve=lambda pid, resolve_cases, actor: calls.append(("resolve", pid, resolve_cases)),
        update_knowledge=lambda pid, actor: calls.append(("update_knowledge", pid)),
    )
    ProblemResolver(lambda: fake).resolve("PB-1", Fix(root_cause="rc", fix="fx"), "department:finance", "finance")
    assert calls == [("record_fix", "PB-1", "rc", "fx"), ("resolve", "PB-1", True), ("update_knowledge", "PB-1")]


def test_the_resolver_does_not_resolve_twice_for_the_same_fix():
    from functions.problems.escalation.adapters import ProblemResolver
    from functions.problems.escalation.models import Fix

    calls = []
    fake = SimpleNamespace(
        get=lambda pid: SimpleNamespace(
            status=SimpleNamespace(value="resolved"), permanent_fix="fx", department_id="finance"
        ),
        record_fix=lambda pid, root_cause, fix, actor: calls.append(("record_fix", pid)),
        resolve=lambda pid, resolve_cases, actor: calls.append(("resolve", pid)),
        update_knowledge=lambda pid, actor: calls.append(("update_knowledge", pid)),
    )
    ProblemResolver(lambda: fake).resolve("PB-1", Fix(root_cause="rc", fix="fx"), "department:finance", "finance")
    assert calls == [("update_knowledge", "PB-1")]


def test_the_resolver_resolves_the_problem_its_cases_and_puts_the_fix_into_the_knowledge_base():
    from functions.problems.escalation.adapters import ProblemResolver
    from functions.problems.escalation.models import Fix
    from functions.problems.models import ProblemIn
    from tests.fakes.problems import problem_services

    # Given a problem assigned to finance with a linked case
    world = problem_services()
    case = world.cases.open("VAT charged twice")
    problem = world.problems.create(ProblemIn(title="Invoices double-charge VAT", case_ids=[case.case_id]), AGENT)
    world.problems.assign_department(problem.problem_id, "finance", AGENT)
    # When the department's fix is delivered
    fix = Fix(root_cause="VAT applied twice", fix="Rate table fixed")
    ProblemResolver(lambda: world.problems).resolve(problem.problem_id, fix, "department:finance", "finance")
    # Then the problem is resolved with the fix, the customer told, and an article carries the fix
    resolved = world.problems.get(problem.problem_id)
    assert (resolved.status.value, resolved.root_cause, resolved.permanent_fix) == (
        "resolved",
        "VAT applied twice",
        "Rate table fixed",
    )
    assert world.cases.get(case.case_id).status.value == "resolved"
    assert world.cases.sent == [(case.case_id, "Rate table fixed")]
    assert world.knowledge.articles[resolved.article_id].resolution == "Rate table fixed"


def test_a_redelivered_resolve_changes_nothing_more():
    from functions.problems.escalation.adapters import ProblemResolver
    from functions.problems.escalation.models import Fix
    from functions.problems.models import ProblemIn
    from tests.fakes.problems import problem_services

    world = problem_services()
    case = world.cases.open("VAT charged twice")
    problem = world.problems.create(ProblemIn(title="VAT twice", case_ids=[case.case_id]), AGENT)
    world.problems.assign_department(problem.problem_id, "finance", AGENT)
    resolver = ProblemResolver(lambda: world.problems)
    fix = Fix(root_cause="VAT applied twice", fix="Rate table fixed")
    resolver.resolve(problem.problem_id, fix, "department:finance", "finance")
    before = world.problems.get(problem.problem_id)
    # When the same resolve job is handled again (a retried batch)
    resolver.resolve(problem.problem_id, fix, "department:finance", "finance")
    # Then nothing is written: one resolution, one article, one message to the customer
    after = world.problems.get(problem.problem_id)
    assert (after.version, after.article_id) == (before.version, before.article_id)
    assert len(world.knowledge.articles) == 1 and len(world.cases.sent) == 1
