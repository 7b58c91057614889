"""DynamoDB access for the portal: the log of link requests.

Items (single table):
  PORTALLINK#{yyyy-mm-dd} / {at}#{rand}   one "send me a new link" request (expires_at: TTL)
     case_id, matched, delivery ("sent" | "pending_no_mailer" | "failed" | "none" | "limited": over the per-case daily limit), email_sha256
The address itself is not stored: when a request matched, it is the case's contact address.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from functions.core import dynamo
from functions.core.timeutil import iso


class LinkRequestLog(dynamo.TableStore):
    def __init__(self, table: Any | None = None, retention_seconds: int = 30 * 24 * 3600) -> None:
        super().__init__(table)
        self.retention_seconds = retention_seconds

    def record(self, *, at: datetime, case_id: str, email_sha256: str, matched: bool, delivery: str) -> None:
        stamp = iso(at)
        self.table.put_item(
            Item=dynamo.to_item(
                {
                    "PK": f"PORTALLINK#{stamp[:10]}",
                    "SK": f"{stamp}#{secrets.token_hex(4)}",
                    "type": "portal_link_request",
                    "at": stamp,
                    "case_id": case_id,
                    "email_sha256": email_sha256,
                    "matched": matched,
                    "delivery": delivery,
                    "expires_at": int((at + timedelta(seconds=self.retention_seconds)).timestamp()),
                }
            )
        )

    def on_day(self, day: str) -> list[dict[str, Any]]:
        """Requests of one day (``yyyy-mm-dd``), oldest first: for review and for a later sender."""
        items = self.query_items(KeyConditionExpression=Key("PK").eq(f"PORTALLINK#{day}"))
        return [dynamo.strip_keys(dynamo.from_item(i)) for i in items]
