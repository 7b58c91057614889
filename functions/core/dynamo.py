"""DynamoDB helpers shared by every store: the table handle, cursors, item conversion."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from functions.core import aws
from functions.core.errors import InvalidInput, Unavailable
from functions.core.settings import get_settings


def table() -> Any:
    return aws.resource("dynamodb").Table(get_settings().table_name)


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(last_key, default=_decimal_default, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("cursor is not valid; use next_cursor from a previous page") from exc
    if not isinstance(data, dict) or not all(isinstance(v, (str, int)) for v in data.values()):
        raise InvalidInput("cursor is not valid; use next_cursor from a previous page")
    return data


def _decimal_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        # A DynamoDB set (SS, NS: e.g. a notice dispatch's done_batches, kept by ADD): a JSON list,
        # sorted so the same set reads the same. Stream images carry them like any attribute.
        return sorted(value)
    raise TypeError(f"an attribute of type {type(value).__name__} cannot be read")


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready dict -> DynamoDB item (floats become Decimal, None is dropped)."""
    return json.loads(json.dumps({k: v for k, v in data.items() if v is not None}), parse_float=Decimal)


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB item -> plain JSON types (Decimal becomes int or float)."""
    return json.loads(json.dumps(item, default=_decimal_default))


def strip_keys(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not (k in ("PK", "SK", "type") or k.startswith("GSI"))}


def is_conditional_failure(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


def cancellation_reasons(exc: Exception) -> list[str]:
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    return [r.get("Code", "None") for r in reasons]


BATCH_GET_ATTEMPTS = 8


class BatchGetIncomplete(Unavailable):
    """DynamoDB kept some keys of a BatchGetItem unprocessed (throttled): retryable (503 on the API)."""


class TableStore:
    """Base of every store on the single table: the table handle, made on first use (never at import)."""

    def __init__(self, table: Any | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self._table = table
        self._sleep = sleep  # between retries of throttled keys

    @property
    def table(self) -> Any:
        if self._table is None:
            self._table = table()
        return self._table

    @property
    def _client(self) -> Any:
        return self.table.meta.client

    def query_items(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every item of a Query (``table.query`` arguments), page after page, read lazily: a caller
        that stops early reads no further pages."""
        while True:
            resp = self.table.query(**kwargs)
            yield from resp.get("Items", [])
            if "LastEvaluatedKey" not in resp:
                return
            kwargs = {**kwargs, "ExclusiveStartKey": resp["LastEvaluatedKey"]}

    def batch_get(
        self, keys: list[dict[str, Any]], *, consistent: bool = False, projection: str | None = None
    ) -> list[dict[str, Any]]:
        """The items of ``keys`` that exist (BatchGetItem, 100 keys a call), in no set order. Keys
        DynamoDB leaves unprocessed (throttling) are asked again with a growing pause; if some are
        still left after ``BATCH_GET_ATTEMPTS`` calls it raises ``BatchGetIncomplete`` rather than
        answer as if those items did not exist."""
        out: list[dict[str, Any]] = []
        unique = list({json.dumps(k, sort_keys=True, default=str): k for k in keys}.values())
        for start in range(0, len(unique), 100):
            spec: dict[str, Any] = {"Keys": unique[start : start + 100], "ConsistentRead": consistent}
            if projection:
                spec["ProjectionExpression"] = projection
            request: dict[str, Any] = {self.table.name: spec}
            for attempt in range(BATCH_GET_ATTEMPTS):
                if attempt:
                    self._sleep(min(1.0, 0.05 * 2**attempt))
                resp = self._client.batch_get_item(RequestItems=request)
                out += resp.get("Responses", {}).get(self.table.name, [])
                request = resp.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                left = len(request.get(self.table.name, {}).get("Keys", []))
                raise BatchGetIncomplete(
                    f"the database is busy: {left} item(s) not read after {BATCH_GET_ATTEMPTS} attempts; try again"
                )
        return out

    def next_counter(self, name: str, start: int = 100000) -> int:
        """The next number of an atomic, gap-tolerant sequence (case and problem numbers, article ids)."""
        resp = self.table.update_item(
            Key={"PK": f"COUNTER#{name}", "SK": "#COUNTER"},
            UpdateExpression="ADD #v :one",
            ExpressionAttributeNames={"#v": "value"},
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_NEW",
        )
        return start + int(resp["Attributes"]["value"])
