"""Escalation models the HTTP routes declare (imported with the app: keep this module small)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from functions.core.models import Model

Text = Annotated[str, Field(max_length=4000)]


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    INFO = "info"  # the department asks for information
    DELIVER = "deliver"  # the department delivers the fix (root cause + fix)
    ANSWER = "answer"  # the agents answer the department's question


class AnswerIn(Model):
    """Agents' API: answer the escalation's waiting task."""

    action: Action
    reason: Text = ""
    root_cause: Text = ""
    fix: Text = ""
    answer: Text = ""


class EscalationView(Model):
    problem_id: str
    escalation_id: str
    status: str | None = None
    department: str | None = None
    level: str | None = None
    current_task_id: str | None = None
    current_task_kind: str | None = None
    answered_by: str | None = None
    reason: str | None = None
    question: str | None = None
    root_cause: str | None = None
    fix: str | None = None
    resolved: bool = False
    failure: str | None = Field(
        default=None,
        description="status failed: the error that ended the workflow (e.g. DynamoDB.InternalServerError)",
    )
    updated_at: str | None = None


class EscalationList(Model):
    items: list[EscalationView]


class ActResult(Model):
    task_id: str
    action: Action
    escalation_id: str
