"""The escalation state machine executed for real in moto, driven through its jobs handler and links.

moto runs ``stepfunctions/escalation.asl.json`` (as provisioned, with the same substitutions as
the CDK stack); the jobs it queues are read from the moto queue and handed to the Chalice handler
through ``chalice.test.Client``; the mails go to a fake mailer (tests/fakes/mail.py).
"""

from __future__ import annotations

import email
import json
import re
import time
from collections.abc import Iterator
from urllib.parse import quote, unquote, urlencode

import pytest

from functions.composition import container
from tests.fakes.mail import FakeMailer
from tests.fakes.workflows import executing_stack

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LINK = re.compile(r"http://127\.0\.0\.1:8000/escalations/act\?token=(\S+)")


@pytest.fixture
def sfn_aws() -> Iterator[dict]:
    from functions import composition

    composition.reset()
    with executing_stack("escalation") as out:
        container().override(mailer=FakeMailer())
        yield out


@pytest.fixture
def client(sfn_aws: dict) -> Iterator:
    from chalice.test import Client

    from app import app

    with Client(app) as c:
        yield c


# -- helpers ------------------------------------------------------------------------------


def _problem_with_finance(problem_id: str = "PB-100001") -> None:
    """Given: the problem the escalations below are for, assigned to finance (written as data; its
    assignment's own escalation is not started)."""
    from datetime import UTC, datetime

    from functions.core import errors
    from functions.problems.models import Problem, ProblemStatus

    store = container().problem_store
    try:
        store.get(problem_id)
    except errors.NotFound:
        now = datetime.now(UTC)
        problem = Problem(
            problem_id=problem_id,
            title="Invoices double-charge VAT",
            status=ProblemStatus.ROOT_CAUSE_ANALYSIS,
            department_id="finance",
            created_by={"type": "agent", "id": "ann"},
            created_at=now,
            updated_at=now,
        )
        store.create(problem, [], [])


def start(sfn_aws: dict, *, due: int = 60, fix_due: int = 60, info_due: int = 60) -> str:
    from functions.problems.escalation.models import EscalationInput

    _problem_with_finance()
    escalation_id = f"PB-100001-{time.monotonic_ns()}"
    container().escalation.start_input(
        EscalationInput(
            problem_id="PB-100001",
            escalation_id=escalation_id,
            title="Invoices double-charge VAT",
            department="finance",
            contact="finance@example.org",
            manager="cfo@example.org",
            service_owner="owner@example.org",
            due_seconds=due,
            fix_due_seconds=fix_due,
            info_due_seconds=info_due,
        )
    )
    return escalation_id


