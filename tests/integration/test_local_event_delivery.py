"""The local stack's event delivery (functions.local.events) against a moto server on loopback.

A tiny Chalice app stands in for app.py: its handlers are registered exactly as the
real ones are, and the pumps find them the way the local stack does.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from functions.local import events
from functions.local.stack import HOST, free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=HOST, port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def account(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    from functions import composition
    from functions.local.provision import provision

    req = urllib.request.Request(moto_endpoint + "/moto-api/reset", data=b"{}", method="POST")
    urllib.request.urlopen(req, timeout=10).read()
    monkeypatch.setenv("CASEBRIDGE_AWS_ENDPOINT_URL", moto_endpoint)
    composition.reset()
    return provision()


def _app_with(register) -> Any:
    from chalice import Chalice

    app = Chalice(app_name="pump-test")
    register(app)
    return app


def _sqs():
    from functions.core import aws

    return aws.client("sqs")


def _count(url: str) -> int:
    attrs = _sqs().get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def _only_pump(app: Any, **kwargs: Any) -> Any:
    pumps = events.build_pumps(events.event_handlers(app), **kwargs)
    assert len(pumps) == 1
    return pumps[0]


def test_sqs_handler_gets_a_lambda_sqs_event_and_the_message_is_deleted(account):
    # Given a handler on the inbound-mail queue and a message waiting there
    seen: list[dict] = []

    def register(app):
        @app.on_sqs_message(queue="casebridge-test-inbound-mail", batch_size=5)
        def handle(event):
            seen.append(event.to_dict())

    queue = account["queues"]["inbound-mail"]
    _sqs().send_message(QueueUrl=queue["url"], MessageBody='{"hello": "world"}')
    pump = _only_pump(_app_with(register))

    # When the pump polls once
    pump.poll_once()

    # Then the handler saw one record shaped like Lambda's, and the queue is empty
    record = seen[0]["Records"][0]
    assert record["body"] == '{"hello": "world"}'
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue["arn"]
    assert record["messageId"] and record["receiptHandle"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert _count(queue["url"]) == 0


def test_handler_registered_under_another_stage_still_gets_its_queue(account):
    # Given a handler whose queue name was computed with another stage's prefix
    seen: list[str] = []

    def register(app):
        @app.on_sqs_message(queue="casebridge-dev-inbound-mail")
        def handle(event):
            seen.extend(r.body for r in event)

    _sqs().send_message(QueueUrl=account["queues"]["inbound-mail"]["url"], MessageBody="x")

    # When
    _only_pump(_app_with(register)).poll_once()

    # Then the logical name (inbound-mail) decided the queue
    assert seen == ["x"]


def test_a_message_that_keeps_failing_ends_in_the_dead_letter_queue(account):
    # Given a handler that always fails
    def register(app):
        @app.on_sqs_message(queue="casebridge-test-inbound-mail")
        def handle(event):
            raise RuntimeError("poison")

    queue = account["queues"]["inbound-mail"]
    _sqs().send_message(QueueUrl=queue["url"], MessageBody="poison")
    pump = _only_pump(_app_with(register), retry_delay=0)

    # When the pump keeps polling past the redrive policy's maxReceiveCount
    for _ in range(8):
        pump.poll_once()

    # Then the message left the queue for its dead-letter queue, not lost
    assert _count(queue["url"]) == 0
    dead = _sqs().receive_message(QueueUrl=queue["dlq_url"])["Messages"]
    assert [m["Body"] for m in dead] == ["poison"]


def test_only_records_reported_in_batch_item_failures_are_retried(account):
    # Given a handler that reports one of two records as failed
    def register(app):
        @app.on_sqs_message(queue="casebridge-test-inbound-mail", batch_size=10)
        def handle(event):
            return {
                "batchItemFailures": [{"itemIdentifier": r.to_dict()["messageId"]} for r in event if r.body == "bad"]
            }

    queue = account["queues"]["inbound-mail"]
    _sqs().send_message_batch(
        QueueUrl=queue["url"], Entries=[{"Id": "1", "MessageBody": "good"}, {"Id": "2", "MessageBody": "bad"}]
    )
    pump = _only_pump(_app_with(register), retry_delay=0)

    # When
    while pump.delivered + pump.failed < 2:
        pump.poll_once()

    # Then only the failed one is still on the queue
    left = _sqs().receive_message(QueueUrl=queue["url"], MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in left] == ["bad"]


def test_dynamodb_stream_handler_gets_table_changes(account):
    # Given a stream handler (the ARN's table name is enough; moto's stream label differs)
    seen: list[dict] = []

    def register(app):
        @app.on_dynamodb_record(
            stream_arn="arn:aws:dynamodb:us-east-1:123456789012:table/casebridge-test-main/stream/label"
        )
        def handle(event):
            seen.extend(event.to_dict()["Records"])

    pump = _only_pump(_app_with(register))
    from functions.core import dynamo

    # When an item is written and then changed
    dynamo.table().put_item(Item={"PK": "T#1", "SK": "A", "n": 1, "blob": b"\x00\x01"})
    dynamo.table().update_item(
        Key={"PK": "T#1", "SK": "A"}, UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": 2}
    )
    pump.poll_once()

    # Then the handler saw both, in order, shaped like Lambda's stream records
    assert [r["eventName"] for r in seen] == ["INSERT", "MODIFY"]
    assert seen[0]["dynamodb"]["Keys"] == {"PK": {"S": "T#1"}, "SK": {"S": "A"}}
    assert seen[1]["dynamodb"]["NewImage"]["n"] == {"N": "2"}
    assert seen[1]["dynamodb"]["OldImage"]["n"] == {"N": "1"}
    assert seen[0]["dynamodb"]["NewImage"]["blob"] == {"B": "AAE="}
    assert seen[0]["eventSourceARN"].startswith(
        "arn:aws:dynamodb:us-east-1:123456789012:table/casebridge-test-main/stream/"
    )
    json.dumps(seen)  # what Lambda sends is JSON


def test_chalice_dynamodb_event_objects_work_on_the_delivered_records(account):
    # Given a handler that uses Chalice's record accessors
    keys: list[Any] = []

    def register(app):
        @app.on_dynamodb_record(
            stream_arn="arn:aws:dynamodb:us-east-1:123456789012:table/casebridge-test-main/stream/x"
        )
        def handle(event):
            keys.extend((r.event_name, r.keys, r.new_image) for r in event)

    pump = _only_pump(_app_with(register))
    from functions.core import dynamo

    # When
    dynamo.table().put_item(Item={"PK": "T#2", "SK": "B"})
    pump.poll_once()

    # Then
    assert keys == [("INSERT", {"PK": {"S": "T#2"}, "SK": {"S": "B"}}, {"PK": {"S": "T#2"}, "SK": {"S": "B"}})]


def test_sns_handler_gets_topic_messages_as_sns_events(account):
    # Given a handler on the case-events topic
    seen: list[dict] = []

    def register(app):
        @app.on_sns_message(topic="casebridge-test-case-events")
        def handle(event):
            seen.append(event.to_dict())

    pump = _only_pump(_app_with(register))
    from functions.core import aws

    # When something is published there
    aws.client("sns").publish(TopicArn=account["topics"]["case-events"], Message='{"case": "CB-1"}', Subject="s")
    pump.poll_once()

    # Then the handler got an SNS record with the message as published
    record = seen[0]["Records"][0]
    assert record["EventSource"] == "aws:sns"
    assert record["Sns"]["Message"] == '{"case": "CB-1"}'
    assert record["Sns"]["TopicArn"] == account["topics"]["case-events"]


def test_scheduled_handler_gets_a_scheduled_event(account):
    # Given a scheduled handler
    seen: list[dict] = []

    def register(app):
        from chalice import Rate

        @app.schedule(Rate(5, unit=Rate.MINUTES))
        def tick(event):
            seen.append(event.to_dict())

    scheduler = events.Scheduler(events.event_handlers(_app_with(register)).schedules)

    # When it is fired
    scheduler.fire("tick")

    # Then it got an EventBridge scheduled event, and its interval is its rate
    assert seen[0]["detail-type"] == "Scheduled Event"
    assert seen[0]["source"] == "aws.events"
    assert scheduler.jobs["tick"][1] == 300
