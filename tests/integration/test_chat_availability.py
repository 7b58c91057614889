"""GET /chat/availability on the stores: the chat calendar (an SLA calendar, chat_calendar_id) and
the agents decide (an agent of the directory whose availability is on and who read the chat console
within chat_agent_seen_seconds); no calendar: always open."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

SAM = {"Authorization": "Bearer sam-token", "Content-Type": "application/json"}
ADMIN = {"X-Agent-Roles": "admin"}
NOW = [datetime.now(UTC)]


@pytest.fixture(autouse=True)
def _seeded_agent_and_clock(monkeypatch, container):
    agents = [{"id": "sam@casebridge.local", "name": "Sam", "token": "sam-token", "roles": []}]
    monkeypatch.setenv("CASEBRIDGE_DEV_AGENTS", json.dumps(agents))
    from functions.core.settings import reset_settings

    reset_settings()
    NOW[0] = datetime.now(UTC)
    container.override(clock=lambda: NOW[0])
    yield
    reset_settings()


def _sam_at_the_chat_console(client) -> None:
    assert client.http.get("/chat/sessions", headers=SAM).status_code == 200


def test_no_chat_calendar_means_open(client):
    _sam_at_the_chat_console(client)
    assert client.http.get("/chat/availability").json_body == {"open": True, "reason": "open"}


def test_a_holiday_on_the_chat_calendar_closes_the_chat(client, agent_headers):
    _sam_at_the_chat_console(client)
    today = datetime.now(UTC).date().isoformat()
    all_day = [{"start": "00:00", "end": "00:00"}]
    body = {
        "calendar_id": "chat",
        "name": "Chat hours",
        "hours": {d: all_day for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        "holidays": [today],
    }
    created = client.http.post("/sla/calendars", headers={**agent_headers, **ADMIN}, body=json.dumps(body))
    assert created.status_code == 201, created.body
    assert client.http.get("/chat/availability").json_body == {"open": False, "reason": "outside_business_hours"}


def test_no_agent_seen_is_said_plainly(client):
    assert client.http.get("/chat/availability").json_body == {"open": False, "reason": "no_agent_available"}


def test_an_agent_reading_a_chat_also_counts(client):
    assert client.http.get("/chat/sessions/no-such-session", headers=SAM).status_code == 404
    assert client.http.get("/chat/availability").json_body == {"open": True, "reason": "open"}


def test_an_agent_who_switched_availability_off_closes_the_chat(client):
    _sam_at_the_chat_console(client)
    off = client.http.patch("/agents/sam@casebridge.local", headers=SAM, body=json.dumps({"available": False}))
    assert off.status_code == 200, off.body
    assert client.http.get("/chat/availability").json_body == {"open": False, "reason": "no_agent_available"}


def test_an_agent_seen_too_long_ago_does_not_count(client):
    _sam_at_the_chat_console(client)
    NOW[0] += timedelta(minutes=5)
    assert client.http.get("/chat/availability").json_body == {"open": False, "reason": "no_agent_available"}
