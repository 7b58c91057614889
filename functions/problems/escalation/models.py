"""Escalation models: the state machine's input, the jobs it queues, answers, link payloads, the
service's policy and its errors."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from functions.core import errors
from functions.core.models import Model
from functions.problems.escalation.api_models import Action, ActResult, AnswerIn, EscalationList, EscalationView

__all__ = ["Action", "ActResult", "AnswerIn", "EscalationList", "EscalationView"]


@dataclass(frozen=True)
class Policy:
    """The deployment's escalation settings (``functions.composition`` reads them)."""

    due_policy: str  # the default deadlines by priority, "urgent=14400,..." (seconds)
    fix_due_seconds: int
    info_due_seconds: int
    link_ttl_seconds: int
    base_url: str
    from_address: str
    from_name: str
    mail_domain: str
    service_owner: str  # fallback when a department names none


class AlreadyUsed(errors.Conflict):
    """The task was answered already: its links work once."""

    code = "already_used"


class NoLongerNeeded(errors.Conflict):
    """The problem has moved on (resolved, closed, dismissed, reassigned, escalation stopped): the
    request is not answered and nothing changes."""

    code = "no_longer_needed"


# Escalation statuses after which its execution waits for nothing more (the state machine writes
# them; ``cancelled`` is written when the problem moved on and the execution was stopped).
ENDED_STATUSES = frozenset({"unanswered", "rejected", "fix_overdue", "fix_delivered", "failed", "cancelled"})


class TaskGone(errors.Conflict):
    """The workflow no longer waits for this task (deadline passed and escalated, or answered)."""

    code = "task_gone"


Text = Annotated[str, Field(max_length=4000)]
Short = Annotated[str, Field(max_length=400)]


class JobKind(StrEnum):
    DECIDE = "decide"  # department (or manager, service owner) accepts / rejects / asks
    FIX = "fix"  # department records root cause and fix
    INFO = "info"  # agents answer the department's question
    RESOLVE = "resolve"  # fix delivered: resolve problem, cases, knowledge


class Level(StrEnum):
    DEPARTMENT = "department"
    MANAGER = "manager"
    SERVICE_OWNER = "service_owner"


ACTIONS_BY_KIND: dict[JobKind, tuple[Action, ...]] = {
    JobKind.DECIDE: (Action.ACCEPT, Action.REJECT, Action.INFO),
    JobKind.FIX: (Action.DELIVER,),
    JobKind.INFO: (Action.ANSWER,),
    JobKind.RESOLVE: (),
}


class EscalationInput(Model):
    """Input of one execution (the execution's name is ``escalation_id``)."""

    problem_id: Annotated[str, Field(min_length=1, max_length=64)]
    escalation_id: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_-]+$")]
    title: Short
    department: Annotated[str, Field(min_length=1, max_length=64)]
    contact: Short
    manager: Short
    service_owner: Short
    due_seconds: Annotated[int, Field(ge=1)]
    fix_due_seconds: Annotated[int, Field(ge=1)]
    info_due_seconds: Annotated[int, Field(ge=1)]


class Fix(Model):
    root_cause: Text = ""
    fix: Text = ""
    by: Short = ""


class Job(Model):
    """A message the state machine puts on the escalation-jobs queue."""

    kind: JobKind
    escalation_id: str
    problem_id: str
    department: str
    title: str = ""
    execution: str = ""
    task_token: str | None = None
    level: Level | None = None
    recipient: str | None = None
    due_seconds: int | None = None
    question: str | None = None
    info: dict[str, Any] | None = None
    fix: Fix | None = None


class Answer(Model):
    """What a waiting task is answered with (the state machine reads ``action``, ``reason``, ``by``)."""

    action: Action
    reason: Text = ""  # rejection reason, or the department's question
    root_cause: Text = ""
    fix: Text = ""
    answer: Text = ""  # the agents' answer to a question
    by: Short = ""

    @model_validator(mode="after")
    def _required_fields(self) -> Answer:
        if self.action in (Action.REJECT, Action.INFO) and not self.reason.strip():
            raise ValueError("reason is required to reject or to ask for information")
        if self.action is Action.DELIVER and not (self.root_cause.strip() and self.fix.strip()):
            raise ValueError("root_cause and fix are required to deliver the fix")
        if self.action is Action.ANSWER and not self.answer.strip():
            raise ValueError("answer is required")
        return self

    def task_output(self) -> dict[str, Any]:
        if self.action is Action.DELIVER:
            return {"action": self.action.value, "root_cause": self.root_cause, "fix": self.fix, "by": self.by}
        if self.action is Action.ANSWER:
            return {"action": self.action.value, "answer": self.answer, "by": self.by}
        return {"action": self.action.value, "reason": self.reason, "by": self.by}


class Task(Model):
    """A waiting task of an execution, as stored (its token never leaves the back end)."""

    task_id: str
    escalation_id: str
    problem_id: str
    kind: JobKind
    level: Level | None = None
    task_token: str
    nonces: dict[str, str] = {}  # action -> nonce of the link sent for it
    used_nonce: str | None = None
    used_action: str | None = None
    created_at: str


class LinkPayload(Model):
    """What a signed department link carries (purpose ``escalation``)."""

    t: str  # task id
    a: Action
    n: str  # nonce
