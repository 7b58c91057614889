"""DynamoDB access for self-service.

Items (single table):
  FIX#{fix_id} / #META              an automated fix of the catalogue          type "fix"  GSI1 FIXES/{fix_id}
  PUBANS#{answer_id} / #META        a solved case published as a public answer type "public_answer"
  SSSESSION#{session} / E#{at}#{r}  a deflection event                         type "ss_event"
                                    GSI1 SSEVENTS#{day}/{at}#{session}   expires_at (TTL)
Fixes and public answers reach the search index through the table's stream (search_docs.py).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from functions.core import dynamo
from functions.core.errors import Duplicate, NotFound, VersionConflict
from functions.core.timeutil import iso
from functions.selfservice.models import DeflectionEvent, Fix, FixPage, PublicAnswer

FIX_TYPE = "fix"
ANSWER_TYPE = "public_answer"
EVENT_TYPE = "ss_event"


def fix_key(fix_id: str) -> dict[str, str]:
    return {"PK": f"FIX#{fix_id}", "SK": "#META"}


def answer_key(answer_id: str) -> dict[str, str]:
    return {"PK": f"PUBANS#{answer_id}", "SK": "#META"}


def fix_item(fix: Fix) -> dict[str, Any]:
    return dynamo.to_item(
        {
            **fix_key(fix.fix_id),
            "type": FIX_TYPE,
            "GSI1PK": "FIXES",
            "GSI1SK": fix.fix_id,
            **fix.model_dump(mode="json"),
        }
    )


def fix_from_item(item: dict[str, Any]) -> Fix:
    return Fix.model_validate(dynamo.strip_keys(dynamo.from_item(item)))


def answer_item(answer: PublicAnswer) -> dict[str, Any]:
    return dynamo.to_item({**answer_key(answer.answer_id), "type": ANSWER_TYPE, **answer.model_dump(mode="json")})


def answer_from_item(item: dict[str, Any]) -> PublicAnswer:
    return PublicAnswer.model_validate(dynamo.strip_keys(dynamo.from_item(item)))


class FixStore(dynamo.TableStore):
    def get(self, fix_id: str) -> Fix:
        item = self.table.get_item(Key=fix_key(fix_id), ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("fix", fix_id)
        return fix_from_item(item)

    def list_fixes(self, limit: int = 100, cursor: str | None = None) -> FixPage:
        kwargs: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": Key("GSI1PK").eq("FIXES"),
            "Limit": limit,
        }
        start = dynamo.decode_cursor(cursor)
        if start:
            kwargs["ExclusiveStartKey"] = start
        resp = self.table.query(**kwargs)
        return FixPage(
            items=[fix_from_item(i) for i in resp["Items"]],
            next_cursor=dynamo.encode_cursor(resp.get("LastEvaluatedKey")),
        )

    def create(self, fix: Fix) -> None:
        try:
            self.table.put_item(Item=fix_item(fix), ConditionExpression="attribute_not_exists(PK)")
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                raise Duplicate(f"fix {fix.fix_id} already exists") from exc
            raise

    def save(self, fix: Fix, expected_version: int) -> None:
        try:
            self.table.put_item(
                Item=fix_item(fix),
                ConditionExpression="#v = :v",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":v": expected_version},
            )
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):
                raise
            current = None
            try:
                current = self.get(fix.fix_id).version
            except NotFound:
                pass
            raise VersionConflict("fix", fix.fix_id, expected_version, current) from exc

    def delete(self, fix_id: str) -> None:
        try:
            self.table.delete_item(Key=fix_key(fix_id), ConditionExpression="attribute_exists(PK)")
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                raise NotFound("fix", fix_id) from exc
            raise


class AnswerStore(dynamo.TableStore):
    def get(self, answer_id: str) -> PublicAnswer:
        item = self.table.get_item(Key=answer_key(answer_id), ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("answer", answer_id)
        return answer_from_item(item)

    def put(self, answer: PublicAnswer) -> None:
        self.table.put_item(Item=answer_item(answer))

    def delete(self, answer_id: str) -> bool:
        resp = self.table.delete_item(Key=answer_key(answer_id), ReturnValues="ALL_OLD")
        return bool(resp.get("Attributes"))


class EventStore(dynamo.TableStore):
    def __init__(self, table: Any | None = None, retention_days: int = 400) -> None:
        super().__init__(table)
        self.retention_days = retention_days

    def record(self, events: list[DeflectionEvent], received_at: datetime, source: str) -> int:
        """Write every event (batch writes retry what DynamoDB leaves unprocessed)."""
        expires = int((received_at + timedelta(days=self.retention_days)).timestamp())
        at = iso(received_at)
        with self.table.batch_writer() as batch:
            for event in events:
                data = event.model_dump(mode="json", exclude_none=True)
                data["event"] = data.pop("type")  # "type" is the item type in this table
                batch.put_item(
                    Item=dynamo.to_item(
                        {
                            "PK": f"SSSESSION#{event.session_id}",
                            "SK": f"E#{at}#{secrets.token_hex(4)}",
                            "type": EVENT_TYPE,
                            "GSI1PK": f"SSEVENTS#{at[:10]}",
                            "GSI1SK": f"{at}#{event.session_id}",
                            "received_at": at,
                            "source": source,
                            "expires_at": expires,
                            **data,
                        }
                    )
                )
        return len(events)

    def session(self, session_id: str, limit: int = 500) -> list[dict[str, Any]]:
        resp = self.table.query(
            KeyConditionExpression=Key("PK").eq(f"SSSESSION#{session_id}") & Key("SK").begins_with("E#"),
            Limit=limit,
        )
        return [dynamo.strip_keys(dynamo.from_item(i)) for i in resp["Items"]]

    def day(self, day: str, limit: int = 1000) -> list[dict[str, Any]]:
        resp = self.table.query(
            IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(f"SSEVENTS#{day}"), Limit=limit
        )
        return [dynamo.strip_keys(dynamo.from_item(i)) for i in resp["Items"]]
