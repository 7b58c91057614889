"""What the agents' services receive. In-memory fakes: ``tests/fakes/agents.py`` (groups:
``tests/fakes/records.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from functions.agents.models import AgentState, AssignmentRules, DirectoryEntry, Group
from functions.core.records import Records


class Directory(Protocol):
    """Who the agents are: the Cognito user pool in AWS (``CognitoDirectory``), the seeded agents
    locally (``SeededDirectory``)."""

    def agents(self) -> list[DirectoryEntry]:
        """Every enabled agent, in a stable order."""
        ...


class AgentStates(Protocol):
    """Availability and last seen, one table item per agent."""

    def get_many(self, agent_ids: list[str]) -> dict[str, AgentState]:
        """The states that exist (an agent without one is available and never seen)."""
        ...

    def set_available(self, agent_id: str, available: bool, at: datetime) -> AgentState: ...

    def touch(self, agent_id: str, at: datetime) -> None:
        """Record that the agent was seen at ``at``."""
        ...


class OpenCases(Protocol):
    """How many unresolved cases each agent has (the cases domain)."""

    def count_open(self, assignee: str) -> int: ...


class RuleStore(Protocol):
    def get(self) -> AssignmentRules | None: ...

    def put(self, rules: AssignmentRules, expected_version: int) -> None:
        """Store if the stored set is at ``expected_version`` (0: none yet); VersionConflict."""
        ...


class TurnCounter(Protocol):
    def next_turn(self, group_id: str) -> int:
        """The group's next round-robin turn (1, 2, 3, ...; atomic across concurrent callers)."""
        ...


class CustomerTiers(Protocol):
    def __call__(self, customer_id: str) -> str | None:
        """The customer's tier, or None when unknown."""
        ...


GroupRecords = Records[Group]