def next_job(sfn_aws: dict, escalation_id: str, timeout: float = 15.0, *, key: str = "escalation_id") -> dict:
    """The next job of this execution (executions of earlier tests may still be winding down)."""
    import boto3

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sfn_aws["queues"]["escalation-jobs"]["url"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            job = json.loads(message["Body"])
            if job[key] == escalation_id:
                return job
        time.sleep(0.05)
    raise AssertionError("the state machine queued no job")


def run_job(client, job: dict) -> None:
    event = client.events.generate_sqs_event(
        queue_name="casebridge-test-escalation-jobs", message_bodies=[json.dumps(job)]
    )
    resp = client.lambda_.invoke("handle_escalation_jobs", event)
    assert resp.payload == {"batchItemFailures": [], "processed": 1}, resp.payload


def sent_mails() -> list[email.message.EmailMessage]:
    return container().mailer.sent


def links(mail) -> list[str]:
    return [unquote(t) for t in LINK.findall(mail.get_content())]


def link_for(mail, action: str) -> str:
    from functions.core.signing import verify

    for token in links(mail):
        if verify("escalation", token)["a"] == action:
            return token
    raise AssertionError(f"no {action} link in the mail: {mail['To']} {mail['Subject']} {links(mail)}")


def execution(sfn_aws: dict, escalation_id: str, timeout: float = 15.0) -> dict:
    import boto3

    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = sfn_aws["state_machines"]["escalation"].replace(":stateMachine:", ":execution:") + f":{escalation_id}"
    deadline = time.monotonic() + timeout
    while True:
        desc = sfn.describe_execution(executionArn=arn)
        if desc["status"] != "RUNNING" or time.monotonic() > deadline:
            return desc
        time.sleep(0.05)


def escalation(client, agent_headers: dict, escalation_id: str) -> dict:
    resp = client.http.get(f"/problems/PB-100001/escalations/{escalation_id}", headers=agent_headers)
    assert resp.status_code == 200, resp.body
    return resp.json_body


def submit(client, token: str, **fields: str):
    return client.http.post("/escalations/act", headers=FORM, body=urlencode({"token": token, **fields}))


def wait_status(client, agent_headers: dict, escalation_id: str, status: str, timeout: float = 15.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        view = escalation(client, agent_headers, escalation_id)
        if view["status"] == status or time.monotonic() > deadline:
            return view
        time.sleep(0.05)


def decide_mail(client, sfn_aws: dict, **start_kw: int) -> tuple[str, email.message.EmailMessage]:
    escalation_id = start(sfn_aws, **start_kw)
    job = next_job(sfn_aws, escalation_id)
    run_job(client, job)
    return escalation_id, sent_mails()[-1]


# -- the paths of the workflow ---------------------------------------------------------


def test_assignment_mails_the_department_contact_three_signed_links(client, sfn_aws):
    # Given a problem assigned to finance / When the workflow starts and its job is handled
    _, mail = decide_mail(client, sfn_aws)
    # Then the contact gets accept, reject and ask-for-information links
    assert mail["To"] == "finance@example.org"
    assert "Invoices double-charge VAT" in mail["Subject"]
    from functions.core.signing import verify

    assert sorted(verify("escalation", t)["a"] for t in links(mail)) == ["accept", "info", "reject"]


def test_accepting_by_link_marks_the_escalation_accepted_and_asks_for_the_fix(client, sfn_aws, agent_headers):
    escalation_id, mail = decide_mail(client, sfn_aws)
    # When the department confirms the accept link
    resp = submit(client, link_for(mail, "accept"))
    assert resp.status_code == 200, resp.body
    # Then the workflow records the acceptance and queues the fix request for the department
    fix_job = next_job(sfn_aws, escalation_id)
    assert fix_job["kind"] == "fix"
    assert fix_job["recipient"] == "finance@example.org"
    assert escalation(client, agent_headers, escalation_id)["status"] == "accepted"


class RecordingResolver:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def standing(self, problem_id, department) -> None:
        return None

    def resolve(self, problem_id, fix, actor, department) -> None:
        self.calls.append((problem_id, fix.root_cause, fix.fix))


def test_delivering_the_fix_by_link_resolves_the_escalation(client, sfn_aws, agent_headers):
    resolver = RecordingResolver()
    container().override(escalation_resolver=resolver)
    escalation_id, mail = decide_mail(client, sfn_aws)
    submit(client, link_for(mail, "accept"))
    run_job(client, next_job(sfn_aws, escalation_id))
    fix_mail = sent_mails()[-1]
    # When the department records root cause and fix through the fix link
    resp = submit(client, link_for(fix_mail, "deliver"), root_cause="VAT applied twice", fix="Rate table fixed")
    assert resp.status_code == 200, resp.body
    # Then the workflow queues the resolution and ends; the handler resolves the problem
    resolve_job = next_job(sfn_aws, escalation_id)
    assert resolve_job["kind"] == "resolve"
    assert resolve_job["fix"]["root_cause"] == "VAT applied twice"
    run_job(client, resolve_job)
    assert resolver.calls == [("PB-100001", "VAT applied twice", "Rate table fixed")]
    assert execution(sfn_aws, escalation_id)["status"] == "SUCCEEDED"
    view = escalation(client, agent_headers, escalation_id)
    assert (view["status"], view["fix"], view["resolved"]) == ("fix_delivered", "Rate table fixed", True)


def test_rejecting_by_link_records_the_reason_and_ends_the_workflow(client, sfn_aws, agent_headers):
    escalation_id, mail = decide_mail(client, sfn_aws)
    resp = submit(client, link_for(mail, "reject"), reason="Not a billing issue: the ERP export")
    assert resp.status_code == 200, resp.body
    assert execution(sfn_aws, escalation_id)["status"] == "SUCCEEDED"
    view = escalation(client, agent_headers, escalation_id)
    assert (view["status"], view["reason"]) == ("rejected", "Not a billing issue: the ERP export")


def test_asking_for_information_waits_for_the_agents_then_asks_the_department_again(client, sfn_aws, agent_headers):
    escalation_id, mail = decide_mail(client, sfn_aws)
    # When the department asks a question
    submit(client, link_for(mail, "info"), reason="Which invoice runs?")
    run_job(client, next_job(sfn_aws, escalation_id))
    assert wait_status(client, agent_headers, escalation_id, "info_requested")["question"] == "Which invoice runs?"
    # And an agent answers it through the API
    resp = client.http.post(
        f"/problems/PB-100001/escalations/{escalation_id}/answer",
        headers=agent_headers,
        body=json.dumps({"action": "answer", "answer": "The runs of 1 and 2 March"}),
    )
    assert resp.status_code == 200, resp.body
    # Then the department is asked again, with the answer in the mail
    again = next_job(sfn_aws, escalation_id)
    assert (again["kind"], again["info"]["answer"]) == ("decide", "The runs of 1 and 2 March")
    run_job(client, again)
    assert "The runs of 1 and 2 March" in sent_mails()[-1].get_content()


def test_no_answer_in_time_escalates_to_the_manager_then_the_service_owner(client, sfn_aws, agent_headers):
    escalation_id = start(sfn_aws, due=1)
    # When nobody answers: the department's, the manager's and the service owner's deadlines pass
    recipients = []
    for _ in range(3):
        job = next_job(sfn_aws, escalation_id)
        run_job(client, job)
        recipients.append((job["level"], sent_mails()[-1]["To"]))
    # Then each level was mailed in turn, and the escalation ends unanswered
    assert recipients == [
        ("department", "finance@example.org"),
        ("manager", "cfo@example.org"),
        ("service_owner", "owner@example.org"),
    ]
    assert execution(sfn_aws, escalation_id)["status"] == "SUCCEEDED"
    assert escalation(client, agent_headers, escalation_id)["status"] == "unanswered"


def test_the_manager_can_accept_after_the_escalation(client, sfn_aws, agent_headers):
    escalation_id = start(sfn_aws, due=1)
    run_job(client, next_job(sfn_aws, escalation_id))  # department: never answers
    manager_job = next_job(sfn_aws, escalation_id)
    run_job(client, manager_job)
    manager_mail = sent_mails()[-1]
    assert "ESCALATED" in manager_mail["Subject"]
    resp = submit(client, link_for(manager_mail, "accept"))
    assert resp.status_code == 200, resp.body
    assert next_job(sfn_aws, escalation_id)["kind"] == "fix"


def test_the_department_can_answer_through_the_agents_api(client, sfn_aws, agent_headers):
    escalation_id, _ = decide_mail(client, sfn_aws)
    resp = client.http.post(
        f"/problems/PB-100001/escalations/{escalation_id}/answer",
        headers=agent_headers,
        body=json.dumps({"action": "reject", "reason": "Duplicate of PB-100000"}),
    )
    assert resp.status_code == 200, resp.body
    assert execution(sfn_aws, escalation_id)["status"] == "SUCCEEDED"
    assert escalation(client, agent_headers, escalation_id)["status"] == "rejected"


def test_the_api_refuses_an_action_the_open_request_does_not_take(client, sfn_aws, agent_headers):
    escalation_id, _ = decide_mail(client, sfn_aws)
    resp = client.http.post(
        f"/problems/PB-100001/escalations/{escalation_id}/answer",
        headers=agent_headers,
        body=json.dumps({"action": "deliver", "root_cause": "x", "fix": "y"}),
    )
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"] == [{"field": "action"}]


# -- links: GET never acts; forged, expired, foreign, replayed ----------------------------


def test_opening_a_link_shows_a_confirmation_form_and_does_not_act(client, sfn_aws, agent_headers):
    escalation_id, mail = decide_mail(client, sfn_aws)
    token = link_for(mail, "reject")
    resp = client.http.get(f"/escalations/act?token={quote(token)}")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    page = resp.body.decode()
    assert '<form method=post action="act">' in page and "name=reason" in page
    assert execution(sfn_aws, escalation_id, timeout=0)["status"] == "RUNNING"
    assert escalation(client, agent_headers, escalation_id)["status"] == "awaiting_department"


def test_a_replayed_link_answers_409_with_an_already_used_page(client, sfn_aws):
    _, mail = decide_mail(client, sfn_aws)
    token = link_for(mail, "accept")
    assert submit(client, token).status_code == 200
    replay = submit(client, token)
    assert replay.status_code == 409
    assert "already used" in replay.body.decode()


def test_another_link_of_an_answered_request_is_refused_409(client, sfn_aws):
    _, mail = decide_mail(client, sfn_aws)
    assert submit(client, link_for(mail, "accept")).status_code == 200
    assert submit(client, link_for(mail, "reject"), reason="changed my mind").status_code == 409


def test_a_tampered_link_is_refused_401(client, sfn_aws):
    _, mail = decide_mail(client, sfn_aws)
    token = link_for(mail, "accept")
    i = len(token) // 2  # a byte of the encrypted payload
    forged = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
    assert submit(client, forged).status_code == 401
    assert client.http.get(f"/escalations/act?token={quote(forged)}").status_code == 401


def test_a_link_signed_with_another_secret_is_refused_401(client, sfn_aws):
    from functions.core.signing import sign, verify

    _, mail = decide_mail(client, sfn_aws)
    forged = sign("escalation", verify("escalation", link_for(mail, "accept")), secret="attacker-secret")
    assert submit(client, forged).status_code == 401


def test_an_expired_link_is_refused_403(client, sfn_aws):
    from functions.core import signing

    _, mail = decide_mail(client, sfn_aws)
    payload = signing.verify("escalation", link_for(mail, "accept"))
    # the same link, issued 15 days ago (links live 14 days)
    token = signing.sign("escalation", payload, issued_at=int(time.time()) - 15 * 24 * 3600)
    resp = submit(client, token)
    assert resp.status_code == 403
    assert "expired" in resp.body.decode()


def test_a_link_for_another_task_is_refused_403(client, sfn_aws):
    from functions.core.signing import sign, verify

    _, first = decide_mail(client, sfn_aws)
    _, second = decide_mail(client, sfn_aws)
    mine = verify("escalation", link_for(first, "accept"))
    other = verify("escalation", link_for(second, "accept"))
    # a validly signed link naming the other task with this task's nonce (e.g. minted by a bug or a leak)
    crossed = sign("escalation", {**mine, "t": other["t"]})
    assert submit(client, crossed).status_code == 403


def test_rejecting_without_a_reason_is_refused_and_the_link_still_works(client, sfn_aws):
    _, mail = decide_mail(client, sfn_aws)
    token = link_for(mail, "reject")
    assert submit(client, token).status_code == 400
    assert submit(client, token, reason="Belongs to fulfilment").status_code == 200


# -- with the problems service ---------------------------------------------------------------


def _finance() -> None:
    from functions.problems.models import DepartmentCreate

    container().departments.create(
        DepartmentCreate(
            department_id="finance",
            name="Finance",
            contact_email="finance@example.org",
            manager_email="cfo@example.org",
        )
    )


def deliver_fix(client, sfn_aws: dict, problems, problem_id: str) -> dict:
    """Assign to finance, accept by link, deliver the fix by link, run the resolve job; returns it."""
    problems.assign_department(problem_id, "finance", "agent:ann")
    job = next_job(sfn_aws, problem_id, key="problem_id")
    assert job["recipient"] == "finance@example.org"
    run_job(client, job)
    assert submit(client, link_for(sent_mails()[-1], "accept")).status_code == 200
    run_job(client, next_job(sfn_aws, job["escalation_id"]))
    fix_link = link_for(sent_mails()[-1], "deliver")
    assert submit(client, fix_link, root_cause="VAT applied twice", fix="Rate table fixed").status_code == 200
    resolve_job = next_job(sfn_aws, job["escalation_id"])
    run_job(client, resolve_job)
    return resolve_job


def _case(subject: str = "Charged VAT twice") -> str:
    from functions import composition
    from functions.cases.models import Actor, ActorType, Channel

    agent = Actor(type=ActorType.AGENT, id="ann")
    return composition.container().cases.open_case(subject=subject, channel=Channel.WEB, actor=agent).case_id


def test_assigning_a_problem_escalates_it_and_the_delivered_fix_resolves_the_problem(client, sfn_aws):
    from functions import composition
    from functions.problems.models import ProblemIn
    from functions.problems.rules import SYSTEM

    # Given a department and a confirmed problem
    _finance()
    problems = composition.container().problems
    problem = problems.create(ProblemIn(title="Invoices double-charge VAT"), SYSTEM)
    # When it is assigned to the department, which accepts and later delivers the fix
    deliver_fix(client, sfn_aws, problems, problem.problem_id)
    # Then the problem is resolved with the department's root cause and fix
    resolved = problems.get(problem.problem_id)
    assert (resolved.status.value, resolved.root_cause, resolved.permanent_fix) == (
        "resolved",
        "VAT applied twice",
        "Rate table fixed",
    )


def test_the_delivered_fix_creates_a_knowledge_article_in_review_and_says_so_on_the_timeline(client, sfn_aws):
    from functions import composition
    from functions.problems.models import ProblemIn
    from functions.problems.rules import SYSTEM

    # Given a problem with a linked case and no article anywhere
    _finance()
    problems = composition.container().problems
    case_id = _case()
    problem = problems.create(ProblemIn(title="Invoices double-charge VAT", case_ids=[case_id]), SYSTEM)
    # When the department delivers the fix through the workflow
    deliver_fix(client, sfn_aws, problems, problem.problem_id)
    # Then a new article carries the fix, waiting for a reviewer, and the problem points to it
    view = problems.view(problem.problem_id)
    article = container().knowledge.view(view.article_id)
    assert (article.status.value, article.content.cause, article.content.resolution) == (
        "in_review",
        "VAT applied twice",
        "Rate table fixed",
    )
    assert article.source_cases == [case_id]
    event = next(e for e in view.timeline if e.kind.value == "knowledge_updated")
    assert (event.data["article_id"], event.data["action"]) == (view.article_id, "created")
    assert composition.container().cases.get(case_id).status.value == "resolved"


def test_the_delivered_fix_updates_the_article_that_helped_the_linked_cases(client, sfn_aws):
    from functions import composition
    from functions.cases.models import Actor, ActorType, EventKind
    from functions.knowledge.models import ArticleIn
    from functions.problems.models import ProblemIn
    from functions.problems.rules import SYSTEM

    # Given a workaround article that helped a case linked to the problem
    _finance()
    kb = container().knowledge
    workaround = kb.create("ann", ArticleIn(title="VAT charged twice", resolution="Credit the VAT by hand"))
    case_id = _case()
    composition.container().cases.add_event(
        case_id,
        EventKind.NOTE,
        Actor(type=ActorType.AGENT, id="ann"),
        data={"knowledge": {"article_id": workaround.article_id, "relation": "helped"}},
        visibility="internal",
    )
    problems = composition.container().problems
    problem = problems.create(ProblemIn(title="Invoices double-charge VAT", case_ids=[case_id]), SYSTEM)
    # When the department delivers the fix
    deliver_fix(client, sfn_aws, problems, problem.problem_id)
    # Then that article gets the fix as a new version; the workaround is kept, marked superseded
    assert problems.get(problem.problem_id).article_id == workaround.article_id
    article = kb.view(workaround.article_id)
    assert (article.latest_version, article.content.resolution, article.content.workaround) == (
        2,
        "Rate table fixed",
        "Credit the VAT by hand",
    )
    assert article.content.workaround_superseded and problem.problem_id in article.problem_ids


def test_a_redelivered_resolve_job_changes_nothing_more(client, sfn_aws):
    from functions import composition
    from functions.problems.models import ProblemIn
    from functions.problems.rules import SYSTEM

    _finance()
    problems = composition.container().problems
    problem = problems.create(ProblemIn(title="Invoices double-charge VAT", case_ids=[_case()]), SYSTEM)
    resolve_job = deliver_fix(client, sfn_aws, problems, problem.problem_id)
    before = problems.view(problem.problem_id)
    # When the same resolve job is handled again (a retried batch)
    run_job(client, resolve_job)
    # Then it succeeds and writes nothing: one resolution, one article
    after = problems.view(problem.problem_id)
    assert (after.version, after.article_id) == (before.version, before.article_id)


def test_a_redelivered_job_mails_the_department_once(client, sfn_aws):
    # Given the department's job, handled once (its mail sent)
    escalation_id = start(sfn_aws)
    job = next_job(sfn_aws, escalation_id)
    run_job(client, job)
    sent = len(sent_mails())
    # When the same SQS record is delivered again (the batch was retried)
    run_job(client, job)
    # Then no second mail goes out, and the first mail's links still work
    assert len(sent_mails()) == sent
    assert submit(client, link_for(sent_mails()[-1], "accept")).status_code == 200


# -- a problem that moves on (issue 15) ---------------------------------------------------


def stopped(sfn_aws: dict, job: dict) -> str:
    """The execution's status once its waiting task is woken: moto's executions notice a stop only
    when their callback wait ends (AWS ends them at once), so the test answers the task directly;
    a stopped execution then ends ABORTED without running another state."""
    import boto3

    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    try:
        sfn.send_task_success(taskToken=job["task_token"], output=json.dumps({"action": "accept", "by": "test"}))
    except sfn.exceptions.ClientError:
        pass  # no longer waiting
    return str(execution(sfn_aws, job["escalation_id"])["status"])


def test_a_stale_fix_link_after_an_agent_resolved_the_problem_changes_nothing(client, sfn_aws, agent_headers):
    from functions import composition
    from functions.problems.models import ProblemIn
    from functions.problems.rules import SYSTEM

    # Given a problem escalated to finance, accepted, its "record the fix" link mailed
    _finance()
    problems = composition.container().problems
    problem = problems.create(ProblemIn(title="Invoices double-charge VAT", case_ids=[_case()]), SYSTEM)
    problems.assign_department(problem.problem_id, "finance", "agent:ann")
    job = next_job(sfn_aws, problem.problem_id, key="problem_id")
    run_job(client, job)
    assert submit(client, link_for(sent_mails()[-1], "accept")).status_code == 200
    run_job(client, next_job(sfn_aws, job["escalation_id"]))
    fix_link = link_for(sent_mails()[-1], "deliver")
    # When an agent records their own fix and resolves the problem
    problems.record_fix(problem.problem_id, root_cause="agent's cause", fix="agent's fix", actor="agent:ann")
    problems.resolve(problem.problem_id, resolve_cases=True, actor="agent:ann")
    before = problems.view(problem.problem_id)
    # Then the department's unused link says it is no longer needed, on opening and on submitting
    opened = client.http.get(f"/escalations/act?token={quote(fix_link)}")
    assert opened.status_code == 409 and b"no longer needed" in opened.body
    resp = submit(client, fix_link, root_cause="department's cause", fix="department's fix")
    assert resp.status_code == 409 and b"no longer needed" in resp.body
    # And nothing the agent decided is replaced, no article is written from the department's text
    after = problems.view(problem.problem_id)
    assert (after.root_cause, after.permanent_fix, after.version) == ("agent's cause", "agent's fix", before.version)
    assert after.article_id == before.article_id


def test_resolving_a_problem_stops_its_escalation_through_the_problem_stream(client, sfn_aws, agent_headers):
    from functions import composition
    from functions.problems.models import ProblemIn
    from functions.problems.rules import SYSTEM
    from functions.problems.service.stream import react

    # Given a problem whose escalation waits for the department's decision
    _finance()
    problems = composition.container().problems
    problem = problems.create(ProblemIn(title="Invoices double-charge VAT"), SYSTEM)
    problems.assign_department(problem.problem_id, "finance", "agent:ann")
    job = next_job(sfn_aws, problem.problem_id, key="problem_id")
    run_job(client, job)
    accept = link_for(sent_mails()[-1], "accept")
    # When the problem is resolved and its status change reaches the stream's reactions
    problems.record_fix(problem.problem_id, root_cause="cause", fix="fix", actor="agent:ann")
    problems.resolve(problem.problem_id, resolve_cases=False, actor="agent:ann")
    react(problem.problem_id, "root_cause_analysis", "resolved", composition.container().problem_reactions())
    # Then the execution is stopped, the escalation says why, and the link changes nothing
    assert stopped(sfn_aws, job) == "ABORTED"
    view = composition.container().escalation.escalation(problem.problem_id, job["escalation_id"])
    assert (view.status, view.reason) == ("cancelled", "the problem was resolved")
    assert submit(client, accept).status_code == 409


def test_reassigning_a_problem_stops_the_first_departments_escalation(client, sfn_aws):
    from functions import composition
    from functions.problems.models import DepartmentCreate, ProblemIn
    from functions.problems.rules import SYSTEM

    # Given a problem escalated to finance, whose decide mail went out
    _finance()
    composition.container().departments.create(
        DepartmentCreate(
            department_id="billing",
            name="Billing",
            contact_email="billing@example.org",
            manager_email="billing-lead@example.org",
        )
    )
    problems = composition.container().problems
    problem = problems.create(ProblemIn(title="Invoices double-charge VAT"), SYSTEM)
    problems.assign_department(problem.problem_id, "finance", "agent:ann")
    first = next_job(sfn_aws, problem.problem_id, key="problem_id")
    run_job(client, first)
    finance_link = link_for(sent_mails()[-1], "accept")
    # When an agent assigns billing instead
    problems.assign_department(problem.problem_id, "billing", "agent:ann")
    # Then finance's execution is stopped and its link no longer acts; billing gets its own request
    resp = submit(client, finance_link)
    assert resp.status_code == 409 and b"no longer needed" in resp.body
    second = next_job(sfn_aws, problem.problem_id, key="problem_id")
    assert second["escalation_id"] != first["escalation_id"] and second["recipient"] == "billing@example.org"
    assert stopped(sfn_aws, first) == "ABORTED"
