"""The 5-minute job that ends chat sessions nobody ended: transcript on the case, exactly once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from functions.composition import container

JSON = {"Content-Type": "application/json"}
IDLE_TEXT = "chat ended after 30 minutes without activity"


def _start(client, email="ann@example.org"):
    body = {"name": "Ann Example", "email": email, "topic": "Router keeps rebooting"}
    resp = client.http.post("/chat/sessions", headers=JSON, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    return resp.json_body


def _say(client, chat, text, cid):
    resp = client.http.post(
        f"/chat/sessions/{chat['session_id']}/messages",
        headers={**JSON, "Authorization": f"Bearer {chat['token']}"},
        body=json.dumps({"client_message_id": cid, "text": text}),
    )
    assert resp.status_code == 201, resp.body


def _poll(client, chat):
    return client.http.get(
        f"/chat/sessions/{chat['session_id']}/messages", headers={"Authorization": f"Bearer {chat['token']}"}
    ).json_body


def _transcripts(client, agent_headers, case_id):
    timeline = client.http.get(f"/cases/{case_id}", headers=agent_headers).json_body["timeline"]
    return [e for e in timeline if e["kind"] == "chat_transcript"]


@pytest.fixture
def run_job(client, monkeypatch):
    """Invoke the scheduled handler as Lambda would, ``minutes`` from now."""
    from functions.channels.chat import handlers
    from functions.core.timeutil import utcnow

    def run(minutes: float) -> list[str]:
        later = utcnow() + timedelta(minutes=minutes)
        monkeypatch.setattr(handlers, "utcnow", lambda: later)
        event = client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        return client.lambda_.invoke("end_idle_chats", event).payload["ended"]

    return run


def test_a_chat_idle_longer_than_the_limit_is_ended_with_its_transcript_on_the_case(client, agent_headers, run_job):
    chat = _start(client)
    _say(client, chat, "It reboots every ten minutes", "c-1")

    ended = run_job(minutes=31)

    assert ended == [chat["session_id"]]
    [transcript] = _transcripts(client, agent_headers, chat["case_id"])
    assert transcript["data"]["ended_by"] == "system"
    assert transcript["data"]["reason"] == IDLE_TEXT
    assert [(m["role"], m["text"]) for m in transcript["data"]["messages"]] == [
        ("customer", "It reboots every ten minutes"),
        ("system", IDLE_TEXT),
    ]


def test_the_customer_sees_the_chat_ended_and_why(client, run_job):
    chat = _start(client)
    run_job(minutes=31)

    page = _poll(client, chat)

    assert page["status"] == "ended"
    assert [(m["role"], m["text"]) for m in page["messages"]] == [("system", IDLE_TEXT)]


def test_a_chat_within_the_limit_stays_active(client, agent_headers, run_job):
    chat = _start(client)

    assert run_job(minutes=29) == []
    assert _poll(client, chat)["status"] == "active"
    live = client.http.get("/chat/sessions", headers=agent_headers).json_body["items"]
    assert [s["session_id"] for s in live] == [chat["session_id"]]


def test_running_the_job_twice_records_one_transcript(client, agent_headers, run_job):
    chat = _start(client)

    run_job(minutes=31)
    again = run_job(minutes=36)

    assert again == []
    assert len(_transcripts(client, agent_headers, chat["case_id"])) == 1


def test_the_idle_limit_is_a_setting(client, run_job, monkeypatch):
    from functions.core.settings import Settings, get_settings

    assert Settings.from_env({"CASEBRIDGE_CHAT_IDLE_MINUTES": "10"}).chat_idle_minutes == 10
    monkeypatch.setattr(get_settings(), "chat_idle_minutes", 10)
    chat = _start(client)

    assert run_job(minutes=11) == [chat["session_id"]]
    assert _poll(client, chat)["messages"][-1]["text"] == "chat ended after 10 minutes without activity"


# -- the service, with a clock ---------------------------------------------------------
@pytest.fixture
def service(aws):

    return container().chat


def _open(service, at):
    from functions.channels.chat.models import ChatStartIn

    service.clock = lambda: at
    return service.start(ChatStartIn(name="Ann Example", email="ann@example.org"))


def test_a_chat_with_a_recent_turn_is_not_idle_however_old_it_is(service):
    from functions.channels.chat.logic import SessionGrant
    from functions.channels.chat.models import ChatMessageIn
    from functions.core.timeutil import utcnow

    t0 = utcnow()
    chat = _open(service, t0)
    service.clock = lambda: t0 + timedelta(minutes=50)
    service.customer_send(
        SessionGrant(chat.session_id, chat.case_id), ChatMessageIn(client_message_id="c-1", text="still here")
    )

    ended = service.end_idle(timedelta(minutes=30), now=t0 + timedelta(minutes=60))

    assert ended == [] and service.store.get(chat.session_id).status == "active"


def test_a_turn_that_lands_after_the_job_read_the_index_keeps_the_chat_open(service):
    from functions.core.timeutil import utcnow

    t0 = utcnow()
    chat = _open(service, t0)
    [candidate] = service.store.idle_since(t0 + timedelta(minutes=1))
    service.store.append(chat.session_id, role="customer", client_message_id="c-1", text="wait!", at=t0)

    assert service.store.end_idle(chat.session_id, seen_seq=candidate.last_seq, text="idle", at=t0) is None
    assert service.store.get(chat.session_id).status == "active"


def test_a_chat_that_ended_without_its_transcript_gets_it_on_the_next_run(service, client, agent_headers):
    from functions.core.timeutil import utcnow

    t0 = utcnow()
    chat = _open(service, t0)
    # Given a normal end that stopped (crashed) between ending the session and recording the transcript
    service.store.end(chat.session_id, by="customer", reason=None, at=t0)

    service.end_idle(timedelta(minutes=30), now=t0 + timedelta(minutes=1))

    assert len(_transcripts(client, agent_headers, chat.case_id)) == 1
    assert service.store.get(chat.session_id).transcript_recorded
    assert service.store.ending() == []
