"""Agents' use cases on in-memory fakes: directory, availability, groups, rules, routing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.agents.models import (
    AssignmentRulesIn,
    CaseFacts,
    DirectoryEntry,
    GroupCreate,
    GroupUpdate,
)
from functions.agents.service import AgentService, Routing
from functions.core.errors import Conflict, Forbidden, InvalidInput, NotFound, VersionConflict
from tests.fakes.agents import FakeDirectory, FakeOpenCases, FakeTurns, InMemoryAgentStates, InMemoryRuleStore
from tests.fakes.records import InMemoryRecords

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def svc() -> AgentService:
    directory = FakeDirectory(
        DirectoryEntry(agent_id="ann", name="Ann", roles=["admins"]),
        DirectoryEntry(agent_id="bob", name="Bob"),
        DirectoryEntry(agent_id="cyd", name="Cyd"),
    )
    return AgentService(
        directory,
        InMemoryAgentStates(),
        InMemoryRecords("agent_group", "group_id"),
        InMemoryRuleStore(),
        FakeTurns(),
        FakeOpenCases({"bob": 3}),
        lambda: NOW,
    )


def setup_rules(svc: AgentService, mode: str = "round_robin") -> None:
    svc.create_group(GroupCreate(group_id="front", name="Front desk", members=["ann", "bob", "cyd"]))
    svc.put_rules(
        AssignmentRulesIn.model_validate({"rules": [{"rule_id": "all", "group_id": "front", "mode": mode}]}), None
    )


def test_the_directory_lists_agents_with_their_groups_availability_and_open_cases(svc):
    svc.create_group(GroupCreate(group_id="front", name="Front", members=["bob"]))
    svc.set_available("bob", False, "bob", False)
    by_id = {p.agent_id: p for p in svc.list_agents()}
    assert by_id["bob"].groups == ["front"] and by_id["bob"].available is False and by_id["bob"].open_cases == 3
    assert by_id["ann"].available is True and by_id["ann"].roles == ["admins"]


def test_me_records_last_seen_and_names_an_agent_the_directory_does_not_know(svc):
    me = svc.me("dev-agent", ["admins"])
    assert me.name == "dev-agent" and me.roles == ["admins"] and me.last_seen_at == NOW


def test_an_agent_sets_only_their_own_availability_and_an_admin_anyones(svc):
    with pytest.raises(Forbidden):
        svc.set_available("bob", False, "cyd", False)
    assert svc.set_available("ann", True, "cyd", False).available is False
    with pytest.raises(NotFound):
        svc.set_available("ann", True, "nobody", False)


def test_groups_name_known_agents_and_a_group_a_rule_uses_cannot_be_deleted(svc):
    with pytest.raises(InvalidInput) as bad:
        svc.create_group(GroupCreate(group_id="g", name="G", members=["ann", "zed"]))
    assert bad.value.fields[0]["field"] == "members.1"
    setup_rules(svc)
    with pytest.raises(Conflict):
        svc.delete_group("front", None)
    updated = svc.replace_group("front", GroupUpdate(name="Front", members=["bob"], version=1), None)
    assert updated.version == 2
    with pytest.raises(VersionConflict):
        svc.replace_group("front", GroupUpdate(name="Front", members=["bob"], version=1), None)


def test_rules_name_existing_groups_and_are_versioned(svc):
    with pytest.raises(InvalidInput) as bad:
        svc.put_rules(AssignmentRulesIn.model_validate({"rules": [{"rule_id": "r", "group_id": "nope"}]}), None)
    assert bad.value.fields[0]["field"] == "rules.0.group_id"
    setup_rules(svc)
    assert svc.assignment_rules().version == 1
    with pytest.raises(VersionConflict):
        svc.put_rules(AssignmentRulesIn.model_validate({"rules": [], "version": 0}), None)
    assert svc.put_rules(AssignmentRulesIn.model_validate({"rules": []}), 1).version == 2


def test_repeated_rule_ids_are_refused():
    with pytest.raises(ValueError, match="repeated: a"):
        AssignmentRulesIn.model_validate(
            {"rules": [{"rule_id": "a", "group_id": "g"}, {"rule_id": "a", "group_id": "h"}]}
        )


def test_round_robin_routing_skips_unavailable_members(svc):
    setup_rules(svc)
    svc.set_available("bob", True, "bob", False)
    picks = [svc.route(CaseFacts(channel="email")) for _ in range(4)]
    assert [p.assignee for p in picks if p] == ["ann", "cyd", "ann", "cyd"]
    assert all(p == Routing("all", "front", p.assignee) for p in picks if p)


def test_with_nobody_available_the_case_stays_in_the_group_unassigned(svc):
    setup_rules(svc)
    for agent in ("ann", "bob", "cyd"):
        svc.set_available(agent, False, agent, False)
    assert svc.route(CaseFacts(channel="email")) == Routing("all", "front", None)


def test_group_only_rules_route_to_the_group_and_no_rule_routes_nowhere(svc):
    assert svc.route(CaseFacts(channel="email")) is None
    setup_rules(svc, mode="group_only")
    assert svc.route(CaseFacts(channel="email")) == Routing("all", "front", None)


# -- who is there to chat (the chat's AgentAvailability) -------------------------------------------
def test_nobody_seen_means_nobody_for_chat(svc):
    assert svc.anyone_for_chat(timedelta(minutes=1)) is False


def test_an_available_agent_seen_recently_takes_chats(svc):
    svc.seen("bob")
    assert svc.anyone_for_chat(timedelta(minutes=1)) is True


def test_an_agent_seen_too_long_ago_does_not_count(svc):
    svc.states.touch("bob", NOW - timedelta(minutes=5))
    assert svc.anyone_for_chat(timedelta(minutes=1)) is False


def test_an_agent_who_switched_availability_off_does_not_count(svc):
    svc.seen("bob")
    svc.set_available("bob", False, "bob", False)
    assert svc.anyone_for_chat(timedelta(minutes=1)) is False


def test_an_agent_outside_the_directory_does_not_count(svc):
    svc.seen("gone")
    assert svc.anyone_for_chat(timedelta(minutes=1)) is False
