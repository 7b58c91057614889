"""Problem use cases: create, change, link, merge, assign, record the fix, resolve.

Receives its ports as arguments (functions.composition wires them).

Contract for the other problem modules:
* detection calls ``ProblemService.create_candidate(evidence, case_ids, title, description)``;
* escalation plugs an ``EscalationStarter`` in (``functions.problems.escalation.starter()``), which
  ``assign_department`` (and a PATCH that changes the department) calls after saving; it calls back
  ``record_fix`` and ``resolve``.

A case is linked to at most one problem (the ``PROBLEMCASE#`` pointer, see store.py); its
``Case.problem_id`` is a copy kept in step here, with an internal event on the case's timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from functions.cases.models import Actor, ActorType, Case, CaseStatus, CaseUpdate, ReplyIn, new_event_id
from functions.cases.service import CaseService
from functions.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound, VersionConflict
from functions.core.logs import logger
from functions.core.timeutil import iso, utcnow
from functions.customers.models import Customer
from functions.problems import cost as costing
from functions.problems.departments import Department, DepartmentStore
from functions.problems.models import (
    MAX_LINKS_PER_REQUEST,
    LinkResult,
    LinkType,
    MergeResult,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemFromCaseIn,
    ProblemIn,
    ProblemLink,
    ProblemPage,
    ProblemQuery,
    ProblemStatus,
    ProblemUpdate,
    ProblemView,
    ResolveResult,
    SkippedCase,
)
from functions.problems.routing import RoutingStore, suggest_department
from functions.problems.store import ProblemStore

S = ProblemStatus

TRANSITIONS: dict[S, frozenset[S]] = {
    S.CANDIDATE: frozenset({S.CONFIRMED, S.DISMISSED}),
    S.CONFIRMED: frozenset({S.ROOT_CAUSE_ANALYSIS, S.FIX_IN_PROGRESS, S.RESOLVED, S.DISMISSED}),
    S.ROOT_CAUSE_ANALYSIS: frozenset({S.CONFIRMED, S.FIX_IN_PROGRESS, S.RESOLVED}),
    S.FIX_IN_PROGRESS: frozenset({S.ROOT_CAUSE_ANALYSIS, S.RESOLVED}),
    S.RESOLVED: frozenset({S.FIX_IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
    S.DISMISSED: frozenset({S.CANDIDATE}),
}
# Statuses in which the problem takes no more cases, merges or assignments.
FINAL = frozenset({S.CLOSED, S.DISMISSED})
# Assigning a department moves a problem this far (a candidate is confirmed on the way).
ASSIGN_PATH: dict[S, tuple[S, ...]] = {
    S.CANDIDATE: (S.CONFIRMED, S.ROOT_CAUSE_ANALYSIS),
    S.CONFIRMED: (S.ROOT_CAUSE_ANALYSIS,),
}


def check_transition(from_: S, to: S) -> None:
    if to != from_ and to not in TRANSITIONS[from_]:
        raise InvalidTransition(from_.value, to.value, sorted(s.value for s in TRANSITIONS[from_]))


class EscalationStarter(Protocol):
    """Port the escalation workflow plugs in: called once a department is assigned."""

    def start(self, problem: Problem, department: Department) -> object: ...


class NoEscalation:
    """Used until the escalation module exists: assignment is recorded, nothing is started."""

    def start(self, problem: Problem, department: Department) -> None:
        return None


class CustomerLookup(Protocol):
    def get(self, customer_id: str) -> Customer: ...


class Knowledge(Protocol):
    """The knowledge service (``functions.knowledge.logic.KnowledgeService``), as the problems use it."""

    def view(self, article_id: str) -> Any: ...
    def create(self, author: str, data: Any) -> Any: ...
    def permanent_fix(self, article_id: str, actor: str, roles: frozenset[str], fix: Any) -> Any: ...
    def transition(self, article_id: str, actor: str, roles: frozenset[str], action: Any, data: Any) -> Any: ...


# Linked cases whose timelines are read to find the article they produced or were helped by.
ARTICLE_SCAN_CASES = 100


SYSTEM = Actor(type=ActorType.SYSTEM, id="problems")


@dataclass
class _Change:
    updates: dict[str, Any] = field(default_factory=dict)
    events: list[ProblemEvent] = field(default_factory=list)
    add_links: list[ProblemLink] = field(default_factory=list)
    remove_links: list[str] = field(default_factory=list)


def as_actor(actor: Actor | str) -> Actor:
    """An Actor, or a plain id from another module ("department:finance" is a department, else system)."""
    if isinstance(actor, Actor):
        return actor
    kind, _, rest = actor.partition(":")
    if kind == "department" and rest:
        return Actor(type=ActorType.DEPARTMENT, id=rest[:128])
    return Actor(type=ActorType.SYSTEM, id=actor[:128] or "problems")


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


class ProblemService:
    MAX_RETRIES = 5

    def __init__(
        self,
        store: ProblemStore,
        cases: CaseService,
        *,
        customers: CustomerLookup | None = None,
        departments: DepartmentStore | None = None,
        routing: RoutingStore | None = None,
        escalation: EscalationStarter | None = None,
        knowledge: Knowledge | None = None,
        cost_per_channel: dict[str, float] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.cases = cases
        self.customers = customers
        self.departments = departments or DepartmentStore()
        self.routing = routing or RoutingStore()
        self.escalation: EscalationStarter = escalation or NoEscalation()
        self.knowledge = knowledge
        self.cost_per_channel = cost_per_channel or {}
        self.clock = clock

    # -- helpers -----------------------------------------------------------
    def _event(
        self,
        problem_id: str,
        kind: ProblemEventKind,
        actor: Actor,
        at: datetime,
        seq: int = 0,
        *,
        body: str | None = None,
        changes: dict[str, dict[str, Any]] | None = None,
        data: dict[str, Any] | None = None,
    ) -> ProblemEvent:
        return ProblemEvent(
            event_id=new_event_id(iso(at), seq),
            problem_id=problem_id,
            at=at,
            kind=kind,
            actor=actor,
            body=body,
            changes=changes,
            data=data,
        )

    def _apply(
        self, problem_id: str, expected: int | None, build: Callable[[Problem, datetime], _Change | None]
    ) -> tuple[Problem, _Change | None]:
        """Read, build a change, save on the version read. An agent's stale ``expected`` is a 409;
        system writers (no ``expected``) re-read and retry."""
        for _ in range(self.MAX_RETRIES):
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

    @staticmethod
    def _status_updates(problem: Problem, to: S, now: datetime) -> dict[str, Any]:
        check_transition(problem.status, to)
        updates: dict[str, Any] = {"status": to}
        if to == S.RESOLVED:
            updates["resolved_at"] = now
        elif to == S.CLOSED:
            updates["closed_at"] = now
        elif problem.status == S.RESOLVED:
            updates["resolved_at"] = None
        return updates

    def _existing_cases(self, case_ids: list[str]) -> list[Case]:
        found = self.store.cases(case_ids)
        missing = sorted(set(case_ids) - {c.case_id for c in found})
        if missing:
            raise InvalidInput(
                f"unknown cases: {', '.join(missing)}",
                fields=[{"field": "case_ids", "message": f"unknown case {m}", "type": "not_found"} for m in missing],
            )
        return found

    def _mark_cases(self, case_ids: list[str], problem_id: str | None, actor: Actor, body: str) -> None:
        """Keep ``Case.problem_id`` in step with the links (the cases service writes it, with an
        internal event on each case's timeline)."""
        for case_id in case_ids:
            try:
                self.cases.set_problem(case_id, problem_id, actor, body=body)
            except NotFound:
                continue

    def _department(self, department_id: str) -> Department:
        try:
            return self.departments.get(department_id)
        except NotFound as exc:
            raise InvalidInput(
                f"unknown department {department_id}",
                fields=[{"field": "department_id", "message": "unknown department", "type": "not_found"}],
            ) from exc

    def _start_escalation(self, problem: Problem, department: Department, actor: Actor) -> Problem:
        try:
            self.escalation.start(problem, department)
        except Exception as exc:  # noqa: BLE001 - the assignment stands; the failure goes on the timeline
            logger().exception("escalation did not start", extra={"problem_id": problem.problem_id})
            error = type(exc).__name__

            def build(p: Problem, now: datetime) -> _Change:
                body = f"escalation to {department.department_id} did not start: {error}"
                return _Change(
                    events=[self._event(p.problem_id, ProblemEventKind.ESCALATION_FAILED, actor, now, body=body)]
                )

            problem, _ = self._apply(problem.problem_id, None, build)
        return problem

    def suggestion_for(self, problem: Problem) -> Any:
        links = self.store.links(problem.problem_id)
        cases = self.store.cases([link.case_id for link in links]) if links else []
        return suggest_department(problem, self.routing.get().rules, cases)

    # -- reads -------------------------------------------------------------
    def get(self, problem_id: str) -> Problem:
        return self.store.get(problem_id)

    def case_records(self, case_ids: list[str]) -> list[Case]:
        """The records of these cases that exist (batch reads)."""
        return self.store.cases(case_ids)

    def list_problems(self, q: ProblemQuery) -> ProblemPage:
        return self.store.query(q)

    def view(self, problem_id: str, *, limit: int = 200, cursor: str | None = None) -> ProblemView:
        problem = self.store.get(problem_id)
        links = self.store.links(problem_id)
        cases = self.store.cases([link.case_id for link in links])
        customers: dict[str, Customer] = {}
        if self.customers is not None:
            for customer_id in {c.customer_id for c in cases if c.customer_id}:
                try:
                    customers[customer_id] = self.customers.get(customer_id)
                except NotFound:
                    continue
        events, next_cursor = self.store.timeline(problem_id, limit=limit, cursor=cursor)
        return ProblemView(
            **problem.model_dump(),
            links=links,
            impact=costing.compute_impact(cases, customers),
            cost=costing.compute_cost(cases, self.cost_per_channel),
            timeline=events,
            timeline_cursor=next_cursor,
        )

    # -- create ------------------------------------------------------------
    def create(
        self, data: ProblemIn, actor: Actor, *, evidence: dict[str, Any] | None = None, key: str | None = None
    ) -> Problem:
        if data.status not in (S.CANDIDATE, S.CONFIRMED):
            raise InvalidInput(
                "a new problem is a candidate or confirmed",
                fields=[{"field": "status", "message": "candidate or confirmed", "type": "value_error"}],
            )
        case_ids = list(dict.fromkeys(data.case_ids))
        if case_ids:
            self._existing_cases(case_ids)
        now = self.clock()
        problem_id = f"PB-{self.store.next_number()}"
        problem = Problem(
            problem_id=problem_id,
            title=data.title,
            description=data.description,
            status=data.status,
            priority=data.priority,
            category=data.category,
            product=data.product,
            workaround=data.workaround,
            evidence=evidence or {},
            case_count=len(case_ids),
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        links = [
            ProblemLink(problem_id=problem_id, case_id=cid, link_type=data.link_type, linked_at=now, linked_by=actor)
            for cid in case_ids
        ]
        events = [self._event(problem_id, ProblemEventKind.CREATED, actor, now, data={"status": data.status.value})]
        if case_ids:
            events.append(
                self._event(
                    problem_id,
                    ProblemEventKind.CASES_LINKED,
                    actor,
                    now,
                    1,
                    data={"case_ids": case_ids, "link_type": data.link_type.value},
                )
            )
        if data.status == S.CONFIRMED:
            suggestion = suggest_department(problem, self.routing.get().rules, self.store.cases(case_ids))
            if suggestion is not None:
                problem.suggested_department = suggestion
                events.append(self._suggested_event(problem_id, suggestion, now, len(events)))
        self.store.create(problem, events, links, key=key)
        self._mark_cases(case_ids, problem_id, actor, f"linked to problem {problem_id}")
        return problem

    def _suggested_event(self, problem_id: str, suggestion: Any, now: datetime, seq: int) -> ProblemEvent:
        return self._event(
            problem_id,
            ProblemEventKind.DEPARTMENT_SUGGESTED,
            SYSTEM,
            now,
            seq,
            body=f"{suggestion.department_id}: {suggestion.reason}",
            data=suggestion.model_dump(mode="json"),
        )

    def create_from_case(self, case_id: str, data: ProblemFromCaseIn, actor: Actor) -> Problem:
        case = self.cases.get(case_id)
        if case.problem_id:
            raise Conflict(f"case {case_id} is already linked to problem {case.problem_id}")
        return self.create(
            ProblemIn(
                title=data.title or case.subject[:300],
                description=data.description if data.description is not None else case.description[:20_000],
                priority=data.priority or case.priority,
                category=case.category,
                product=case.product,
                workaround=data.workaround,
                case_ids=[case_id],
                link_type=LinkType.ROOT_CAUSE,
                status=S.CONFIRMED,
            ),
            actor,
        )

    def create_candidate(
        self,
        evidence: dict[str, Any],
        case_ids: list[str],
        title: str,
        description: str = "",
        actor: Actor | None = None,
        key: str | None = None,
    ) -> Problem:
        """Detection's entry point: a candidate problem with its evidence and (similar-)linked cases.

        Cases already linked to a problem, or unknown, are left out (listed in ``evidence["skipped_cases"]``).
        ``key``: detection's name for the candidate; a second call with a key already used (a
        stream batch retried after the problem was written but before detection saved its state)
        returns the problem that key opened instead of opening another.
        """
        actor = actor or Actor(type=ActorType.SYSTEM, id="detection")
        wanted = list(dict.fromkeys(case_ids))
        for _ in range(self.MAX_RETRIES):
            if key is not None and (existing := self.store.problem_for_key(key)) is not None:
                return self.store.get(existing)
            known = {c.case_id for c in self.store.cases(wanted)}
            linked = self.store.problems_of_cases(wanted)
            free = [cid for cid in wanted if cid in known and cid not in linked]
            free = free[:MAX_LINKS_PER_REQUEST]
            skipped = [cid for cid in wanted if cid not in free]
            data = ProblemIn(
                title=title[:300] or "Candidate problem",
                description=description[:20_000],
                case_ids=free,
                link_type=LinkType.SIMILAR,
                status=S.CANDIDATE,
            )
            ev = {**evidence, "skipped_cases": skipped} if skipped else dict(evidence)
            try:
                return self.create(data, actor, evidence=ev, key=key)
            except Conflict:
                continue  # a case was linked (or the key used) meanwhile: look again
        raise Conflict("cases kept changing while opening the candidate; try again")

    # -- change ------------------------------------------------------------
    def update(self, problem_id: str, change: ProblemUpdate, actor: Actor, if_match: int | None = None) -> Problem:
        expected = change.version if change.version is not None else if_match
        department = self._department(change.department_id) if change.department_id else None

        def build(problem: Problem, now: datetime) -> _Change | None:
            if problem.status in FINAL and change.status is None:
                raise Conflict(f"problem {problem_id} is {problem.status.value}; reopen it first")
            out = _Change()
            changes: dict[str, dict[str, Any]] = {}
            target = change.status
            if department is not None and department.department_id != problem.department_id and target is None:
                path = ASSIGN_PATH.get(problem.status, ())
                target = path[-1] if path else None
            if target is not None and target != problem.status:
                path = ASSIGN_PATH.get(problem.status, ()) if department is not None else ()
                steps = path if target in path else (target,)
                current = problem
                for step in steps:
                    out.updates.update(self._status_updates(current, step, now))
                    current = current.model_copy(update={"status": step})
                changes["status"] = {"from": problem.status.value, "to": target.value}
            for fld in (
                "title",
                "description",
                "priority",
                "category",
                "product",
                "department_id",
                "owner",
                "root_cause",
                "workaround",
                "permanent_fix",
            ):
                value = getattr(change, fld)
                if value is not None and value != getattr(problem, fld):
                    changes[fld] = {"from": _plain(getattr(problem, fld)), "to": _plain(value)}
                    out.updates[fld] = value
            if not changes:
                return None
            seq = 0
            if "status" in changes:
                out.events.append(
                    self._event(
                        problem_id,
                        ProblemEventKind.STATUS_CHANGED,
                        actor,
                        now,
                        seq,
                        changes={"status": changes["status"]},
                        body=change.comment,
                    )
                )
                seq += 1
            other = {k: v for k, v in changes.items() if k != "status"}
            if other:
                kind = (
                    ProblemEventKind.DEPARTMENT_ASSIGNED
                    if "department_id" in other
                    else ProblemEventKind.FIELDS_CHANGED
                )
                out.events.append(self._event(problem_id, kind, actor, now, seq, changes=other, body=change.comment))
                seq += 1
            if target == S.CONFIRMED and "status" in changes:
                suggestion = self.suggestion_for(problem.model_copy(update=out.updates))
                if suggestion is not None:
                    out.updates["suggested_department"] = suggestion
                    out.events.append(self._suggested_event(problem_id, suggestion, now, seq))
            return out

        updated, applied = self._apply(problem_id, expected, build)
        if applied is not None and department is not None and "department_id" in applied.updates:
            updated = self._start_escalation(updated, department, actor)
        return updated

    def assign_department(
        self,
        problem_id: str,
        department_id: str,
        actor: Actor | str,
        *,
        owner: str | None = None,
        if_match: int | None = None,
    ) -> Problem:
        """Give the root cause to a department: the problem moves to root-cause analysis (a candidate
        is confirmed on the way) and the escalation starter is called."""
        change = ProblemUpdate(department_id=department_id, owner=owner)
        return self.update(problem_id, change, as_actor(actor), if_match=if_match)

    def record_fix(self, problem_id: str, root_cause: str, fix: str, actor: Actor | str) -> Problem:
        """The department's root cause and permanent fix; the problem moves to fix in progress."""
        actor = as_actor(actor)

        def build(problem: Problem, now: datetime) -> _Change:
            if problem.status in FINAL or problem.status == S.CANDIDATE:
                raise InvalidTransition(problem.status.value, S.FIX_IN_PROGRESS.value, [])
            out = _Change(updates={"root_cause": root_cause, "permanent_fix": fix})
            changes = {
                "root_cause": {"from": problem.root_cause, "to": root_cause},
                "permanent_fix": {"from": problem.permanent_fix, "to": fix},
            }
            if problem.status in (S.CONFIRMED, S.ROOT_CAUSE_ANALYSIS):
                out.updates.update(self._status_updates(problem, S.FIX_IN_PROGRESS, now))
                changes["status"] = {"from": problem.status.value, "to": S.FIX_IN_PROGRESS.value}
            out.events.append(self._event(problem_id, ProblemEventKind.FIX_RECORDED, actor, now, changes=changes))
            return out

        updated, _ = self._apply(problem_id, None, build)
        return updated

    # -- links -------------------------------------------------------------
    def link(
        self,
        problem_id: str,
        case_ids: list[str],
        link_type: LinkType,
        actor: Actor,
        if_match: int | None = None,
    ) -> LinkResult:
        wanted = list(dict.fromkeys(case_ids))
        self._existing_cases(wanted)
        result: dict[str, list[str]] = {"linked": [], "already": []}

        def build(problem: Problem, now: datetime) -> _Change | None:
            if problem.status in FINAL:
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
            return _Change(
                updates={"case_count": problem.case_count + len(new)},
                events=[
                    self._event(
                        problem_id,
                        ProblemEventKind.CASES_LINKED,
                        actor,
                        now,
                        data={"case_ids": new, "link_type": link_type.value},
                    )
                ],
                add_links=links,
            )

        updated, _ = self._apply(problem_id, if_match, build)
        self._mark_cases(result["linked"], problem_id, actor, f"linked to problem {problem_id}")
        return LinkResult(problem=updated, linked=result["linked"], already_linked=result["already"])

    def unlink(self, problem_id: str, case_id: str, actor: Actor, if_match: int | None = None) -> Problem:
        def build(problem: Problem, now: datetime) -> _Change:
            if case_id not in {link.case_id for link in self.store.links(problem_id)}:
                raise NotFound("link to case", case_id)
            return _Change(
                updates={"case_count": max(problem.case_count - 1, 0)},
                events=[
                    self._event(problem_id, ProblemEventKind.CASES_UNLINKED, actor, now, data={"case_ids": [case_id]})
                ],
                remove_links=[case_id],
            )

        updated, _ = self._apply(problem_id, if_match, build)
        self._mark_cases([case_id], None, actor, f"unlinked from problem {problem_id}")
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
            if p.status in FINAL:
                raise Conflict(f"problem {p.problem_id} is {p.status.value}; it cannot be merged")
        links = self.store.links(source_id)
        for start in range(0, len(links), 30):
            self.store.move_links(source_id, target_id, links[start : start + 30])
        moved = [link.case_id for link in links]
        self._mark_cases(moved, target_id, actor, f"moved from problem {source_id} to {target_id} (merged)")

        def close_source(problem: Problem, now: datetime) -> _Change:
            if problem.status in FINAL:
                raise Conflict(f"problem {source_id} is {problem.status.value}; it cannot be merged")
            return _Change(
                updates={"status": S.CLOSED, "closed_at": now, "merged_into": target_id, "case_count": 0},
                events=[
                    self._event(
                        source_id,
                        ProblemEventKind.MERGED_INTO,
                        actor,
                        now,
                        changes={"status": {"from": problem.status.value, "to": S.CLOSED.value}},
                        data={"target_problem_id": target_id, "case_ids": moved},
                    )
                ],
            )

        def grow_target(problem: Problem, now: datetime) -> _Change:
            count = len(self.store.links(target_id))
            return _Change(
                updates={"case_count": count},
                events=[
                    self._event(
                        target_id,
                        ProblemEventKind.MERGED,
                        actor,
                        now,
                        data={"source_problem_id": source_id, "case_ids": moved},
                    )
                ],
            )

        merged, _ = self._apply(source_id, None, close_source)
        updated, _ = self._apply(target_id, None, grow_target)
        return MergeResult(problem=updated, merged=merged, moved_cases=moved)

    # -- resolve -----------------------------------------------------------
    def resolve(
        self,
        problem_id: str,
        fix_note: str | None = None,
        resolve_cases: bool = True,
        actor: Actor | str = SYSTEM,
        if_match: int | None = None,
    ) -> ResolveResult:
        """Resolve the problem; with ``resolve_cases``, reply to every linked case with the fix note
        (default: the recorded permanent fix) through the case's channel and resolve it. Closed or
        already resolved cases are skipped and reported."""
        actor = as_actor(actor)
        problem = self.store.get(problem_id)
        if if_match is not None and if_match != problem.version:
            raise VersionConflict("problem", problem_id, if_match, problem.version)
        check_transition(problem.status, S.RESOLVED)
        if problem.status == S.RESOLVED:
            raise InvalidTransition(
                problem.status.value, S.RESOLVED.value, sorted(s.value for s in TRANSITIONS[S.RESOLVED])
            )
        note = fix_note or problem.permanent_fix
        if resolve_cases and not note:
            raise InvalidInput(
                "a fix note is needed to tell the customers (or record the permanent fix first)",
                fields=[
                    {"field": "fix_note", "message": "required: the problem has no permanent fix", "type": "missing"}
                ],
            )
        result = ResolveResult(problem=problem)
        if resolve_cases:
            assert note is not None
            self._resolve_cases(problem_id, note, actor, result)

        def build(current: Problem, now: datetime) -> _Change:
            out = _Change(updates=self._status_updates(current, S.RESOLVED, now))
            if fix_note and not current.permanent_fix:
                out.updates["permanent_fix"] = fix_note
            out.events.append(
                self._event(
                    problem_id,
                    ProblemEventKind.RESOLVED,
                    actor,
                    now,
                    body=note,
                    changes={"status": {"from": current.status.value, "to": S.RESOLVED.value}},
                    data={
                        "resolved_cases": result.resolved_cases,
                        "skipped_cases": [s.model_dump() for s in result.skipped_cases],
                        "not_informed": [s.model_dump() for s in result.not_informed],
                    },
                )
            )
            return out

        result.problem, _ = self._apply(problem_id, None, build)
        return result

    def _resolve_cases(self, problem_id: str, note: str, actor: Actor, result: ResolveResult) -> None:
        for link in self.store.links(problem_id):
            try:
                case = self.cases.get(link.case_id)
            except NotFound:
                result.skipped_cases.append(SkippedCase(case_id=link.case_id, reason="case not found"))
                continue
            if case.status == CaseStatus.CLOSED:
                result.skipped_cases.append(SkippedCase(case_id=case.case_id, reason="closed"))
                continue
            if case.status == CaseStatus.RESOLVED:
                result.skipped_cases.append(SkippedCase(case_id=case.case_id, reason="already resolved"))
                continue
            try:
                self.cases.reply(case.case_id, actor, ReplyIn(body=note, status_after=CaseStatus.RESOLVED))
                result.resolved_cases.append(case.case_id)
                continue
            except Conflict as exc:
                reason = exc.message
            except Exception as exc:  # noqa: BLE001 - one failed delivery must not stop the others
                logger().exception("problem fix reply failed", extra={"case_id": case.case_id})
                result.skipped_cases.append(
                    SkippedCase(case_id=case.case_id, reason=f"reply failed: {type(exc).__name__}")
                )
                continue
            # No channel to reply through: resolve with the fix as the comment, and say so.
            try:
                self.cases.update(
                    case.case_id, actor, CaseUpdate(status=CaseStatus.RESOLVED, comment=f"problem {problem_id}: {note}")
                )
            except Conflict as exc:
                result.skipped_cases.append(SkippedCase(case_id=case.case_id, reason=exc.message))
                continue
            result.resolved_cases.append(case.case_id)
            result.not_informed.append(SkippedCase(case_id=case.case_id, reason=reason))

    # -- knowledge ---------------------------------------------------------
    def update_knowledge(self, problem_id: str, actor: Actor | str = SYSTEM) -> str | None:
        """Put the permanent fix in the knowledge base, and say so on the problem's timeline.

        The article is the problem's own (``article_id``), else the one its linked cases produced or
        were helped by most, else a new one. The department is not a knowledge reviewer, so the fix
        goes through review like any agent's change: a published article keeps serving its current
        version while the fix waits in review; a new article is written as a draft and submitted
        for review (agents see it at once; customers once a reviewer publishes it).
        Returns the article id (None: no knowledge service or no fix yet). Idempotent."""
        actor = as_actor(actor)
        problem = self.store.get(problem_id)
        if self.knowledge is None or not problem.permanent_fix:
            return None
        author = f"{actor.type.value}:{actor.id}"
        fix, cause = problem.permanent_fix, problem.root_cause or ""
        article_id = problem.article_id
        if article_id:
            try:
                if self.knowledge.view(article_id).content.resolution == fix:
                    return article_id  # done already (a retried job)
            except NotFound:
                article_id = None
        article_id = article_id or self._article_of_cases(problem_id)
        view, action = None, "updated"
        if article_id:
            from functions.knowledge.models import PermanentFixIn  # noqa: PLC0415

            try:
                view = self.knowledge.permanent_fix(
                    article_id,
                    author,
                    frozenset(),
                    PermanentFixIn(root_cause=cause or "see the problem", fix=fix, problem_id=problem_id),
                )
            except (NotFound, Conflict):
                view = None  # retired or gone: write a new one
        if view is None:
            view, action = self._new_article(problem, author), "created"

        def build(current: Problem, now: datetime) -> _Change:
            return _Change(
                updates={"article_id": view.article_id},
                events=[
                    self._event(
                        problem_id,
                        ProblemEventKind.KNOWLEDGE_UPDATED,
                        actor,
                        now,
                        body=f"knowledge article {view.article_id} {action} with the permanent fix",
                        data={
                            "article_id": view.article_id,
                            "action": action,
                            "article_status": _plain(view.status),
                            "version": view.latest_version,
                        },
                    )
                ],
            )

        self._apply(problem_id, None, build)
        return str(view.article_id)

    def _article_of_cases(self, problem_id: str) -> str | None:
        """The article the linked cases point to most (drafted from them, or helped them)."""
        from collections import Counter  # noqa: PLC0415

        votes: Counter[str] = Counter()
        for link in self.store.links(problem_id)[:ARTICLE_SCAN_CASES]:
            try:
                timeline = self.cases.view(link.case_id).timeline
            except NotFound:
                continue
            for event in timeline:
                ref = (event.data or {}).get("knowledge") or {}
                if ref.get("article_id"):
                    votes[str(ref["article_id"])] += 2 if ref.get("relation") == "source" else 1
        return votes.most_common(1)[0][0] if votes else None

    def _new_article(self, problem: Problem, author: str) -> Any:
        from functions.knowledge.models import ArticleIn, Environment, TransitionIn  # noqa: PLC0415
        from functions.knowledge.rules import Action as ArticleAction  # noqa: PLC0415

        links = self.store.links(problem.problem_id)
        keywords = [k for k in (problem.category, problem.product) if k]
        created = self.knowledge.create(  # type: ignore[union-attr]
            author,
            ArticleIn(
                title=problem.title[:200],
                symptoms=problem.description[:20_000],
                environment=Environment(product=(problem.product or None) and problem.product[:100]),
                cause=(problem.root_cause or "")[:20_000],
                resolution=(problem.permanent_fix or "")[:20_000],
                workaround=(problem.workaround or "")[:20_000],
                workaround_superseded=bool(problem.workaround),
                keywords=keywords,
                source_cases=[link.case_id for link in links][:50],
                note=f"permanent fix from problem {problem.problem_id}",
            ),
        )
        return self.knowledge.transition(  # type: ignore[union-attr]
            created.article_id, author, frozenset(), ArticleAction.SUBMIT, TransitionIn()
        )
