"""Escalation rules without I/O: a task's id, an execution's name and input, a department link,
which answers a waiting task takes. The deadline policy is the departments'
(``functions.problems.rules.due_seconds_for``)."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from urllib.parse import quote

from functions.core import errors
from functions.problems.escalation.models import ACTIONS_BY_KIND, Action, EscalationInput, Policy, Task
from functions.problems.models import Department, Problem
from functions.problems.rules import due_seconds_for

PURPOSE = "escalation"  # of the signed department links


def task_id_for(task_token: str) -> str:
    """A waiting task's id, derived from its task token (unique per task state entered): a
    redelivered job maps to the same task."""
    return hashlib.sha256(task_token.encode("utf-8")).hexdigest()[:32]


def execution_name(problem_id: str, suffix: str) -> str:
    """A Step Functions execution name for the problem (only the characters it allows)."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", problem_id)[:60]
    return f"{safe}-{suffix}"


def due_for(problem: Problem, department: Department, policy: Policy) -> int:
    """The department's own deadline by the problem's priority, else the deployment's default."""
    return due_seconds_for(department.escalation_policy, problem.priority, policy.due_policy)


def escalation_input(problem: Problem, department: Department, policy: Policy, suffix: str) -> EscalationInput:
    """The workflow's input for ``problem`` assigned to ``department`` (``suffix`` makes the name unique)."""
    if not department.contact_email:
        raise errors.InvalidInput("the department has no contact address", fields=[{"field": "contact"}])
    return EscalationInput(
        problem_id=problem.problem_id,
        escalation_id=execution_name(problem.problem_id, suffix),
        title=(problem.title or problem.problem_id)[:400],
        department=department.department_id,
        contact=department.contact_email,
        manager=department.manager_email or department.contact_email,
        service_owner=policy.service_owner,
        due_seconds=due_for(problem, department, policy),
        fix_due_seconds=policy.fix_due_seconds,
        info_due_seconds=policy.info_due_seconds,
    )


def link_url(base_url: str, token: str) -> str:
    """The department link for a signed token (it opens a confirmation page)."""
    return f"{base_url.rstrip('/')}/escalations/act?token={quote(token, safe='')}"


def check_answer(task: Task, action: Action) -> None:
    """The agents' API answers the open request with one of the actions its kind takes."""
    if action not in ACTIONS_BY_KIND[task.kind]:
        allowed = ", ".join(a.value for a in ACTIONS_BY_KIND[task.kind])
        raise errors.InvalidInput(
            f"the open request ({task.kind.value}) takes one of: {allowed}", fields=[{"field": "action"}]
        )


def epoch(at: str) -> int:
    """An ISO time as epoch seconds (DynamoDB's TTL)."""
    return int(datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp())
