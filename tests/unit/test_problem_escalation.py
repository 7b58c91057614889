"""Escalation rules without AWS: deadline policy, answers, mails, pages, link checks, starting."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from functions.core import errors
from functions.problems.escalation.logic import EscalationService, Policy, due_seconds, execution_name
from functions.problems.escalation.models import Action, Answer, Job, JobKind, Level, Task

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


class FakeStore:
    def __init__(self) -> None:
        self.tasks: dict[str, Task] = {}
        self.current: dict[str, str] = {}
        self.mailed: set[str] = set()

    def put_task(self, task: Task, *, expires_at: int) -> None:
        self.tasks[task.task_id] = task

    def claim_mail(self, task_id, now) -> bool:
        if task_id in self.mailed:
            return False
        self.mailed.add(task_id)
        return True

    def release_mail(self, task_id) -> None:
        self.mailed.discard(task_id)

    def set_current_task(self, problem_id, escalation_id, task, department, now) -> None:
        self.current[escalation_id] = task.task_id

    def task(self, task_id: str) -> Task:
        if task_id not in self.tasks:
            raise errors.NotFound("escalation task", task_id)
        return self.tasks[task_id]

    def claim(self, task_id, nonce, action, now) -> None:
        from functions.problems.escalation.store import AlreadyUsed

        task = self.tasks[task_id]
        if task.used_nonce:
            raise AlreadyUsed("already used")
        self.tasks[task_id] = task.model_copy(update={"used_nonce": nonce, "used_action": action})

    def release(self, task_id, nonce) -> None:
        self.tasks[task_id] = self.tasks[task_id].model_copy(update={"used_nonce": None})


class FakeWorkflow:
    def __init__(self) -> None:
        self.started: list[tuple[str, dict]] = []
        self.answers: list[tuple[str, dict]] = []

    def start(self, name, payload) -> str:
        self.started.append((name, payload))
        return name

    def answer(self, token, output) -> None:
        self.answers.append((token, output))


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list = []

    def send(self, message) -> None:
        self.sent.append(message)


def service() -> EscalationService:
    from functions.core import signing

    return EscalationService(
        FakeStore(),
        FakeWorkflow(),
        FakeMailer(),
        SimpleNamespace(resolve=lambda *a: None),
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
    assert svc.store.current["PB-1-abc"] in svc.store.tasks


def test_acting_on_a_link_answers_the_task_with_the_action_and_reason():
    svc = service()
    svc.handle_job(decide_job())
    svc.act(tokens(svc)["reject"], {"reason": "Not ours"})
    assert svc.workflow.answers == [
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

    svc.workflow.answer = boom
    with pytest.raises(RuntimeError):
        svc.act(tokens(svc)["accept"], {})
    assert next(iter(svc.store.tasks.values())).used_nonce is None


def test_starting_uses_the_departments_contacts_and_its_policy_by_priority():
    svc = service()
    policy = SimpleNamespace(hours_for=lambda p: {"high": 2}[p])
    problem = SimpleNamespace(problem_id="PB-7", title="Bad batch", priority="high")
    department = SimpleNamespace(
        department_id="manufacturing",
        contact_email="mf@example.org",
        manager_email="mf-boss@example.org",
        escalation_policy=policy,
    )
    escalation_id = svc.start(problem, department)
    name, payload = svc.workflow.started[0]
    assert name == escalation_id and escalation_id.startswith("PB-7-")
    assert (payload["contact"], payload["manager"], payload["service_owner"]) == (
        "mf@example.org",
        "mf-boss@example.org",
        "owner@example.org",
    )
    assert payload["due_seconds"] == 7200


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
    from functions.problems.escalation.models import Fix
    from functions.problems.escalation.resolve import ProblemServiceResolver

    calls = []
    fake = SimpleNamespace(
        get=lambda pid: SimpleNamespace(status=SimpleNamespace(value="fix_in_progress"), permanent_fix=None),
        record_fix=lambda pid, root_cause, fix, actor: calls.append(("record_fix", pid, root_cause, fix)),
        resolve=lambda pid, resolve_cases, actor: calls.append(("resolve", pid, resolve_cases)),
        update_knowledge=lambda pid, actor: calls.append(("update_knowledge", pid)),
    )
    ProblemServiceResolver(lambda: fake).resolve("PB-1", Fix(root_cause="rc", fix="fx"), "department:finance")
    assert calls == [("record_fix", "PB-1", "rc", "fx"), ("resolve", "PB-1", True), ("update_knowledge", "PB-1")]


def test_the_resolver_does_not_resolve_twice_for_the_same_fix():
    from functions.problems.escalation.models import Fix
    from functions.problems.escalation.resolve import ProblemServiceResolver

    calls = []
    fake = SimpleNamespace(
        get=lambda pid: SimpleNamespace(status=SimpleNamespace(value="resolved"), permanent_fix="fx"),
        record_fix=lambda pid, root_cause, fix, actor: calls.append(("record_fix", pid)),
        resolve=lambda pid, resolve_cases, actor: calls.append(("resolve", pid)),
        update_knowledge=lambda pid, actor: calls.append(("update_knowledge", pid)),
    )
    ProblemServiceResolver(lambda: fake).resolve("PB-1", Fix(root_cause="rc", fix="fx"), "department:finance")
    assert calls == [("update_knowledge", "PB-1")]
