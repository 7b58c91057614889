"""The SLA configuration API on moto: admins change it, every agent reads it."""

from __future__ import annotations

import json

OFFICE = {
    "calendar_id": "office",
    "name": "Office",
    "timezone": "Europe/Berlin",
    "hours": {"mon": [{"start": "09:00", "end": "17:00"}]},
    "holidays": ["2026-12-25"],
}


def admin(headers: dict) -> dict:
    return {**headers, "X-Agent-Roles": "admin"}


def test_an_admin_creates_a_calendar_and_a_policy_and_any_agent_reads_them(client, agent_headers):
    resp = client.http.post("/sla/calendars", headers=admin(agent_headers), body=json.dumps(OFFICE))
    assert resp.status_code == 201 and resp.headers["ETag"] == '"1"'
    policy = {
        "policy_id": "std",
        "name": "Standard",
        "calendar_id": "office",
        "targets": {"high": {"first_response_minutes": 60}},
    }
    assert client.http.post("/sla/policies", headers=admin(agent_headers), body=json.dumps(policy)).status_code == 201
    listed = client.http.get("/sla/policies", headers=agent_headers).json_body["items"]
    assert [(p["policy_id"], p["targets"]["high"]["first_response_minutes"]) for p in listed] == [("std", 60)]
    assert client.http.get("/sla/calendars/office", headers=agent_headers).json_body["holidays"] == ["2026-12-25"]


def test_an_agent_without_the_admin_role_may_not_change_the_configuration(client, agent_headers):
    resp = client.http.post("/sla/calendars", headers=agent_headers, body=json.dumps(OFFICE))
    assert resp.status_code == 403 and resp.json_body["error"]["code"] == "forbidden"


def test_bad_calendars_and_stale_versions_are_explained(client, agent_headers):
    bad = {**OFFICE, "timezone": "Mars/Olympus"}
    resp = client.http.post("/sla/calendars", headers=admin(agent_headers), body=json.dumps(bad))
    assert resp.status_code == 400 and "time zone" in json.dumps(resp.json_body)
    client.http.post("/sla/calendars", headers=admin(agent_headers), body=json.dumps(OFFICE))
    again = client.http.post("/sla/calendars", headers=admin(agent_headers), body=json.dumps(OFFICE))
    assert again.status_code == 409 and again.json_body["error"]["code"] == "duplicate"
    update = {k: v for k, v in OFFICE.items() if k != "calendar_id"}
    ok = client.http.put(
        "/sla/calendars/office", headers={**admin(agent_headers), "If-Match": '"1"'}, body=json.dumps(update)
    )
    assert ok.status_code == 200 and ok.json_body["version"] == 2
    stale = client.http.put(
        "/sla/calendars/office", headers={**admin(agent_headers), "If-Match": '"1"'}, body=json.dumps(update)
    )
    assert stale.status_code == 409 and stale.json_body["error"]["code"] == "version_conflict"
    policy = {"policy_id": "p", "name": "P", "calendar_id": "nope", "targets": {}}
    missing = client.http.post("/sla/policies", headers=admin(agent_headers), body=json.dumps(policy))
    assert missing.status_code == 400 and missing.json_body["error"]["fields"][0]["field"] == "calendar_id"
