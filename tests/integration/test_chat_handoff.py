"""Bot hand-off: a bot hands its conversation to a human agent (POST /chat/handoffs)."""

from __future__ import annotations

import copy
import json

import pytest

HANDOFF = {
    "conversation_id": "bot-conv-8842",
    "customer": {"email": "ann@example.org", "name": "Ann Example"},
    "transcript": [
        {"role": "customer", "text": "My card payment was declined twice today"},
        {"role": "bot", "text": "Sorry to hear that. Is your card activated?"},
        {"role": "customer", "text": "Yes, and it worked yesterday. I want to talk to a person."},
    ],
    "intent": "declined_card_payment",
    "intent_confidence": 0.42,
    "articles_offered": [{"article_id": "kb-17", "title": "Why was my card declined?", "helped": False}],
    "fixes_attempted": ["checked card activation"],
    "reason": "customer asked for a human",
    "product": "debit-card",
    "language": "en",
}


def _handoff(client, headers, payload=None):
    return client.http.post("/chat/handoffs", headers=headers, body=json.dumps(payload or HANDOFF))


def test_a_handoff_opens_a_chat_case_with_the_context_visible_to_agents(client, agent_headers):
    resp = _handoff(client, agent_headers)

    assert resp.status_code == 201, resp.body
    case_id = resp.json_body["case"]["case_id"]
    case = client.http.get(f"/cases/{case_id}", headers=agent_headers).json_body
    assert case["channel"] == "chat"
    assert case["context"]["handoff"]["intent"] == "declined_card_payment"
    assert case["context"]["handoff"]["intent_confidence"] == 0.42
    assert case["subject"] == "My card payment was declined twice today"
    handoff = next(e for e in case["timeline"] if e["kind"] == "handoff")
    assert [t["text"] for t in handoff["data"]["transcript"]] == [t["text"] for t in HANDOFF["transcript"]]
    assert handoff["data"]["articles_offered"][0]["article_id"] == "kb-17"
    assert handoff["actor"]["type"] == "bot"


def test_the_handoff_context_is_not_shown_to_the_customer(client, agent_headers):
    out = _handoff(client, agent_headers).json_body
    from functions.portal.links import case_token

    case_id = out["case"]["case_id"]
    portal = client.http.get(f"/portal/cases/{case_id}?token={case_token(case_id, 'ann@example.org')}").json_body

    assert "declined_card_payment" not in json.dumps(portal)
    assert "handoff" not in {e["kind"] for e in portal["timeline"]}


def test_replaying_a_handoff_is_one_case(client, agent_headers):
    first = _handoff(client, agent_headers)

    again = _handoff(client, agent_headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json_body["case"]["case_id"] == first.json_body["case"]["case_id"]
    assert again.json_body["session"]["session_id"] == first.json_body["session"]["session_id"]
    assert again.json_body["replayed"] is True
    assert len(client.http.get("/cases", headers=agent_headers).json_body["items"]) == 1


def test_the_agent_continues_in_the_handoff_session_with_the_customer(client, agent_headers):
    out = _handoff(client, agent_headers).json_body
    sid, token = out["session"]["session_id"], out["customer_token"]
    customer = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    client.http.post(
        f"/cases/{out['case']['case_id']}/replies",
        headers=agent_headers,
        body=json.dumps({"body": "Hi Ann, I'm here."}),
    )
    sent = client.http.post(
        f"/chat/sessions/{sid}/messages",
        headers=customer,
        body=json.dumps({"client_message_id": "a1", "text": "Thanks!"}),
    )

    assert sent.status_code == 201
    turns = client.http.get(f"/chat/sessions/{sid}", headers=agent_headers).json_body["messages"]
    assert [(t["role"], t["text"]) for t in turns] == [("agent", "Hi Ann, I'm here."), ("customer", "Thanks!")]


def test_a_known_contact_is_linked_to_their_customer(client, agent_headers):
    customer = {"customer_id": "acme", "name": "Acme", "contacts": [{"name": "Ann", "email": "ann@example.org"}]}
    client.http.post("/customers", headers=agent_headers, body=json.dumps(customer))

    out = _handoff(client, agent_headers).json_body

    assert out["case"]["customer_id"] == "acme"


def _with(path, value):
    payload = copy.deepcopy(HANDOFF)
    target = payload
    *parents, last = path
    for p in parents:
        target = target[p]
    target[last] = value
    return payload


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("intent_confidence",), 1.5, "intent_confidence"),
        (("intent_confidence",), -0.1, "intent_confidence"),
        (("transcript",), [], "transcript"),
        (("transcript", 0, "role"), "wizard", "transcript.0.role"),
        (("transcript", 0, "text"), "   ", "transcript.0.text"),
        (("customer", "email"), "nope", "customer.email"),
        (("customer", "phone"), "call me", "customer.phone"),
        (("customer", "shoe_size"), 42, "customer.shoe_size"),
        (("conversation_id",), "", "conversation_id"),
        (("language",), "English", "language"),
        (("surprise",), True, "surprise"),
    ],
)
def test_invalid_handoffs_are_400s_naming_the_field(client, agent_headers, path, value, field):
    resp = _handoff(client, agent_headers, _with(path, value))

    assert resp.status_code == 400
    assert field in {f["field"] for f in resp.json_body["error"]["fields"]}


def test_a_transcript_too_large_to_store_is_a_400(client, agent_headers):
    turns = [{"role": "customer", "text": "é" * 9_000} for _ in range(10)]

    resp = _handoff(client, agent_headers, _with(("transcript",), turns))

    assert resp.status_code == 400
    assert "transcript" in {f["field"] for f in resp.json_body["error"]["fields"]}


def test_handoffs_need_machine_credentials(client):
    resp = _handoff(client, {"Content-Type": "application/json"})

    assert resp.status_code == 401
