"""DynamoDB access for the web form: submissions held back as likely bots.

Items (single table):
  WEBHELD#{yyyy-mm-dd} / {at}#{rand}   a submission whose honeypot was filled in (expires_at: TTL)
     reason, form (the whole submission, so a person caught by mistake can still be answered)
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from functions.channels.web.models import UploadedFile
from functions.core import dynamo
from functions.core.timeutil import iso


class HeldSubmissions(dynamo.TableStore):
    def __init__(self, table: Any | None = None, retention_seconds: int = 30 * 24 * 3600) -> None:
        super().__init__(table)
        self.retention_seconds = retention_seconds

    def record(self, *, at: datetime, reason: str, form: dict[str, Any]) -> str:
        stamp = iso(at)
        sk = f"{stamp}#{secrets.token_hex(4)}"
        self.table.put_item(
            Item=dynamo.to_item(
                {
                    "PK": f"WEBHELD#{stamp[:10]}",
                    "SK": sk,
                    "type": "web_held",
                    "at": stamp,
                    "reason": reason,
                    "form": form,
                    "expires_at": int((at + timedelta(seconds=self.retention_seconds)).timestamp()),
                }
            )
        )
        return sk

    def on_day(self, day: str) -> list[dict[str, Any]]:
        """Held submissions of one day (``yyyy-mm-dd``), oldest first, for review."""
        items = self.query_items(KeyConditionExpression=Key("PK").eq(f"WEBHELD#{day}"))
        return [dynamo.strip_keys(dynamo.from_item(i)) for i in items]


class Uploads:
    """Attachments customers upload straight to S3 (the attachments bucket, ``uploads/``) through
    presigned POSTs: the policy fixes the key, the content type and the size range."""

    def __init__(self, bucket: str, s3: Any | None = None) -> None:
        self.bucket = bucket
        self._s3 = s3

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            from functions.core import aws  # noqa: PLC0415

            self._s3 = aws.client("s3")
        return self._s3

    def presign(self, key: str, content_type: str, max_bytes: int, ttl_seconds: int) -> tuple[str, dict[str, str]]:
        post = self.s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=ttl_seconds,
        )
        return str(post["url"]), {k: str(v) for k, v in post["fields"].items()}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def head(self, key: str) -> UploadedFile | None:
        from botocore.exceptions import ClientError  # noqa: PLC0415

        try:
            obj = self.s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return UploadedFile(
            key=key,
            size=int(obj["ContentLength"]),
            content_type=str(obj.get("ContentType") or "application/octet-stream"),
            md5=str(obj.get("ETag") or "").strip('"'),
        )


class RateCounters(dynamo.TableStore):
    """Rate counters of the contact form: ``WEBRATE#{key}`` / ``{window}`` with an atomic ADD and a
    TTL; keys are hashes (functions.channels.web.rules.rate_key)."""

    def hit(self, key: str, window: str, ttl_seconds: int) -> int:
        import time  # noqa: PLC0415

        resp = self.table.update_item(
            Key={"PK": f"WEBRATE#{key}", "SK": window},
            UpdateExpression="ADD hits :one SET #t = :type, expires_at = :exp",
            ExpressionAttributeNames={"#t": "type"},
            ExpressionAttributeValues={":one": 1, ":type": "web_rate", ":exp": int(time.time()) + ttl_seconds},
            ReturnValues="UPDATED_NEW",
        )
        return int(resp["Attributes"]["hits"])

    def peek(self, key: str, window: str) -> int:
        item = self.table.get_item(Key={"PK": f"WEBRATE#{key}", "SK": window}, ConsistentRead=True).get("Item")
        return int(item["hits"]) if item else 0
