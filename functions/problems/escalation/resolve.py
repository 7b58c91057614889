"""Adapter: what "fix delivered" does to the problem, its linked cases and the knowledge base.

It calls the problems service (``functions.composition.problem_service()``): ``record_fix`` then
``resolve``, which resolves the linked cases with the fix as the note (customers are told through
their channel). Without that service the escalation item alone records the fix (the state machine
wrote it; ``mark_resolved`` flags it).
TODO(issue 5): the knowledge article (``knowledge_service().permanent_fix``) needs the article
linked to the problem; the problems service is the place that knows it.
"""

from __future__ import annotations

from typing import Any

from functions.core.logs import logger
from functions.problems.escalation.models import Fix


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
            # TODO(issue 5): remove once ProblemService (records helper) is composed.
            logger().warning("no problem service: fix kept on the escalation only", extra={"problem_id": problem_id})
            return
        service.record_fix(problem_id, root_cause=fix.root_cause, fix=fix.fix, actor=actor)
        service.resolve(problem_id, resolve_cases=True, actor=actor)
