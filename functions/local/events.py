"""Deliver asynchronous events on the local stack to the handlers Lambda would run.

Chalice records every event handler of an app in ``app.event_sources`` (one config
object each, with the queue / stream / topic / schedule) and keeps the callable
Lambda invokes in ``app.handler_map[name]``. This module reads both, so that the
local stack runs exactly the functions a deployment wires to AWS event sources:

* ``SqsPump``        polls a queue, invokes an ``on_sqs_message`` handler with a Lambda
                     SQS event, deletes on success and leaves the batch (or the records a
                     handler reports in ``batchItemFailures``) for retry; the queue's redrive
                     policy moves a message that keeps failing to its dead-letter queue.
* ``SnsPump``        an ``on_sns_message`` handler gets a private queue subscribed to the topic;
                     its messages are delivered as Lambda SNS events.
* ``StreamPump``     polls a DynamoDB stream (moto's ``dynamodbstreams``) and invokes
                     ``on_dynamodb_record`` handlers, and the plain Lambda functions declared in
                     ``resources.STREAM_CONSUMERS`` (the search indexer), with Lambda stream events;
                     a handler's ``batchItemFailures`` are honoured like Lambda's
                     ReportBatchItemFailures (the batch is retried from the first failed record).
* ``Scheduler``      invokes ``schedule`` handlers at their ``Rate``; a ``Cron`` expression is
                     approximated as "every minute" (the local stack does not evaluate cron fields).

Deviations from AWS, on purpose and documented here only:
* a failed SQS batch becomes visible again after ``retry_delay`` seconds (not the queue's full
  visibility timeout) so that retries and dead-lettering can be watched within a minute;
* a DynamoDB stream batch is retried ``max_attempts`` times and then skipped with an error log
  (AWS retries until the records expire unless the mapping sets a limit and on-failure destination);
* ``on_cw_event`` handlers (event patterns) are not triggered by anything locally.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from functions.core import aws, resources
from functions.core.logs import logger
from functions.core.settings import get_settings

Handler = Callable[[dict[str, Any], Any], Any]

CRON_APPROXIMATION_SECONDS = 60.0
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


# --------------------------------------------------------------------------- discovery
@dataclass(frozen=True)
class Bound:
    """One event source config of the app with the callable Lambda would invoke for it."""

    name: str
    config: Any
    handler: Handler


@dataclass
class EventHandlers:
    sqs: list[Bound] = field(default_factory=list)
    sns: list[Bound] = field(default_factory=list)
    dynamodb: list[Bound] = field(default_factory=list)
    schedules: list[Bound] = field(default_factory=list)
    stream_consumers: list[tuple[resources.StreamConsumerDef, Handler]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # handler names with no local delivery


def event_handlers(app: Any) -> EventHandlers:
    """Group the app's event handlers by the kind of source that delivers to them."""
    from chalice.app import (  # noqa: PLC0415 - chalice is not needed to import this module
        DynamoDBEventConfig,
        ScheduledEventConfig,
        SNSEventConfig,
        SQSEventConfig,
    )

    out = EventHandlers()
    for cfg in app.event_sources:
        bound = Bound(cfg.name, cfg, app.handler_map[cfg.name])
        if isinstance(cfg, SQSEventConfig):
            out.sqs.append(bound)
        elif isinstance(cfg, SNSEventConfig):
            out.sns.append(bound)
        elif isinstance(cfg, DynamoDBEventConfig):
            out.dynamodb.append(bound)
        elif isinstance(cfg, ScheduledEventConfig):
            out.schedules.append(bound)
        else:
            out.ignored.append(cfg.name)
    for consumer in resources.STREAM_CONSUMERS:
        handler = app.handler_map.get(consumer.function)
        if handler is not None:
            out.stream_consumers.append((consumer, handler))
    return out


def lambda_context(function_name: str, timeout_seconds: int = 60) -> Any:
    from chalice.local import LambdaContext  # noqa: PLC0415

    return LambdaContext(function_name, memory_size=512, max_runtime_ms=timeout_seconds * 1000)


def _physical(name: str, logicals: tuple[str, ...], existing: set[str]) -> str | None:
    """The physical resource a handler means.

    The name a handler was registered with is computed when ``app.py`` is imported; if that
    happened under another stage (an in-process test) the prefix differs, so fall back to the
    resource whose logical name the registered name ends with.
    """
    if name in existing:
        return name
    s = get_settings()
    for logical in sorted(logicals, key=len, reverse=True):
        if name == logical or name.endswith(f"-{logical}"):
            physical = s.name(logical)
            if physical in existing:
                return physical
    return None


