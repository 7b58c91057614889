"""In-memory fakes of the problem ports (functions/problems/ports.py), with the behaviour of the
DynamoDB stores they stand for: conditional writes raise the same domain errors, versions
increase, a case is linked to at most one problem, pages follow their cursors.
``tests/integration/test_problem_store_contract.py`` runs the same contract on both.

``problem_services(...)`` builds the problem services on these fakes, as the container does.
"""

from __future__ import annotations

import base64
import itertools
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from functions.cases import rules as case_rules
from functions.cases.models import (
    Actor,
    Case,
    CaseStatus,
    CaseUpdate,
    CaseView,
    Channel,
    EventKind,
    Message,
    ReplyIn,
    TimelineEvent,
)
from functions.core.errors import Conflict, Duplicate, InvalidInput, NotFound, VersionConflict
from functions.customers.models import Customer
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

if TYPE_CHECKING:
    from functions.problems.service import ProblemService
    from functions.problems.service.departments import DepartmentService

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    """A clock that moves a second each time it is read (every write gets its own time)."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def _cursor(key: str | None) -> str | None:
    return None if key is None else base64.urlsafe_b64encode(json.dumps({"k": key}).encode()).decode()


def _after(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return str(json.loads(base64.urlsafe_b64decode(cursor.encode()))["k"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput("cursor is not valid; use next_cursor from a previous page") from exc


# -- the cases, as the problems use them -----------------------------------------------------


class FakeCases:
    """The ``Cases`` port (the cases service as the problems use it), over case records held here.

    ``open`` adds a case. ``set_problem`` writes an internal event (nothing when unchanged);
    ``reply`` refuses a closed case or one without a contact address (``Conflict``, as the cases
    service does when there is no channel to reply through), checks the status move, and keeps
    what was sent in ``sent``; ``update`` changes the status with the cases' own rules."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.records: dict[str, Case] = {}
        self.timelines: dict[str, list[TimelineEvent]] = {}
        self.sent: list[tuple[str, str]] = []  # (case id, body) of every reply sent
        self._numbers = itertools.count(100001)
        self._events = itertools.count()

    def open(self, subject: str = "Charged twice", **fields: Any) -> Case:
        now = self.clock()
        data = {"channel": Channel.EMAIL, "contact_email": "ann@example.org", **fields}
        case = Case(case_id=f"CB-{next(self._numbers)}", subject=subject, created_at=now, updated_at=now, **data)
        self.records[case.case_id] = case
        self.timelines[case.case_id] = []
        return case

    def add_event(self, case_id: str, kind: EventKind, actor: Actor, **fields: Any) -> TimelineEvent:
        now = self.clock()
        event = TimelineEvent(
            event_id=f"{now.isoformat()}#{next(self._events):06d}",
            case_id=case_id,
            at=now,
            kind=kind,
            actor=actor,
            **fields,
        )
        self.timelines[case_id].append(event)
        return event

    def get(self, case_id: str) -> Case:
        if case_id not in self.records:
            raise NotFound("case", case_id)
        return self.records[case_id]

    def view(self, case_id: str) -> CaseView:
        return CaseView(**self.get(case_id).model_dump(), timeline=list(self.timelines[case_id]))

    def _save(self, case: Case, **updates: Any) -> Case:
        updated = case.model_copy(update={**updates, "updated_at": self.clock(), "version": case.version + 1})
        self.records[case.case_id] = updated
        return updated

    def set_problem(self, case_id: str, problem_id: str | None, actor: Actor, *, body: str | None = None) -> Case:
        case = self.get(case_id)
        if case.problem_id == problem_id:
            return case
        default = f"linked to problem {problem_id}" if problem_id else f"unlinked from problem {case.problem_id}"
        self.add_event(
            case_id,
            EventKind.FIELDS_CHANGED,
            actor,
            body=body or default,
            changes={"problem_id": {"from": case.problem_id, "to": problem_id}},
            visibility="internal",
        )
        return self._save(case, problem_id=problem_id)

    def reply(self, case_id: str, agent: Actor, reply: ReplyIn) -> TimelineEvent:
        case = self.get(case_id)
        if case.status == CaseStatus.CLOSED:
            raise Conflict(f"case {case_id} is closed; open a follow-up case instead")
        if reply.status_after is not None:
            case_rules.check_transition(case.status, reply.status_after)
        if case.channel != Channel.CHAT and not case.contact_email:
            raise Conflict(f"case {case_id} has no channel to reply through (no contact address)")
        self.sent.append((case_id, reply.body))
        message = Message(channel=case.channel, direction="out", body_text=reply.body, to=[case.contact_email or ""])
        event = self.add_event(case_id, EventKind.MESSAGE_OUT, agent, message=message, body=reply.body)
        updates: dict[str, Any] = {"interaction_count": case.interaction_count + 1}
        if reply.status_after is not None and reply.status_after != case.status:
            updates["status"] = reply.status_after
            if reply.status_after == CaseStatus.RESOLVED:
                updates["resolved_at"] = event.at
        self._save(case, **updates)
        return event

    def update(self, case_id: str, agent: Actor, change: CaseUpdate, if_match: int | None = None) -> Case:
        case = self.get(case_id)
        if change.status is None or change.status == case.status:
            return case
        case_rules.check_transition(case.status, change.status)
        self.add_event(
            case_id,
            EventKind.STATUS_CHANGED,
            agent,
            changes={"status": {"from": case.status.value, "to": change.status.value}},
            body=change.comment,
        )
        updates: dict[str, Any] = {"status": change.status}
        if change.status == CaseStatus.RESOLVED:
            updates["resolved_at"] = self.clock.now
        elif change.status == CaseStatus.CLOSED:
            updates["closed_at"] = self.clock.now
        return self._save(case, **updates)


