"""Customer portal: customers follow and answer their own case through a signed link."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest

from functions.composition import container
from tests.fakes.mail import FakeMailer

JSON = {"Content-Type": "application/json"}


def _open(client, email="ann@example.org", name="Ann Example", subject="Printer jams on page 2"):
    body = {"name": name, "email": email, "subject": subject, "description": "It jams on every second page."}
    resp = client.http.post("/web/cases", headers=JSON, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    url = urlparse(resp.json_body["portal_url"])
    return resp.json_body["case_id"], parse_qs(url.query)["token"][0]


def _read(client, case_id, token):
    return client.http.get(f"/portal/cases/{case_id}?token={token}")


def _reply(client, case_id, token, body="Still jamming, any news?", **extra):
    return client.http.post(
        f"/portal/cases/{case_id}/replies",
        headers={**JSON, "Authorization": f"Bearer {token}"},
        body=json.dumps({"body": body, **extra}),
    )


def _old_token(monkeypatch, case_id, email, age_seconds):
    """A link token as ``case_token`` mints it, issued ``age_seconds`` ago."""
    from functions.core import signing
    from functions.portal.links import CASE_PURPOSE

    payload = {"case_id": case_id, "email": email.lower()}
    return signing.sign(CASE_PURPOSE, payload, issued_at=int(time.time()) - age_seconds)


def test_the_customer_sees_their_case_and_message(client):
    case_id, token = _open(client)

    resp = _read(client, case_id, token)

    assert resp.status_code == 200
    assert resp.json_body["status"] == "received"
    kinds = [e["kind"] for e in resp.json_body["timeline"]]
    assert kinds[:2] == ["created", "message_in"]
    assert set(kinds[2:]) <= {"auto_reply"}  # the acknowledgement mail, when the email channel sent one
    assert resp.json_body["timeline"][1]["body"] == "It jams on every second page."
    assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_the_token_also_works_as_a_bearer_header(client):
    case_id, token = _open(client)

    resp = client.http.get(f"/portal/cases/{case_id}", headers={"Authorization": f"Bearer {token}"})

    assert resp.status_code == 200


def test_internal_notes_and_agent_only_fields_are_not_shown(client, agent_headers):
    case_id, token = _open(client)
    client.http.post(f"/cases/{case_id}/notes", headers=agent_headers, body=json.dumps({"body": "VIP, handle gently"}))
    client.http.patch(
        f"/cases/{case_id}",
        headers={**agent_headers, "X-Agent-Id": "alice"},
        body=json.dumps({"assignee": "alice", "priority": "high"}),
    )

    resp = _read(client, case_id, token)

    raw = json.dumps(resp.json_body)
    assert "VIP" not in raw and "alice" not in raw
    for hidden in ("assignee", "priority", "customer_id", "tags", "context", "version"):
        assert hidden not in resp.json_body
    assert {e["kind"] for e in resp.json_body["timeline"]} <= {"created", "message_in", "status_changed", "auto_reply"}


def test_a_reply_lands_on_the_case_for_the_agent(client, agent_headers):
    case_id, token = _open(client)

    resp = _reply(client, case_id, token)

    assert resp.status_code == 201
    timeline = client.http.get(f"/cases/{case_id}", headers=agent_headers).json_body["timeline"]
    assert timeline[-1]["kind"] == "message_in"
    assert timeline[-1]["message"]["body_text"] == "Still jamming, any news?"
    assert timeline[-1]["actor"]["type"] == "customer"


def test_a_reply_reopens_a_case_waiting_on_the_customer(client, agent_headers):
    case_id, token = _open(client)
    client.http.patch(f"/cases/{case_id}", headers=agent_headers, body=json.dumps({"status": "pending_customer"}))

    resp = _reply(client, case_id, token)

    assert resp.json_body["status"] == "in_progress"
    assert client.http.get(f"/cases/{case_id}", headers=agent_headers).json_body["status"] == "open"


def test_a_reply_reopens_a_resolved_case(client, agent_headers):
    case_id, token = _open(client)
    client.http.patch(f"/cases/{case_id}", headers=agent_headers, body=json.dumps({"status": "resolved"}))

    _reply(client, case_id, token)

    assert client.http.get(f"/cases/{case_id}", headers=agent_headers).json_body["status"] == "open"


def test_a_reply_to_a_closed_case_is_a_409(client, agent_headers):
    case_id, token = _open(client)
    client.http.patch(f"/cases/{case_id}", headers=agent_headers, body=json.dumps({"status": "closed"}))

    resp = _reply(client, case_id, token)

    assert resp.status_code == 409


def test_a_retried_reply_with_the_same_client_id_is_recorded_once(client, agent_headers):
    case_id, token = _open(client)

    first = _reply(client, case_id, token, client_message_id="m-1")
    second = _reply(client, case_id, token, client_message_id="m-1")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json_body["duplicate"] is True
    timeline = client.http.get(f"/cases/{case_id}", headers=agent_headers).json_body["timeline"]
    assert [e["kind"] for e in timeline].count("message_in") == 2  # the form and one reply


def test_an_empty_reply_is_a_400_naming_the_body(client):
    case_id, token = _open(client)

    resp = _reply(client, case_id, token, body="   ")

    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "body"


def test_one_customer_cannot_read_another_customers_case(client):
    case_a, _ = _open(client, email="ann@example.org")
    _, token_b = _open(client, email="bob@example.net", name="Bob")

    resp = _read(client, case_a, token_b)

    assert resp.status_code == 403
    assert "another case" in resp.json_body["error"]["message"]


def test_one_customer_cannot_write_on_another_customers_case(client, agent_headers):
    case_a, _ = _open(client, email="ann@example.org")
    _, token_b = _open(client, email="bob@example.net", name="Bob")

    resp = _reply(client, case_a, token_b, body="I am not Ann")

    assert resp.status_code == 403
    timeline = client.http.get(f"/cases/{case_a}", headers=agent_headers).json_body["timeline"]
    assert "I am not Ann" not in json.dumps(timeline)


def test_a_link_for_another_address_on_the_same_case_is_refused(client):
    from functions.portal.links import case_token

    case_id, _ = _open(client, email="ann@example.org")

    resp = _read(client, case_id, case_token(case_id, "mallory@example.com"))

    assert resp.status_code == 403


def test_a_link_minted_by_the_email_channel_opens_the_case(client):

    case_id, _ = _open(client)

    token = container().portal_link(case_id, "Ann@Example.org").split("token=", 1)[1]

    assert _read(client, case_id, token).status_code == 200


def test_an_email_case_shows_its_acknowledgement_without_the_link_the_page_was_opened_by(client, agent_headers):
    raw = (
        b"From: Ann Example <ann@example.org>\r\nTo: support@casebridge.local\r\nSubject: Printer jams\r\n"
        b"Message-ID: <ack-link@example.org>\r\n\r\nIt jams on page 2.\r\n"
    )
    case_id = container().email_intake.ingest_raw(raw, None, source="test").case
    agent_view = client.http.get(f"/cases/{case_id}", headers=agent_headers).json_body
    ack = next(e for e in agent_view["timeline"] if e["kind"] == "auto_reply")
    assert f"/portal/cases/{case_id}?token=" in ack["message"]["body_text"]  # the mail as it was sent
    token = ack["message"]["body_text"].split("token=", 1)[1].split()[0]

    customer_view = _read(client, case_id, token)
    page = client.http.get(f"/portal/cases/{case_id}?token={token}", headers={"Accept": "text/html"})

    shown = next(e for e in customer_view.json_body["timeline"] if e["kind"] == "auto_reply")
    assert f"We have opened case {case_id}" in shown["body"]
    assert "token=" not in shown["body"] and "follow your case here" not in shown["body"]
    assert page.status_code == 200 and f"We have opened case {case_id}" in page.body.decode()
    assert "/portal/cases/" not in page.body.decode().split("<main", 1)[1].split("<form", 1)[0]


def test_an_expired_link_is_a_403_saying_so(client, monkeypatch):
    case_id, _ = _open(client)
    token = _old_token(monkeypatch, case_id, "ann@example.org", age_seconds=31 * 24 * 3600)

    resp = _read(client, case_id, token)

    assert resp.status_code == 403
    assert "expired" in resp.json_body["error"]["message"]


def test_a_tampered_link_is_a_401(client):
    case_id, token = _open(client)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")

    resp = _read(client, case_id, tampered)

    assert resp.status_code == 401


def test_a_token_minted_for_another_purpose_is_a_401(client):
    from functions.core.signing import sign

    case_id, _ = _open(client)

    resp = _read(client, case_id, sign("chat-session", {"case_id": case_id, "email": "ann@example.org"}))

    assert resp.status_code == 401


def test_no_token_is_a_401(client):
    case_id, _ = _open(client)

    assert client.http.get(f"/portal/cases/{case_id}").status_code == 401


def _link_log():
    from functions.portal.store import LinkRequestLog

    return LinkRequestLog().on_day(datetime.now(UTC).strftime("%Y-%m-%d"))


@pytest.mark.parametrize(
    ("case_of", "email", "matched"),
    [("real", "ann@example.org", True), ("real", "eve@example.org", False), ("none", "ann@example.org", False)],
)
def test_a_link_request_is_always_202_and_recorded(client, case_of, email, matched):
    case_id, _ = _open(client)
    asked = case_id if case_of == "real" else "CB-999999"

    resp = client.http.post("/portal/links", headers=JSON, body=json.dumps({"case_id": asked, "email": email}))

    assert resp.status_code == 202
    assert resp.json_body["status"] == "accepted"
    log = _link_log()
    assert [(r["case_id"], r["matched"]) for r in log] == [(asked, matched)]
    assert "ann@example.org" not in json.dumps(log)


def test_a_matching_link_request_mails_a_fresh_link_when_the_mailer_is_there(client):
    mailer = container().override(mailer=FakeMailer()).mailer
    case_id, _ = _open(client)
    acknowledgements = len(mailer.sent)

    client.http.post(
        "/portal/links", headers=JSON, body=json.dumps({"case_id": case_id.lower(), "email": "ann@example.org"})
    )

    [sent] = mailer.sent[acknowledgements:]
    assert (sent["To"], f"[{case_id}]" in sent["Subject"]) == ("ann@example.org", True)
    assert f"here is your link to case {case_id}" in sent.get_content()
    link = next(line for line in sent.get_content().splitlines() if "/portal/cases/" in line)
    token = parse_qs(urlparse(link).query)["token"][0]
    assert _read(client, case_id, token).status_code == 200
    assert [r["delivery"] for r in _link_log()] == ["sent"]


def test_link_mails_for_a_case_stop_at_the_daily_limit_with_the_same_answer(client):
    # Issue 15: 20 link requests sent 20 mails to one person
    mailer = container().override(mailer=FakeMailer()).mailer
    case_id, _ = _open(client)
    before = len(mailer.sent)
    body = json.dumps({"case_id": case_id, "email": "ann@example.org"})

    answers = [client.http.post("/portal/links", headers=JSON, body=body) for _ in range(6)]

    assert {(a.status_code, a.body) for a in answers} == {(answers[0].status_code, answers[0].body)}
    assert len(mailer.sent) - before == 3  # portal_link_mails_per_case_per_day
    assert [r["delivery"] for r in _link_log()] == ["sent"] * 3 + ["limited"] * 3


def test_a_malformed_link_request_is_a_400(client):
    resp = client.http.post("/portal/links", headers=JSON, body=json.dumps({"case_id": "DROP TABLE", "email": "x"}))

    assert resp.status_code == 400
    assert {f["field"] for f in resp.json_body["error"]["fields"]} == {"case_id", "email"}
