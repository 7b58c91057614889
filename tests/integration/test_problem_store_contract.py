"""One contract, two implementations: every problem store port behaves the same on DynamoDB (moto)
and as the in-memory fake the use-case tests run on (tests/fakes/problems.py, escalation.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.cases.models import Actor, ActorType, Case, Channel
from functions.core.errors import Conflict, Duplicate, NotFound, VersionConflict
from functions.problems.models import (
    Department,
    LinkType,
    Problem,
    ProblemEvent,
    ProblemEventKind,
    ProblemLink,
    ProblemQuery,
    ProblemStatus,
    RoutingRule,
    RoutingRules,
    SuggestedCase,
)
from tests.fakes.problems import FakeDepartmentStore, FakeProblemStore, FakeRoutingStore, FakeSuggestionStore

AGENT = Actor(type=ActorType.AGENT, id="ann")
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
KINDS = ["fake", "dynamodb"]


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    if request.param == "dynamodb":
        request.getfixturevalue("aws")
    return str(request.param)


class Problems:
    """A problem store of one kind, and a way to add case records beside it."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.records: dict[str, Case] = {}
        if kind == "fake":
            self.store: Any = FakeProblemStore(self.records)
        else:
            from functions.problems.store import ProblemStore

            self.store = ProblemStore()
        self._n = 0

    def case(self) -> str:
        if self.kind == "fake":
            self._n += 1
            case = Case(case_id=f"CB-{self._n}", subject="s", channel=Channel.EMAIL, created_at=T0, updated_at=T0)
            self.records[case.case_id] = case
            return case.case_id
        from functions.composition import container

        return container().cases.open_case(subject="s", channel=Channel.EMAIL, actor=AGENT).case_id


@pytest.fixture
def problems(kind: str) -> Problems:
    return Problems(kind)


def problem(number: int, **over: Any) -> Problem:
    at = over.pop("at", T0 + timedelta(minutes=number))
    return Problem(problem_id=f"PB-{number}", title="t", created_by=AGENT, created_at=at, updated_at=at, **over)


def link(problem_id: str, case_id: str) -> ProblemLink:
    return ProblemLink(
        problem_id=problem_id, case_id=case_id, link_type=LinkType.SIMILAR, linked_at=T0, linked_by=AGENT
    )


def event(problem_id: str, n: int) -> ProblemEvent:
    at = T0 + timedelta(seconds=n)
    return ProblemEvent(
        event_id=f"{at.isoformat()}#{n:03d}", problem_id=problem_id, at=at, kind=ProblemEventKind.NOTE, actor=AGENT
    )


def saved(p: Problem, **update: Any) -> Problem:
    return p.model_copy(update={**update, "version": p.version + 1})


# -- problems --------------------------------------------------------------------------------


def test_a_problem_is_created_once(problems):
    store = problems.store
    store.create(problem(1), [event("PB-1", 0)], [])
    assert store.get("PB-1").title == "t"
    with pytest.raises(Duplicate):
        store.create(problem(1), [], [])
    with pytest.raises(NotFound):
        store.get("PB-2")


def test_numbers_increase(problems):
    first = problems.store.next_number()
    assert problems.store.next_number() == first + 1


def test_a_case_is_linked_to_one_problem_and_a_refused_write_writes_nothing(problems):
    store, case_id = problems.store, problems.case()
    store.create(problem(1), [], [link("PB-1", case_id)])
    with pytest.raises(Conflict, match="PB-1") as err:
        store.create(problem(2), [event("PB-2", 0)], [link("PB-2", case_id)])
    assert not isinstance(err.value, Duplicate)
    with pytest.raises(NotFound):
        store.get("PB-2")
    assert store.problem_of_case(case_id) == "PB-1"
    assert store.problems_of_cases([case_id, "CB-none"]) == {case_id: "PB-1"}


def test_a_candidate_key_opens_one_problem(problems):
    store = problems.store
    store.create(problem(1), [], [], key="lineage/G1-1")
    assert store.problem_for_key("lineage/G1-1") == "PB-1"
    assert store.problem_for_key("lineage/G2-1") is None
    with pytest.raises(Conflict) as err:
        store.create(problem(2), [], [], key="lineage/G1-1")
    assert not isinstance(err.value, Duplicate)
    with pytest.raises(NotFound):
        store.get("PB-2")


