"""Triage model files in S3, versioned: ``triage/models/{version}.npz`` (never overwritten) and a
pointer ``triage/current.json`` naming the current version (written after the file)."""

from __future__ import annotations

import json
from typing import Any

# Without s3:ListBucket a missing key is AccessDenied, not NoSuchKey.
MISSING = ("NoSuchKey", "404", "AccessDenied")
PREFIX = "triage/"


def _code(exc: Exception) -> str | None:
    return getattr(exc, "response", {}).get("Error", {}).get("Code")


def model_key(version: str) -> str:
    return f"{PREFIX}models/{version}.npz"


POINTER_KEY = f"{PREFIX}current.json"


class S3ModelStore:
    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self._client = client

    @property
    def s3(self) -> Any:
        if self._client is None:
            from functions.core import aws  # noqa: PLC0415

            self._client = aws.client("s3")
        return self._client

    def save(self, version: str, data: bytes, meta: dict[str, object]) -> None:
        key = model_key(version)
        self.s3.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType="application/octet-stream", IfNoneMatch="*"
        )
        pointer = {"version": version, "key": key, **meta}
        self.s3.put_object(
            Bucket=self.bucket, Key=POINTER_KEY, Body=json.dumps(pointer).encode(), ContentType="application/json"
        )

    def current(self) -> tuple[str, bytes] | None:
        from botocore.exceptions import ClientError  # noqa: PLC0415

        try:
            pointer = json.loads(self.s3.get_object(Bucket=self.bucket, Key=POINTER_KEY)["Body"].read())
        except ClientError as exc:
            if _code(exc) not in MISSING:
                raise
            return None
        body = self.s3.get_object(Bucket=self.bucket, Key=pointer["key"])["Body"].read()
        return str(pointer["version"]), bytes(body)
