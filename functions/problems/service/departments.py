"""Departments that fix root causes, and the routing rules that suggest one for a problem.

A department cannot be removed while a routing rule sends problems to it; every rule of a rule
set must name a department that exists. Until a deployment stores its own rule set, the default
rules are in force (version 0).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from functions.core.errors import Conflict, Duplicate, InvalidInput, VersionConflict
from functions.problems import rules
from functions.problems.models import Department, DepartmentCreate, DepartmentIn, RoutingRules, RoutingRulesIn
from functions.problems.ports import DepartmentStore, RoutingStore


class DepartmentService:
    def __init__(self, store: DepartmentStore, routing: RoutingStore, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.routing = routing
        self.clock = clock

    # -- departments ------------------------------------------------------------------------
    def list_departments(self) -> list[Department]:
        return self.store.list()

    def department(self, department_id: str) -> Department:
        return self.store.get(department_id)

    def create(self, data: DepartmentCreate) -> Department:
        """A new department (``Duplicate`` if the id exists)."""
        now = self.clock()
        department = Department(**data.model_dump(exclude={"version"}), created_at=now, updated_at=now)
        self.store.create(department)
        return department

    def replace(self, department_id: str, data: DepartmentIn, if_match: int | None = None) -> Department:
        """Replace contacts and policy; the version sent (or If-Match) must be the stored one."""
        current = self.store.get(department_id)
        expected = data.version if data.version is not None else if_match
        if expected is not None and expected != current.version:
            raise VersionConflict("department", department_id, expected, current.version)
        department = Department(
            department_id=department_id,
            **data.model_dump(exclude={"version"}),
            created_at=current.created_at,
            updated_at=self.clock(),
            version=current.version + 1,
        )
        self.store.replace(department, current.version)
        return department

    def delete(self, department_id: str) -> None:
        """Remove a department (``Conflict`` while a routing rule sends problems to it)."""
        used = rules.rules_sending_to(department_id, self.routing_rules().rules)
        if used:
            raise Conflict(f"routing rules send problems to {department_id}: {', '.join(used)}")
        self.store.delete(department_id)

    def seed(self, mail_domain: str = "casebridge.local") -> list[str]:
        """Create the default departments that do not exist yet (never overwrites). Returns the created ids."""
        created: list[str] = []
        for data in rules.default_departments(mail_domain):
            try:
                self.create(data)
            except Duplicate:
                continue
            created.append(data.department_id)
        return created

    # -- routing rules ----------------------------------------------------------------------
    def routing_rules(self) -> RoutingRules:
        """The stored rule set, or the defaults (version 0) until a deployment replaces them."""
        return self.routing.get() or RoutingRules(rules=rules.default_rules(), version=0)

    def replace_routing_rules(self, data: RoutingRulesIn, if_match: int | None = None) -> RoutingRules:
        """Replace the whole rule set (every rule's department must exist); the version sent (or
        If-Match) must be the stored one."""
        unknown = rules.unknown_departments(data.rules, {d.department_id for d in self.store.list()})
        if unknown:
            raise InvalidInput("routing rules name unknown departments", fields=unknown)
        current = self.routing_rules()
        expected = data.version if data.version is not None else if_match
        if expected is not None and expected != current.version:
            raise VersionConflict("routing rules", "rules", expected, current.version)
        new = RoutingRules(rules=rules.ordered(data.rules), version=current.version + 1, updated_at=self.clock())
        self.routing.put(new, current.version)
        return new
