"""Agents' use cases: the directory with availability and open cases, the agent groups, the
assignment rules, and the routing of a new case (the case service asks ``route`` when it opens a
case, through its ``CaseRouter`` port)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from functions.agents import rules
from functions.agents.models import (
    AgentProfile,
    AssignmentRules,
    AssignmentRulesIn,
    CaseFacts,
    DirectoryEntry,
    Group,
    GroupCreate,
    GroupUpdate,
)
from functions.agents.ports import (
    AgentStates,
    CustomerTiers,
    Directory,
    GroupRecords,
    OpenCases,
    RuleStore,
    TurnCounter,
)
from functions.cases.models import Case
from functions.core.errors import Conflict, Forbidden, InvalidInput, NotFound, VersionConflict


@dataclass(frozen=True)
class Routing:
    """Where a new case goes: the rule that matched, its group, and the member whose turn it is
    (None: group-only, or nobody in the group available)."""

    rule_id: str
    group_id: str
    assignee: str | None


class AgentService:
    def __init__(
        self,
        directory: Directory,
        states: AgentStates,
        groups: GroupRecords,
        rule_store: RuleStore,
        turns: TurnCounter,
        open_cases: OpenCases,
        clock: Callable[[], datetime],
        tiers: CustomerTiers | None = None,
    ) -> None:
        self.tiers = tiers
        self.directory = directory
        self.states = states
        self.groups = groups
        self.rule_store = rule_store
        self.turns = turns
        self.open_cases = open_cases
        self.clock = clock

    # -- the directory -----------------------------------------------------------------------
    def _profiles(self, entries: list[DirectoryEntry]) -> list[AgentProfile]:
        states = self.states.get_many([e.agent_id for e in entries])
        groups = self.groups.list()
        out = []
        for e in entries:
            state = states.get(e.agent_id)
            out.append(
                AgentProfile(
                    agent_id=e.agent_id,
                    name=e.name,
                    email=e.email,
                    roles=e.roles,
                    groups=[g.group_id for g in groups if e.agent_id in g.members],
                    available=state.available if state else True,
                    last_seen_at=state.last_seen_at if state else None,
                    open_cases=self.open_cases.count_open(e.agent_id),
                )
            )
        return out

    def list_agents(self) -> list[AgentProfile]:
        return self._profiles(self.directory.agents())

    def _entry(self, agent_id: str) -> DirectoryEntry | None:
        return next((e for e in self.directory.agents() if e.agent_id == agent_id), None)

    def me(self, agent_id: str, roles: list[str]) -> AgentProfile:
        """The caller's profile (an agent the directory does not list, e.g. the shared development
        token's: named by its id, with the token's roles). Records that the agent was seen."""
        self.states.touch(agent_id, self.clock())
        entry = self._entry(agent_id) or DirectoryEntry(agent_id=agent_id, name=agent_id, roles=sorted(roles))
        return self._profiles([entry])[0]

    def seen(self, agent_id: str) -> None:
        """Record that the agent is at the desk now (the agents' chat console reads, every few seconds)."""
        self.states.touch(agent_id, self.clock())

    def anyone_for_chat(self, within: timedelta) -> bool:
        """Is any agent of the directory available and seen within ``within``? (The chat's
        ``AgentAvailability``: nobody is, and the widget says so and takes a message.)"""
        agent_ids = [e.agent_id for e in self.directory.agents()]
        states = self.states.get_many(agent_ids)
        now = self.clock()
        return any(rules.ready_for_chat(states.get(a), now, within) for a in agent_ids)

    def set_available(self, actor_id: str, actor_is_admin: bool, agent_id: str, available: bool) -> AgentProfile:
        """An agent switches their own availability; an admin anyone's."""
        if agent_id != actor_id and not actor_is_admin:
            raise Forbidden("an agent changes only their own availability (admins anyone's)")
        entry = self._entry(agent_id)
        if entry is None:
            if agent_id != actor_id:
                raise NotFound("agent", agent_id)
            entry = DirectoryEntry(agent_id=agent_id, name=agent_id)
        self.states.set_available(agent_id, available, self.clock())
        return self._profiles([entry])[0]

    # -- groups -----------------------------------------------------------------------------------
    def _known_members(self, members: list[str]) -> list[str]:
        members = list(dict.fromkeys(members))
        known = {e.agent_id for e in self.directory.agents()}
        unknown = [m for m in members if m not in known]
        if unknown:
            raise InvalidInput(
                f"no such agents: {', '.join(unknown)}",
                fields=[
                    {"field": f"members.{members.index(m)}", "message": "no such agent", "type": "value_error"}
                    for m in unknown
                ],
            )
        return members

    def create_group(self, data: GroupCreate) -> Group:
        group = Group.model_validate({**data.model_dump(), "members": self._known_members(data.members)})
        return self.groups.create(group)

    def replace_group(self, group_id: str, data: GroupUpdate, if_match: int | None) -> Group:
        current = self.groups.get(group_id)
        expected = data.version if data.version is not None else if_match
        record = Group.model_validate(
            {
                **data.model_dump(exclude={"version"}),
                "members": self._known_members(data.members),
                "group_id": group_id,
                "version": current.version + 1,
            }
        )
        return self.groups.replace(record, expected if expected is not None else current.version)

    def delete_group(self, group_id: str, if_match: int | None) -> None:
        used = [r.rule_id for r in self.assignment_rules().rules if r.group_id == group_id]
        if used:
            raise Conflict(f"group {group_id} is used by the assignment rules {', '.join(used)}: change them first")
        self.groups.delete(group_id, if_match)

    # -- assignment rules -------------------------------------------------------------------------
    def assignment_rules(self) -> AssignmentRules:
        return self.rule_store.get() or AssignmentRules()

    def put_rules(self, data: AssignmentRulesIn, if_match: int | None) -> AssignmentRules:
        current = self.assignment_rules()
        expected = data.version if data.version is not None else if_match
        if expected is not None and expected != current.version:
            raise VersionConflict("assignment rules", "assignment-rules", expected, current.version)
        known = {g.group_id for g in self.groups.list()}
        missing = [(i, r.group_id) for i, r in enumerate(data.rules) if r.group_id not in known]
        if missing:
            raise InvalidInput(
                f"no such groups: {', '.join(sorted({g for _, g in missing}))}",
                fields=[
                    {"field": f"rules.{i}.group_id", "message": "no such group", "type": "value_error"}
                    for i, _ in missing
                ],
            )
        stored = AssignmentRules(rules=data.rules, version=current.version + 1, updated_at=self.clock())
        self.rule_store.put(stored, current.version)
        return stored

    # -- routing a new case -----------------------------------------------------------------------
    def route_case(self, case: Case) -> Routing | None:
        """Where a new case goes (the case service's ``CaseRouter``)."""
        tier = self.tiers(case.customer_id) if self.tiers is not None and case.customer_id else None
        facts = CaseFacts(
            channel=case.channel.value,
            product=case.product,
            category=case.category,
            customer_tier=tier,
            text=f"{case.subject}\n{case.description}",
        )
        return self.route(facts)

    def route(self, facts: CaseFacts) -> Routing | None:
        """The first matching rule's group and, round-robin, the next available member. Each call
        takes a turn of the group's counter (a case whose opening fails after it leaves a gap: the
        next case goes to the member after)."""
        rule = rules.first_match(self.assignment_rules().rules, facts)
        if rule is None:
            return None
        try:
            group = self.groups.get(rule.group_id)
        except NotFound:
            return None  # the group was deleted under the rule: leave the case unrouted
        if rule.mode == "group_only" or not group.members:
            return Routing(rule.rule_id, group.group_id, None)
        states = self.states.get_many(group.members)
        available = {m for m in group.members if (states[m].available if m in states else True)}
        if not available:
            return Routing(rule.rule_id, group.group_id, None)
        assignee = rules.round_robin(group.members, available, self.turns.next_turn(group.group_id))
        return Routing(rule.rule_id, group.group_id, assignee)
