"""Adapter: what "fix delivered" does to the problem, its linked cases and the knowledge base.

It calls the problems service (given by ``functions.composition``): ``record_fix``, then
``resolve`` (which resolves the linked cases with the fix as the note; customers are told through
their channel), then ``update_knowledge`` (updates the problem's article, or the one its cases
produced, or creates one, with the permanent fix; recorded on the problem's timeline).

A resolve job may be delivered twice (a retried batch): a problem already resolved with this fix
is not resolved again, and ``update_knowledge`` does nothing when the article has the fix already.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from functions.problems.escalation.models import Fix

DONE = ("resolved", "closed")


class ProblemResolution(Protocol):
    """What escalation needs of the problems service."""

    def get(self, problem_id: str) -> Any: ...
    def record_fix(self, problem_id: str, root_cause: str, fix: str, actor: Any) -> Any: ...
    def resolve(self, problem_id: str, *, resolve_cases: bool, actor: Any) -> Any: ...
    def update_knowledge(self, problem_id: str, actor: Any) -> str | None: ...


class ProblemServiceResolver:
    """``problems`` gives the problems service (a callable: it starts escalations through this
    service, so the two are built one after the other)."""

    def __init__(self, problems: Callable[[], ProblemResolution]) -> None:
        self._problems = problems

    def resolve(self, problem_id: str, fix: Fix, actor: str) -> None:
        service = self._problems()
        current = service.get(problem_id)
        if not (current.status.value in DONE and current.permanent_fix == fix.fix):
            service.record_fix(problem_id, root_cause=fix.root_cause, fix=fix.fix, actor=actor)
            service.resolve(problem_id, resolve_cases=True, actor=actor)
        service.update_knowledge(problem_id, actor)
