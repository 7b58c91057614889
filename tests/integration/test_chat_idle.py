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
def clock(aws):
    """The channels' clock, stopped at now until a test moves it (through the container)."""
    from functions.core.timeutil import utcnow
    from tests.fakes.channels import FakeClock

    return container().override(clock=FakeClock(utcnow())).clock


@pytest.fixture
def run_job(client, clock):
    """Invoke the scheduled handler as Lambda would, ``minutes`` from the start of the test."""
    start = clock.now

    def run(minutes: float) -> list[str]:
        clock.now = start + timedelta(minutes=minutes)
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


def test_the_idle_limit_is_a_setting(client, run_job):
    from functions.core.settings import Settings, get_settings

    assert Settings.from_env({"CASEBRIDGE_CHAT_IDLE_MINUTES": "10"}).chat_idle_minutes == 10
    container().override(settings=get_settings().model_copy(update={"chat_idle_minutes": 10}))
    chat = _start(client)

    assert run_job(minutes=11) == [chat["session_id"]]
    assert _poll(client, chat)["messages"][-1]["text"] == "chat ended after 10 minutes without activity"
