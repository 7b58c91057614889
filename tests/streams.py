"""DynamoDB stream records as Lambda receives them, for the tests that feed the table's stream
consumers (index_stream, problem_stream, live_stream, triage_stream) by hand."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeSerializer


def ddb_json(item: dict[str, Any]) -> dict[str, Any]:
    """A plain item (boto3's resource types: str, Decimal, int, set, Binary, ...) as a stream image."""
    ser = TypeSerializer()
    return {k: ser.serialize(v) for k, v in item.items() if v is not None}


def stream_record(event: str, new: dict[str, Any] | None, old: dict[str, Any] | None = None, seq: int = 1) -> dict:
    """One record (NEW_AND_OLD_IMAGES) of ``event`` (INSERT, MODIFY, REMOVE) for these plain items."""
    ref = new or old or {}
    dynamodb: dict[str, Any] = {
        "Keys": ddb_json({"PK": ref["PK"], "SK": ref["SK"]}),
        "SequenceNumber": str(seq),
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        dynamodb["NewImage"] = ddb_json(new)
    if old is not None:
        dynamodb["OldImage"] = ddb_json(old)
    return {"eventID": f"e{seq}", "eventName": event, "eventSource": "aws:dynamodb", "dynamodb": dynamodb}
