"""Web form (POST /web/cases) through chalice.test.Client against moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest

from functions.composition import container

FORM = {
    "name": "Ann Example",
    "email": "ann@example.org",
    "subject": "Printer jams on page 2",
    "description": "Since the last firmware update the printer jams on every second page.",
}


def _submit(client, headers=None, **over):
    body = {**FORM, **over}
    return client.http.post(
        "/web/cases", headers={"Content-Type": "application/json", **(headers or {})}, body=json.dumps(body)
    )


def _agent_case(client, agent_headers, case_id):
    resp = client.http.get(f"/cases/{case_id}", headers=agent_headers)
    assert resp.status_code == 200, resp.body
    return resp.json_body


def _field_names(resp):
    return {f["field"] for f in resp.json_body["error"]["fields"]}


def test_a_valid_form_opens_a_web_case_with_the_customers_message(client, agent_headers):
    resp = _submit(client)

    assert resp.status_code == 201, resp.body
    case = _agent_case(client, agent_headers, resp.json_body["case_id"])
    assert case["channel"] == "web"
    assert case["contact_email"] == "ann@example.org"
    assert case["contact_name"] == "Ann Example"
    inbound = [e for e in case["timeline"] if e["kind"] == "message_in"]
    assert inbound[0]["message"]["body_text"] == FORM["description"]
    assert inbound[0]["actor"]["type"] == "customer"


def test_the_response_carries_a_signed_portal_link_for_that_case(client):
    resp = _submit(client)

    url = urlparse(resp.json_body["portal_url"])
    assert url.path == f"/portal/cases/{resp.json_body['case_id']}"
    token = parse_qs(url.query)["token"][0]
    portal = client.http.get(f"{url.path}?token={token}")
    assert portal.status_code == 200
    assert portal.json_body["subject"] == FORM["subject"]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"name": ""}, "name"),
        ({"subject": "   "}, "subject"),
        ({"description": "x" * 20_001}, "description"),
        ({"phone": "call me maybe"}, "phone"),
        ({"language": "English"}, "language"),
        ({"product": "has spaces"}, "product"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_invalid_input_is_a_400_naming_the_field(client, over, field):
    resp = _submit(client, **over)

    assert resp.status_code == 400
    assert field in _field_names(resp)


def test_missing_required_fields_are_all_named(client):
    resp = client.http.post(
        "/web/cases", headers={"Content-Type": "application/json"}, body=json.dumps({"name": "Ann"})
    )

    assert resp.status_code == 400
    assert {"email", "subject", "description"} <= _field_names(resp)


def test_the_same_idempotency_key_twice_makes_one_case(client):
    key = {"Idempotency-Key": "3f0a8c1e-5b7d-4e39-9a61-1c2d3e4f5a6b"}

    first = _submit(client, key)
    second = _submit(client, key)

    assert first.status_code == 201 and second.status_code == 201
    assert second.json_body["case_id"] == first.json_body["case_id"]
    assert second.headers.get("Idempotent-Replayed") == "true"


def test_an_idempotency_key_reused_for_a_different_form_is_a_409(client):
    key = {"Idempotency-Key": "3f0a8c1e-5b7d-4e39-9a61-1c2d3e4f5a6b"}
    _submit(client, key)

    resp = _submit(client, key, description="A completely different problem with the scanner.")

    assert resp.status_code == 409


def test_the_same_key_from_another_address_is_another_case(client):
    key = {"Idempotency-Key": "3f0a8c1e-5b7d-4e39-9a61-1c2d3e4f5a6b"}
    first = _submit(client, key)

    other = _submit(client, key, email="bob@example.net")

    assert other.status_code == 201
    assert other.json_body["case_id"] != first.json_body["case_id"]


def test_a_malformed_idempotency_key_is_a_400_naming_the_header(client):
    resp = _submit(client, {"Idempotency-Key": "short"})

    assert resp.status_code == 400
    assert "Idempotency-Key" in _field_names(resp)


def test_a_filled_honeypot_is_accepted_without_a_case_and_held_for_review(client, agent_headers):
    resp = _submit(client, website="http://spam.example")

    assert resp.status_code == 202
    assert resp.json_body["status"] == "received" and resp.json_body["case_id"] is None
    assert client.http.get("/cases", headers=agent_headers).json_body["items"] == []
    from functions.channels.web.store import HeldSubmissions

    held = HeldSubmissions().on_day(datetime.now(UTC).strftime("%Y-%m-%d"))
    assert [h["form"]["email"] for h in held] == ["ann@example.org"]


def test_model_and_batch_are_set_on_the_case(client, agent_headers):
    resp = _submit(client, product="printer-x", model="PX-200", batch="L2024-07")

    case = _agent_case(client, agent_headers, resp.json_body["case_id"])
    assert (case["product"], case["model"], case["batch"]) == ("printer-x", "PX-200", "L2024-07")


def test_a_known_contact_is_linked_to_their_customer(client, agent_headers):
    customer = {"customer_id": "acme", "name": "Acme", "contacts": [{"name": "Ann", "email": "ann@example.org"}]}
    assert client.http.post("/customers", headers=agent_headers, body=json.dumps(customer)).status_code == 201

    resp = _submit(client)

    case = _agent_case(client, agent_headers, resp.json_body["case_id"])
    assert case["customer_id"] == "acme"
    assert case["contact_id"]


def test_consent_is_required_when_the_deployment_asks_for_it(client):
    from functions.core.settings import get_settings

    container().override(settings=get_settings().model_copy(update={"web_form_require_consent": True}))

    refused = _submit(client)
    accepted = _submit(client, consent=True)

    assert refused.status_code == 400 and "consent" in _field_names(refused)
    assert accepted.status_code == 201


def test_the_customer_is_acknowledged_by_email_and_the_mail_is_on_the_case(client, agent_headers):
    resp = _submit(client)

    assert resp.json_body["acknowledgement"] == "sent"
    timeline = _agent_case(client, agent_headers, resp.json_body["case_id"])["timeline"]
    ack = next(e for e in timeline if e["kind"] == "auto_reply")
    assert ack["message"]["message_id"] and ack["message"]["to"] == ["ann@example.org"]

    assert container().cases.find_case_for_message_ids([ack["message"]["message_id"]]) == resp.json_body["case_id"]


def test_without_the_email_channel_the_acknowledgement_is_reported_pending(client):
    container().override(customer_mailer=None)

    resp = _submit(client)

    assert resp.status_code == 201 and resp.json_body["acknowledgement"] == "pending_no_mailer"


def test_a_form_sent_after_self_service_records_that_the_session_opened_a_case(client):
    from functions.selfservice.store import EventStore

    resp = _submit(client, selfservice_session="sess-12345678")
    case_id = resp.json_body["case_id"]

    events = EventStore().session("sess-12345678")
    assert [(e["event"], e["case_id"], e["source"]) for e in events] == [("opened_case", case_id, "web-form")]


def test_a_malformed_self_service_session_is_a_400_naming_it(client):
    resp = _submit(client, selfservice_session="no spaces allowed")
    assert resp.status_code == 400
    assert _field_names(resp) == {"selfservice_session"}
