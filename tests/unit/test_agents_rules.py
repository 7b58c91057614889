"""Assignment rules: which rule a new case matches, and whom round-robin picks."""

from __future__ import annotations

from collections import Counter

import pytest

from functions.agents import rules
from functions.agents.models import AssignmentRule, CaseFacts, RuleMatch


def facts(**kw) -> CaseFacts:
    return CaseFacts(**{"channel": "email", **kw})


def rule(rule_id: str, group: str = "g", **match) -> AssignmentRule:
    return AssignmentRule(rule_id=rule_id, group_id=group, match=RuleMatch(**match))


def test_the_first_matching_rule_decides_and_an_empty_match_catches_everything():
    rs = [
        rule("billing", "billing", keywords=["invoice", "refund"]),
        rule("vip", "vip", customer_tiers=["gold"]),
        rule("rest", "front"),
    ]
    assert rules.first_match(rs, facts(text="Where is my invoice?", customer_tier="gold")).rule_id == "billing"
    assert rules.first_match(rs, facts(text="Printer jams", customer_tier="gold")).rule_id == "vip"
    assert rules.first_match(rs, facts(text="Printer jams")).rule_id == "rest"


def test_every_criterion_given_must_hold():
    r = rule("r", channels=["chat"], products=["PX-200"], categories=["hardware"])
    assert rules.matches(r.match, facts(channel="chat", product="px-200", category="hardware"))
    assert not rules.matches(r.match, facts(channel="email", product="PX-200", category="hardware"))
    assert not rules.matches(r.match, facts(channel="chat", product=None, category="hardware"))
    assert rules.first_match([r], facts(channel="chat")) is None


@pytest.mark.parametrize(
    ("keyword", "text", "found"),
    [
        ("refund", "I want a REFUND now", True),
        ("refund", "refunded already", False),  # whole words only
        ("paper jam", "a paper   jam again", True),
        ("paper jam", "paper and jam", False),
        ("c++", "my c++ compiler", True),
        ("  ", "anything", False),
    ],
)
def test_keywords_match_whole_words_and_phrases_ignoring_case(keyword, text, found):
    assert rules.keyword_in(keyword, text) is found


def test_round_robin_turns_through_the_available_members_in_order():
    members = ["ann", "bob", "cyd"]
    picks = [rules.round_robin(members, set(members), turn) for turn in range(1, 7)]
    assert picks == ["ann", "bob", "cyd", "ann", "bob", "cyd"]


def test_round_robin_skips_unavailable_members_and_spreads_evenly_over_the_rest():
    members = ["ann", "bob", "cyd", "dee"]
    picks = Counter(rules.round_robin(members, {"ann", "cyd", "dee"}, turn) for turn in range(1, 301))
    assert picks == Counter({"ann": 100, "cyd": 100, "dee": 100})


def test_round_robin_with_nobody_available_picks_nobody():
    assert rules.round_robin(["ann"], set(), 1) is None
    assert rules.round_robin([], {"ann"}, 1) is None


def test_ready_for_chat_needs_the_switch_on_and_a_recent_sighting():
    from datetime import UTC, datetime, timedelta

    from functions.agents.models import AgentState
    from functions.agents.rules import ready_for_chat

    now, minute = datetime(2026, 12, 3, 9, 0, tzinfo=UTC), timedelta(minutes=1)
    assert ready_for_chat(AgentState(agent_id="a", last_seen_at=now - minute), now, minute)
    assert not ready_for_chat(AgentState(agent_id="a", last_seen_at=now - 2 * minute), now, minute)
    assert not ready_for_chat(AgentState(agent_id="a", available=False, last_seen_at=now), now, minute)
    assert not ready_for_chat(AgentState(agent_id="a"), now, minute)
    assert not ready_for_chat(None, now, minute)
