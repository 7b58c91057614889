"""S3 (raw mail, quarantine, attachments) and the DynamoDB inbound log: the email channel's storage.

Inbound log items (single table):
  INBOUND#{id} / #LOG    GSI1 INBOUND#{outcome} / {received_at}#{id}    GSI2 INBOUND / {received_at}#{id}
"""

from __future__ import annotations

import re
from typing import Any

from boto3.dynamodb.conditions import Key

from functions.channels.email.models import InboundPage, InboundRecord, Outcome
from functions.channels.email.rules import sha256
from functions.core import aws, dynamo, resources
from functions.core.errors import NotFound
from functions.core.timeutil import iso

_MISSING = ("NoSuchKey", "NoSuchBucket", "404")


def _safe_key_part(name: str) -> str:
    name = re.sub(r"[^\w.\- ()\[\]]+", "_", name, flags=re.UNICODE).strip() or "file"
    return name[:150]


class MailStore:
    """Raw mail and quarantine in the mail bucket; extracted attachments in the attachments bucket."""

    def __init__(self, mail_bucket: str, attachments_bucket: str, s3: Any | None = None) -> None:
        self.mail_bucket = mail_bucket
        self.attachments_bucket = attachments_bucket
        self._s3 = s3

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            self._s3 = aws.client("s3")
        return self._s3

    @staticmethod
    def raw_key(raw: bytes) -> str:
        return f"{resources.INBOUND_PREFIX}{sha256(raw)}.eml"

    def put_raw(self, raw: bytes) -> str:
        key = self.raw_key(raw)
        self.s3.put_object(Bucket=self.mail_bucket, Key=key, Body=raw, ContentType="message/rfc822")
        return key

    def get(self, bucket: str, key: str) -> bytes:
        """The object's bytes; NotFound when the object or the bucket does not exist."""
        try:
            return bytes(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in _MISSING:
                raise NotFound("mail object", f"s3://{bucket}/{key}") from exc
            raise

    def quarantine(self, inbound_id: str, data: bytes, suffix: str = ".eml") -> str:
        key = f"{resources.QUARANTINE_PREFIX}{inbound_id}{suffix}"
        self.s3.put_object(Bucket=self.mail_bucket, Key=key, Body=data)
        return key

    def put_attachment(self, inbound_id: str, index: int, filename: str, data: bytes, content_type: str) -> str:
        key = f"email/{inbound_id}/{index:02d}-{_safe_key_part(filename)}"
        self.s3.put_object(Bucket=self.attachments_bucket, Key=key, Body=data, ContentType=content_type)
        return key


class InboundLog(dynamo.TableStore):
    """Every mail received, with what became of it (created/threaded/suppressed/quarantined/duplicate)."""

    @staticmethod
    def _key(inbound_id: str) -> dict[str, str]:
        return {"PK": f"INBOUND#{inbound_id}", "SK": "#LOG"}

    def put(self, record: InboundRecord) -> None:
        data = record.model_dump(mode="json")
        at = iso(record.received_at)
        item = {
            **self._key(record.inbound_id),
            "type": "inbound",
            "GSI1PK": f"INBOUND#{record.outcome.value}",
            "GSI1SK": f"{at}#{record.inbound_id}",
            "GSI2PK": "INBOUND",
            "GSI2SK": f"{at}#{record.inbound_id}",
            **data,
        }
        self.table.put_item(Item=dynamo.to_item(item))

    # -- acknowledgements: at most one per mail, a failed one sent again -------------------------
    @staticmethod
    def _ack_key(key: str) -> dict[str, str]:
        import hashlib  # noqa: PLC0415

        return {"PK": f"ACK#{hashlib.sha256(key.encode()).hexdigest()}", "SK": "#ACK"}

    ACK_RETENTION_SECONDS = 30 * 86400  # far longer than a mail's queue retries

    def ack_due(self, key: str) -> None:
        import time  # noqa: PLC0415

        try:
            self.table.put_item(
                Item={
                    **self._ack_key(key),
                    "type": "ack",
                    "state": "due",
                    "expires_at": int(time.time()) + self.ACK_RETENTION_SECONDS,
                },
                ConditionExpression="attribute_not_exists(PK)",
            )
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):
                raise

    def claim_ack(self, key: str) -> bool:
        try:
            self.table.update_item(
                Key=self._ack_key(key),
                UpdateExpression="SET #s = :sending, #t = :type",
                ConditionExpression="attribute_not_exists(PK) OR #s IN (:due, :failed)",
                ExpressionAttributeNames={"#s": "state", "#t": "type"},
                ExpressionAttributeValues={":sending": "sending", ":due": "due", ":failed": "failed", ":type": "ack"},
            )
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                return False
            raise
        return True

    def ack_done(self, key: str, *, sent: bool, skipped: bool = False) -> None:
        self.table.update_item(
            Key=self._ack_key(key),
            UpdateExpression="SET #s = :state",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":state": "sent" if sent else "skipped" if skipped else "failed"},
        )

    def ack_state(self, key: str) -> str | None:
        item = self.table.get_item(Key=self._ack_key(key), ConsistentRead=True).get("Item")
        return str(item["state"]) if item else None

    def find(self, inbound_id: str) -> InboundRecord | None:
        item = self.table.get_item(Key=self._key(inbound_id), ConsistentRead=True).get("Item")
        return InboundRecord.model_validate(dynamo.strip_keys(dynamo.from_item(item))) if item else None

    def get(self, inbound_id: str) -> InboundRecord:
        record = self.find(inbound_id)
        if record is None:
            raise NotFound("inbound mail", inbound_id)
        return record

    def list(self, outcome: Outcome | None = None, limit: int = 50, cursor: str | None = None) -> InboundPage:
        index, pk = ("GSI1", f"INBOUND#{outcome.value}") if outcome else ("GSI2", "INBOUND")
        kwargs: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": Key(f"{index}PK").eq(pk),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        start = dynamo.decode_cursor(cursor)
        if start:
            kwargs["ExclusiveStartKey"] = start
        resp = self.table.query(**kwargs)
        items = [InboundRecord.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in resp["Items"]]
        return InboundPage(items=items, next_cursor=dynamo.encode_cursor(resp.get("LastEvaluatedKey")))
