"""A new case is routed by the assignment rules in the write that opens it (the case service's
CaseRouter port, served by the agents' service), on in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.agents.models import AssignmentRulesIn, DirectoryEntry, GroupCreate
from functions.agents.service import AgentService
from functions.cases.models import Actor, ActorType, Channel, EventKind, Message
from functions.cases.service import CaseService
from functions.core.errors import Duplicate
from tests.fakes.agents import FakeDirectory, FakeOpenCases, FakeTurns, InMemoryAgentStates, InMemoryRuleStore
from tests.fakes.cases import FakeCaseStore
from tests.fakes.records import InMemoryRecords

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
CUSTOMER = Actor(type=ActorType.CUSTOMER)


class World:
    def __init__(self) -> None:
        self.agents = AgentService(
            FakeDirectory(*(DirectoryEntry(agent_id=a, name=a.title()) for a in ("ann", "bob", "cyd", "dee"))),
            InMemoryAgentStates(),
            InMemoryRecords("agent_group", "group_id"),
            InMemoryRuleStore(),
            FakeTurns(),
            FakeOpenCases(),
            lambda: NOW,
            tiers=lambda customer_id: {"acme": "gold"}.get(customer_id),
        )
        self.store = FakeCaseStore()
        self.cases = CaseService(self.store, clock=lambda: NOW, router=self.agents)
        self.agents.create_group(GroupCreate(group_id="billing", name="Billing", members=["ann", "bob"]))
        self.agents.create_group(GroupCreate(group_id="vip", name="VIP", members=["cyd"]))
        self.agents.create_group(GroupCreate(group_id="front", name="Front", members=["dee"]))
        rules = [
            {"rule_id": "money", "match": {"keywords": ["invoice"]}, "group_id": "billing"},
            {"rule_id": "gold", "match": {"customer_tiers": ["gold"]}, "group_id": "vip", "mode": "group_only"},
            {"rule_id": "chat", "match": {"channels": ["chat"]}, "group_id": "front"},
        ]
        self.agents.put_rules(AssignmentRulesIn.model_validate({"rules": rules}), None)

    def open(self, subject: str, **kw):
        return self.cases.open_case(subject=subject, channel=kw.pop("channel", Channel.EMAIL), actor=CUSTOMER, **kw)


@pytest.fixture
def world() -> World:
    return World()


def test_round_robin_assigns_the_members_in_turn_and_the_timeline_says_the_system_did(world):
    first, second, third = (world.open(f"Invoice {n} is wrong") for n in range(3))
    assert [(c.group_id, c.assignee) for c in (first, second, third)] == [
        ("billing", "ann"),
        ("billing", "bob"),
        ("billing", "ann"),
    ]
    stored = world.store.get(first.case_id)
    assert (stored.group_id, stored.assignee) == ("billing", "ann")
    events, _ = world.store.timeline(first.case_id)
    routed = [e for e in events if e.kind == EventKind.FIELDS_CHANGED]
    assert len(routed) == 1 and routed[0].actor == Actor(type=ActorType.SYSTEM, id="assignment")
    assert routed[0].changes == {"group_id": {"from": None, "to": "billing"}, "assignee": {"from": None, "to": "ann"}}
    assert routed[0].visibility == "internal" and routed[0].data == {"rule_id": "money"}


def test_an_unavailable_member_is_skipped_and_with_nobody_available_the_case_waits_in_the_group(world):
    world.agents.set_available("ann", False, "ann", False)
    assert [world.open("Invoice?").assignee for _ in range(2)] == ["bob", "bob"]
    world.agents.set_available("bob", False, "bob", False)
    waiting = world.open("Invoice?")
    assert (waiting.group_id, waiting.assignee) == ("billing", None)


def test_customer_tier_and_channel_rules_and_a_case_no_rule_matches(world):
    gold = world.open("Broken", customer_id="acme")
    assert (gold.group_id, gold.assignee) == ("vip", None)  # group-only
    chat = world.open("Hello", channel=Channel.CHAT)
    assert (chat.group_id, chat.assignee) == ("front", "dee")
    plain = world.open("Broken")
    assert (plain.group_id, plain.assignee) == (None, None)
    assert [e.kind for e in world.store.timeline(plain.case_id)[0]] == [EventKind.CREATED]


def test_a_redelivered_message_opens_nothing_and_assigns_nobody_a_second_time(world):
    message = Message(channel=Channel.EMAIL, direction="in", body_text="invoice", message_id="<m1@x>")
    case = world.open("Invoice", message=message, pointers=["<m1@x>"])
    with pytest.raises(Duplicate):
        world.open("Invoice", message=message, pointers=["<m1@x>"])
    assert [c.case_id for c in world.store.cases.values()] == [case.case_id]
    assert world.store.get(case.case_id).assignee == "ann"
