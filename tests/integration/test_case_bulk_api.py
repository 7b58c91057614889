"""Bulk changes of cases through the API and the ``case-jobs`` queue (chalice.test.Client against
moto): the job is queued, its steps run by the queue's consumer, the job reports its outcome. The
use cases are tested on fakes in tests/unit/test_case_bulk_actions.py."""

from __future__ import annotations

import json
from typing import Any

import boto3

QUEUE = "casebridge-test-case-jobs"


def _case(client: Any, headers: dict[str, str], **over: Any) -> str:
    body = {"subject": "Invoice charged twice", "contact_email": "ann@example.org", "channel": "email"} | over
    resp = client.http.post("/cases", headers=headers, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    return str(resp.json_body["case_id"])


def _pump(client: Any) -> int:
    """Hand every message of the queue to its consumer (as Lambda would) until it is empty."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    handled = 0
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            event = client.events.generate_sqs_event(queue_name=QUEUE, message_bodies=[message["Body"]])
            result = client.lambda_.invoke("handle_case_jobs", event).payload
            assert result["batchItemFailures"] == [], result
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            handled += 1
    return handled


def test_a_filtered_bulk_change_runs_through_the_queue_and_reports_each_failure(client, agent_headers):
    # Given three new web cases (one of them closed) and a mail case
    web = [_case(client, agent_headers, channel="web") for _ in range(3)]
    mail = _case(client, agent_headers)
    closed = client.http.patch(f"/cases/{web[2]}", headers=agent_headers, body=json.dumps({"status": "closed"}))
    assert closed.status_code == 200
    # When every web case is assigned and moved to pending_customer (with an Idempotency-Key)
    body = {"filter": {"channel": "web"}, "update": {"status": "pending_customer", "assignee": "sam"}}
    headers = agent_headers | {"Idempotency-Key": "b6c5a3e0-8a51-4c1d-9f1e-2a4c7d8e9f10"}
    resp = client.http.post("/cases/bulk", headers=headers, body=json.dumps(body))
    assert resp.status_code == 202 and resp.json_body["status"] == "queued"
    job_id = resp.json_body["job_id"]
    again = client.http.post("/cases/bulk", headers=headers, body=json.dumps(body))
    assert again.status_code == 202 and again.json_body["job_id"] == job_id
    assert _pump(client) >= 2  # the selection, then its chunk
    # Then the open ones changed, the closed one is reported with its reason, the mail case is untouched
    job = client.http.get(f"/jobs/{job_id}", headers=agent_headers).json_body
    assert (job["status"], job["total"], job["changed"], job["failed"], job["done"]) == ("done", 3, 2, 1, 3)
    assert job["failures"] == [
        {"case_id": web[2], "error": "invalid_transition", "message": job["failures"][0]["message"]}
    ]
    cases = {c: client.http.get(f"/cases/{c}", headers=agent_headers).json_body for c in [*web, mail]}
    assert [(cases[c]["status"], cases[c]["assignee"]) for c in web[:2]] == [("pending_customer", "sam")] * 2
    assert (cases[mail]["status"], cases[mail]["assignee"]) == ("new", None)


def test_bulk_input_is_checked_before_anything_is_queued(client, agent_headers):
    bad = client.http.post("/cases/bulk", headers=agent_headers, body=json.dumps({"update": {"priority": "high"}}))
    assert bad.status_code == 400 and "case_ids or filter" in bad.json_body["error"]["message"] + json.dumps(
        bad.json_body["error"]["fields"]
    )
    unknown = client.http.post(
        "/cases/bulk",
        headers=agent_headers,
        body=json.dumps({"filter": {"colour": "red"}, "update": {"priority": "high"}}),
    )
    assert unknown.status_code == 400
    assert client.http.get("/jobs/JB-404", headers=agent_headers).status_code == 404
    assert _pump(client) == 0


def test_a_filter_by_a_span_before_now_selects_by_the_time_the_selection_is_made(client, agent_headers):
    from datetime import UTC, datetime, timedelta

    from functions.composition import container

    # Given a case changed eight days ago and one changed an hour ago
    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    container().cases.clock = lambda: now[0]
    container().bulk_actions.clock = lambda: now[0]
    old = _case(client, agent_headers)
    now[0] += timedelta(days=8)
    recent = _case(client, agent_headers)
    now[0] += timedelta(hours=1)
    # When every case changed in the last week is given a priority
    body = {"filter": {"updated_within": "P7D"}, "update": {"priority": "high"}}
    resp = client.http.post("/cases/bulk", headers=agent_headers, body=json.dumps(body))
    assert resp.status_code == 202, resp.body
    _pump(client)
    # Then only the recent one: the span counted back from when the job selected its cases
    job = client.http.get(f"/jobs/{resp.json_body['job_id']}", headers=agent_headers).json_body
    assert (job["status"], job["total"], job["changed"]) == ("done", 1, 1)
    priorities = {c: client.http.get(f"/cases/{c}", headers=agent_headers).json_body["priority"] for c in (old, recent)}
    assert priorities == {old: "normal", recent: "high"}