def test_a_save_is_on_the_version_read(problems):
    store = problems.store
    first = problem(1)
    store.create(first, [], [])
    second = saved(first, title="t2")
    store.save(second, 1, [event("PB-1", 1)])
    assert (store.get("PB-1").title, store.get("PB-1").version) == ("t2", 2)
    with pytest.raises(VersionConflict):
        store.save(saved(first, title="stale"), 1, [event("PB-1", 2)])
    assert store.get("PB-1").title == "t2"
    assert [e.event_id for e in store.timeline("PB-1")[0]] == [event("PB-1", 1).event_id]


def test_a_save_adding_a_case_linked_elsewhere_writes_nothing(problems):
    store, taken, free = problems.store, problems.case(), problems.case()
    store.create(problem(1), [], [link("PB-1", taken)])
    store.create(problem(2), [], [])
    with pytest.raises(Conflict, match="PB-1"):
        store.save(saved(problem(2), case_count=2), 1, [event("PB-2", 1)], [link("PB-2", free), link("PB-2", taken)])
    assert store.get("PB-2").version == 1
    assert store.links("PB-2") == [] and store.timeline("PB-2")[0] == []
    assert store.problem_of_case(free) is None


def test_removing_a_link_frees_its_case(problems):
    store, case_id = problems.store, problems.case()
    store.create(problem(1), [], [link("PB-1", case_id)])
    store.save(saved(problem(1)), 1, [], remove_links=[case_id])
    assert store.links("PB-1") == [] and store.problem_of_case(case_id) is None
    store.create(problem(2), [], [link("PB-2", case_id)])
    assert store.problem_of_case(case_id) == "PB-2"


def test_moving_links_moves_their_cases_and_refuses_a_case_that_moved_meanwhile(problems):
    store = problems.store
    a, b = problems.case(), problems.case()
    store.create(problem(1), [], [])
    store.create(problem(2), [], [link("PB-2", a), link("PB-2", b)])
    store.move_links("PB-2", "PB-1", store.links("PB-2")[:1])
    moved = store.links("PB-1")
    assert [(x.problem_id, x.case_id) for x in moved] == [("PB-1", min(a, b))]
    assert store.problem_of_case(min(a, b)) == "PB-1"
    with pytest.raises(Conflict):
        store.move_links("PB-2", "PB-1", moved)  # its case is no longer the source's
    assert store.problem_of_case(max(a, b)) == "PB-2"


def test_case_records_are_those_that_exist(problems):
    case_id = problems.case()
    assert [c.case_id for c in problems.store.cases([case_id, "CB-none"])] == [case_id]
    assert problems.store.cases([]) == []


