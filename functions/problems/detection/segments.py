"""The whole customer base's segment counts, which the common thread compares a group against.

Choice: a periodic computation, stored. The recount runs on a schedule, not in the stream
handler: ``refresh_segment_base`` (hourly; ``functions/problems/stream.py``) calls
``SegmentBaseCache.refresh()``, which recomputes the counts from the customer items when the
stored ones are older than ``max_age`` (``CASEBRIDGE_DETECTION_SEGMENT_BASE_MAX_AGE_HOURS``, 24 h
by default) or missing, and stores them in the detection bucket (``detection/segment-base.json``).
The stream handler only reads them: ``SegmentBaseCache.get()`` returns the stored counts whatever
their age (stale counts are logged, not recomputed inline: the recount is one Query per
customer, which must not hold up a stream batch); within one process they are reloaded at most
hourly (``reload_every``), so a stream batch costs one S3 GET at most, and usually nothing. Only
when nothing is stored yet (the first batch after a deploy, before the schedule's first run)
does ``get()`` count inline, once.

Why not incremental counts from the stream: customer items arrive on the same stream, but a
deployment that starts detection on a table that already holds customers needs a full count
anyway (the stream keeps 24 h), and a periodic recount also repairs any drift. Between two
recounts, new customers are missing from the base; a base share is a proportion, so a day's
new customers change it little.

The recount uses only Query (the roles have no Scan): the ``CUSTOMERS`` list on GSI1 gives
every profile (region, tier), and one Query per customer on ``CUST#{id}`` / ``ASSET#`` gives
the install base (product, model, batch). Each customer counts once per value of an attribute
(a customer with two machines of one product counts once for that product). Channel is a
property of a case, not of a customer: its base is the share of all observed cases by channel,
counted by ``DetectionService`` in its own state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.problems.detection.detector import SegmentBase

CUSTOMER_ATTRIBUTES = ("region", "tier")
ASSET_ATTRIBUTES = ("product", "model", "batch")


def segment_base_from_customers(customers: Iterable[dict[str, Any]]) -> SegmentBase:
    """Counts from customers given as ``{"region", "tier", "install_base": [{product, model, batch}]}``."""
    base = SegmentBase()
    for customer in customers:
        values: dict[str, set[str]] = {}
        for attribute in CUSTOMER_ATTRIBUTES:
            if customer.get(attribute):
                values.setdefault(attribute, set()).add(str(customer[attribute]))
        for asset in customer.get("install_base") or ():
            for attribute in ASSET_ATTRIBUTES:
                value = asset.get(attribute)
                if value and value != "-":
                    values.setdefault(attribute, set()).add(str(value))
        base.add(values)
    return base


def customer_rows(table: Any) -> Iterator[dict[str, Any]]:
    """Every customer's region, tier and install base, by Query only (GSI1 list, then one Query each)."""
    from boto3.dynamodb.conditions import Key  # noqa: PLC0415

    from functions.core.dynamo import TableStore  # noqa: PLC0415

    store = TableStore(table)
    for profile in store.query_items(IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq("CUSTOMERS")):
        customer_id = str(profile["customer_id"])
        assets = list(
            store.query_items(
                KeyConditionExpression=Key("PK").eq(f"CUST#{customer_id}") & Key("SK").begins_with("ASSET#"),
                ProjectionExpression="product, #m, #b",
                ExpressionAttributeNames={"#m": "model", "#b": "batch"},
            )
        )
        yield {"region": profile.get("region"), "tier": profile.get("tier"), "install_base": assets}


def base_to_json(base: SegmentBase, computed_at: datetime) -> dict[str, Any]:
    return {"computed_at": computed_at.isoformat(), "counts": base.counts, "totals": base.totals}


def base_from_json(data: dict[str, Any]) -> tuple[SegmentBase, datetime]:
    base = SegmentBase()
    for attribute, counts in data["counts"].items():
        base.counts[attribute] = {str(k): int(v) for k, v in counts.items()}
    base.totals.update({a: int(n) for a, n in data["totals"].items()})
    return base, datetime.fromisoformat(data["computed_at"])


class SegmentBaseCache:
    """The segment base kept as one S3 object, recomputed by ``compute`` when older than ``max_age``."""

    def __init__(
        self,
        bucket: str,
        compute: Callable[[], SegmentBase],
        *,
        max_age: timedelta = timedelta(hours=24),
        reload_every: timedelta = timedelta(hours=1),
        key: str = "detection/segment-base.json",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.bucket, self.key, self.compute, self.max_age, self.clock = bucket, key, compute, max_age, clock
        self.reload_every = reload_every
        self.computations = 0
        self._cached: tuple[SegmentBase, datetime] | None = None
        self._loaded_at = datetime.min.replace(tzinfo=UTC)

    def _fresh(self, at: datetime) -> bool:
        return self.clock() - at < self.max_age

    def get(self) -> SegmentBase:
        """The stored counts (any age; see the module's docstring), counted inline only if none are stored."""
        if self._cached is not None and self.clock() - self._loaded_at < self.reload_every:
            return self._cached[0]
        stored = self._load()
        if stored is None:
            stored = self._recompute()
        elif not self._fresh(stored[1]):
            from functions.core.logs import logger  # noqa: PLC0415

            logger().warning(
                "segment base is stale: is the refresh_segment_base schedule running?",
                extra={"computed_at": stored[1].isoformat()},
            )
        self._cached, self._loaded_at = stored, self.clock()
        return stored[0]

    def refresh(self) -> bool:
        """Recount if the stored counts are missing or older than ``max_age`` (the schedule's job).
        Returns whether it recounted."""
        stored = self._load()
        recount = stored is None or not self._fresh(stored[1])
        if recount:
            stored = self._recompute()
        self._cached, self._loaded_at = stored, self.clock()
        return recount

    def _recompute(self) -> tuple[SegmentBase, datetime]:
        base, at = self.compute(), self.clock()
        self.computations += 1
        self._save(base, at)
        return base, at

    def _load(self) -> tuple[SegmentBase, datetime] | None:
        from botocore.exceptions import ClientError  # noqa: PLC0415

        from functions.core import aws  # noqa: PLC0415

        try:
            obj = aws.client("s3").get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as exc:
            # Without s3:ListBucket a missing key is AccessDenied, not NoSuchKey.
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "AccessDenied"):
                return None
            raise
        return base_from_json(json.loads(obj["Body"].read()))

    def _save(self, base: SegmentBase, at: datetime) -> None:
        from functions.core import aws  # noqa: PLC0415

        body = json.dumps(base_to_json(base, at), separators=(",", ":")).encode()
        aws.client("s3").put_object(Bucket=self.bucket, Key=self.key, Body=body, ContentType="application/json")
