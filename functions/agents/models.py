"""Agents, groups and assignment rules: API and record models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from functions.cases.models import Channel
from functions.core.models import Model
from functions.core.validators import Code, Name

AgentId = Annotated[str, Field(min_length=1, max_length=128)]
Keyword = Annotated[str, Field(min_length=1, max_length=100)]


class DirectoryEntry(Model):
    """What the directory knows of an agent: Cognito's user (email, name, groups as roles) in AWS,
    a seeded agent locally. ``agent_id`` is what the API records as actor and assignee."""

    agent_id: str
    name: str
    email: str | None = None
    roles: list[str] = Field(default_factory=list)


class AgentState(Model):
    """The desk's own facts about an agent (a table item): the availability switch and last seen."""

    agent_id: str
    available: bool = Field(default=True, description="round-robin assignment skips agents who are not")
    last_seen_at: datetime | None = None


class AgentProfile(Model):
    agent_id: str
    name: str
    email: str | None = None
    roles: list[str] = Field(default_factory=list, description="Cognito groups (admins, reviewers, ...)")
    groups: list[str] = Field(default_factory=list, description="the desk's agent groups the agent is a member of")
    available: bool = True
    last_seen_at: datetime | None = None
    open_cases: int = Field(default=0, description="cases assigned to the agent that are not resolved or closed")


class AgentList(Model):
    items: list[AgentProfile]


class AvailabilityIn(Model):
    model_config = ConfigDict(extra="forbid")

    available: bool


# -- groups ---------------------------------------------------------------------------------------
class Group(Model):
    """An agent group (team): the desk's own record."""

    group_id: Code
    name: Name
    description: Annotated[str, Field(max_length=500)] = ""
    members: list[AgentId] = Field(default_factory=list, max_length=500, description="agent ids, in rotation order")
    version: int = 1


class GroupCreate(Model):
    model_config = ConfigDict(extra="forbid")

    group_id: Code
    name: Name
    description: Annotated[str, Field(max_length=500)] = ""
    members: list[AgentId] = Field(default_factory=list, max_length=500)


class GroupUpdate(Model):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Annotated[str, Field(max_length=500)] = ""
    members: list[AgentId] = Field(default_factory=list, max_length=500)
    version: int | None = Field(default=None, ge=1, description="the version you saw (or send If-Match)")


class GroupList(Model):
    items: list[Group]


# -- assignment rules -------------------------------------------------------------------------------
class RuleMatch(Model):
    """What a new case must have for the rule to apply: every list given must contain the case's
    value (keywords: one of them in the subject or description, case-insensitive, as a whole word
    or phrase). An empty match applies to every case (a catch-all, last in the list)."""

    model_config = ConfigDict(extra="forbid")

    channels: list[Channel] = Field(default_factory=list, max_length=10)
    products: list[Code] = Field(default_factory=list, max_length=100)
    categories: list[Code] = Field(default_factory=list, max_length=100)
    customer_tiers: list[Code] = Field(default_factory=list, max_length=10)
    keywords: list[Keyword] = Field(default_factory=list, max_length=100)


class AssignmentRule(Model):
    model_config = ConfigDict(extra="forbid")

    rule_id: Code
    match: RuleMatch = Field(default_factory=RuleMatch)
    group_id: Code
    mode: Literal["round_robin", "group_only"] = Field(
        default="round_robin",
        description="round_robin: the group and its next available member; group_only: the group, nobody assigned",
    )
    description: Annotated[str, Field(max_length=500)] = ""


class AssignmentRulesIn(Model):
    model_config = ConfigDict(extra="forbid")

    rules: Annotated[list[AssignmentRule], Field(max_length=200)]
    version: int | None = Field(default=None, ge=0, description="the version you saw (GET /assignment-rules)")

    @model_validator(mode="after")
    def _unique_ids(self) -> AssignmentRulesIn:
        ids = [r.rule_id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(dupes)}")
        return self


class AssignmentRules(Model):
    """The ordered rule set: the first rule that matches a new case decides."""

    rules: list[AssignmentRule] = Field(default_factory=list)
    version: int = 0
    updated_at: datetime | None = None


class CaseFacts(Model):
    """What assignment rules look at in a new case."""

    channel: str
    product: str | None = None
    category: str | None = None
    customer_tier: str | None = None
    text: str = ""
