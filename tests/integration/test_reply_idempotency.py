"""POST /cases/{case_id}/replies with an Idempotency-Key: a retried reply is sent once."""

from __future__ import annotations

import json

import pytest

from functions.composition import container
from tests.fakes.mail import FakeMailer

KEY = "9b1d2c3e-4f5a-4b6c-8d7e-0f1a2b3c4d5e"


@pytest.fixture(autouse=True)
def mailer() -> FakeMailer:
    """The mailer every reply goes through (before the container builds anything with it)."""
    fake = FakeMailer()
    container().override(mailer=fake)
    return fake


def sent_messages() -> list:
    return container().mailer.sent


@pytest.fixture
def case_id(client, agent_headers) -> str:
    body = {"subject": "Printer jams", "contact_email": "ann@example.org", "channel": "email"}
    resp = client.http.post("/cases", headers=agent_headers, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    return resp.json_body["case_id"]


def _reply(client, agent_headers, case_id, body="Please try a new cartridge.", key=KEY, **extra):
    headers = {**agent_headers, "Idempotency-Key": key} if key else agent_headers
    return client.http.post(f"/cases/{case_id}/replies", headers=headers, body=json.dumps({"body": body, **extra}))


def _replies(client, agent_headers, case_id) -> list[dict]:
    timeline = client.http.get(f"/cases/{case_id}", headers=agent_headers).json_body["timeline"]
    return [e for e in timeline if e["kind"] == "message_out"]


def test_a_repeated_reply_returns_the_same_event_without_sending_again(client, agent_headers, case_id):
    first = _reply(client, agent_headers, case_id)

    again = _reply(client, agent_headers, case_id)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json_body == first.json_body
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(sent_messages()) == 1
    assert len(_replies(client, agent_headers, case_id)) == 1


def test_the_same_key_with_a_different_body_is_a_409_and_sends_nothing(client, agent_headers, case_id):
    _reply(client, agent_headers, case_id)

    resp = _reply(client, agent_headers, case_id, body="Something else entirely")

    assert resp.status_code == 409
    assert resp.json_body["error"]["code"] == "idempotency_key_reused"
    assert len(sent_messages()) == 1


def test_an_explicit_status_after_is_a_different_request_than_an_omitted_one(client, agent_headers, case_id):
    _reply(client, agent_headers, case_id)

    assert _reply(client, agent_headers, case_id, status_after=None).status_code == 409


def test_the_same_key_on_another_case_is_another_reply(client, agent_headers, case_id):
    body = {"subject": "Other", "contact_email": "bob@example.net", "channel": "email"}
    other = client.http.post("/cases", headers=agent_headers, body=json.dumps(body)).json_body["case_id"]
    _reply(client, agent_headers, case_id)

    resp = _reply(client, agent_headers, other)

    assert resp.status_code == 201
    assert len(sent_messages()) == 2


def test_replies_without_a_key_are_sent_each_time(client, agent_headers, case_id):
    _reply(client, agent_headers, case_id, key=None)
    _reply(client, agent_headers, case_id, key=None)

    assert len(sent_messages()) == 2


def test_a_malformed_key_is_a_400_naming_the_header(client, agent_headers, case_id):
    resp = _reply(client, agent_headers, case_id, key="short")

    assert resp.status_code == 400
    assert [f["field"] for f in resp.json_body["error"]["fields"]] == ["Idempotency-Key"]
    assert sent_messages() == []


def test_a_reply_that_could_not_be_sent_frees_its_key_for_the_retry(client, agent_headers, case_id):
    client.http.patch(f"/cases/{case_id}", headers=agent_headers, body=json.dumps({"status": "resolved"}))
    refused = _reply(client, agent_headers, case_id, status_after="pending_department")
    assert refused.status_code == 409  # resolved -> pending_department is not allowed: nothing sent
    client.http.patch(f"/cases/{case_id}", headers=agent_headers, body=json.dumps({"status": "open"}))

    resp = _reply(client, agent_headers, case_id, status_after="pending_department")

    assert resp.status_code == 201
    assert len(sent_messages()) == 1


def test_a_repeat_while_the_first_reply_is_still_sending_is_a_409(aws):
    # Given a first request that holds the key and is still sending (a sender that retries meanwhile)
    from functions.cases.models import Actor, ActorType, Channel, Message, ReplyIn
    from functions.core.idempotency import InProgress

    agent = Actor(type=ActorType.AGENT, id="alice")
    outcomes: list[str] = []

    class RetryingSender:
        def send_reply(self, case, body, agent_, thread):
            try:
                container().cases.reply_once(case.case_id, agent, ReplyIn(body="hi"), KEY)
            except InProgress:
                outcomes.append("in_progress")
            return Message(channel=Channel.EMAIL, direction="out", body_text=body, message_id="<r1@x>")

    container().override(reply_channels={Channel.EMAIL: RetryingSender()})
    service = container().cases
    case = service.open_case(
        subject="Printer", channel=Channel.EMAIL, actor=Actor(type=ActorType.AGENT), contact_email="a@example.org"
    )

    event, replayed = service.reply_once(case.case_id, agent, ReplyIn(body="hi"), KEY)

    assert outcomes == ["in_progress"] and not replayed
    assert service.reply_once(case.case_id, agent, ReplyIn(body="hi"), KEY) == (event, True)
