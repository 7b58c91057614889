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
