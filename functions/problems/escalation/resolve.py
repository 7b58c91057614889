"""Adapter: what "fix delivered" does to the problem, its linked cases and the knowledge base.

It calls the problems service (``functions.composition.problem_service()``): ``record_fix``, then
``resolve`` (which resolves the linked cases with the fix as the note; customers are told through
their channel), then ``update_knowledge`` (updates the problem's article, or the one its cases
produced, or creates one, with the permanent fix; recorded on the problem's timeline).

A resolve job may be delivered twice (a retried batch): a problem already resolved with this fix
is not resolved again, and ``update_knowledge`` does nothing when the article has the fix already.
"""

from __future__ import annotations

from typing import Any

from functions.core.logs import logger
from functions.problems.escalation.models import Fix

DONE = ("resolved", "closed")


class ProblemServiceResolver:
    def __init__(self, service: Any | None = None) -> None:
        self._service = service

    def service(self) -> Any | None:
        if self._service is None:
            try:
                from functions import composition  # noqa: PLC0415

                factory = getattr(composition, "problem_service", None)
                self._service = factory() if factory else None
            except ImportError:
                self._service = None
        return self._service

    def resolve(self, problem_id: str, fix: Fix, actor: str) -> None:
        service = self.service()
        if service is None or not hasattr(service, "record_fix") or not hasattr(service, "resolve"):
            logger().warning("no problem service: fix kept on the escalation only", extra={"problem_id": problem_id})
            return
        current = service.get(problem_id) if hasattr(service, "get") else None
        status = getattr(getattr(current, "status", None), "value", None)
        if not (status in DONE and getattr(current, "permanent_fix", None) == fix.fix):
            service.record_fix(problem_id, root_cause=fix.root_cause, fix=fix.fix, actor=actor)
            service.resolve(problem_id, resolve_cases=True, actor=actor)
        if hasattr(service, "update_knowledge"):
            service.update_knowledge(problem_id, actor)