def test_the_list_is_newest_first_by_status_and_pages(problems):
    store = problems.store
    for n in range(1, 6):
        store.create(problem(n, status=ProblemStatus.CANDIDATE if n % 2 else ProblemStatus.CONFIRMED), [], [])
    seen, cursor = [], None
    for _ in range(5):
        page = store.query(ProblemQuery(limit=2, cursor=cursor))
        seen += [p.problem_id for p in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ["PB-5", "PB-4", "PB-3", "PB-2", "PB-1"]
    candidates = store.query(ProblemQuery(status=ProblemStatus.CANDIDATE, limit=10)).items
    assert [p.problem_id for p in candidates] == ["PB-5", "PB-3", "PB-1"]


def test_the_list_filters_by_department(problems):
    store = problems.store
    store.create(problem(1, department_id="finance"), [], [])
    store.create(problem(2, department_id="engineering"), [], [])
    items = store.query(ProblemQuery(department_id="finance", limit=10)).items
    assert [p.problem_id for p in items] == ["PB-1"]


def test_the_timeline_pages_in_order(problems):
    store = problems.store
    store.create(problem(1), [event("PB-1", n) for n in range(5)], [])
    first, cursor = store.timeline("PB-1", limit=3)
    second, _ = store.timeline("PB-1", limit=3, cursor=cursor)
    assert [e.event_id for e in first + second] == [event("PB-1", n).event_id for n in range(5)]


def test_a_forged_cursor_is_refused(problems):
    from functions.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        problems.store.query(ProblemQuery(cursor="not-a-cursor!"))


# -- departments, routing rules, suggestions ----------------------------------------------------


def _dynamodb(name: str) -> Any:
    from functions.problems.store import DepartmentStore, RoutingStore, SuggestionStore

    return {"departments": DepartmentStore, "routing": RoutingStore, "suggestions": SuggestionStore}[name]()


def _stores(kind: str, fake: Callable[[], Any], name: str) -> Any:
    return fake() if kind == "fake" else _dynamodb(name)


def department(department_id: str, version: int = 1, name: str = "Legal") -> Department:
    return Department(
        department_id=department_id,
        name=name,
        contact_email="a@example.org",
        manager_email="b@example.org",
        created_at=T0,
        updated_at=T0,
        version=version,
    )


def test_departments_are_created_once_replaced_on_their_version_and_deleted(kind):
    store = _stores(kind, FakeDepartmentStore, "departments")
    store.create(department("legal"))
    store.create(department("audit"))
    with pytest.raises(Duplicate):
        store.create(department("legal"))
    assert [d.department_id for d in store.list()] == ["audit", "legal"]
    store.replace(department("legal", 2, "Legal & Compliance"), 1)
    with pytest.raises(VersionConflict):
        store.replace(department("legal", 2, "stale"), 1)
    assert (store.get("legal").name, store.get("legal").version) == ("Legal & Compliance", 2)
    store.delete("legal")
    with pytest.raises(NotFound):
        store.delete("legal")
    with pytest.raises(NotFound):
        store.get("legal")


def test_the_routing_rule_set_is_put_on_its_version(kind):
    store = _stores(kind, FakeRoutingStore, "routing")
    assert store.get() is None
    rule = RoutingRule(rule_id="r", department_id="finance", keywords=["invoice"])
    store.put(RoutingRules(rules=[rule], version=1, updated_at=T0), 0)
    with pytest.raises(VersionConflict):
        store.put(RoutingRules(rules=[], version=1, updated_at=T0), 0)
    store.put(RoutingRules(rules=[], version=2, updated_at=T0), 1)
    stored = store.get()
    assert (stored.version, stored.rules) == (2, [])


def test_suggestions_are_one_per_problem_and_case(kind):
    store = _stores(kind, FakeSuggestionStore, "suggestions")

    def suggestion(case_id: str, similarity: float, problem_id: str = "PB-1") -> SuggestedCase:
        return SuggestedCase(problem_id=problem_id, case_id=case_id, similarity=similarity, suggested_at=T0)

    store.put_many([suggestion("CB-1", 0.4), suggestion("CB-2", 0.5), suggestion("CB-1", 0.7, "PB-2")])
    store.put_many([suggestion("CB-1", 0.6)])
    assert sorted((s.case_id, s.similarity) for s in store.list("PB-1")) == [("CB-1", 0.6), ("CB-2", 0.5)]
    store.remove("PB-1", "CB-2")
    assert [s.case_id for s in store.list("PB-1")] == ["CB-1"]
    assert store.clear("PB-1") == 1
    assert store.list("PB-1") == [] and len(store.list("PB-2")) == 1


# -- escalation ---------------------------------------------------------------------------------


def test_an_escalation_task_is_stored_mailed_and_answered_once(kind):
    from functions.problems.escalation.models import AlreadyUsed, JobKind, Level, Task
    from tests.fakes.escalation import FakeEscalationStore

    if kind == "fake":
        store: Any = FakeEscalationStore()
    else:
        from functions.problems.escalation.store import EscalationStore

        store = EscalationStore()
    task = Task(
        task_id="t1",
        escalation_id="PB-1-e1",
        problem_id="PB-1",
        kind=JobKind.DECIDE,
        level=Level.DEPARTMENT,
        task_token="token",
        nonces={"accept": "n1"},
        created_at="2026-03-01T09:00:00Z",
    )
    assert store.put_task(task, expires_at=1) == task
    assert store.put_task(task.model_copy(update={"nonces": {"accept": "other"}}), expires_at=1).nonces == {
        "accept": "n1"
    }
    assert store.claim_mail("t1", "now") is True
    assert store.claim_mail("t1", "now") is False
    store.release_mail("t1")
    assert store.claim_mail("t1", "now") is True
    assert store.claim_mail("unknown", "now") is False
    store.claim("t1", "n1", "accept", "now")
    with pytest.raises(AlreadyUsed):
        store.claim("t1", "n1", "accept", "now")
    store.release("t1", "someone-else")
    assert store.task("t1").used_nonce == "n1"
    store.release("t1", "n1")
    assert store.task("t1").used_nonce is None
    with pytest.raises(NotFound):
        store.task("unknown")
    with pytest.raises(NotFound):
        store.escalation("PB-1", "PB-1-e1")
    store.set_current_task("PB-1", "PB-1-e1", task, "finance", "now")
    store.mark_resolved("PB-1", "PB-1-e1", "later")
    view = store.escalation("PB-1", "PB-1-e1")
    assert (view.current_task_id, view.department, view.level, view.resolved) == ("t1", "finance", "department", True)
    assert [v.escalation_id for v in store.escalations("PB-1")] == ["PB-1-e1"]
    assert store.escalations("PB-2") == []