@dataclass
class FakeCustomers:
    """The ``Customers`` port: customers by id (``NotFound`` for others)."""

    customers: dict[str, Customer] = field(default_factory=dict)

    def add(self, customer_id: str, **fields: Any) -> Customer:
        customer = Customer(
            customer_id=customer_id, name=fields.pop("name", customer_id), created_at=T0, updated_at=T0, **fields
        )
        self.customers[customer_id] = customer
        return customer

    def get(self, customer_id: str) -> Customer:
        if customer_id not in self.customers:
            raise NotFound("customer", customer_id)
        return self.customers[customer_id]


# -- stores -----------------------------------------------------------------------------------


class FakeProblemStore:
    """The ``ProblemStore`` port in memory: problems, links, timelines, case pointers and
    detection's candidate keys. ``cases`` reads the case records of ``case_records`` (the same
    table in DynamoDB). Every write is all or nothing, like the store's transactions."""

    def __init__(self, case_records: dict[str, Case] | None = None) -> None:
        self.case_records = case_records if case_records is not None else {}
        self.problems: dict[str, Problem] = {}
        self.link_rows: dict[str, dict[str, ProblemLink]] = {}  # problem id -> case id -> link
        self.events: dict[str, dict[str, ProblemEvent]] = {}  # problem id -> event id -> event
        self.pointers: dict[str, str] = {}  # case id -> problem id
        self.keys: dict[str, str] = {}  # candidate key -> problem id
        self.counter = 100000

    # -- reads ----------------------------------------------------------------------------------
    def next_number(self) -> int:
        self.counter += 1
        return self.counter

    def get(self, problem_id: str) -> Problem:
        if problem_id not in self.problems:
            raise NotFound("problem", problem_id)
        return self.problems[problem_id]

    def problem_for_key(self, key: str) -> str | None:
        return self.keys.get(key)

    def links(self, problem_id: str) -> list[ProblemLink]:
        return [self.link_rows[problem_id][cid] for cid in sorted(self.link_rows.get(problem_id, {}))]

    def timeline(
        self, problem_id: str, limit: int = 200, cursor: str | None = None
    ) -> tuple[list[ProblemEvent], str | None]:
        after = _after(cursor)
        ids = [i for i in sorted(self.events.get(problem_id, {})) if after is None or i > after]
        page = ids[:limit]
        more = len(ids) > limit
        return [self.events[problem_id][i] for i in page], _cursor(page[-1]) if more else None

    def problem_of_case(self, case_id: str) -> str | None:
        return self.pointers.get(case_id)

    def problems_of_cases(self, case_ids: list[str]) -> dict[str, str]:
        return {cid: self.pointers[cid] for cid in case_ids if cid in self.pointers}

    def cases(self, case_ids: list[str]) -> list[Case]:
        return [self.case_records[cid] for cid in dict.fromkeys(case_ids) if cid in self.case_records]

    def query(self, q: ProblemQuery) -> ProblemPage:
        """Most recently changed first (the index's sort key: updated time, then id)."""
        after = _after(q.cursor)
        found = sorted(
            (
                (f"{p.updated_at.isoformat()}#{p.problem_id}", p)
                for p in self.problems.values()
                if (q.status is None or p.status == q.status)
                and (q.department_id is None or p.department_id == q.department_id)
            ),
            key=lambda kp: kp[0],
            reverse=True,
        )
        rest = [(k, p) for k, p in found if after is None or k < after]
        page = rest[: q.limit]
        more = len(rest) > q.limit
        return ProblemPage(items=[p for _, p in page], next_cursor=_cursor(page[-1][0]) if more else None)

    # -- writes ---------------------------------------------------------------------------------
    def _taken(self, problem_id: str, links: list[ProblemLink]) -> None:
        taken = {
            link.case_id: self.pointers[link.case_id]
            for link in links
            if link.case_id in self.pointers and self.pointers[link.case_id] != problem_id
        }
        if taken:
            detail = ", ".join(f"{cid} (problem {pid})" for cid, pid in taken.items())
            raise Conflict(f"cases already linked to another problem: {detail}")
        if any(link.case_id in self.pointers for link in links):
            raise Conflict(f"problem {problem_id} changed meanwhile; try again")

    def _write(self, problem: Problem, events: list[ProblemEvent], add: list[ProblemLink], remove: list[str]) -> None:
        pid = problem.problem_id
        self.problems[pid] = problem
        for e in events:
            self.events.setdefault(pid, {})[e.event_id] = e
        for link in add:
            self.link_rows.setdefault(pid, {})[link.case_id] = link
            self.pointers[link.case_id] = pid
        for case_id in remove:
            self.link_rows.get(pid, {}).pop(case_id, None)
            if self.pointers.get(case_id) == pid:
                del self.pointers[case_id]

    def create(
        self, problem: Problem, events: list[ProblemEvent], links: list[ProblemLink], key: str | None = None
    ) -> None:
        if problem.problem_id in self.problems:
            raise Duplicate(f"problem {problem.problem_id} already exists")
        self._taken(problem.problem_id, links)
        if key is not None and key in self.keys:
            raise Conflict(f"problem {problem.problem_id} changed meanwhile; try again")
        self._write(problem, events, links, [])
        if key is not None:
            self.keys[key] = problem.problem_id

    def save(
        self,
        problem: Problem,
        expected_version: int,
        events: list[ProblemEvent],
        add_links: list[ProblemLink] | None = None,
        remove_links: list[str] | None = None,
    ) -> None:
        current = self.problems.get(problem.problem_id)
        if current is None or current.version != expected_version:
            raise VersionConflict(
                "problem", problem.problem_id, expected_version, None if current is None else current.version
            )
        self._taken(problem.problem_id, add_links or [])
        for case_id in remove_links or []:
            if self.pointers.get(case_id) not in (None, problem.problem_id):
                raise Conflict(f"problem {problem.problem_id} changed meanwhile; try again")
        self._write(problem, events, add_links or [], remove_links or [])

    def move_links(self, source_id: str, target_id: str, links: list[ProblemLink]) -> None:
        if len(links) > 30:
            raise ValueError("at most 30 links move in one transaction")
        if any(self.pointers.get(link.case_id) != source_id for link in links):
            raise Conflict(f"cases of problem {source_id} changed while merging; try again")
        for link in links:
            self.link_rows.get(source_id, {}).pop(link.case_id, None)
            self.link_rows.setdefault(target_id, {})[link.case_id] = link.model_copy(update={"problem_id": target_id})
            self.pointers[link.case_id] = target_id


