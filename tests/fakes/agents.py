"""In-memory fakes of the agents' ports (functions/agents/ports.py)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from functions.agents.models import AgentState, AssignmentRules, DirectoryEntry
from functions.core.errors import VersionConflict


class FakeDirectory:
    def __init__(self, *entries: DirectoryEntry) -> None:
        self.entries = list(entries)

    def agents(self) -> list[DirectoryEntry]:
        return [e.model_copy() for e in self.entries]


class InMemoryAgentStates:
    def __init__(self) -> None:
        self.states: dict[str, AgentState] = {}

    def get_many(self, agent_ids: list[str]) -> dict[str, AgentState]:
        return {a: self.states[a].model_copy() for a in agent_ids if a in self.states}

    def set_available(self, agent_id: str, available: bool, at: datetime) -> AgentState:
        self.states[agent_id] = AgentState(agent_id=agent_id, available=available, last_seen_at=at)
        return self.states[agent_id].model_copy()

    def touch(self, agent_id: str, at: datetime) -> None:
        current = self.states.get(agent_id) or AgentState(agent_id=agent_id)
        self.states[agent_id] = current.model_copy(update={"last_seen_at": at})


class InMemoryRuleStore:
    def __init__(self) -> None:
        self.stored: AssignmentRules | None = None

    def get(self) -> AssignmentRules | None:
        return self.stored.model_copy(deep=True) if self.stored else None

    def put(self, rules: AssignmentRules, expected_version: int) -> None:
        current = self.stored.version if self.stored else 0
        if current != expected_version:
            raise VersionConflict("assignment rules", "assignment-rules", expected_version, current)
        self.stored = rules.model_copy(deep=True)


class FakeTurns:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def next_turn(self, group_id: str) -> int:
        self.counts[group_id] += 1
        return self.counts[group_id]


class FakeOpenCases:
    def __init__(self, counts: dict[str, int] | None = None) -> None:
        self.counts = counts or {}

    def count_open(self, assignee: str) -> int:
        return self.counts.get(assignee, 0)
