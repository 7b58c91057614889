"""Reading a DynamoDB stream batch for the consumers that take plain images (problem_stream,
live_stream, triage_stream; the search indexer reads raw records in functions/search/indexing.py).

Records are read in stream order up to the first one whose image cannot be read (an attribute type
``from_item`` does not know): the records before it are handled, and its sequence number goes back
in ``batchItemFailures`` (every mapping reports partial failures, ``functions.core.resources``), so
Lambda retries from that record, then bisects and finally sends it to the mapping's on-failure
destination where it has one. A record that cannot be read never takes the records before it down,
and is never skipped without a trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from functions.core.dynamo import from_item
from functions.core.logs import logger


@dataclass(frozen=True)
class ImageChange:
    event: str  # INSERT, MODIFY, REMOVE ("" for one a consumer does not handle)
    new: dict[str, Any] | None
    old: dict[str, Any] | None
    sequence: str


@dataclass(frozen=True)
class StreamBatch:
    changes: list[ImageChange]
    unread: str | None = None  # the sequence number of the first record not read (None: all were)

    def response(self) -> dict[str, Any]:
        """The handler's answer: the first unread record (and so every record after it) to retry."""
        return {"batchItemFailures": [{"itemIdentifier": self.unread}] if self.unread is not None else []}


def read_batch(event: dict[str, Any], consumer: str) -> StreamBatch:
    """The batch's images in order, up to the first record that cannot be read (logged with its
    sequence number and the reason's type, never the image: it may hold customer data)."""
    from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent  # noqa: PLC0415

    changes: list[ImageChange] = []
    for record in DynamoDBStreamEvent(event).records:
        data = record.dynamodb
        sequence = str((data.sequence_number if data else None) or record.event_id or "")
        try:
            changes.append(
                ImageChange(
                    event=record.event_name.name if record.event_name else "",
                    new=from_item(data.new_image) if data and data.new_image else None,
                    old=from_item(data.old_image) if data and data.old_image else None,
                    sequence=sequence,
                )
            )
        except Exception as exc:  # noqa: BLE001 - reported for retry from here, never dropped
            logger().error(
                "stream record not readable",
                # from_item's TypeError names the attribute's type, nothing of its value
                extra={"consumer": consumer, "sequence": sequence, "reason": _reason(exc)},
            )
            return StreamBatch(changes, unread=sequence)
    return StreamBatch(changes)


def _reason(exc: Exception) -> str:
    return str(exc) if isinstance(exc, TypeError) else type(exc).__name__