class FakeDepartmentStore:
    """The ``DepartmentStore`` port in memory (``Duplicate``, ``VersionConflict``, ``NotFound`` as stored)."""

    def __init__(self) -> None:
        self.departments: dict[str, Department] = {}

    def get(self, department_id: str) -> Department:
        if department_id not in self.departments:
            raise NotFound("department", department_id)
        return self.departments[department_id]

    def list(self) -> list[Department]:
        return [self.departments[k] for k in sorted(self.departments)]

    def create(self, department: Department) -> None:
        if department.department_id in self.departments:
            raise Duplicate(f"department {department.department_id} already exists")
        self.departments[department.department_id] = department

    def replace(self, department: Department, expected_version: int) -> None:
        current = self.departments.get(department.department_id)
        if current is None or current.version != expected_version:
            version = None if current is None else current.version
            raise VersionConflict("department", department.department_id, expected_version, version)
        self.departments[department.department_id] = department

    def delete(self, department_id: str) -> None:
        if self.departments.pop(department_id, None) is None:
            raise NotFound("department", department_id)


class FakeRoutingStore:
    """The ``RoutingStore`` port in memory: one versioned rule set (None until one is put)."""

    def __init__(self) -> None:
        self.rules: RoutingRules | None = None

    def get(self) -> RoutingRules | None:
        return self.rules

    def put(self, rules: RoutingRules, expected_version: int) -> None:
        current = 0 if self.rules is None else self.rules.version
        if current != expected_version:
            raise VersionConflict("routing rules", "rules", expected_version, current)
        self.rules = rules


