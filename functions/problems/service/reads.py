"""Reading problems: one, a page, and the agents' view with linked cases, impact, cost and timeline."""

from __future__ import annotations

from collections.abc import Mapping

from functions.cases.models import Case
from functions.core.errors import NotFound
from functions.customers.models import Customer
from functions.problems import cost as costing
from functions.problems import rules
from functions.problems.models import Problem, ProblemPage, ProblemQuery, ProblemSort, ProblemView
from functions.problems.ports import Customers, ProblemStore


class ProblemReads:
    def __init__(self, store: ProblemStore, customers: Customers | None, cost_per_channel: Mapping[str, float]) -> None:
        self.store = store
        self.customers = customers
        self.cost_per_channel = cost_per_channel

    def get(self, problem_id: str) -> Problem:
        return self.store.get(problem_id)

    def case_records(self, case_ids: list[str]) -> list[Case]:
        """The records of these cases that exist (batch reads)."""
        return self.store.cases(case_ids)

    # A text search or another order than the index's reads the (status's, department's) problems
    # most recently changed first, at most this many, and orders them here: problems are few (a
    # root cause behind many cases), so this stays one or a few queries.
    MAX_SEARCHED = 5000

    def list_problems(self, q: ProblemQuery) -> ProblemPage:
        if q.q is None and q.sort is ProblemSort.UPDATED:
            return self.store.query(q)
        offset = rules.cursor_offset(q.cursor)
        found = rules.search_problems(self._all(q), q.q, q.sort)
        page = found[offset : offset + q.limit]
        more = len(found) > offset + q.limit
        return ProblemPage(items=page, next_cursor=rules.offset_cursor(offset + q.limit) if more else None)

    def _all(self, q: ProblemQuery) -> list[Problem]:
        out: list[Problem] = []
        cursor: str | None = None
        while len(out) < self.MAX_SEARCHED:
            page = self.store.query(
                ProblemQuery(status=q.status, department_id=q.department_id, limit=200, cursor=cursor)
            )
            out += page.items
            cursor = page.next_cursor
            if not cursor:
                break
        return out[: self.MAX_SEARCHED]

    def view(self, problem_id: str, *, limit: int = 200, cursor: str | None = None) -> ProblemView:
        problem = self.store.get(problem_id)
        links = self.store.links(problem_id)
        cases = self.store.cases([link.case_id for link in links])
        events, next_cursor = self.store.timeline(problem_id, limit=limit, cursor=cursor)
        return ProblemView(
            **problem.model_dump(),
            links=links,
            impact=costing.compute_impact(cases, self._customers(cases)),
            cost=costing.compute_cost(cases, self.cost_per_channel),
            timeline=events,
            timeline_cursor=next_cursor,
        )

    def _customers(self, cases: list[Case]) -> dict[str, Customer]:
        """The linked cases' customers that exist."""
        found: dict[str, Customer] = {}
        if self.customers is None:
            return found
        for customer_id in {c.customer_id for c in cases if c.customer_id}:
            try:
                found[customer_id] = self.customers.get(customer_id)
            except NotFound:
                continue
        return found
