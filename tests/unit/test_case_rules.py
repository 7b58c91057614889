"""The case status lifecycle as pure rules."""

from __future__ import annotations

import pytest

from functions.cases import rules
from functions.cases.models import CaseStatus as S
from functions.core.errors import InvalidTransition


@pytest.mark.parametrize(
    ("from_", "to"),
    [
        (S.NEW, S.OPEN),
        (S.OPEN, S.PENDING_CUSTOMER),
        (S.PENDING_CUSTOMER, S.OPEN),
        (S.OPEN, S.RESOLVED),
        (S.RESOLVED, S.CLOSED),
        (S.RESOLVED, S.OPEN),
    ],
)
def test_allowed_transitions_pass(from_, to):
    rules.check_transition(from_, to)


@pytest.mark.parametrize(
    ("from_", "to"), [(S.CLOSED, S.OPEN), (S.OPEN, S.NEW), (S.OPEN, S.CLOSED), (S.PENDING_DEPARTMENT, S.CLOSED)]
)
def test_forbidden_transitions_raise_with_the_allowed_targets(from_, to):
    with pytest.raises(InvalidTransition) as exc:
        rules.check_transition(from_, to)
    assert exc.value.allowed == rules.allowed(from_)


def test_no_status_can_go_back_to_new():
    assert all(S.NEW not in targets for targets in rules.TRANSITIONS.values())


def test_closed_is_terminal_and_takes_no_messages():
    assert rules.TRANSITIONS[S.CLOSED] == frozenset()
    assert not rules.accepts_messages(S.CLOSED)


@pytest.mark.parametrize(
    ("current", "after"),
    [(S.PENDING_CUSTOMER, S.OPEN), (S.RESOLVED, S.OPEN), (S.PENDING_DEPARTMENT, S.PENDING_DEPARTMENT), (S.NEW, S.NEW)],
)
def test_a_customer_message_reopens_only_cases_waiting_on_the_customer_or_resolved(current, after):
    assert rules.status_after_customer_message(current) == after
