"""Article lifecycle rules and reviewer roles."""

from __future__ import annotations

import pytest

from functions.core.errors import Conflict, Forbidden, InvalidTransition
from functions.core.http import Agent, parse_roles
from functions.knowledge import rules
from functions.knowledge.models import ArticleStatus as S
from functions.knowledge.rules import Action


@pytest.mark.parametrize(
    "action, current, expected",
    [
        (Action.SUBMIT, S.DRAFT, S.IN_REVIEW),
        (Action.PUBLISH, S.IN_REVIEW, S.PUBLISHED),
        (Action.REJECT, S.IN_REVIEW, S.DRAFT),
        (Action.RETIRE, S.PUBLISHED, S.RETIRED),
        (Action.RETIRE, S.DRAFT, S.RETIRED),
    ],
)
def test_allowed_transitions(action, current, expected):
    assert rules.target(action, current) == expected


@pytest.mark.parametrize(
    "action, current",
    [
        (Action.PUBLISH, S.DRAFT),
        (Action.SUBMIT, S.PUBLISHED),
        (Action.SUBMIT, S.IN_REVIEW),
        (Action.REJECT, S.PUBLISHED),
        (Action.RETIRE, S.RETIRED),
        (Action.SUBMIT, S.RETIRED),
    ],
)
def test_refused_transitions_name_what_is_allowed(action, current):
    with pytest.raises(InvalidTransition) as err:
        rules.target(action, current)
    assert err.value.from_ == current.value


def test_only_reviewers_publish_reject_and_retire():
    for action in (Action.PUBLISH, Action.REJECT, Action.RETIRE):
        with pytest.raises(Forbidden):
            rules.check_actor(action, is_reviewer=False)
    rules.check_actor(Action.SUBMIT, is_reviewer=False)


def test_an_edit_makes_a_draft_unless_retired():
    assert rules.status_after_edit(S.PUBLISHED) == S.DRAFT
    assert rules.status_after_edit(S.IN_REVIEW) == S.DRAFT
    with pytest.raises(Conflict):
        rules.status_after_edit(S.RETIRED)


@pytest.mark.parametrize(
    "current, reviewer, expected",
    [
        (S.PUBLISHED, True, S.PUBLISHED),
        (S.PUBLISHED, False, S.IN_REVIEW),
        (S.IN_REVIEW, True, S.IN_REVIEW),
        (S.DRAFT, True, S.DRAFT),
    ],
)
def test_status_after_the_permanent_fix(current, reviewer, expected):
    assert rules.status_after_permanent_fix(current, reviewer) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        (None, frozenset()),
        ("reviewers", {"reviewers"}),
        ("[reviewers, admins]", {"reviewers", "admins"}),
        ('["reviewers","admins"]', {"reviewers", "admins"}),
        ("reviewer agents", {"reviewer", "agents"}),
        (["reviewers"], {"reviewers"}),
    ],
)
def test_roles_are_read_from_the_forms_api_gateway_passes(raw, expected):
    assert parse_roles(raw) == expected


def test_an_agent_has_a_role_by_name():
    agent = Agent(agent_id="rita", via="dev-token", roles=frozenset({"reviewers"}))
    assert agent.has_role("reviewer", "reviewers")
    assert not Agent(agent_id="bob", via="dev-token").has_role("reviewers")


def test_cognito_groups_claim_becomes_roles(monkeypatch):
    from types import SimpleNamespace

    from functions.core.http import authenticate_agent

    request = SimpleNamespace(
        context={"authorizer": {"claims": {"email": "rita@x.example", "cognito:groups": "[reviewers]"}}}, headers={}
    )
    agent = authenticate_agent(request)
    assert agent.roles == {"reviewers"}
