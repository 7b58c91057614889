"""The inbound-mail handler fed whole real SQS events from ../shared/data/events."""

from __future__ import annotations

import json

from tests.conftest import SHARED_DATA


def _event(name: str) -> dict:
    return json.loads((SHARED_DATA / "events" / name).read_text())


def test_every_record_of_a_plain_sqs_event_is_kept_in_quarantine_not_dropped(client, agent_headers):
    event = _event("sqsEvent.json")
    result = client.lambda_.invoke("handle_inbound_mail", event).payload
    assert result["outcomes"] == ["quarantined"] * len(event["Records"])
    items = client.http.get("/inbound/quarantine", headers=agent_headers).json_body["items"]
    assert len(items) == len(event["Records"])
    assert all(item["reason"] for item in items)


def test_an_s3_notification_delivered_through_sqs_ingests_the_stored_mail(client, agent_headers, shared_data):
    from functions.core import aws as core_aws
    from functions.core.settings import get_settings

    raw = (shared_data / "mail" / "mail001.box").read_bytes()
    bucket, key = get_settings().mail_bucket, "inbound/0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    core_aws.client("s3").put_object(Bucket=bucket, Key=key, Body=raw)
    event = _event("s3SqsEvent.json")
    inner = json.loads(event["Records"][0]["body"])
    inner["Records"][0]["s3"]["bucket"]["name"] = bucket
    inner["Records"][0]["s3"]["object"]["key"] = key
    event["Records"][0]["body"] = json.dumps(inner)

    result = client.lambda_.invoke("handle_inbound_mail", event).payload

    assert result["outcomes"] == ["created"]
    cases = client.http.get("/cases?channel=email", headers=agent_headers).json_body["items"]
    assert [c["contact_email"] for c in cases] == ["John.Smith@example.com"]


def test_an_s3_notification_outside_the_inbound_prefix_is_quarantined_with_the_reason(client, agent_headers):
    event = _event("s3SqsEvent.json")  # as sent: bucket "xxx", key "test.pdf"
    result = client.lambda_.invoke("handle_inbound_mail", event).payload
    assert result["outcomes"] == ["quarantined"]
    [item] = client.http.get("/inbound/quarantine", headers=agent_headers).json_body["items"]
    assert "outside the inbound prefix" in item["reason"]
