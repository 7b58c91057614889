"""Seeded local agents: each development token names its agent (and roles); the shared token still works."""

from __future__ import annotations

import json

import pytest

AGENTS = [
    {"id": "alex@casebridge.local", "name": "Alex", "token": "alex-token", "roles": ["reviewers"]},
    {"id": "sam@casebridge.local", "name": "Sam", "token": "sam-token", "roles": []},
]


@pytest.fixture(autouse=True)
def _seeded_agents(monkeypatch):
    monkeypatch.setenv("CASEBRIDGE_DEV_AGENTS", json.dumps(AGENTS))
    from functions.core.settings import reset_settings

    reset_settings()
    yield
    reset_settings()


def _open_case(client, headers):
    return client.http.post(
        "/cases", headers={"Content-Type": "application/json", **headers}, body=json.dumps({"subject": "Printer jams"})
    )


def test_a_seeded_agents_token_names_the_agent_whatever_the_headers_say(client):
    # When Sam opens a case with his own token and claims to be someone else
    response = _open_case(client, {"Authorization": "Bearer sam-token", "X-Agent-Id": "mallory"})

    # Then the case's timeline records Sam
    assert response.status_code == 201
    case_id = response.json_body["case_id"]
    view = client.http.get(f"/cases/{case_id}", headers={"Authorization": "Bearer sam-token"}).json_body
    assert view["timeline"][0]["actor"] == {"type": "agent", "id": "sam@casebridge.local", "name": None}


def test_a_seeded_agents_roles_come_from_the_seed_not_from_headers():
    # Given a request with Sam's token claiming the reviewers role, and one with Alex's token
    from functions.core.http import authenticate_agent

    class Request:
        def __init__(self, token: str) -> None:
            self.context = {}
            self.headers = {"authorization": f"Bearer {token}", "x-agent-roles": "reviewers"}

    # Then only Alex, seeded as a reviewer, is one
    assert not authenticate_agent(Request("sam-token")).has_role("reviewers")
    assert authenticate_agent(Request("alex-token")).has_role("reviewers")


def test_an_unknown_token_is_refused_and_the_shared_token_still_works(client, agent_headers):
    assert _open_case(client, {"Authorization": "Bearer nobody"}).status_code == 401
    response = _open_case(client, {**agent_headers, "X-Agent-Id": "alice"})
    assert response.status_code == 201
