"""A problem's life: opened (by an agent, from a case, or by detection as a candidate), changed,
confirmed (the routing rules suggest a department), assigned to a department (its escalation
starts), dismissed, closed. Resolving is ``resolution.py``'s; links and merges ``linking.py``'s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from functions.cases.models import Actor
from functions.core.errors import Conflict, InvalidInput, NotFound
from functions.core.logs import logger
from functions.core.timeutil import iso
from functions.problems import rules
from functions.problems.models import (
    MAX_LINKS_PER_REQUEST,
    Department,
    DepartmentSuggestion,
    LinkType,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemFromCaseIn,
    ProblemIn,
    ProblemLink,
    ProblemStatus,
    ProblemUpdate,
)
from functions.problems.ports import Cases, Departments, EscalationStarter, ProblemStore
from functions.problems.service.changes import MAX_RETRIES, Change, ProblemWriter, event, existing_cases, mark_cases

S = ProblemStatus
# Fields an agent's change may set, each recorded on the timeline with its old and new value.
CHANGEABLE = (
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
)


class ProblemLifecycle:
    def __init__(
        self,
        store: ProblemStore,
        cases: Cases,
        departments: Departments,
        escalation: EscalationStarter,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.cases = cases
        self.departments = departments
        self.escalation = escalation
        self.clock = clock
        self.writer = ProblemWriter(store, clock)

    # -- open -------------------------------------------------------------------------------
    def create(
        self, data: ProblemIn, actor: Actor, *, evidence: dict[str, Any] | None = None, key: str | None = None
    ) -> Problem:
        """Open a problem, with its cases linked (``Conflict`` naming the problem of a case linked
        elsewhere). A confirmed one gets the routing rules' department suggestion."""
        if data.status not in (S.CANDIDATE, S.CONFIRMED):
            raise InvalidInput(
                "a new problem is a candidate or confirmed",
                fields=[{"field": "status", "message": "candidate or confirmed", "type": "value_error"}],
            )
        case_ids = list(dict.fromkeys(data.case_ids))
        cases = existing_cases(self.store, case_ids) if case_ids else []
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
        events = [event(problem_id, ProblemEventKind.CREATED, actor, now, data={"status": data.status.value})]
        if case_ids:
            events.append(
                event(
                    problem_id,
                    ProblemEventKind.CASES_LINKED,
                    actor,
                    now,
                    1,
                    data={"case_ids": case_ids, "link_type": data.link_type.value},
                )
            )
        if data.status == S.CONFIRMED:
            suggestion = rules.suggest_department(problem, self.departments.routing_rules().rules, cases)
            if suggestion is not None:
                problem.suggested_department = suggestion
                events.append(_suggested_event(problem_id, suggestion, now, len(events)))
        self.store.create(problem, events, links, key=key)
        mark_cases(self.cases, case_ids, problem_id, actor, f"linked to problem {problem_id}")
        return problem

    def create_from_case(self, case_id: str, data: ProblemFromCaseIn, actor: Actor) -> Problem:
        """A confirmed problem from a case (its subject, description, priority), linked as root cause."""
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
        actor = actor or rules.DETECTION
        wanted = list(dict.fromkeys(case_ids))
        for _ in range(MAX_RETRIES):
            if key is not None and (existing := self.store.problem_for_key(key)) is not None:
                return self.store.get(existing)
            known = {c.case_id for c in self.store.cases(wanted)}
            linked = self.store.problems_of_cases(wanted)
            free = [cid for cid in wanted if cid in known and cid not in linked][:MAX_LINKS_PER_REQUEST]
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

    # -- change -----------------------------------------------------------------------------
    def update(self, problem_id: str, change: ProblemUpdate, actor: Actor, if_match: int | None = None) -> Problem:
        """An agent's change: status (allowed moves only), fields, department (starts its
        escalation and moves the problem to root-cause analysis), each on the timeline."""
        expected = change.version if change.version is not None else if_match
        department = self._department(change.department_id) if change.department_id else None

        def build(problem: Problem, now: datetime) -> Change | None:
            if problem.status in rules.FINAL and change.status is None:
                raise Conflict(f"problem {problem_id} is {problem.status.value}; reopen it first")
            out = Change()
            changes: dict[str, dict[str, Any]] = {}
            assigning = department is not None and department.department_id != problem.department_id
            target = rules.status_target(problem.status, change.status, assigning)
            if target is not None and target != problem.status:
                current = problem
                for step in rules.status_steps(problem.status, target, department is not None):
                    out.updates.update(rules.status_updates(current, step, now))
                    current = current.model_copy(update={"status": step})
                changes["status"] = {"from": problem.status.value, "to": target.value}
            for name in CHANGEABLE:
                value = getattr(change, name)
                if value is not None and value != getattr(problem, name):
                    changes[name] = {"from": rules.plain(getattr(problem, name)), "to": rules.plain(value)}
                    out.updates[name] = value
            if not changes:
                return None
            seq = 0
            if "status" in changes:
                out.events.append(
                    event(
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
                out.events.append(event(problem_id, kind, actor, now, seq, changes=other, body=change.comment))
                seq += 1
            if target == S.CONFIRMED and "status" in changes:
                suggestion = self.suggestion_for(problem.model_copy(update=out.updates))
                if suggestion is not None:
                    out.updates["suggested_department"] = suggestion
                    out.events.append(_suggested_event(problem_id, suggestion, now, seq))
            return out

        updated, applied = self.writer.apply(problem_id, expected, build)
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
        is confirmed on the way) and the department's escalation starts."""
        change = ProblemUpdate(department_id=department_id, owner=owner)
        return self.update(problem_id, change, rules.as_actor(actor), if_match=if_match)

    def suggestion_for(self, problem: Problem) -> DepartmentSuggestion | None:
        """The department the routing rules suggest, from the problem and its linked cases."""
        links = self.store.links(problem.problem_id)
        cases = self.store.cases([link.case_id for link in links]) if links else []
        return rules.suggest_department(problem, self.departments.routing_rules().rules, cases)

    # -- helpers ----------------------------------------------------------------------------
    def _department(self, department_id: str) -> Department:
        try:
            return self.departments.department(department_id)
        except NotFound as exc:
            raise InvalidInput(
                f"unknown department {department_id}",
                fields=[{"field": "department_id", "message": "unknown department", "type": "not_found"}],
            ) from exc

    def _start_escalation(self, problem: Problem, department: Department, actor: Actor) -> Problem:
        """Start the department's escalation; if it fails, the assignment stands and the failure
        goes on the timeline."""
        try:
            self.escalation.start(problem, department)
        except Exception as exc:  # noqa: BLE001 - the assignment stands; the failure goes on the timeline
            logger().exception("escalation did not start", extra={"problem_id": problem.problem_id})
            error = type(exc).__name__

            def build(p: Problem, now: datetime) -> Change:
                body = f"escalation to {department.department_id} did not start: {error}"
                return Change(events=[event(p.problem_id, ProblemEventKind.ESCALATION_FAILED, actor, now, body=body)])

            problem, _ = self.writer.apply(problem.problem_id, None, build)
        return problem

    # -- the escalation's workflow --------------------------------------------------------------
    def record_escalation(self, line: rules.EscalationLine) -> bool:
        """Put an escalation's new status (the workflow wrote it) on its problem's timeline, at the
        time the workflow wrote it. The event's id comes from the escalation, the status and that
        time, so a stream record delivered again rewrites the same event instead of adding one.
        False: the problem does not exist (nothing to tell)."""
        at = _parse_time(line.at) or self.clock()
        digest = hashlib.sha256(f"{line.escalation_id}:{line.status}".encode()).hexdigest()[:8]
        kind = ProblemEventKind.ESCALATION_FAILED if line.status == "failed" else ProblemEventKind.ESCALATION_CHANGED
        data = {"escalation_id": line.escalation_id, "status": line.status, "department": line.department}
        if line.failure:
            data["failure"] = line.failure

        event_id = f"{iso(at)}#000000000{digest}"  # new_event_id's form (no order, seq 0), its random part derived

        def build(p: Problem, now: datetime) -> Change:
            told = event(p.problem_id, kind, rules.ESCALATION, at, body=line.body(), data=data, event_id=event_id)
            return Change(events=[told])

        try:
            self.writer.apply(line.problem_id, None, build)
        except NotFound:
            logger().warning("escalation of an unknown problem", extra={"problem_id": line.problem_id})
            return False
        return True


def _suggested_event(problem_id: str, suggestion: DepartmentSuggestion, now: datetime, seq: int) -> ProblemEvent:
    return event(
        problem_id,
        ProblemEventKind.DEPARTMENT_SUGGESTED,
        rules.SYSTEM,
        now,
        seq,
        body=f"{suggestion.department_id}: {suggestion.reason}",
        data=suggestion.model_dump(mode="json"),
    )


def _parse_time(value: str) -> datetime | None:
    """The workflow's time (``$$.State.EnteredTime``, ISO with Z), aware; None if it is not one."""
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed is not None and parsed.tzinfo is None else parsed
