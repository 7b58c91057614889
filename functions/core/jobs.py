"""One loop for the SQS job queues the state machines feed (escalation, notices).

Each record's body is one job (a pydantic model). A body that is not a valid job is logged (where
and how it is wrong, not its contents) and reported as failed; a job whose handler raises is
logged by ``functions.core.batch`` (with the ids ``fields`` picks from the job: never its
contents) and reported as failed. Only the failed records are delivered again (handlers are
idempotent); after the queue's max receives SQS keeps them in the dead-letter queue, where a
person can see and replay them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from functions.core.batch import BatchResult, process_sqs
from functions.core.logs import logger


class MalformedJob(Exception):  # noqa: N818 - names what the record is
    """A record whose body is not a valid job: it fails until it reaches the dead-letter queue."""


def run_jobs[J: BaseModel](
    event: Any,
    model: type[J],
    handle: Callable[[J], Any],
    *,
    kind: str,
    fields: Callable[[J], dict[str, Any]] = lambda job: {},
) -> BatchResult:
    """Run every job of an SQS event (Chalice's ``SQSEvent`` or the raw dict)."""

    def parse(record: Any) -> J:
        try:
            return model.model_validate_json(record.body)
        except ValidationError as exc:
            # Logged by where and how it is wrong, not with the error's text (which quotes the body).
            problems = [{"loc": ".".join(map(str, e["loc"])), "type": e["type"]} for e in exc.errors()]
            logger().error(f"malformed {kind} job", extra={"sqs_message_id": record.message_id, "errors": problems})
            raise MalformedJob(f"record {record.message_id} is not a valid {kind} job") from None

    def one(record: Any) -> Any:
        return handle(parse(record))

    def ids(record: Any) -> dict[str, Any]:
        return fields(model.model_validate_json(record.body))

    return process_sqs(event, one, kind=f"{kind} job", fields=ids)
