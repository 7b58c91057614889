"""How every problem use case changes a problem: read it, build a change, save it on the version
read, with its timeline events and link changes in the same write.

An agent's stale ``expected`` version is a ``VersionConflict`` (409); system writers (no
``expected``) read again and retry. Shared by the lifecycle, linking and resolution services.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.cases.models import Actor, Case
from functions.core.errors import Conflict, InvalidInput, NotFound, VersionConflict
from functions.core.timeutil import iso
from functions.problems.models import Problem, ProblemEvent, ProblemEventKind, ProblemLink
from functions.problems.ports import Cases, ProblemStore

MAX_RETRIES = 5


@dataclass
class Change:
    updates: dict[str, Any] = field(default_factory=dict)
    events: list[ProblemEvent] = field(default_factory=list)
    add_links: list[ProblemLink] = field(default_factory=list)
    remove_links: list[str] = field(default_factory=list)


def new_event_id(at: datetime, seq: int = 0) -> str:
    """Sorts by time, then by position among events written together, then at random (the cases'
    timeline ids have the same form)."""
    return f"{iso(at)}#{seq:03d}{secrets.token_hex(4)}"


def event(
    problem_id: str,
    kind: ProblemEventKind,
    actor: Actor,
    at: datetime,
    seq: int = 0,
    *,
    body: str | None = None,
    changes: dict[str, dict[str, Any]] | None = None,
    data: dict[str, Any] | None = None,
    event_id: str | None = None,
) -> ProblemEvent:
    """A timeline event; ``seq`` orders the events of one change. ``event_id``: one the caller
    derived (an event written again under the same id replaces itself), else a new one."""
    return ProblemEvent(
        event_id=event_id or new_event_id(at, seq),
        problem_id=problem_id,
        at=at,
        kind=kind,
        actor=actor,
        body=body,
        changes=changes,
        data=data,
    )


class ProblemWriter:
    """The read-build-save loop over the problem store (see the module docstring)."""

    def __init__(self, store: ProblemStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock

    def apply(
        self, problem_id: str, expected: int | None, build: Callable[[Problem, datetime], Change | None]
    ) -> tuple[Problem, Change | None]:
        """Read, build a change (None: nothing to write), save on the version read."""
        for _ in range(MAX_RETRIES):
            problem = self.store.get(problem_id)
            if expected is not None and expected != problem.version:
                raise VersionConflict("problem", problem_id, expected, problem.version)
            now = self.clock()
            change = build(problem, now)
            if change is None:
                return problem, None
            updated = problem.model_copy(update={**change.updates, "updated_at": now, "version": problem.version + 1})
            try:
                self.store.save(updated, problem.version, change.events, change.add_links, change.remove_links)
            except VersionConflict:
                if expected is not None:
                    raise
                continue
            return updated, change
        raise Conflict(f"problem {problem_id} is too busy; try again")


def existing_cases(store: ProblemStore, case_ids: list[str]) -> list[Case]:
    """The cases' records; ``InvalidInput`` naming ``case_ids`` for any that does not exist."""
    found = store.cases(case_ids)
    missing = sorted(set(case_ids) - {c.case_id for c in found})
    if missing:
        raise InvalidInput(
            f"unknown cases: {', '.join(missing)}",
            fields=[{"field": "case_ids", "message": f"unknown case {m}", "type": "not_found"} for m in missing],
        )
    return found


def mark_cases(cases: Cases, case_ids: list[str], problem_id: str | None, actor: Actor, body: str) -> None:
    """Keep ``Case.problem_id`` in step with the links (the cases service writes it, with an
    internal event on each case's timeline)."""
    for case_id in case_ids:
        try:
            cases.set_problem(case_id, problem_id, actor, body=body)
        except NotFound:
            continue
