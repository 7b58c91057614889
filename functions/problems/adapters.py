"""The problems' outbound adapters: ``KnowledgeSync`` puts a problem's permanent fix into the
knowledge base through the knowledge service (it owns that service's request models)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.core.errors import Conflict, NotFound
from functions.problems.models import ArticleUpdate, Problem
from functions.problems.ports import KnowledgeArticles
from functions.problems.rules import plain

# A new article lists at most this many source cases.
MAX_SOURCE_CASES = 50


class KnowledgeSync:
    """The ``KnowledgeSync`` port over the knowledge service (given as a callable: it is built on
    first use). The department is not a knowledge reviewer (no roles): the fix goes through review
    like any agent's change."""

    def __init__(self, knowledge: Callable[[], KnowledgeArticles]) -> None:
        self._knowledge = knowledge

    def resolution(self, article_id: str) -> str:
        return str(self._knowledge().view(article_id).content.resolution)

    def put_fix(self, problem: Problem, article_id: str | None, source_cases: list[str], author: str) -> ArticleUpdate:
        if article_id:
            from functions.knowledge.models import PermanentFixIn  # noqa: PLC0415

            fix = PermanentFixIn(
                root_cause=problem.root_cause or "see the problem",
                fix=problem.permanent_fix or "",
                problem_id=problem.problem_id,
            )
            try:
                view = self._knowledge().permanent_fix(article_id, author, frozenset(), fix)
            except (NotFound, Conflict):
                pass  # retired or gone: write a new one
            else:
                return _update(view, "updated")
        return _update(self._new_article(problem, source_cases, author), "created")

    def _new_article(self, problem: Problem, source_cases: list[str], author: str) -> Any:
        """A draft with the problem's description, cause and fix, submitted for review."""
        from functions.knowledge.models import ArticleIn, Environment, TransitionIn  # noqa: PLC0415
        from functions.knowledge.rules import Action  # noqa: PLC0415

        knowledge = self._knowledge()
        created = knowledge.create(
            author,
            ArticleIn(
                title=problem.title[:200],
                symptoms=problem.description[:20_000],
                environment=Environment(product=(problem.product or None) and problem.product[:100]),
                cause=(problem.root_cause or "")[:20_000],
                resolution=(problem.permanent_fix or "")[:20_000],
                workaround=(problem.workaround or "")[:20_000],
                workaround_superseded=bool(problem.workaround),
                keywords=[k for k in (problem.category, problem.product) if k],
                source_cases=source_cases[:MAX_SOURCE_CASES],
                note=f"permanent fix from problem {problem.problem_id}",
            ),
        )
        return knowledge.transition(created.article_id, author, frozenset(), Action.SUBMIT, TransitionIn())


def _update(view: Any, action: str) -> ArticleUpdate:
    return ArticleUpdate.model_validate(
        {
            "article_id": view.article_id,
            "action": action,
            "article_status": plain(view.status),
            "version": view.latest_version,
        }
    )
