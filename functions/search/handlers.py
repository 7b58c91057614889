"""Search's event handler: DynamoDB stream records of the main table -> the search index.

``index_stream`` is a plain Lambda function (``@bp.lambda_function``), not ``on_dynamodb_record``:
Chalice would need the stream ARN when app.py is imported, which only the deployment knows. The
event source mapping is declared once in ``functions.core.resources.STREAM_CONSUMERS``; the CDK
stack (infra/) and the local stack's stream pump (functions.local.events) both read it.

The handler reports partial failures (``batchItemFailures`` with the sequence number of the first
record not indexed); the mapping retries from there, bisects, and finally sends a record that
keeps failing to the on-failure destination. Nothing is skipped silently.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from functions.composition import container
from functions.core.logs import logger

bp = Blueprint(__name__)


def handle_stream_event(event: dict[str, Any]) -> dict[str, Any]:
    records = event.get("Records") or []
    report = container().search_indexing.index_stream(records)
    logger().info(
        "search index updated from stream",
        extra={
            "records": len(records),
            "upserted": report.upserted,
            "deleted": report.deleted,
            "ignored": report.ignored,
            "failed_sequence": report.failed_sequence,
        },
    )
    return report.as_response()


@bp.lambda_function(name="index_stream")
def index_stream(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_stream_event(event)
