"""The problem use cases, each part a class receiving its ports (``functions.composition`` wires them):

* ``lifecycle.ProblemLifecycle``: open (agents, from a case, detection's candidates), change,
  confirm (department suggestion), assign a department (starts its escalation);
* ``linking.ProblemLinking``: link, unlink, merge, the cases detection suggests linking;
* ``resolution.ProblemResolution``: record the fix, resolve with the linked cases, put the fix
  into the knowledge base (through the ``KnowledgeSync`` port);
* ``reads.ProblemReads``: one problem, a page, the view with impact and cost;
* ``departments.DepartmentService``: departments and routing rules;
* ``stream.ProblemStream``: the table stream's batches (detection, reactions to status changes).

``ProblemService`` puts the first four behind one object for the callers (the handlers, the
escalation's resolver, detection's sink): each method is one part's.

A case is linked to at most one problem (the store's case pointer); its ``Case.problem_id`` is a
copy kept in step here through the cases service, with an internal event on the case's timeline.
"""

from __future__ import annotations

from typing import Any

from functions.cases.models import Actor, Case
from functions.problems.models import (
    DepartmentSuggestion,
    LinkResult,
    LinkType,
    MergeResult,
    Problem,
    ProblemFromCaseIn,
    ProblemIn,
    ProblemPage,
    ProblemQuery,
    ProblemUpdate,
    ProblemView,
    ResolveResult,
    SuggestedCase,
)
from functions.problems.rules import SYSTEM, EscalationLine
from functions.problems.service.lifecycle import ProblemLifecycle
from functions.problems.service.linking import ProblemLinking
from functions.problems.service.reads import ProblemReads
from functions.problems.service.resolution import ProblemResolution

__all__ = ["ProblemLifecycle", "ProblemLinking", "ProblemReads", "ProblemResolution", "ProblemService"]


class ProblemService:
    """The problem use cases behind one object (see the package docstring)."""

    def __init__(
        self,
        lifecycle: ProblemLifecycle,
        linking: ProblemLinking,
        resolution: ProblemResolution,
        reads: ProblemReads,
    ) -> None:
        self.lifecycle = lifecycle
        self.linking = linking
        self.resolution = resolution
        self.reads = reads

    # -- reads ------------------------------------------------------------------------------
    def get(self, problem_id: str) -> Problem:
        return self.reads.get(problem_id)

    def case_records(self, case_ids: list[str]) -> list[Case]:
        return self.reads.case_records(case_ids)

    def list_problems(self, q: ProblemQuery) -> ProblemPage:
        return self.reads.list_problems(q)

    def view(self, problem_id: str, *, limit: int = 200, cursor: str | None = None) -> ProblemView:
        return self.reads.view(problem_id, limit=limit, cursor=cursor)

    # -- lifecycle --------------------------------------------------------------------------
    def record_escalation(self, line: EscalationLine) -> bool:
        return self.lifecycle.record_escalation(line)

    def create(
        self, data: ProblemIn, actor: Actor, *, evidence: dict[str, Any] | None = None, key: str | None = None
    ) -> Problem:
        return self.lifecycle.create(data, actor, evidence=evidence, key=key)

    def create_from_case(self, case_id: str, data: ProblemFromCaseIn, actor: Actor) -> Problem:
        return self.lifecycle.create_from_case(case_id, data, actor)

    def create_candidate(
        self,
        evidence: dict[str, Any],
        case_ids: list[str],
        title: str,
        description: str = "",
        actor: Actor | None = None,
        key: str | None = None,
    ) -> Problem:
        return self.lifecycle.create_candidate(evidence, case_ids, title, description, actor, key)

    def update(self, problem_id: str, change: ProblemUpdate, actor: Actor, if_match: int | None = None) -> Problem:
        return self.lifecycle.update(problem_id, change, actor, if_match)

    def assign_department(
        self,
        problem_id: str,
        department_id: str,
        actor: Actor | str,
        *,
        owner: str | None = None,
        if_match: int | None = None,
    ) -> Problem:
        return self.lifecycle.assign_department(problem_id, department_id, actor, owner=owner, if_match=if_match)

    def suggestion_for(self, problem: Problem) -> DepartmentSuggestion | None:
        return self.lifecycle.suggestion_for(problem)

    # -- linking ----------------------------------------------------------------------------
    def link(
        self, problem_id: str, case_ids: list[str], link_type: LinkType, actor: Actor, if_match: int | None = None
    ) -> LinkResult:
        return self.linking.link(problem_id, case_ids, link_type, actor, if_match)

    def link_similar(self, problem_id: str, case_id: str, actor: Actor) -> bool:
        return self.linking.link_similar(problem_id, case_id, actor)

    def unlink(self, problem_id: str, case_id: str, actor: Actor, if_match: int | None = None) -> Problem:
        return self.linking.unlink(problem_id, case_id, actor, if_match)

    def merge(self, target_id: str, source_id: str, actor: Actor, if_match: int | None = None) -> MergeResult:
        return self.linking.merge(target_id, source_id, actor, if_match)

    def suggested_cases(self, problem_id: str) -> list[SuggestedCase]:
        return self.linking.suggested_cases(problem_id)

    # -- resolution -------------------------------------------------------------------------
    def record_fix(self, problem_id: str, root_cause: str, fix: str, actor: Actor | str) -> Problem:
        return self.resolution.record_fix(problem_id, root_cause, fix, actor)

    def resolve(
        self,
        problem_id: str,
        fix_note: str | None = None,
        resolve_cases: bool = True,
        actor: Actor | str = SYSTEM,
        if_match: int | None = None,
    ) -> ResolveResult:
        return self.resolution.resolve(problem_id, fix_note, resolve_cases, actor, if_match)

    def update_knowledge(self, problem_id: str, actor: Actor | str = SYSTEM) -> str | None:
        return self.resolution.update_knowledge(problem_id, actor)
