"""GET /chat/availability on the stores: the chat calendar (an SLA calendar, chat_calendar_id) and
the agents-online setting decide; no calendar: always open."""

from __future__ import annotations

import json
from datetime import UTC, datetime

ADMIN = {"X-Agent-Roles": "admin"}


def test_no_chat_calendar_means_open(client):
    assert client.http.get("/chat/availability").json_body == {"open": True, "reason": "open"}


def test_a_holiday_on_the_chat_calendar_closes_the_chat(client, agent_headers):
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


def test_no_agent_online_is_said_plainly(client):
    from functions.composition import container
    from functions.core.settings import get_settings

    container().override(settings=get_settings().model_copy(update={"chat_agents_online": False}))
    assert client.http.get("/chat/availability").json_body == {"open": False, "reason": "no_agent_available"}
