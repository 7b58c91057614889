"""A problem's cases: link (a case belongs to at most one problem), unlink, merge another problem
in, and the later cases detection suggests linking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from functions.cases.models import Actor
from functions.core.errors import Conflict, InvalidInput, NotFound, VersionConflict
from functions.problems import rules
from functions.problems.models import (
    LinkResult,
    LinkType,
    MergeResult,
    Problem,
    ProblemEventKind,
    ProblemLink,
    ProblemStatus,
    SuggestedCase,
)
from functions.problems.ports import Cases, ProblemStore, SuggestionStore
from functions.problems.service.changes import Change, ProblemWriter, event, existing_cases, mark_cases

# Links moved per transaction when merging (each move writes four items of a 100-item transaction).
MOVE_BATCH = 30


class ProblemLinking:
    def __init__(
        self,
        store: ProblemStore,
        cases: Cases,
        suggestions: SuggestionStore,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.cases = cases
        self.suggestions = suggestions
        self.writer = ProblemWriter(store, clock)

    def link(
        self,
        problem_id: str,
        case_ids: list[str],
        link_type: LinkType,
        actor: Actor,
        if_match: int | None = None,
    ) -> LinkResult:
        """Link cases (``Conflict`` naming the problem of a case linked elsewhere); cases linked
        already are reported, not linked again."""
        wanted = list(dict.fromkeys(case_ids))
        existing_cases(self.store, wanted)
        result: dict[str, list[str]] = {"linked": [], "already": []}

        def build(problem: Problem, now: datetime) -> Change | None:
            if problem.status in rules.FINAL:
                raise Conflict(f"problem {problem_id} is {problem.status.value}; it takes no more cases")
            existing = {link.case_id for link in self.store.links(problem_id)}
            new = [cid for cid in wanted if cid not in existing]
            result["linked"], result["already"] = new, [cid for cid in wanted if cid in existing]
            if not new:
                return None
            links = [
                ProblemLink(problem_id=problem_id, case_id=cid, link_type=link_type, linked_at=now, linked_by=actor)
                for cid in new
            ]
            return Change(
                updates={"case_count": problem.case_count + len(new)},
                events=[
                    event(
                        problem_id,
                        ProblemEventKind.CASES_LINKED,
                        actor,
                        now,
                        data={"case_ids": new, "link_type": link_type.value},
                    )
                ],
                add_links=links,
            )

        updated, _ = self.writer.apply(problem_id, if_match, build)
        mark_cases(self.cases, result["linked"], problem_id, actor, f"linked to problem {problem_id}")
        return LinkResult(problem=updated, linked=result["linked"], already_linked=result["already"])

    def link_similar(self, problem_id: str, case_id: str, actor: Actor) -> bool:
        """Detection's automatic link (link type ``similar``); False when the case is linked to
        another problem or the problem takes no more cases."""
        try:
            self.link(problem_id, [case_id], LinkType.SIMILAR, actor)
        except Conflict:
            return False
        return True

    def unlink(self, problem_id: str, case_id: str, actor: Actor, if_match: int | None = None) -> Problem:
        def build(problem: Problem, now: datetime) -> Change:
            if case_id not in {link.case_id for link in self.store.links(problem_id)}:
                raise NotFound("link to case", case_id)
            return Change(
                updates={"case_count": max(problem.case_count - 1, 0)},
                events=[event(problem_id, ProblemEventKind.CASES_UNLINKED, actor, now, data={"case_ids": [case_id]})],
                remove_links=[case_id],
            )

        updated, _ = self.writer.apply(problem_id, if_match, build)
        mark_cases(self.cases, [case_id], None, actor, f"unlinked from problem {problem_id}")
        return updated

    def merge(self, target_id: str, source_id: str, actor: Actor, if_match: int | None = None) -> MergeResult:
        """Move every case of ``source_id`` to ``target_id``; the source is closed, pointing to the target."""
        if target_id == source_id:
            raise InvalidInput(
                "a problem cannot be merged into itself",
                fields=[{"field": "source_problem_id", "message": "same as the target", "type": "value_error"}],
            )
        target = self.store.get(target_id)
        source = self.store.get(source_id)
        if if_match is not None and if_match != target.version:
            raise VersionConflict("problem", target_id, if_match, target.version)
        for p in (target, source):
            if p.status in rules.FINAL:
                raise Conflict(f"problem {p.problem_id} is {p.status.value}; it cannot be merged")
        links = self.store.links(source_id)
        for start in range(0, len(links), MOVE_BATCH):
            self.store.move_links(source_id, target_id, links[start : start + MOVE_BATCH])
        moved = [link.case_id for link in links]
        mark_cases(self.cases, moved, target_id, actor, f"moved from problem {source_id} to {target_id} (merged)")

        def close_source(problem: Problem, now: datetime) -> Change:
            if problem.status in rules.FINAL:
                raise Conflict(f"problem {source_id} is {problem.status.value}; it cannot be merged")
            closed = ProblemStatus.CLOSED
            return Change(
                updates={"status": closed, "closed_at": now, "merged_into": target_id, "case_count": 0},
                events=[
                    event(
                        source_id,
                        ProblemEventKind.MERGED_INTO,
                        actor,
                        now,
                        changes={"status": {"from": problem.status.value, "to": closed.value}},
                        data={"target_problem_id": target_id, "case_ids": moved},
                    )
                ],
            )

        def grow_target(problem: Problem, now: datetime) -> Change:
            return Change(
                updates={"case_count": len(self.store.links(target_id))},
                events=[
                    event(
                        target_id,
                        ProblemEventKind.MERGED,
                        actor,
                        now,
                        data={"source_problem_id": source_id, "case_ids": moved},
                    )
                ],
            )

        merged, _ = self.writer.apply(source_id, None, close_source)
        updated, _ = self.writer.apply(target_id, None, grow_target)
        return MergeResult(problem=updated, merged=merged, moved_cases=moved)

    def suggested_cases(self, problem_id: str) -> list[SuggestedCase]:
        """Later cases detection matched to the problem (``NotFound`` for an unknown problem), most
        similar first, without the cases linked to any problem."""
        self.store.get(problem_id)
        suggestions = self.suggestions.list(problem_id)
        linked = self.store.problems_of_cases([s.case_id for s in suggestions]) if suggestions else {}
        return rules.open_suggestions(suggestions, linked)