class FakeSuggestionStore:
    """The ``SuggestionStore`` port in memory: one suggestion per problem and case."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], SuggestedCase] = {}

    def put_many(self, suggestions: list[SuggestedCase]) -> None:
        for s in suggestions:
            self.items[(s.problem_id, s.case_id)] = s

    def list(self, problem_id: str) -> list[SuggestedCase]:
        return [s for (pid, _), s in sorted(self.items.items()) if pid == problem_id]

    def remove(self, problem_id: str, case_id: str) -> None:
        self.items.pop((problem_id, case_id), None)

    def clear(self, problem_id: str) -> int:
        gone = [k for k in self.items if k[0] == problem_id]
        for k in gone:
            del self.items[k]
        return len(gone)


# -- other domains, as the problems use them -----------------------------------------------------


@dataclass
class Article:
    article_id: str
    resolution: str
    cause: str = ""
    status: str = "in_review"
    version: int = 1
    source_cases: list[str] = field(default_factory=list)
    retired: bool = False


class FakeKnowledgeSync:
    """The ``KnowledgeSync`` port over articles held here: a fix becomes a new version (in review)
    of a live article; a retired or unknown one is replaced by a new article."""

    def __init__(self) -> None:
        self.articles: dict[str, Article] = {}
        self._numbers = itertools.count(1)

    def add(self, resolution: str, *, retired: bool = False, status: str = "published") -> Article:
        article = Article(article_id=f"KB-{next(self._numbers)}", resolution=resolution, retired=retired, status=status)
        self.articles[article.article_id] = article
        return article

    def resolution(self, article_id: str) -> str:
        if article_id not in self.articles:
            raise NotFound("article", article_id)
        return self.articles[article_id].resolution

    def put_fix(self, problem: Problem, article_id: str | None, source_cases: list[str], author: str) -> ArticleUpdate:
        fix, cause = problem.permanent_fix or "", problem.root_cause or ""
        current = self.articles.get(article_id or "")
        if current is not None and not current.retired:
            current.resolution, current.cause, current.version = fix, cause, current.version + 1
            current.status = "in_review" if current.status == "draft" else current.status
            return ArticleUpdate(
                article_id=current.article_id, action="updated", article_status=current.status, version=current.version
            )
        article = Article(
            article_id=f"KB-{next(self._numbers)}", resolution=fix, cause=cause, source_cases=source_cases[:50]
        )
        self.articles[article.article_id] = article
        return ArticleUpdate(
            article_id=article.article_id, action="created", article_status=article.status, version=article.version
        )


@dataclass
class FakeEscalationStarter:
    """The ``EscalationStarter`` port: records (problem id, department id, problem status) of each
    start; ``fail_with`` makes starts raise it."""

    started: list[tuple[str, str, str]] = field(default_factory=list)
    fail_with: Exception | None = None

    def start(self, problem: Problem, department: Department) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        self.started.append((problem.problem_id, department.department_id, problem.status.value))
        return f"{problem.problem_id}-escalation-{len(self.started)}"


# -- the services on the fakes -----------------------------------------------------------------


@dataclass
class ProblemWorld:
    """The problem services over fakes, with the fakes to arrange and inspect."""

    clock: Clock
    cases: FakeCases
    customers: FakeCustomers
    store: FakeProblemStore
    department_store: FakeDepartmentStore
    routing_store: FakeRoutingStore
    suggestions: FakeSuggestionStore
    knowledge: FakeKnowledgeSync
    escalation: FakeEscalationStarter
    departments: DepartmentService
    problems: ProblemService


def problem_services(*, cost_per_channel: dict[str, float] | None = None, seed: bool = True) -> ProblemWorld:
    """The problem services wired on fakes as ``functions.composition`` wires them on AWS; with
    ``seed``, the default departments exist."""
    from functions.problems.service import (
        ProblemLifecycle,
        ProblemLinking,
        ProblemReads,
        ProblemResolution,
        ProblemService,
    )
    from functions.problems.service.departments import DepartmentService

    clock = Clock()
    cases = FakeCases(clock)
    customers = FakeCustomers()
    store = FakeProblemStore(cases.records)
    department_store, routing_store = FakeDepartmentStore(), FakeRoutingStore()
    suggestions, knowledge, escalation = FakeSuggestionStore(), FakeKnowledgeSync(), FakeEscalationStarter()
    departments = DepartmentService(department_store, routing_store, clock)
    if seed:
        departments.seed()
    problems = ProblemService(
        lifecycle=ProblemLifecycle(store, cases, departments, escalation, clock),
        linking=ProblemLinking(store, cases, suggestions, clock),
        resolution=ProblemResolution(store, cases, knowledge, clock),
        reads=ProblemReads(store, customers, cost_per_channel or {}),
    )
    return ProblemWorld(
        clock,
        cases,
        customers,
        store,
        department_store,
        routing_store,
        suggestions,
        knowledge,
        escalation,
        departments,
        problems,
    )
