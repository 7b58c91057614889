"""Escalation rules: the deadline policy, starting a workflow, handling its jobs, answering its tasks.

Ports (passed in): ``EscalationStore`` (table), ``Workflow`` (Step Functions), a ``Mailer``
(``send(EmailMessage)``), a ``Resolver`` (problem, linked cases, knowledge) and a clock.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from functions.core import errors

# The due-date policy lives with the departments (one place computes it); re-exported here.
from functions.problems.departments import DEFAULT_PRIORITY, due_seconds, due_seconds_for, parse_policy
from functions.problems.escalation.models import (
    ACTIONS_BY_KIND,
    Action,
    ActResult,
    Answer,
    AnswerIn,
    EscalationInput,
    Fix,
    Job,
    JobKind,
    Level,
    LinkPayload,
    Task,
)

PURPOSE = "escalation"
__all__ = ["DEFAULT_PRIORITY", "EscalationService", "Policy", "due_seconds", "due_seconds_for", "parse_policy"]


def task_id_for(task_token: str) -> str:
    """A waiting task's id, derived from its task token (unique per task state entered): a
    redelivered job maps to the same task."""
    import hashlib  # noqa: PLC0415

    return hashlib.sha256(task_token.encode("utf-8")).hexdigest()[:32]


def execution_name(problem_id: str, suffix: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", problem_id)[:60]
    return f"{safe}-{suffix}"


def _value(obj: Any, *names: str, default: Any = None) -> Any:
    """A field of a problem / department record (pydantic model or dict), by its first present name."""
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value not in (None, ""):
            return value.value if hasattr(value, "value") and not isinstance(value, str) else value
    return default


class Mailer(Protocol):
    def send(self, message: Any) -> Any: ...


class Resolver(Protocol):
    def resolve(self, problem_id: str, fix: Fix, actor: str) -> None: ...


@dataclass(frozen=True)
class Policy:
    due_policy: str
    fix_due_seconds: int
    info_due_seconds: int
    link_ttl_seconds: int
    base_url: str
    from_address: str
    from_name: str
    mail_domain: str
    service_owner: str  # fallback when a department names none


class EscalationService:
    def __init__(
        self,
        store: Any,
        workflow: Any,
        mailer: Mailer,
        resolver: Resolver,
        policy: Policy,
        clock: Callable[[], str],
        *,
        sign: Callable[[str, dict[str, Any]], str] | None = None,
        verify: Callable[..., dict[str, Any]] | None = None,
    ) -> None:
        from functions.core import signing  # noqa: PLC0415

        self.store = store
        self.workflow = workflow
        self.mailer = mailer
        self.resolver = resolver
        self.policy = policy
        self.clock = clock
        self._sign = sign or signing.sign
        self._verify = verify or signing.verify

    # -- starting (the EscalationStarter port of the problems service) ----------------
    def start(self, problem: Any, department: Any) -> str:
        """Start the workflow for ``problem`` assigned to ``department``; returns the escalation id."""
        problem_id = str(_value(problem, "problem_id", "id"))
        contact = _value(department, "contact", "contact_email", "email")
        if not contact:
            raise errors.InvalidInput("the department has no contact address", fields=[{"field": "contact"}])
        manager = _value(department, "manager", "manager_email", default=contact)
        owner = _value(department, "service_owner", "service_owner_email", default=self.policy.service_owner)
        payload = EscalationInput(
            problem_id=problem_id,
            escalation_id=execution_name(problem_id, uuid.uuid4().hex[:12]),
            title=str(_value(problem, "title", default=problem_id))[:400],
            department=str(_value(department, "department_id", "id", "name")),
            contact=str(contact),
            manager=str(manager),
            service_owner=str(owner),
            due_seconds=self.due_for(problem, department),
            fix_due_seconds=self.policy.fix_due_seconds,
            info_due_seconds=self.policy.info_due_seconds,
        )
        return self.start_input(payload)

    def due_for(self, problem: Any, department: Any) -> int:
        """The department's own policy by priority, else the deployment's default (``due_seconds_for``)."""
        return due_seconds_for(
            _value(department, "escalation_policy"), _value(problem, "priority"), self.policy.due_policy
        )

    def start_input(self, payload: EscalationInput) -> str:
        self.workflow.start(payload.escalation_id, payload.model_dump(mode="json"))
        return payload.escalation_id

    # -- jobs from the state machine -------------------------------------------------
    def handle_job(self, job: Job) -> None:
        if job.kind is JobKind.RESOLVE:
            fix = job.fix or Fix()
            self.resolver.resolve(job.problem_id, fix, fix.by or f"department:{job.department}")
            self.store.mark_resolved(job.problem_id, job.escalation_id, self.clock())
            return
        if not job.task_token:
            raise errors.InvalidInput(f"a {job.kind.value} job needs a task token")
        actions = ACTIONS_BY_KIND[job.kind]
        task = Task(
            task_id=task_id_for(job.task_token),
            escalation_id=job.escalation_id,
            problem_id=job.problem_id,
            kind=job.kind,
            level=job.level,
            task_token=job.task_token,
            nonces={a.value: secrets.token_urlsafe(12) for a in actions},
            created_at=self.clock(),
        )
        # the task outlives its links by a day, then DynamoDB's TTL removes it. A redelivered job
        # (retried batch) has the same token, so the same task: its links, and at most one mail.
        task = self.store.put_task(task, expires_at=_epoch(self.clock()) + self.policy.link_ttl_seconds + 86400) or task
        self.store.set_current_task(job.problem_id, job.escalation_id, task, job.department, self.clock())
        if job.kind is JobKind.INFO or not job.recipient:
            return  # the agents answer through the API (the escalation shows the open question)
        if not self.store.claim_mail(task.task_id, self.clock()):
            return  # this task's mail went out already
        links = {a: self.link(task, a) for a in actions}
        try:
            self.mailer.send(self.compose(job, links))
        except Exception:
            self.store.release_mail(task.task_id)
            raise

    def link(self, task: Task, action: Action) -> str:
        token = self._sign(PURPOSE, {"t": task.task_id, "a": action.value, "n": task.nonces[action.value]})
        return f"{self.policy.base_url.rstrip('/')}/escalations/act?token={quote(token, safe='')}"

    def compose(self, job: Job, links: dict[Action, str]) -> Any:
        from functions.problems.escalation.mail import compose_job_mail  # noqa: PLC0415

        return compose_job_mail(job, links, self.policy)

    # -- signed links ------------------------------------------------------------------
    def inspect(self, token: str) -> tuple[Task, LinkPayload]:
        """The task and action a link stands for; raises for forged, expired, foreign or used links."""
        raw = self._verify(PURPOSE, token, max_age=self.policy.link_ttl_seconds)
        try:
            payload = LinkPayload.model_validate(raw)
        except ValueError as exc:
            raise errors.Unauthorized("invalid link") from exc
        try:
            task = self.store.task(payload.t)
        except errors.NotFound as exc:
            raise errors.Forbidden("this link does not belong to an open request") from exc
        expected = task.nonces.get(payload.a.value)
        if expected is None or not secrets.compare_digest(expected, payload.n):
            raise errors.Forbidden("this link does not belong to this request")
        if task.used_nonce:
            from functions.problems.escalation.store import AlreadyUsed  # noqa: PLC0415

            raise AlreadyUsed("this link was already used; the request has been answered")
        return task, payload

    def act(self, token: str, fields: dict[str, str]) -> ActResult:
        task, payload = self.inspect(token)
        answer = Answer(
            action=payload.a,
            reason=fields.get("reason", ""),
            root_cause=fields.get("root_cause", ""),
            fix=fields.get("fix", ""),
            by=f"{(task.level or Level.DEPARTMENT).value} (signed link)",
        )
        self._answer(task, payload.n, answer)
        return ActResult(task_id=task.task_id, action=payload.a, escalation_id=task.escalation_id)

    # -- agents' API -------------------------------------------------------------------
    def answer_current(self, problem_id: str, escalation_id: str, agent_id: str, body: AnswerIn) -> ActResult:
        view = self.store.escalation(problem_id, escalation_id)
        if not view.current_task_id:
            raise errors.Conflict("this escalation has no open request")
        task = self.store.task(view.current_task_id)
        if task.used_nonce:
            raise errors.Conflict("the open request was already answered")
        if body.action not in ACTIONS_BY_KIND[task.kind]:
            allowed = ", ".join(a.value for a in ACTIONS_BY_KIND[task.kind])
            raise errors.InvalidInput(
                f"the open request ({task.kind.value}) takes one of: {allowed}", fields=[{"field": "action"}]
            )
        answer = Answer(**body.model_dump(), by=f"agent:{agent_id}")
        self._answer(task, f"api:{uuid.uuid4().hex}", answer)
        return ActResult(task_id=task.task_id, action=body.action, escalation_id=task.escalation_id)

    def _answer(self, task: Task, nonce: str, answer: Answer) -> None:
        from functions.problems.escalation.store import TaskGone  # noqa: PLC0415

        self.store.claim(task.task_id, nonce, answer.action.value, self.clock())
        try:
            self.workflow.answer(task.task_token, answer.task_output())
        except TaskGone:
            raise  # the claim stays: the link is spent either way
        except Exception:
            self.store.release(task.task_id, nonce)
            raise


def _epoch(iso: str) -> int:
    from datetime import datetime  # noqa: PLC0415

    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())
