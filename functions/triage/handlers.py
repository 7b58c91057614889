"""Triage's event handlers: new cases from the table's stream, and the weekly training.

``triage_stream`` is a plain Lambda function fed by the main table's stream (the mapping is
``functions.core.resources.TRIAGE_STREAM``, read by the CDK stack and the local stack's pump): each
INSERT of a case gets triage's suggestion. A record that fails is reported in
``batchItemFailures`` (its sequence number): the mapping retries from there.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Rate

from functions.composition import container
from functions.core.logs import logger

bp = Blueprint(__name__)


@bp.lambda_function(name="triage_stream")
def triage_stream(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from functions.core.streams import read_batch  # noqa: PLC0415

    counts = {"cases": 0, "suggested": 0}
    batch = read_batch(event, "triage_stream")
    for change in batch.changes:
        new = change.new
        if change.event != "INSERT" or not new or new.get("type") != "case" or new.get("SK") != "#META":
            continue
        counts["cases"] += 1
        try:
            if container().case_triage.on_new_case(str(new["case_id"])) is not None:
                counts["suggested"] += 1
        except Exception:  # noqa: BLE001 - reported for redelivery from this record on
            logger().exception("triage failed", extra={"case_id": new.get("case_id")})
            return {"batchItemFailures": [{"itemIdentifier": change.sequence}]}
    logger().info("triage stream batch", extra=counts)
    return batch.response()


@bp.schedule(Rate(7, unit=Rate.DAYS), name="train_triage")
def train_triage(event: Any) -> dict[str, Any]:
    """Train the triage classifier on the resolved cases, weekly (``casebridge triage train`` by hand)."""
    from functions.core.errors import InvalidInput, Unavailable  # noqa: PLC0415

    c = container()
    try:
        result = c.triage.train(c.triage_examples())
    except (Unavailable, InvalidInput) as exc:  # nothing to train with (yet): the current model stays
        logger().warning("triage not trained", extra={"reason": str(exc)})
        return {"skipped": str(exc)}
    logger().info("triage trained", extra=result.model_dump(mode="json"))
    return result.model_dump(mode="json")
