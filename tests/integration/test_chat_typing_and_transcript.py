"""Typing both ways and the transcript mailed at the end of a chat, through the routes on moto
(mail through the fake mailer: what was sent, in which language)."""

from __future__ import annotations

import json

import pytest

from tests.fakes.mail import FakeMailer

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def mailer(container) -> FakeMailer:
    mailer = FakeMailer()
    container.override(mailer=mailer)
    return mailer


def _start(client, **over):
    body = {"name": "Ann Example", "email": "ann@example.org", "topic": "Router keeps rebooting", **over}
    resp = client.http.post("/chat/sessions", headers=JSON, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    return resp.json_body


def _customer(chat):
    return {**JSON, "Authorization": f"Bearer {chat['token']}"}


def _poll(client, chat):
    resp = client.http.get(f"/chat/sessions/{chat['session_id']}/messages", headers=_customer(chat))
    assert resp.status_code == 200, resp.body
    return resp.json_body


def test_the_customer_typing_shows_on_the_agents_read(client, agent_headers, mailer):
    chat = _start(client)
    path = f"/chat/sessions/{chat['session_id']}"
    assert client.http.get(path, headers=agent_headers).json_body["customer_typing"] is False

    typing = client.http.post(f"{path}/typing", headers=_customer(chat))

    assert typing.status_code == 200, typing.body
    assert typing.json_body == {"session_id": chat["session_id"], "role": "customer", "visible_for": 6}
    assert client.http.get(path, headers=agent_headers).json_body["customer_typing"] is True


def test_an_agent_typing_shows_on_the_customers_poll(client, agent_headers, mailer):
    chat = _start(client)
    assert _poll(client, chat)["agent_typing"] is False

    typing = client.http.post(f"/chat/sessions/{chat['session_id']}/agent-typing", headers=agent_headers)

    assert typing.status_code == 200, typing.body
    assert _poll(client, chat)["agent_typing"] is True


def test_typing_needs_the_sessions_token_or_an_agent(client, mailer):
    chat = _start(client)
    other = _start(client, email="bob@example.org")
    wrong = client.http.post(f"/chat/sessions/{chat['session_id']}/typing", headers=_customer(other))
    assert wrong.status_code in (401, 403)
    anonymous = client.http.post(f"/chat/sessions/{chat['session_id']}/agent-typing", headers=JSON)
    assert anonymous.status_code == 401


def test_typing_into_an_ended_chat_is_a_409_and_an_unknown_session_a_404(client, agent_headers, mailer):
    chat = _start(client)
    assert client.http.post(f"/chat/sessions/{chat['session_id']}/end", headers=_customer(chat)).status_code == 200

    ended = client.http.post(f"/chat/sessions/{chat['session_id']}/typing", headers=_customer(chat))
    unknown = client.http.post("/chat/sessions/chs_00000000000000000000/agent-typing", headers=agent_headers)

    assert ended.status_code == 409 and ended.json_body["error"]["code"]
    assert unknown.status_code == 404


def test_the_end_of_a_chat_mails_the_transcript_in_the_customers_language(client, agent_headers, mailer):
    chat = _start(client, language="de")
    said = client.http.post(
        f"/chat/sessions/{chat['session_id']}/messages",
        headers=_customer(chat),
        body=json.dumps({"client_message_id": "c-1", "text": "Mein Router startet ständig neu"}),
    )
    assert said.status_code == 201, said.body
    reply = client.http.post(
        f"/cases/{chat['case_id']}/replies", headers=agent_headers, body=json.dumps({"body": "Bitte Firmware updaten."})
    )
    assert reply.status_code in (200, 201), reply.body

    ended = client.http.patch(
        f"/chat/sessions/{chat['session_id']}", headers=agent_headers, body=json.dumps({"status": "ended"})
    )

    assert ended.status_code == 200 and ended.json_body["transcript_mailed"] is True
    mails = [m for m in mailer.to("ann@example.org") if "Chatverlauf" in str(m["Subject"])]
    assert len(mails) == 1
    assert str(mails[0]["Subject"]) == f"[{chat['case_id']}] Ihr Chatverlauf"
    body = mails[0].get_content()
    assert "Sie: Mein Router startet ständig neu" in body and "Bitte Firmware updaten." in body
    assert _poll(client, chat)["transcript_mailed"] is True
    # ending again from the customer's side mails nothing more
    again = client.http.post(f"/chat/sessions/{chat['session_id']}/end", headers=_customer(chat))
    assert again.status_code == 200 and again.json_body["transcript_mailed"] is True
    assert len([m for m in mailer.to("ann@example.org") if "Chatverlauf" in str(m["Subject"])]) == 1
