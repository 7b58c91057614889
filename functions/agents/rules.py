"""Pure rules of assignment: which rule a new case matches, and whom round-robin picks; whether an
agent is ready to take a chat (available and seen recently)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from functions.agents.models import AgentState, AssignmentRule, CaseFacts, RuleMatch


@lru_cache(maxsize=1024)
def _keyword_pattern(keyword: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in keyword.lower().split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


def keyword_in(keyword: str, text: str) -> bool:
    """``keyword`` (a word or a phrase) occurs in ``text`` as whole words, ignoring case and spacing."""
    if not keyword.strip():
        return False
    return _keyword_pattern(keyword.strip()).search(text.lower()) is not None


def _one_of(allowed: Sequence[str], value: str | None) -> bool:
    if not allowed:
        return True
    return value is not None and value.lower() in {a.lower() for a in allowed}


def matches(match: RuleMatch, facts: CaseFacts) -> bool:
    """Every criterion the rule gives holds for the case (an empty match holds for every case)."""
    return (
        _one_of([c.value for c in match.channels], facts.channel)
        and _one_of(match.products, facts.product)
        and _one_of(match.categories, facts.category)
        and _one_of(match.customer_tiers, facts.customer_tier)
        and (not match.keywords or any(keyword_in(k, facts.text) for k in match.keywords))
    )


def first_match(rules: Iterable[AssignmentRule], facts: CaseFacts) -> AssignmentRule | None:
    """The first rule in order that matches, or None."""
    return next((r for r in rules if matches(r.match, facts)), None)


def round_robin(members: Sequence[str], available: set[str], turn: int) -> str | None:
    """The member whose turn ``turn`` (the group's counter: 1, 2, 3, ...) is, among the members who
    are available, in the group's order. Unavailable members are skipped; nobody available: None.

    The turn indexes the available members, so the cases spread evenly over whoever is available
    (walking the whole member list and skipping absent ones would give the member after an absent
    one two turns in a row)."""
    candidates = [m for m in dict.fromkeys(members) if m in available]
    if not candidates:
        return None
    return candidates[(turn - 1) % len(candidates)]


def ready_for_chat(state: AgentState | None, now: datetime, within: timedelta) -> bool:
    """An agent takes a chat when their availability switch is on and they were seen at most
    ``within`` before ``now`` (never seen: not ready; the switch alone says nothing about presence)."""
    if state is None or not state.available or state.last_seen_at is None:
        return False
    return now - within <= state.last_seen_at <= now + within
