# ruff: noqa: F811 - pytest fixtures imported from tests.fakes.fixtures are parameters here
"""Abuse limits of the public writes beyond the contact form, on the limiter's real store (the
DynamoDB counters on moto): customer chat turns (chat starts: test_chat_start_limit.py) per session, self-service
events and "did this help?" answers per client (429 with Retry-After, the error naming the limit),
and acknowledgement mails per address (past the limit the mail still opens its case, unacknowledged)."""

from __future__ import annotations

import json

import pytest

from functions.composition import container
from functions.core.settings import get_settings
from tests.fakes.fixtures import embedded_search, reindex  # noqa: F401 - fixtures used by name

JSON = {"Content-Type": "application/json"}
LIMITS = {
    "chat_messages_per_session_per_minute": 3,
    "selfservice_events_per_client_per_hour": 2,
    "feedback_per_client_per_hour": 2,
    "acknowledgements_per_address_per_hour": 2,
    "client_ip_hops": 1,
}


@pytest.fixture(autouse=True)
def _low_limits():
    container().override(settings=get_settings().model_copy(update=LIMITS))


def _refused_by(resp, limit: str) -> None:
    assert resp.status_code == 429, resp.body
    error = json.loads(resp.body)["error"] if isinstance(resp.body, bytes | str) else resp.json_body["error"]
    assert error["code"] == "rate_limited" and limit in error["message"]
    assert [f["field"] for f in error["fields"]] == [limit]
    assert 0 < int(resp.headers["Retry-After"]) <= 3600


def _start(client, ip: str, n: int):
    body = {"name": "Ann Example", "email": f"ann{n}@example.org", "topic": "Router keeps rebooting"}
    return client.http.post("/chat/sessions", headers={**JSON, "X-Forwarded-For": ip}, body=json.dumps(body))


def test_customer_chat_turns_are_limited_per_session(client):
    chat = _start(client, "203.0.113.7", 1).json_body
    other = _start(client, "203.0.113.7", 2).json_body

    def say(c, n: int):
        return client.http.post(
            f"/chat/sessions/{c['session_id']}/messages",
            headers={**JSON, "Authorization": f"Bearer {c['token']}"},
            body=json.dumps({"client_message_id": f"m{n}", "text": f"turn {n}"}),
        )

    assert [say(chat, n).status_code for n in range(3)] == [201, 201, 201]
    _refused_by(say(chat, 4), "chat_messages_per_session")
    assert say(other, 1).status_code == 201  # another session has its own budget
    # a turn refused is not stored: the customer's poll shows the three turns only
    polled = client.http.get(
        f"/chat/sessions/{chat['session_id']}/messages?after=0", headers={"Authorization": f"Bearer {chat['token']}"}
    ).json_body
    assert [m["text"] for m in polled["messages"] if m.get("role") == "customer"] == ["turn 0", "turn 1", "turn 2"]


def test_self_service_events_are_limited_per_client(client):
    event = {"session_id": "sess_0123456789", "type": "opened_case", "case_id": "CB-100001"}

    def post(ip: str):
        return client.http.post("/selfservice/events", headers={**JSON, "X-Forwarded-For": ip}, body=json.dumps(event))

    assert [post("203.0.113.7").status_code for _ in range(2)] == [202, 202]
    _refused_by(post("203.0.113.7"), "selfservice_events_per_client")
    assert post("198.51.100.9").status_code == 202


def test_article_feedback_is_limited_per_client_as_json_and_as_a_form(client, agent_headers, embedded_search):
    from tests.integration.test_help_center import _publish

    article = _publish(client, agent_headers, "Reset the router", "The router keeps rebooting.")

    def feedback(ip: str):
        return client.http.post(
            f"/selfservice/articles/{article}/feedback",
            headers={**JSON, "X-Forwarded-For": ip},
            body=json.dumps({"helpful": True}),
        )

    assert [feedback("203.0.113.7").status_code for _ in range(2)] == [201, 201]
    _refused_by(feedback("203.0.113.7"), "feedback_per_client")
    form = client.http.post(
        f"/help/en/feedback/{article}",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "203.0.113.7"},
        body="helpful=yes",
    )
    assert form.status_code == 429 and 0 < int(form.headers["Retry-After"]) <= 3600
    assert feedback("198.51.100.9").status_code == 201


def test_acknowledgements_are_limited_per_address_and_the_mail_still_opens_its_case(client):
    def mail(n: int, sender: str) -> bytes:
        return (
            f"From: Ann <{sender}>\r\nTo: support@casebridge.local\r\nSubject: Printer jams {n}\r\n"
            f"Message-ID: <m{n}@acme.example>\r\n\r\nIt jams.\r\n"
        ).encode()

    intake = container().email_intake
    outcomes = [intake.ingest_raw(mail(n, "ann@acme.example"), None, source="test") for n in range(3)]
    assert [o.acknowledged for o in outcomes] == [True, True, False]
    assert all(o.case for o in outcomes)  # every mail became a case
    assert "acknowledgement limit for this address reached" in outcomes[2].reason
    assert intake.ingest_raw(mail(9, "bob@acme.example"), None, source="test").acknowledged
    # the same mail delivered again (a header more: other bytes, the same Message-ID and body) is a
    # duplicate whose acknowledgement is not due any more
    again = intake.ingest_raw(b"X-Relayed: again\r\n" + mail(2, "ann@acme.example"), None, source="test")
    assert again.outcome == "suppressed" and again.case == outcomes[2].case and not again.acknowledged
