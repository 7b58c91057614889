"""One loop for the SQS job queues the state machines feed (escalation, notices).

Each record's body is one job (a pydantic model). A body that is not a valid job is logged (where
and how it is wrong, not its contents) and counted as failed; a job whose handler raises is logged (with the ids ``fields`` picks from the
job: never its contents) and counted as failed. If any failed, ``BatchIncomplete`` is raised
after the whole batch was tried: SQS redelivers it (handlers are idempotent) and, after the
queue's max receives, keeps it in the dead-letter queue, where a person can see and replay it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from functions.core.errors import BatchIncomplete
from functions.core.logs import logger


def run_jobs[J: BaseModel](
    records: Iterable[Any],
    model: type[J],
    handle: Callable[[J], Any],
    *,
    kind: str,
    fields: Callable[[J], dict[str, Any]] = lambda job: {},
) -> int:
    """Run every job of an SQS batch (Chalice ``SQSRecord``s); returns how many records there were."""
    failed: list[str] = []
    count = 0
    for record in records:
        count += 1
        ident = record.to_dict().get("messageId", "?")
        try:
            job = model.model_validate_json(record.body)
        except ValidationError as exc:
            # A malformed job would fail forever: it reaches the dead-letter queue after the retries.
            # Logged by where and how it is wrong, not with the error's text (which quotes the body).
            problems = [{"loc": ".".join(map(str, e["loc"])), "type": e["type"]} for e in exc.errors()]
            logger().error(f"malformed {kind} job", extra={"sqs_message_id": ident, "errors": problems})
            failed.append(ident)
            continue
        try:
            handle(job)
        except Exception as exc:  # noqa: BLE001 - redelivered by SQS, then dead-lettered
            logger().exception(
                f"{kind} job failed; will be retried",
                extra={"sqs_message_id": ident, **fields(job), "error_type": type(exc).__name__},
            )
            failed.append(ident)
    if failed:
        raise BatchIncomplete(f"{len(failed)} {kind} jobs failed: {', '.join(failed)}")
    return count
