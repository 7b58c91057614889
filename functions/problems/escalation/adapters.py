"""The escalation's outbound adapters: its Step Functions state machine, and what a delivered fix
does to the problem (through the problem services)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.core.resources import ESCALATION_WORKFLOW
from functions.core.workflows import StateMachine
from functions.problems.escalation.models import Fix
from functions.problems.escalation.ports import ProblemResolution

DONE = ("resolved", "closed")


class EscalationStateMachine(StateMachine):
    """``stepfunctions/escalation.asl.json``: start an escalation, answer a waiting task (the
    ``Workflow`` port)."""

    def __init__(self, client: Any | None = None) -> None:
        super().__init__(ESCALATION_WORKFLOW, "escalation_state_machine_arn", client)


class ProblemResolver:
    """What "fix delivered" does to the problem, its linked cases and the knowledge base:
    ``record_fix``, then ``resolve`` (the linked cases are resolved with the fix as the note;
    customers are told through their channel), then ``update_knowledge`` (the problem's article,
    or the one its cases produced, or a new one, gets the permanent fix; on the timeline).

    A resolve job may be delivered twice (a retried batch): a problem already resolved with this
    fix is not resolved again, and ``update_knowledge`` does nothing when the article has the fix.

    ``problems`` gives the problem services (a callable: they start escalations through the
    escalation service, so the two are built one after the other)."""

    def __init__(self, problems: Callable[[], ProblemResolution]) -> None:
        self._problems = problems

    def standing(self, problem_id: str, department: str | None) -> str | None:
        from functions.core import errors  # noqa: PLC0415

        try:
            current = self._problems().get(problem_id)
        except errors.NotFound:
            return "the problem no longer exists"
        return _moved_on(current, department)

    def resolve(self, problem_id: str, fix: Fix, actor: str, department: str) -> str | None:
        service = self._problems()
        current = service.get(problem_id)
        if current.status.value in DONE and current.permanent_fix == fix.fix:
            service.update_knowledge(problem_id, actor)  # a redelivered job: finish what it started
            return None
        reason = _moved_on(current, department)
        if reason:
            return reason  # an agent decided meanwhile: their root cause and fix stand
        service.record_fix(problem_id, root_cause=fix.root_cause, fix=fix.fix, actor=actor)
        service.resolve(problem_id, resolve_cases=True, actor=actor)
        service.update_knowledge(problem_id, actor)
        return None


def _moved_on(problem: Any, department: str | None) -> str | None:
    status = problem.status.value
    if status in (*DONE, "dismissed"):
        return f"the problem was {status}"
    if department and problem.department_id != department:
        return "the problem was reassigned to another department"
    return None
