"""Unwrapping the shapes the inbound-mail queue delivers (real sample events). No network."""

from __future__ import annotations

import json

import pytest

from functions.channels.email import events
from tests.conftest import SHARED_DATA

EVENTS = SHARED_DATA / "events"


def load(name: str) -> dict:
    path = EVENTS / name
    if not path.exists():
        pytest.fail(f"shared event {path} is missing; set CASEBRIDGE_SHARED_DATA")
    return json.loads(path.read_text())


def sns_envelope(message: dict) -> str:
    return json.dumps({"Type": "Notification", "MessageId": "x", "Message": json.dumps(message)})


def test_ses_s3_action_inside_sns_points_at_the_stored_mail():
    note = load("ses-s3-event.json")["Records"][0]["ses"]
    [item] = events.unwrap(sns_envelope(note), "inbound/")
    assert isinstance(item, events.S3Location) and (item.bucket, item.key) == ("my-S3-bucket", "email")


def test_ses_sns_action_content_is_the_raw_mail():
    [item] = events.unwrap(sns_envelope(load("sesSnsReceivedNotification.json")), "inbound/")
    assert isinstance(item, events.RawContent) and item.raw.startswith(b"Return-Path:")


def test_base64_content_is_decoded():
    note = load("sesSnsReceivedNotification.json")
    import base64

    note["receipt"]["action"]["encoding"] = "BASE64"
    note["content"] = base64.b64encode(b"From: a@b.example\r\n\r\nhi").decode()
    [item] = events.unwrap(json.dumps(note), "inbound/")
    assert isinstance(item, events.RawContent) and item.raw == b"From: a@b.example\r\n\r\nhi"


def test_lambda_action_notification_without_content_is_unreadable_with_a_reason():
    [item] = events.unwrap(json.dumps(load("sesEvent.json")), "inbound/")
    assert isinstance(item, events.Unreadable) and "neither the content nor an S3 location" in item.reason


def test_s3_event_for_the_inbound_prefix_points_at_the_object():
    event = load("s3Event.json")
    event["Records"][0]["s3"]["object"]["key"] = "inbound/abc%2B1.eml"
    [item] = events.unwrap(json.dumps(event), "inbound/")
    assert isinstance(item, events.S3Location) and item.key == "inbound/abc+1.eml"


def test_s3_event_outside_the_inbound_prefix_is_unreadable():
    [item] = events.unwrap(json.dumps(load("s3Event.json")), "inbound/")
    assert isinstance(item, events.Unreadable)


def test_unrelated_sns_message_is_unreadable():
    body = load("snsSqsEvent.json")["Records"][0]["body"]
    [item] = events.unwrap(body, "inbound/")
    assert isinstance(item, events.Unreadable)


def test_non_json_body_is_unreadable():
    assert isinstance(events.unwrap("hello", "inbound/")[0], events.Unreadable)
