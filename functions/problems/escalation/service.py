"""Escalation use cases: start a workflow for an assigned problem, handle its jobs, answer its tasks
(by a department's signed link or through the agents' API).

Ports (passed in): the ``EscalationStore``, the escalation state machine (the ``Workflow`` port
of ``functions.core.workflows``), a ``Mailer``, a ``Resolver`` (problem, linked cases, knowledge),
the policy and a clock.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from functions.core import errors
from functions.core.logs import logger
from functions.core.workflows import Workflow
from functions.problems.escalation import rules
from functions.problems.escalation.models import (
    ACTIONS_BY_KIND,
    ENDED_STATUSES,
    Action,
    ActResult,
    AlreadyUsed,
    Answer,
    AnswerIn,
    EscalationInput,
    EscalationView,
    Fix,
    Job,
    JobKind,
    Level,
    LinkPayload,
    NoLongerNeeded,
    Policy,
    Task,
    TaskGone,
)
from functions.problems.escalation.ports import EscalationStore, Mailer, Resolver
from functions.problems.models import Department, Problem

# A task outlives its links by a day, then DynamoDB's TTL removes it.
TASK_GRACE_SECONDS = 86400


class EscalationService:
    def __init__(
        self,
        store: EscalationStore,
        workflow: Workflow,
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

    # -- starting (the problems' EscalationStarter port) ------------------------------------
    def start(self, problem: Problem, department: Department) -> str:
        """Start the workflow for ``problem`` assigned to ``department``; returns the escalation id.
        An escalation still running for the problem (another department, or the same one assigned
        again) is stopped first: its links then answer "no longer needed"."""
        self.stop_for_problem(problem.problem_id, f"the problem was reassigned to {department.department_id}")
        return self.start_input(rules.escalation_input(problem, department, self.policy, uuid.uuid4().hex[:12]))

    def due_for(self, problem: Problem, department: Department) -> int:
        """The department's own policy by priority, else the deployment's default."""
        return rules.due_for(problem, department, self.policy)

    def start_input(self, payload: EscalationInput) -> str:
        self.workflow.start(payload.escalation_id, payload.model_dump(mode="json"))
        return payload.escalation_id

    def stop_for_problem(self, problem_id: str, reason: str) -> list[str]:
        """Stop the problem's running escalations (it was resolved, closed, dismissed or reassigned)
        and record why on each; returns the stopped ids. Stopping twice is harmless."""
        stopped = []
        for view in self.store.escalations(problem_id):
            if view.resolved or view.status in ENDED_STATUSES:
                continue
            if self.workflow.stop(view.escalation_id, reason):
                stopped.append(view.escalation_id)
            # Closed either way: an execution no longer running whose record does not say so ended
            # without recording it (its last status write failed; the failed-executions alarm told).
            self.store.mark_cancelled(problem_id, view.escalation_id, reason, self.clock())
        if stopped:
            logger().info("escalations stopped", extra={"problem_id": problem_id, "escalations": stopped})
        return stopped

    def _stop(self, problem_id: str, escalation_id: str, reason: str) -> None:
        self.workflow.stop(escalation_id, reason)
        self.store.mark_cancelled(problem_id, escalation_id, reason, self.clock())

    # -- reads ------------------------------------------------------------------------------
    def escalations(self, problem_id: str) -> list[EscalationView]:
        return self.store.escalations(problem_id)

    def escalation(self, problem_id: str, escalation_id: str) -> EscalationView:
        return self.store.escalation(problem_id, escalation_id)

    # -- jobs from the state machine --------------------------------------------------------
    def handle_job(self, job: Job) -> None:
        if job.kind is JobKind.RESOLVE:
            fix = job.fix or Fix()
            moved_on = self.resolver.resolve(
                job.problem_id, fix, fix.by or f"department:{job.department}", job.department
            )
            if moved_on:
                # Expected, not a failure: an agent resolved (or reassigned) the problem meanwhile.
                logger().info("delivered fix not applied", extra={"problem_id": job.problem_id, "why": moved_on})
                self.store.mark_cancelled(job.problem_id, job.escalation_id, moved_on, self.clock())
                return
            self.store.mark_resolved(job.problem_id, job.escalation_id, self.clock())
            return
        if not job.task_token:
            raise errors.InvalidInput(f"a {job.kind.value} job needs a task token")
        moved_on = self.resolver.standing(job.problem_id, job.department)
        if moved_on:
            # The problem moved on before the request went out: no mail, the execution ends here.
            logger().info("escalation request not sent", extra={"problem_id": job.problem_id, "why": moved_on})
            self._stop(job.problem_id, job.escalation_id, moved_on)
            return
        actions = ACTIONS_BY_KIND[job.kind]
        task = Task(
            task_id=rules.task_id_for(job.task_token),
            escalation_id=job.escalation_id,
            problem_id=job.problem_id,
            kind=job.kind,
            level=job.level,
            task_token=job.task_token,
            nonces={a.value: secrets.token_urlsafe(12) for a in actions},
            created_at=self.clock(),
        )
        # A redelivered job (retried batch) has the same token, so the same task: its links, and
        # at most one mail.
        expires_at = rules.epoch(self.clock()) + self.policy.link_ttl_seconds + TASK_GRACE_SECONDS
        task = self.store.put_task(task, expires_at=expires_at)
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
        token = self._sign(rules.PURPOSE, {"t": task.task_id, "a": action.value, "n": task.nonces[action.value]})
        return rules.link_url(self.policy.base_url, token)

    def compose(self, job: Job, links: dict[Action, str]) -> EmailMessage:
        from functions.problems.escalation.mail import compose_job_mail  # noqa: PLC0415

        message: EmailMessage = compose_job_mail(job, links, self.policy)
        return message

    # -- signed links -----------------------------------------------------------------------
    def inspect(self, token: str) -> tuple[Task, LinkPayload]:
        """The task and action a link stands for; raises for forged, expired, foreign or used links."""
        raw = self._verify(rules.PURPOSE, token, max_age=self.policy.link_ttl_seconds)
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
            raise AlreadyUsed("this link was already used; the request has been answered")
        self._still_needed(task)
        return task, payload

    def _still_needed(self, task: Task) -> None:
        """Raise ``NoLongerNeeded`` when the task's problem moved on or its escalation was stopped."""
        try:
            view = self.store.escalation(task.problem_id, task.escalation_id)
        except errors.NotFound:
            view = None
        reason: str | None
        if view is not None and view.status == "cancelled":
            reason = view.reason or "the escalation was stopped"
        else:
            reason = self.resolver.standing(task.problem_id, view.department if view else None)
        if reason:
            raise NoLongerNeeded(f"this request is no longer needed ({reason}); nothing was changed")

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

    # -- agents' API ------------------------------------------------------------------------
    def answer_current(self, problem_id: str, escalation_id: str, agent_id: str, body: AnswerIn) -> ActResult:
        view = self.store.escalation(problem_id, escalation_id)
        if not view.current_task_id:
            raise errors.Conflict("this escalation has no open request")
        task = self.store.task(view.current_task_id)
        if task.used_nonce:
            raise errors.Conflict("the open request was already answered")
        self._still_needed(task)
        rules.check_answer(task, body.action)
        answer = Answer(**body.model_dump(), by=f"agent:{agent_id}")
        self._answer(task, f"api:{uuid.uuid4().hex}", answer)
        return ActResult(task_id=task.task_id, action=body.action, escalation_id=task.escalation_id)

    def _answer(self, task: Task, nonce: str, answer: Answer) -> None:
        """Claim the task with this nonce, then answer the workflow; an AWS failure releases the
        claim (the link can be retried), a task no longer waited for keeps it (the link is spent)."""
        self.store.claim(task.task_id, nonce, answer.action.value, self.clock())
        try:
            answered = self.workflow.succeed(task.task_token, answer.task_output())
        except Exception:
            self.store.release(task.task_id, nonce)
            raise
        if not answered:
            raise TaskGone("this request is no longer open (its deadline passed or it was answered)")
