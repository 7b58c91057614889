"""Outbound I/O of cases that is not the case store: presigned S3 links to attachments."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from functions.core import aws


class S3AttachmentLinks:
    """Presigned S3 GET links to the attachments bucket, valid ``expires_in`` seconds. The answer is
    ``Content-Disposition: attachment`` (a browser saves it, never renders it) with the stored
    content type. No file name is added to the link: customer data stays out of URLs (the key
    names the file already, as intake wrote it). Signing makes no AWS call."""

    def __init__(self, bucket: str, expires_in: int = 300, s3: Any | None = None) -> None:
        self.bucket = bucket
        self.expires_in = expires_in
        self._s3 = s3

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            self._s3 = aws.client("s3")
        return self._s3

    def download_url(self, key: str, *, content_type: str, at: datetime) -> tuple[str, datetime]:
        url = self.s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": "attachment",
                "ResponseContentType": content_type or "application/octet-stream",
            },
            ExpiresIn=self.expires_in,
        )
        return str(url), at + timedelta(seconds=self.expires_in)
