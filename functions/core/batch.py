"""The one batch layer of the SQS consumers: Powertools' batch processing, partial batch responses.

Every ``on_sqs_message`` handler hands its records to ``process_sqs`` with the function that
handles one record. A record whose handler raises is logged (by its SQS message id and the ids
``fields`` picks: never its body) and reported in ``batchItemFailures``; the others are done and
deleted from the queue. The event source mappings turn ``ReportBatchItemFailures`` on (infra/, and
the local stack's pump honours the same answer), so SQS redelivers only the failed records and a
good record is not processed twice; a record that keeps failing reaches the queue's dead-letter
queue after its max receives, where a person can see and replay it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from functions.core.logs import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord


@dataclass
class BatchResult:
    """What a batch came to: the partial batch response, and each done record's result in order."""

    failures: list[str] = field(default_factory=list)  # SQS message ids, in batch order
    results: list[Any] = field(default_factory=list)

    def response(self, **extra: Any) -> dict[str, Any]:
        """The answer Lambda reads (``batchItemFailures``; other keys are for people and tests)."""
        return {"batchItemFailures": [{"itemIdentifier": ident} for ident in self.failures], **extra}


def process_sqs(
    event: Any,
    handle: Callable[[SQSRecord], Any],
    *,
    kind: str,
    fields: Callable[[SQSRecord], dict[str, Any]] = lambda record: {},
) -> BatchResult:
    """Run ``handle`` on every record of an SQS event (Chalice's ``SQSEvent`` or the raw dict)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType  # noqa: PLC0415

    raw = event.to_dict() if hasattr(event, "to_dict") else event

    def one(record: SQSRecord) -> Any:
        try:
            return handle(record)
        except Exception as exc:
            logger().exception(
                f"{kind} record failed; SQS will deliver it again",
                extra={"sqs_message_id": record.message_id, **_safe(fields, record), "error_type": type(exc).__name__},
            )
            raise

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    with processor(raw.get("Records") or [], one):
        outcomes = processor.process()
    result = BatchResult()
    for (status, value, _record), item in zip(outcomes, raw.get("Records") or [], strict=True):
        if status == "success":
            result.results.append(value)
        else:
            result.failures.append(str(item.get("messageId")))
    return result


def _safe(fields: Callable[[SQSRecord], dict[str, Any]], record: SQSRecord) -> dict[str, Any]:
    try:
        return fields(record)
    except Exception:  # noqa: BLE001 - the ids are for the log; the record's failure is what counts
        return {}
