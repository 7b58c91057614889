"""Pure parts of the local stack: the SES receipt notification, schedule rates, the outbox parser, seeds."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from functions.local.events import CRON_APPROXIMATION_SECONDS, schedule_seconds
from functions.local.outbox import parse_model_data
from functions.local.seed import demo_customers
from functions.local.smtp import receipt_notification, ses_message_id, stored_message

RAW = (
    b"From: Anna Schmidt <anna.schmidt@nordwerk.example>\r\n"
    b"To: support@casebridge.local\r\n"
    b"Cc: jonas.weber@nordwerk.example, Claire <claire@lumiere-sante.example>\r\n"
    b"Subject: PX-200 jams\r\n"
    b"Date: Fri, 11 Sep 2015 20:32:32 +0000\r\n"
    b"Message-ID: <abc@nordwerk.example>\r\n"
    b"X-Long: first\r\n second\r\n"
    b"\r\n"
    b"Since the update.\r\n"
)


def _notification():
    return receipt_notification(
        RAW,
        source="anna.schmidt@nordwerk.example",
        recipients=["support@casebridge.local"],
        message_id="o5vdn66mzm5ubvr2pgqehwunhdhn",
        bucket="casebridge-local-mail",
        object_key="inbound/o5vdn66mzm5ubvr2pgqehwunhdhn",
        topic_arn="arn:aws:sns:us-east-1:123456789012:casebridge-local-inbound-mail",
        now=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
    )


def test_receipt_notification_has_the_fields_of_the_ses_sample(shared_data):
    # Given the SES developer guide's notification
    sample = json.loads((shared_data / "events" / "sesSnsReceivedNotification.json").read_text())

    # When we build one for a local message
    note = _notification()

    # Then it has every top-level, receipt and mail field the sample has (content only comes with an SNS action)
    assert set(note) == set(sample) - {"content"}
    assert set(sample["receipt"]) - {"action"} <= set(note["receipt"])
    assert set(sample["mail"]) <= set(note["mail"])
    assert set(sample["mail"]["commonHeaders"]) <= set(note["mail"]["commonHeaders"])


def test_receipt_notification_points_at_the_stored_object_like_an_s3_action(shared_data):
    sample_action = json.loads((shared_data / "events" / "ses-s3-event.json").read_text())["Records"][0]["ses"][
        "receipt"
    ]["action"]
    action = _notification()["receipt"]["action"]
    assert set(sample_action) <= set(action)
    assert action["type"] == "S3"
    assert (action["bucketName"], action["objectKey"]) == (
        "casebridge-local-mail",
        "inbound/o5vdn66mzm5ubvr2pgqehwunhdhn",
    )


def test_common_headers_list_addresses_and_keep_the_message_id():
    common = _notification()["mail"]["commonHeaders"]
    assert common["from"] == ["Anna Schmidt <anna.schmidt@nordwerk.example>"]
    assert common["cc"] == ["jonas.weber@nordwerk.example", "Claire <claire@lumiere-sante.example>"]
    assert common["messageId"] == "<abc@nordwerk.example>"
    assert common["subject"] == "PX-200 jams"
    assert common["returnPath"] == "anna.schmidt@nordwerk.example"


def test_folded_headers_are_given_on_one_line():
    headers = {h["name"]: h["value"] for h in _notification()["mail"]["headers"]}
    assert headers["X-Long"] == "first second"


def test_timestamps_are_iso_with_milliseconds():
    assert _notification()["mail"]["timestamp"] == "2026-01-02T03:04:05.678Z"


def test_stored_message_starts_with_the_headers_ses_prepends():
    stored = stored_message(
        RAW, source="a@b.example", recipient="support@casebridge.local", message_id="m1", now=datetime.now(UTC)
    )
    assert stored.startswith(b"Return-Path: <a@b.example>\r\nReceived: from localhost")
    assert stored.endswith(RAW)


def test_ses_message_ids_are_unique_and_key_safe():
    ids = {ses_message_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"[a-z2-7]{28}", i) for i in ids)


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(2 hours)", 7200), ("rate(1 day)", 86400)],
)
def test_rate_expressions_give_their_interval(expression, seconds):
    assert schedule_seconds(expression) == seconds


def test_chalice_rate_and_cron_objects_are_understood():
    from chalice import Cron, Rate

    assert schedule_seconds(Rate(1, unit=Rate.HOURS)) == 3600
    assert schedule_seconds(Cron(0, 3, "*", "*", "?", "*")) == CRON_APPROXIMATION_SECONDS


def test_unknown_schedule_expression_is_refused():
    with pytest.raises(ValueError, match="unsupported schedule"):
        schedule_seconds("every tuesday")


def test_outbox_reads_simple_and_raw_messages_from_moto_model_data():
    data = {
        "ses": {
            "Message": [
                {
                    "id": "m1",
                    "source": "support@casebridge.local",
                    "subject": "We got your message",
                    "body": "Case CB-100001",
                    "destinations": {"ToAddresses": ["anna@nordwerk.example"], "CcAddresses": [], "BccAddresses": []},
                }
            ],
            "RawMessage": [
                {
                    "id": "m2",
                    "source": "support@casebridge.local",
                    "destinations": ["dana.lee@pacificfreight.example"],
                    "raw_data": "Subject: [CB-100002] Re: Router\r\nContent-Type: text/plain\r\n\r\nHello Dana\r\n",
                }
            ],
        }
    }
    mails = parse_model_data(data)
    assert [(m.message_id, m.to, m.subject) for m in mails] == [
        ("m1", ["anna@nordwerk.example"], "We got your message"),
        ("m2", ["dana.lee@pacificfreight.example"], "[CB-100002] Re: Router"),
    ]
    assert mails[1].body.strip() == "Hello Dana"


def test_demo_customers_are_valid_and_varied():
    customers = demo_customers()
    assert len({c.region for c in customers}) >= 4
    assert len({c.tier for c in customers}) >= 3
    assert len({c.language for c in customers}) >= 4
    assert all(c.contacts and c.install_base for c in customers)
    emails = [ct.email for c in customers for ct in c.contacts if ct.email]
    assert len(emails) == len(set(emails))
