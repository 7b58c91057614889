"""Reading problems: one, a page, and the agents' view with linked cases, impact, cost and timeline."""

from __future__ import annotations

from collections.abc import Mapping

from functions.cases.models import Case
from functions.core.errors import NotFound
from functions.customers.models import Customer
from functions.problems import cost as costing
from functions.problems.models import Problem, ProblemPage, ProblemQuery, ProblemView
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

    def list_problems(self, q: ProblemQuery) -> ProblemPage:
        return self.store.query(q)

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
