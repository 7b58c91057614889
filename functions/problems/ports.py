"""The ports of the problem services: their stores, and what they need of other domains.

Production: ``functions.problems.store`` (DynamoDB), ``functions.problems.adapters`` (knowledge),
the cases and customers services, the escalation service; the container wires them. Tests: the
in-memory fakes of ``tests/fakes/problems.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from functions.cases.models import Actor, Case, CaseUpdate, ReplyIn
from functions.customers.models import Customer
from functions.problems.detection.models import CaseSignal, Outcome
from functions.problems.models import (
    ArticleUpdate,
    Department,
    Problem,
    ProblemEvent,
    ProblemLink,
    ProblemPage,
    ProblemQuery,
    RoutingRules,
    SuggestedCase,
)

# (problem_id, old status or None, new status): what a part does when a problem changes status.
ProblemReaction = Callable[[str, str | None, str], None]


class ProblemStore(Protocol):
    """Problems, their case links (a case is linked to at most one problem), timelines and
    detection's candidate keys. Writes are conditional: ``create`` raises ``Duplicate`` for a
    problem or key that exists and ``Conflict`` naming the problem of a case linked elsewhere;
    ``save`` raises ``VersionConflict`` when the problem is no longer at ``expected_version``."""

    def next_number(self) -> int: ...
    def get(self, problem_id: str) -> Problem: ...
    def problem_for_key(self, key: str) -> str | None: ...
    def links(self, problem_id: str) -> list[ProblemLink]: ...
    def timeline(
        self, problem_id: str, limit: int = 200, cursor: str | None = None
    ) -> tuple[list[ProblemEvent], str | None]: ...
    def problem_of_case(self, case_id: str) -> str | None: ...
    def problems_of_cases(self, case_ids: list[str]) -> dict[str, str]: ...
    def cases(self, case_ids: list[str]) -> list[Case]:
        """The records of those of these cases that exist (batch reads)."""
        ...

    def query(self, q: ProblemQuery) -> ProblemPage: ...
    def create(
        self, problem: Problem, events: list[ProblemEvent], links: list[ProblemLink], key: str | None = None
    ) -> None: ...
    def save(
        self,
        problem: Problem,
        expected_version: int,
        events: list[ProblemEvent],
        add_links: list[ProblemLink] | None = None,
        remove_links: list[str] | None = None,
    ) -> None: ...
    def move_links(self, source_id: str, target_id: str, links: list[ProblemLink]) -> None:
        """Move at most 30 links, atomically; ``Conflict`` if a case's pointer changed meanwhile."""
        ...


class DepartmentStore(Protocol):
    """Departments. ``create``: ``Duplicate`` if the id exists; ``replace``: ``VersionConflict``
    unless the stored one is at ``expected_version``; ``delete``: ``NotFound``."""

    def get(self, department_id: str) -> Department: ...
    def list(self) -> list[Department]: ...
    def create(self, department: Department) -> None: ...
    def replace(self, department: Department, expected_version: int) -> None: ...
    def delete(self, department_id: str) -> None: ...


class RoutingStore(Protocol):
    """The one routing rule set. ``get``: None until one is stored; ``put``: ``VersionConflict``
    unless the stored set is at ``expected_version`` (0: none stored yet)."""

    def get(self) -> RoutingRules | None: ...
    def put(self, rules: RoutingRules, expected_version: int) -> None: ...


class SuggestionStore(Protocol):
    """Cases detection suggests linking to a problem (one per problem and case: a later put replaces it)."""

    def put_many(self, suggestions: list[SuggestedCase]) -> None: ...
    def list(self, problem_id: str) -> list[SuggestedCase]: ...
    def remove(self, problem_id: str, case_id: str) -> None: ...
    def clear(self, problem_id: str) -> int: ...


class Cases(Protocol):
    """The cases service, as the problems use it (``functions.cases``' ``CaseService``)."""

    def get(self, case_id: str) -> Case: ...
    def view(self, case_id: str) -> Any:
        """The case with its ``timeline``."""
        ...

    def set_problem(self, case_id: str, problem_id: str | None, actor: Actor, *, body: str | None = None) -> Case: ...
    def reply(self, case_id: str, agent: Actor, reply: ReplyIn) -> Any:
        """Send a reply through the case's channel; ``Conflict`` when there is none (or the case is closed)."""
        ...

    def update(self, case_id: str, agent: Actor, change: CaseUpdate) -> Case: ...


class Customers(Protocol):
    def get(self, customer_id: str) -> Customer: ...


class Departments(Protocol):
    """What assigning and routing need: a department, and the routing rules in force."""

    def department(self, department_id: str) -> Department: ...
    def routing_rules(self) -> RoutingRules: ...


class EscalationStarter(Protocol):
    """Starts the escalation of a problem to the department it was assigned to."""

    def start(self, problem: Problem, department: Department) -> object: ...


class KnowledgeSync(Protocol):
    """Puts a problem's permanent fix into the knowledge base (``adapters.KnowledgeSync``)."""

    def resolution(self, article_id: str) -> str:
        """The article's current resolution; ``NotFound`` when the article is gone."""
        ...

    def put_fix(self, problem: Problem, article_id: str | None, source_cases: list[str], author: str) -> ArticleUpdate:
        """Add the fix to ``article_id`` as a new version (in review), or, with no article or one
        that cannot take it (gone, retired), write a new article and submit it for review."""
        ...


class KnowledgeArticles(Protocol):
    """The knowledge service (``functions.knowledge``), as ``adapters.KnowledgeSync`` uses it."""

    def view(self, article_id: str) -> Any: ...
    def create(self, author: str, data: Any) -> Any: ...
    def permanent_fix(self, article_id: str, actor: str, roles: frozenset[str], fix: Any) -> Any: ...
    def transition(self, article_id: str, actor: str, roles: frozenset[str], action: Any, data: Any) -> Any: ...


class Detection(Protocol):
    """Detection as the problem stream uses it (``functions.problems.detection.service.DetectionService``)."""

    def held(self) -> AbstractContextManager[Detection]:
        """Inside the block, the state is loaded once and saved once, when the block ends normally."""
        ...

    def observe(self, signals: list[CaseSignal]) -> Outcome: ...
    def close(self, problem_id: str) -> bool: ...