# --------------------------------------------------------------------------- pumps
class _Loop:
    """A daemon thread that calls ``poll_once`` until stopped."""

    idle_seconds = 0.5

    def __init__(self, name: str) -> None:
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.poll_once()
            except Exception:  # noqa: BLE001 - a pump must survive a broken poll
                logger().exception("local event pump failed to poll", extra={"pump": self.name})
                done = 0
            if not done:
                self._stop.wait(self.idle_seconds)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"pump-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A received SQS message in the shape Lambda's SQS event source gives it."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {
            name: {
                "stringValue": v.get("StringValue"),
                "binaryValue": base64.b64encode(v["BinaryValue"]).decode() if v.get("BinaryValue") else None,
                "stringListValues": v.get("StringListValues", []),
                "binaryListValues": v.get("BinaryListValues", []),
                "dataType": v.get("DataType"),
            }
            for name, v in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sns_record_from_sqs(record: dict[str, Any], subscription_arn: str) -> dict[str, Any]:
    """Turn an SQS record whose body is an SNS envelope into a Lambda SNS record."""
    env = json.loads(record["body"])
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription_arn,
        "Sns": {
            "Type": env.get("Type", "Notification"),
            "MessageId": env.get("MessageId"),
            "TopicArn": env.get("TopicArn"),
            "Subject": env.get("Subject"),
            "Message": env.get("Message"),
            "Timestamp": env.get("Timestamp"),
            "SignatureVersion": env.get("SignatureVersion", "1"),
            "Signature": env.get("Signature", ""),
            "SigningCertUrl": env.get("SigningCertURL", ""),
            "UnsubscribeUrl": env.get("UnsubscribeURL", ""),
            "MessageAttributes": env.get("MessageAttributes", {}),
        },
    }


class SqsPump(_Loop):
    """Lambda's SQS event source mapping for one queue and one handler."""

    def __init__(
        self,
        name: str,
        handler: Handler,
        queue_url: str,
        queue_arn: str,
        *,
        batch_size: int = 10,
        wait_seconds: int = 1,
        retry_delay: int = 5,
        to_event: Callable[[list[dict[str, Any]]], dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(name)
        self.handler = handler
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.batch_size = max(1, min(batch_size, 10))
        self.wait_seconds = wait_seconds
        self.retry_delay = retry_delay
        self.to_event = to_event or (lambda records: {"Records": records})
        self.delivered = 0
        self.failed = 0

    def poll_once(self) -> int:
        sqs = aws.client("sqs")
        resp = sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = resp.get("Messages") or []
        if not messages:
            return 0
        region = get_settings().region
        records = [sqs_record(m, self.queue_arn, region) for m in messages]
        try:
            result = self.handler(self.to_event(records), lambda_context(self.name))
        except Exception:  # noqa: BLE001 - Lambda: the whole batch goes back to the queue
            logger().exception(
                "local SQS delivery failed; batch left for retry",
                extra={"handler": self.name, "message_ids": [r["messageId"] for r in records]},
            )
            self.failed += len(records)
            self._retry_later([r["receiptHandle"] for r in records])
            return len(records)
        failures = {
            f.get("itemIdentifier")
            for f in ((result or {}).get("batchItemFailures") or [] if isinstance(result, dict) else [])
        }
        done = [r for r in records if r["messageId"] not in failures]
        retry = [r for r in records if r["messageId"] in failures]
        for i in range(0, len(done), 10):
            sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(n), "ReceiptHandle": r["receiptHandle"]} for n, r in enumerate(done[i : i + 10])],
            )
        self.delivered += len(done)
        if retry:
            self.failed += len(retry)
            logger().warning(
                "local SQS delivery: handler reported failures",
                extra={"handler": self.name, "message_ids": [r["messageId"] for r in retry]},
            )
            self._retry_later([r["receiptHandle"] for r in retry])
        return len(records)

    def _retry_later(self, handles: list[str]) -> None:
        sqs = aws.client("sqs")
        for handle in handles:
            try:
                sqs.change_message_visibility(
                    QueueUrl=self.queue_url, ReceiptHandle=handle, VisibilityTimeout=self.retry_delay
                )
            except Exception:  # noqa: BLE001 - it becomes visible after the queue's timeout anyway
                logger().warning("could not shorten visibility", extra={"handler": self.name})


def _json_safe(value: Any) -> Any:
    """boto3 parsed the stream records; Lambda sends JSON (base64 for binary, epoch seconds for times)."""
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, datetime):
        return value.timestamp()
    return value


