"""Casebridge on the local stack, driven like a user: HTTP to the API, SMTP to the inbox."""

from __future__ import annotations

import json
import smtplib
import time
import uuid
from email.message import EmailMessage

import pytest

from tests.e2e.harness import start_stack, stop_stack

pytestmark = pytest.mark.slow


def _poll(fetch, timeout: float = 30.0, interval: float = 0.5):
    """Call ``fetch`` until it returns something truthy (event delivery is asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        found = fetch()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(interval)


def _send_mail(stack, sender: str, subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = stack.info["support_address"]
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4()}@e2e.example>"
    msg.set_content(body)
    with smtplib.SMTP(stack.smtp_host, stack.smtp_port, timeout=30) as smtp:
        smtp.send_message(msg)


def _cases_with_subject(stack, token: str, **filters: str) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in {"limit": "200", **filters}.items())
    status, page = stack.request("GET", f"/cases?{query}")
    assert status == 200, page
    return [c for c in page["items"] if token in c["subject"]]


def test_requests_without_the_development_token_are_refused(stack):
    status, body = stack.request("GET", "/cases", token=None)
    assert status == 401
    assert body["error"]["code"] == "unauthorized"


def test_what_the_gateway_and_chalice_refuse_answers_in_the_one_error_shape(stack):
    # an unknown route: API Gateway's missing-authentication-token answer, as the CDK app configures it
    status, body = stack.request("GET", "/no/such/route")
    assert (status, body["error"]["code"]) == (404, "not_found")
    # a method the route does not have, and a body type it does not take: Chalice's own answers
    status, body = stack.request("DELETE", "/cases")
    assert (status, body["error"]["code"]) == (405, "method_not_allowed")
    assert set(body["error"]) == {"code", "message", "fields"}


def test_demo_customers_are_there_with_contacts_and_install_base(stack):
    status, customer = stack.request("GET", "/customers/nordwerk")
    assert status == 200
    assert customer["language"] == "de" and customer["tier"] == "enterprise"
    assert {c["email"] for c in customer["contacts"]} >= {"anna.schmidt@nordwerk.example"}
    assert {(a["product"], a["model"], a["batch"]) for a in customer["install_base"]} >= {
        ("printer-x", "px-200", "2024-03")
    }


def test_agent_creates_a_customer_and_reads_it_back(stack):
    # Given a new customer
    customer_id = f"e2e-{uuid.uuid4().hex[:8]}"
    new = {
        "customer_id": customer_id,
        "name": "Brightwater Labs",
        "region": "eu-north",
        "tier": "premium",
        "language": "sv",
        "email_domains": [f"{customer_id}.example"],
        "contacts": [{"name": "Elsa Berg", "email": f"elsa@{customer_id}.example"}],
        "install_base": [{"product": "sensor-z", "model": "sz-2", "batch": "2024-q1", "quantity": 3}],
    }

    # When an agent creates it
    status, created = stack.request("POST", "/customers", new)

    # Then it can be read back with its contact and install base
    assert status == 201, created
    status, fetched = stack.request("GET", f"/customers/{customer_id}")
    assert status == 200
    assert fetched["contacts"][0]["email"] == f"elsa@{customer_id}.example"
    assert fetched["install_base"][0]["model"] == "sz-2"


def test_agent_opens_a_case_for_a_known_contact_and_it_is_linked_to_the_customer(stack):
    token = uuid.uuid4().hex[:8]
    status, case = stack.request(
        "POST", "/cases", {"subject": f"Printer jams {token}", "contact_email": "anna.schmidt@nordwerk.example"}
    )
    assert status == 201, case
    assert case["customer_id"] == "nordwerk"
    assert case["case_id"].startswith("CB-")


def test_opened_case_is_listed_and_an_agent_can_take_it(stack):
    # Given a case opened over HTTP
    token = uuid.uuid4().hex[:8]
    status, case = stack.request(
        "POST", "/cases", {"subject": f"Router drops Wi-Fi {token}", "contact_email": "dana.lee@pacificfreight.example"}
    )
    assert status == 201, case

    # When it is listed, and an agent assigns it to herself with the version she saw
    listed = _cases_with_subject(stack, token, customer_id="pacific-freight")
    status, patched = stack.request(
        "PATCH", f"/cases/{case['case_id']}", {"version": case["version"], "assignee": "alice"}
    )

    # Then it was in the list once, and it is now open and hers, with the change on its timeline
    assert [c["case_id"] for c in listed] == [case["case_id"]]
    assert status == 200, patched
    assert (patched["status"], patched["assignee"]) == ("open", "alice")
    status, view = stack.request("GET", f"/cases/{case['case_id']}")
    assert status == 200
    assert len(view["timeline"]) >= 2


def test_a_bulk_change_runs_through_the_case_jobs_queue_of_the_local_stack(stack):
    # Given two cases opened over HTTP
    token = uuid.uuid4().hex[:8]
    ids = []
    for n in range(2):
        status, case = stack.request(
            "POST", "/cases", {"subject": f"Bulk {n} {token}", "contact_email": "x@example.org"}
        )
        assert status == 201, case
        ids.append(case["case_id"])

    # When an agent changes both at once
    status, accepted = stack.request("POST", "/cases/bulk", {"case_ids": ids, "update": {"priority": "urgent"}})
    assert status == 202, accepted

    # Then the stack's event delivery runs the job's steps, and the job says it is done
    def done() -> dict | None:
        status, job = stack.request("GET", f"/jobs/{accepted['job_id']}")
        return job if status == 200 and job["status"] == "done" else None

    job = _poll(done, timeout=60)
    assert job and (job["changed"], job["failed"]) == (2, 0), job
    assert all(stack.request("GET", f"/cases/{c}")[1]["priority"] == "urgent" for c in ids)


def test_patch_with_a_stale_version_is_a_conflict(stack):
    token = uuid.uuid4().hex[:8]
    _, case = stack.request("POST", "/cases", {"subject": f"Sensor offline {token}"})
    assert stack.request("PATCH", f"/cases/{case['case_id']}", {"version": 1, "priority": "high"})[0] == 200
    status, body = stack.request("PATCH", f"/cases/{case['case_id']}", {"version": 1, "priority": "low"})
    assert status == 409
    assert body["error"]["code"] == "version_conflict"


def test_outbox_command_reads_the_embedded_aws(stack):
    result = stack.cli("local", "outbox", "--data-dir", str(stack.data_dir), "--json")
    assert result.returncode == 0, result.stderr
    assert isinstance(json.loads(result.stdout), list)


def test_mail_sent_to_the_smtp_inbox_becomes_a_case(stack):
    # Given a known contact writes to support
    token = uuid.uuid4().hex[:8]
    _send_mail(stack, "Anna Schmidt <anna.schmidt@nordwerk.example>", f"PX-200 jams again {token}", "Since the update.")

    # When the inbound-mail queue has been delivered to its handler
    found = _poll(lambda: _cases_with_subject(stack, token, channel="email"))

    # Then exactly one email case exists for her organisation
    assert len(found) == 1, stack.output[-30:]
    assert found[0]["customer_id"] == "nordwerk"
    assert found[0]["contact_email"] == "anna.schmidt@nordwerk.example"


def test_the_sender_of_a_new_mail_gets_an_acknowledgement_in_the_outbox(stack):
    from functions.local.outbox import sent_mail

    # Given a known contact writes to support
    token = uuid.uuid4().hex[:8]
    _send_mail(stack, "dana.lee@pacificfreight.example", f"Router reboots {token}", "Every night at 3.")
    case = _poll(lambda: _cases_with_subject(stack, token, channel="email"))
    assert case, stack.output[-30:]

    # When the outbox is read
    def acks():
        return [m for m in sent_mail(stack.aws_endpoint) if "dana.lee@pacificfreight.example" in m.to]

    # Then a message to the sender is there
    assert _poll(acks), "no acknowledgement was sent"


def test_ctrl_c_stops_the_stack_cleanly(tmp_path):
    # Given a second stack (no SMTP, no demo data)
    second = start_stack(tmp_path, "--no-seed", smtp=False)

    # When it gets Ctrl-C
    code = stop_stack(second.process)

    # Then it exits 0 and forgets its runtime state file
    assert code == 0, "\n".join(second.output[-20:])
    assert not (tmp_path / "stack.json").exists()
    assert any(line == "Stopped." for line in second.output)


def test_send_mail_command_delivers_through_smtp_to_a_case(stack):
    token = uuid.uuid4().hex[:8]
    result = stack.cli(
        "local", "send-mail", "--data-dir", str(stack.data_dir),
        "--from", "yuki.tanaka@sakura-foods.example", "--subject", f"Sensor drift {token}",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = _poll(lambda: _cases_with_subject(stack, token, channel="email"))
    assert [c["customer_id"] for c in found] == ["sakura-foods"]
