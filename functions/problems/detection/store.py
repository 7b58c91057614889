"""Detection's storage: its state and the segment base in the detection bucket (S3), and the
customer base read from the table.

State: one gzipped JSON document (``detector.to_state`` plus the service's own fields). It is a
few MB at most (it grows with the vocabulary and the number of groups, not with the number of
cases), too large for a DynamoDB item (400 KB), so it is kept in S3. One writer at a time: the
stream handler runs with one concurrent batch (DynamoDB stream, parallelization factor 1), and
``S3StateStore.save`` refuses to overwrite a newer state (conditional put on the ETag it loaded).

The customer base is read with Query only (the roles have no Scan): the ``CUSTOMERS`` list on GSI1
gives every profile (region, tier), and one Query per customer on ``CUST#{id}`` / ``ASSET#`` its
install base (product, model, batch).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from functions.core import dynamo
from functions.core.errors import Conflict
from functions.problems.detection.detector import SegmentBase

# Without s3:ListBucket a missing key is AccessDenied, not NoSuchKey.
MISSING = ("NoSuchKey", "404", "AccessDenied")


def _code(exc: Exception) -> str | None:
    return getattr(exc, "response", {}).get("Error", {}).get("Code")


class S3StateStore:
    """The detector's state as one gzipped JSON object in S3."""

    def __init__(self, bucket: str, key: str = "detection/state.json.gz", client: Any | None = None) -> None:
        self.bucket, self.key = bucket, key
        self._client = client
        self._etag: str | None = None

    @property
    def s3(self) -> Any:
        if self._client is None:
            from functions.core import aws  # noqa: PLC0415

            self._client = aws.client("s3")
        return self._client

    def load(self) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError  # noqa: PLC0415

        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as exc:
            # The save after a missing state is conditional (IfNoneMatch), so a state that does
            # exist is never overwritten by mistake.
            if _code(exc) not in MISSING:
                raise
            self._etag = None
            return None
        self._etag = obj["ETag"]
        return json.loads(gzip.decompress(obj["Body"].read()))  # type: ignore[no-any-return]

    def save(self, state: dict[str, Any]) -> None:
        from botocore.exceptions import ClientError  # noqa: PLC0415

        body = gzip.compress(json.dumps(state, separators=(",", ":")).encode())
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self.key, "Body": body}
        if self._etag is not None:
            kwargs["IfMatch"] = self._etag
        else:
            kwargs["IfNoneMatch"] = "*"
        try:
            self._etag = self.s3.put_object(**kwargs)["ETag"]
        except ClientError as exc:
            if _code(exc) in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise Conflict("the detection state was written by another writer meanwhile") from exc
            raise


def base_to_json(base: SegmentBase, counted_at: datetime) -> dict[str, Any]:
    return {"computed_at": counted_at.isoformat(), "counts": base.counts, "totals": base.totals}


def base_from_json(data: dict[str, Any]) -> tuple[SegmentBase, datetime]:
    base = SegmentBase()
    for attribute, counts in data["counts"].items():
        base.counts[attribute] = {str(k): int(v) for k, v in counts.items()}
    base.totals.update({a: int(n) for a, n in data["totals"].items()})
    return base, datetime.fromisoformat(data["computed_at"])


class S3SegmentBaseStore:
    """The segment base as one JSON object in S3 (``detection/segment-base.json``)."""

    def __init__(self, bucket: str, key: str = "detection/segment-base.json", client: Any | None = None) -> None:
        self.bucket, self.key = bucket, key
        self._client = client

    @property
    def s3(self) -> Any:
        if self._client is None:
            from functions.core import aws  # noqa: PLC0415

            self._client = aws.client("s3")
        return self._client

    def load(self) -> tuple[SegmentBase, datetime] | None:
        from botocore.exceptions import ClientError  # noqa: PLC0415

        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as exc:
            if _code(exc) in MISSING:
                return None
            raise
        return base_from_json(json.loads(obj["Body"].read()))

    def save(self, base: SegmentBase, counted_at: datetime) -> None:
        body = json.dumps(base_to_json(base, counted_at), separators=(",", ":")).encode()
        self.s3.put_object(Bucket=self.bucket, Key=self.key, Body=body, ContentType="application/json")


class CustomerBaseReader(dynamo.TableStore):
    """Every customer's region, tier and install base, by Query only (GSI1 list, then one Query each)."""

    def rows(self) -> Iterator[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        for profile in self.query_items(IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq("CUSTOMERS")):
            customer_id = str(profile["customer_id"])
            assets = list(
                self.query_items(
                    KeyConditionExpression=Key("PK").eq(f"CUST#{customer_id}") & Key("SK").begins_with("ASSET#"),
                    ProjectionExpression="product, #m, #b",
                    ExpressionAttributeNames={"#m": "model", "#b": "batch"},
                )
            )
            yield {"region": profile.get("region"), "tier": profile.get("tier"), "install_base": assets}