class StreamPump(_Loop):
    """Lambda's DynamoDB stream event source mapping for one table stream and one handler."""

    def __init__(
        self,
        name: str,
        handler: Handler,
        stream_arn: str,
        *,
        batch_size: int = 100,
        starting_position: str = "LATEST",
        max_attempts: int = 3,
        retry_delay: float = 1.0,
    ) -> None:
        super().__init__(name)
        self.handler = handler
        self.stream_arn = stream_arn
        self.batch_size = max(1, min(batch_size, 1000))
        self.starting_position = "TRIM_HORIZON" if starting_position == "TRIM_HORIZON" else "LATEST"
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.delivered = 0
        self.skipped: list[str] = []  # eventIDs of records dropped after max_attempts
        self._iterators: dict[str, str] = {}
        self._init_iterators()

    def _init_iterators(self) -> None:
        streams = aws.client("dynamodbstreams")
        desc = streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in desc.get("Shards", []):
            self._iterators[shard["ShardId"]] = streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard["ShardId"], ShardIteratorType=self.starting_position
            )["ShardIterator"]

    def poll_once(self) -> int:
        streams = aws.client("dynamodbstreams")
        total = 0
        for shard_id, iterator in list(self._iterators.items()):
            resp = streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            records = [{**_json_safe(r), "eventSourceARN": self.stream_arn} for r in resp.get("Records", [])]
            if records:
                self._deliver(records)
                total += len(records)
            if resp.get("NextShardIterator"):
                self._iterators[shard_id] = resp["NextShardIterator"]
        return total

    def _deliver(self, records: list[dict[str, Any]]) -> None:
        for attempt in range(1, self.max_attempts + 1):
            try:
                result = self.handler({"Records": records}, lambda_context(self.name))
            except Exception:  # noqa: BLE001 - retried, then reported
                logger().exception(
                    "local stream delivery failed",
                    extra={"handler": self.name, "attempt": attempt, "event_ids": [r.get("eventID") for r in records]},
                )
                if attempt < self.max_attempts:
                    time.sleep(self.retry_delay)
                continue
            failed_at = first_failed_record(result, records)
            if failed_at is None:
                self.delivered += len(records)
                return
            # Like Lambda's ReportBatchItemFailures: records before the first failure are done.
            self.delivered += failed_at
            records = records[failed_at:]
            logger().warning(
                "local stream delivery: handler reported a failure; retrying from it",
                extra={"handler": self.name, "attempt": attempt, "event_id": records[0].get("eventID")},
            )
            if attempt < self.max_attempts:
                time.sleep(self.retry_delay)
        self.skipped += [str(r.get("eventID")) for r in records]
        logger().error(
            "local stream delivery gave up; records skipped",
            extra={"handler": self.name, "event_ids": [r.get("eventID") for r in records]},
        )


def first_failed_record(result: Any, records: list[dict[str, Any]]) -> int | None:
    """Position of the first record a stream handler reported in ``batchItemFailures`` (None: all done)."""
    failures = (result or {}).get("batchItemFailures") if isinstance(result, dict) else None
    if not failures:
        return None
    ids = {str(f.get("itemIdentifier")) for f in failures}
    for i, r in enumerate(records):
        if str((r.get("dynamodb") or {}).get("SequenceNumber")) in ids:
            return i
    return 0  # an identifier we do not know: the whole batch again, as Lambda does


def schedule_seconds(expression: Any) -> float:
    """Seconds between runs for a Chalice ``Rate`` / ``Cron`` or an EventBridge expression string."""
    from chalice.app import Cron, Rate  # noqa: PLC0415

    if isinstance(expression, Rate):
        unit = expression.unit.lower().rstrip("s")
        return float(expression.value * _UNIT_SECONDS[unit])
    if isinstance(expression, Cron):
        return CRON_APPROXIMATION_SECONDS
    text = str(expression).strip().lower()
    match = _RATE.match(text)
    if match:
        return float(int(match.group(1)) * _UNIT_SECONDS[match.group(2).rstrip("s")])
    if text.startswith("cron("):
        return CRON_APPROXIMATION_SECONDS
    raise ValueError(f"unsupported schedule expression: {expression!r}")


def scheduled_event(rule_name: str, now: datetime | None = None) -> dict[str, Any]:
    s = get_settings()
    now = now or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": s.region,
        "resources": [f"arn:aws:events:{s.region}:123456789012:rule/{s.prefix}-{rule_name}"],
        "detail": {},
    }


