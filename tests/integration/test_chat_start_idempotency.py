"""POST /chat/sessions with an Idempotency-Key: a double click opens one chat and one case."""

from __future__ import annotations

import json

KEY = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
FORM = {"name": "Ann Example", "email": "ann@example.org", "topic": "Router keeps rebooting"}


def _start(client, key=KEY, **over):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    return client.http.post("/chat/sessions", headers=headers, body=json.dumps({**FORM, **over}))


def _chat_cases(client, agent_headers) -> list[str]:
    items = client.http.get("/cases?channel=chat", headers=agent_headers).json_body["items"]
    return [c["case_id"] for c in items]


def test_a_repeated_start_returns_the_same_session_and_opens_one_case(client, agent_headers):
    first = _start(client)

    again = _start(client)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json_body["session_id"] == first.json_body["session_id"]
    assert again.json_body["case_id"] == first.json_body["case_id"]
    assert _chat_cases(client, agent_headers) == [first.json_body["case_id"]]


def test_the_replayed_token_works_on_the_session(client):
    first = _start(client).json_body
    again = _start(client).json_body

    resp = client.http.post(
        f"/chat/sessions/{first['session_id']}/messages",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {again['token']}"},
        body=json.dumps({"client_message_id": "c-1", "text": "hello"}),
    )

    assert resp.status_code == 201


def test_the_same_key_with_another_form_is_a_409(client, agent_headers):
    _start(client)

    resp = _start(client, topic="Something else")

    assert resp.status_code == 409
    assert len(_chat_cases(client, agent_headers)) == 1


def test_the_same_key_from_another_address_never_reveals_the_first_session(client):
    first = _start(client).json_body

    other = _start(client, email="mallory@example.net", name="Mallory")

    assert other.status_code == 201
    assert other.json_body["session_id"] != first["session_id"]


def test_starts_without_a_key_open_a_chat_each(client, agent_headers):
    _start(client, key=None)
    _start(client, key=None)

    assert len(_chat_cases(client, agent_headers)) == 2


def test_a_malformed_key_is_a_400_naming_the_header(client, agent_headers):
    resp = _start(client, key="too-short")

    assert resp.status_code == 400
    assert [f["field"] for f in resp.json_body["error"]["fields"]] == ["Idempotency-Key"]
    assert _chat_cases(client, agent_headers) == []
