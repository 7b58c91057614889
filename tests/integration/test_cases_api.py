"""Agents' case API through chalice.test.Client against moto."""

from __future__ import annotations

import json


def _create(client, headers, **over):
    body = {
        "subject": "Printer jams on page 2",
        "description": "Since the update it jams.",
        "contact_email": "ann@example.org",
    }
    body.update(over)
    resp = client.http.post("/cases", headers=headers, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    return resp.json_body


def test_agent_routes_refuse_requests_without_the_token(client):
    resp = client.http.get("/cases")
    assert resp.status_code == 401
    assert resp.json_body["error"]["code"] == "unauthorized"


def test_case_numbers_are_human_friendly_and_unique(client, agent_headers):
    numbers = {_create(client, agent_headers)["case_id"] for _ in range(5)}
    assert len(numbers) == 5
    assert all(n.startswith("CB-1") and n[3:].isdigit() for n in numbers)


def test_new_case_shows_its_timeline(client, agent_headers):
    case = _create(client, agent_headers)
    resp = client.http.get(f"/cases/{case['case_id']}", headers=agent_headers)
    assert resp.status_code == 200
    assert resp.headers["ETag"] == '"1"'
    assert [e["kind"] for e in resp.json_body["timeline"]] == ["created"]


def test_invalid_status_transition_answers_409_naming_the_allowed_ones(client, agent_headers):
    case = _create(client, agent_headers)
    cid = case["case_id"]
    assert (
        client.http.patch(f"/cases/{cid}", headers=agent_headers, body=json.dumps({"status": "resolved"})).status_code
        == 200
    )
    assert (
        client.http.patch(f"/cases/{cid}", headers=agent_headers, body=json.dumps({"status": "closed"})).status_code
        == 200
    )
    resp = client.http.patch(f"/cases/{cid}", headers=agent_headers, body=json.dumps({"status": "open"}))
    assert resp.status_code == 409
    assert resp.json_body["error"]["code"] == "invalid_transition"
    assert "closed" in resp.json_body["error"]["message"]


def test_two_agents_with_the_same_version_cannot_overwrite_each_other(client, agent_headers):
    case = _create(client, agent_headers)
    cid = case["case_id"]
    first = client.http.patch(
        f"/cases/{cid}",
        headers={**agent_headers, "X-Agent-Id": "alice"},
        body=json.dumps({"version": 1, "priority": "high"}),
    )
    second = client.http.patch(
        f"/cases/{cid}",
        headers={**agent_headers, "X-Agent-Id": "bob", "If-Match": '"1"'},
        body=json.dumps({"priority": "low"}),
    )
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json_body["error"]["code"] == "version_conflict"
    assert client.http.get(f"/cases/{cid}", headers=agent_headers).json_body["priority"] == "high"


def test_filters_and_pagination_return_each_case_once(client, agent_headers):
    made = [_create(client, agent_headers, product="printer-x" if i % 2 else "router-y")["case_id"] for i in range(7)]
    seen, cursor = [], None
    while True:
        url = "/cases?product=printer-x&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.http.get(url, headers=agent_headers).json_body
        seen += [c["case_id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made[1::2])


def test_assignment_moves_a_new_case_to_open_and_lists_under_the_assignee(client, agent_headers):
    cid = _create(client, agent_headers)["case_id"]
    resp = client.http.patch(f"/cases/{cid}", headers=agent_headers, body=json.dumps({"assignee": "alice"}))
    assert resp.json_body["status"] == "open"
    mine = client.http.get("/cases?assignee=alice", headers=agent_headers).json_body["items"]
    assert [c["case_id"] for c in mine] == [cid]


def test_internal_note_is_on_the_timeline_as_internal(client, agent_headers):
    cid = _create(client, agent_headers)["case_id"]
    resp = client.http.post(
        f"/cases/{cid}/notes", headers=agent_headers, body=json.dumps({"body": "Called back, no answer"})
    )
    assert resp.status_code == 201
    timeline = client.http.get(f"/cases/{cid}", headers=agent_headers).json_body["timeline"]
    assert timeline[-1]["kind"] == "note" and timeline[-1]["visibility"] == "internal"


def test_bad_input_names_the_field(client, agent_headers):
    resp = client.http.patch("/cases/CB-100001", headers=agent_headers, body=json.dumps({"priority": "whenever"}))
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "priority"


def test_bad_cursor_is_a_400_not_a_500(client, agent_headers):
    resp = client.http.get("/cases?cursor=%%%", headers=agent_headers)
    assert resp.status_code == 400


def test_unknown_case_is_404(client, agent_headers):
    assert client.http.get("/cases/CB-999999", headers=agent_headers).status_code == 404


def test_resolved_cases_close_automatically_after_the_grace_period(client, agent_headers):
    from datetime import timedelta

    from functions.core.timeutil import utcnow

    old = _create(client, agent_headers)["case_id"]
    fresh = _create(client, agent_headers)["case_id"]
    for cid in (old, fresh):
        client.http.patch(f"/cases/{cid}", headers=agent_headers, body=json.dumps({"status": "resolved"}))
    later = utcnow() + timedelta(days=8)
    # Given only `old` is past the grace period when the job runs 8 days later...
    client.http.patch(f"/cases/{fresh}", headers=agent_headers, body=json.dumps({"status": "open"}))
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])
    event["time"] = later.strftime("%Y-%m-%dT%H:%M:%SZ")  # the run scheduled 8 days later
    result = client.lambda_.invoke("close_resolved_cases", event).payload
    assert result["closed"] == [old]
    assert client.http.get(f"/cases/{old}", headers=agent_headers).json_body["status"] == "closed"
    assert client.http.get(f"/cases/{fresh}", headers=agent_headers).json_body["status"] == "open"


def test_a_malformed_if_match_is_a_400_naming_the_header(client, agent_headers):
    cid = _create(client, agent_headers)["case_id"]
    resp = client.http.patch(
        f"/cases/{cid}", headers={**agent_headers, "If-Match": "latest"}, body=json.dumps({"priority": "high"})
    )
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "If-Match"
