"""An agent's reply into a live chat keeps the case's status unless the agent asks for another."""

from __future__ import annotations

import json

JSON = {"Content-Type": "application/json"}


def _start(client):
    body = {"name": "Ann Example", "email": "ann@example.org", "topic": "Router keeps rebooting"}
    return client.http.post("/chat/sessions", headers=JSON, body=json.dumps(body)).json_body


def _reply(client, agent_headers, case_id, **extra):
    body = {"body": "Let me check that for you.", **extra}
    resp = client.http.post(f"/cases/{case_id}/replies", headers=agent_headers, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    return resp.json_body


def _status(client, agent_headers, case_id):
    return client.http.get(f"/cases/{case_id}", headers=agent_headers).json_body["status"]


def _say(client, chat, text, cid):
    client.http.post(
        f"/chat/sessions/{chat['session_id']}/messages",
        headers={**JSON, "Authorization": f"Bearer {chat['token']}"},
        body=json.dumps({"client_message_id": cid, "text": text}),
    )


def test_a_reply_into_a_live_chat_without_status_after_makes_a_new_case_open(client, agent_headers):
    chat = _start(client)

    _reply(client, agent_headers, chat["case_id"])

    assert _status(client, agent_headers, chat["case_id"]) == "open"


def test_turn_after_turn_of_a_live_chat_the_case_stays_open(client, agent_headers):
    chat = _start(client)
    _reply(client, agent_headers, chat["case_id"])
    _say(client, chat, "Thanks, it is model X200", "c-1")

    _reply(client, agent_headers, chat["case_id"])

    timeline = client.http.get(f"/cases/{chat['case_id']}", headers=agent_headers).json_body["timeline"]
    moves = [e["changes"]["status"] for e in timeline if e["kind"] == "status_changed"]
    assert moves == [{"from": "new", "to": "open"}]
    assert _status(client, agent_headers, chat["case_id"]) == "open"


def test_an_explicit_status_after_on_a_live_chat_is_applied(client, agent_headers):
    chat = _start(client)

    _reply(client, agent_headers, chat["case_id"], status_after="pending_customer")

    assert _status(client, agent_headers, chat["case_id"]) == "pending_customer"


def test_a_reply_after_the_chat_ended_goes_by_email_and_waits_on_the_customer(client, agent_headers):
    chat = _start(client)
    client.http.post(
        f"/chat/sessions/{chat['session_id']}/end", headers={**JSON, "Authorization": f"Bearer {chat['token']}"}
    )

    event = _reply(client, agent_headers, chat["case_id"])

    assert event["message"]["channel"] == "email"
    assert _status(client, agent_headers, chat["case_id"]) == "pending_customer"


def test_an_email_case_still_waits_on_the_customer_after_a_reply(client, agent_headers):
    body = {"subject": "Printer jams", "contact_email": "ann@example.org", "channel": "email"}
    case_id = client.http.post("/cases", headers=agent_headers, body=json.dumps(body)).json_body["case_id"]

    _reply(client, agent_headers, case_id)

    assert _status(client, agent_headers, case_id) == "pending_customer"