class Scheduler:
    """Invokes each scheduled handler once per interval (the first run is one interval after start)."""

    def __init__(self, bound: list[Bound]) -> None:
        self.jobs = {b.name: (b, schedule_seconds(b.config.schedule_expression)) for b in bound}
        self.runs: dict[str, int] = dict.fromkeys(self.jobs, 0)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def fire(self, name: str) -> Any:
        """Run one scheduled handler now (tests, or a person who does not want to wait an hour)."""
        bound, _ = self.jobs[name]
        self.runs[name] += 1
        return bound.handler(scheduled_event(name), lambda_context(name))

    def _loop(self, name: str, seconds: float) -> None:
        while not self._stop.wait(seconds):
            try:
                self.fire(name)
            except Exception:  # noqa: BLE001 - EventBridge would retry; the next tick does here
                logger().exception("scheduled handler failed", extra={"handler": name})

    def start(self) -> None:
        for name, (_, seconds) in self.jobs.items():
            t = threading.Thread(target=self._loop, args=(name, seconds), name=f"schedule-{name}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout)


# --------------------------------------------------------------------------- wiring
def _queue_arn(url: str) -> str:
    return aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def build_pumps(handlers: EventHandlers, *, retry_delay: int = 5) -> list[_Loop]:
    """One pump per SQS, SNS and DynamoDB-stream handler, bound to the provisioned resources."""
    s = get_settings()
    sqs = aws.client("sqs")
    pumps: list[_Loop] = []

    queue_urls = {url.rsplit("/", 1)[-1]: url for url in sqs.list_queues().get("QueueUrls", [])}
    queue_logicals = tuple(q.logical for q in resources.QUEUES) + tuple(
        resources.dlq_logical(q) for q in resources.QUEUES
    )
    for b in handlers.sqs:
        wanted = b.config.queue or (b.config.queue_arn or "").rsplit(":", 1)[-1]
        name = _physical(wanted, queue_logicals, set(queue_urls))
        if name is None:
            logger().warning("no local queue for handler; not delivered", extra={"handler": b.name, "queue": wanted})
            continue
        url = queue_urls[name]
        pumps.append(
            SqsPump(b.name, b.handler, url, _queue_arn(url), batch_size=b.config.batch_size, retry_delay=retry_delay)
        )

    sns = aws.client("sns")
    topics = {arn.rsplit(":", 1)[-1]: arn for arn in (t["TopicArn"] for t in sns.list_topics().get("Topics", []))}
    topic_logicals = tuple(t.logical for t in resources.TOPICS)
    for b in handlers.sns:
        wanted = b.config.topic.rsplit(":", 1)[-1]
        name = _physical(wanted, topic_logicals, set(topics))
        if name is None:
            logger().warning("no local topic for handler; not delivered", extra={"handler": b.name, "topic": wanted})
            continue
        queue_name = f"{s.prefix}-local-sns-{b.name}"[:80]
        url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
        arn = _queue_arn(url)
        sub_arn = sns.subscribe(TopicArn=topics[name], Protocol="sqs", Endpoint=arn)["SubscriptionArn"]

        def to_event(records: list[dict[str, Any]], sub_arn: str = sub_arn) -> dict[str, Any]:
            return {"Records": [sns_record_from_sqs(r, sub_arn) for r in records]}

        pumps.append(SqsPump(b.name, b.handler, url, arn, batch_size=1, retry_delay=retry_delay, to_event=to_event))

    ddb = aws.client("dynamodb")
    tables = set(ddb.list_tables().get("TableNames", []))
    table_logicals = tuple(t.logical for t in resources.TABLES)
    for b in handlers.dynamodb:
        parts = b.config.stream_arn.split(":", 5)
        wanted = parts[5].split("/")[1] if len(parts) == 6 and parts[5].startswith("table/") else b.config.stream_arn
        name = _physical(wanted, table_logicals, tables)
        if name is None:
            logger().warning("no local table for stream handler", extra={"handler": b.name, "stream": wanted})
            continue
        stream_arn = ddb.describe_table(TableName=name)["Table"].get("LatestStreamArn")
        if not stream_arn:
            logger().warning("table has no stream; handler not delivered", extra={"handler": b.name, "table": name})
            continue
        pumps.append(
            StreamPump(
                b.name,
                b.handler,
                stream_arn,
                batch_size=b.config.batch_size,
                starting_position=b.config.starting_position,
            )
        )
    for consumer, handler in handlers.stream_consumers:
        name = s.name(consumer.table)
        stream_arn = ddb.describe_table(TableName=name)["Table"].get("LatestStreamArn") if name in tables else None
        if not stream_arn:
            logger().warning("no local stream for consumer", extra={"handler": consumer.function, "table": name})
            continue
        pumps.append(
            StreamPump(
                consumer.function,
                handler,
                stream_arn,
                batch_size=consumer.batch_size,
                starting_position=consumer.starting_position,
            )
        )
    return pumps
