"""Connections and watches on the single table, each with a TTL (``expires_at``):

  LIVE#CONN#{connection} / #META      the agent, what it watches; GSI1PK = LIVECONNS (every connection)
  LIVE#CASE#{case} / CONN#{connection}  a watch: agent, name, composing, seen_at

DynamoDB's TTL deletes late (up to days): readers skip what has expired (``rules.current_viewers``
and the connection's own ``expires_at``)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from functions.core import dynamo
from functions.live.models import Connection, Watch


def _conn_key(connection_id: str) -> dict[str, str]:
    return {"PK": f"LIVE#CONN#{connection_id}", "SK": "#META"}


def _watch_key(case_id: str, connection_id: str) -> dict[str, str]:
    return {"PK": f"LIVE#CASE#{case_id}", "SK": f"CONN#{connection_id}"}


class LiveTableStore(dynamo.TableStore):
    def add_connection(self, connection: Connection, expires_at: datetime) -> None:
        item = {
            **_conn_key(connection.connection_id),
            "type": "live_connection",
            "GSI1PK": "LIVECONNS",
            "GSI1SK": connection.connection_id,
            "expires_at": int(expires_at.timestamp()),
            **connection.model_dump(mode="json"),
        }
        self.table.put_item(Item=dynamo.to_item(item))

    def connection(self, connection_id: str) -> Connection | None:
        item = self.table.get_item(Key=_conn_key(connection_id), ConsistentRead=True).get("Item")
        if not item or int(item.get("expires_at", 0)) < time.time():
            return None
        data = dynamo.strip_keys(dynamo.from_item(item))
        data.pop("expires_at", None)
        return Connection.model_validate(data)

    def connections(self) -> list[str]:
        from boto3.dynamodb.conditions import Attr, Key  # noqa: PLC0415

        items = self.query_items(
            IndexName="GSI1",
            KeyConditionExpression=Key("GSI1PK").eq("LIVECONNS"),
            FilterExpression=Attr("expires_at").gte(int(time.time())),
        )
        return [str(i["GSI1SK"]) for i in items]

    def set_watching(self, connection_id: str, case_id: str | None) -> None:
        kwargs: dict[str, Any]
        if case_id is None:
            kwargs = {"UpdateExpression": "REMOVE watching"}
        else:
            kwargs = {"UpdateExpression": "SET watching = :c", "ExpressionAttributeValues": {":c": case_id}}
        try:
            self.table.update_item(Key=_conn_key(connection_id), ConditionExpression="attribute_exists(PK)", **kwargs)
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):  # gone meanwhile: nothing to record
                raise

    def remove_connection(self, connection_id: str) -> None:
        self.table.delete_item(Key=_conn_key(connection_id))

    def put_watch(self, watch: Watch, expires_at: datetime) -> None:
        item = {
            **_watch_key(watch.case_id, watch.connection_id),
            "type": "live_watch",
            "expires_at": int(expires_at.timestamp()),
            **watch.model_dump(mode="json"),
        }
        self.table.put_item(Item=dynamo.to_item(item))

    def remove_watch(self, case_id: str, connection_id: str) -> None:
        self.table.delete_item(Key=_watch_key(case_id, connection_id))

    def watches(self, case_id: str) -> list[Watch]:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        items = self.query_items(
            KeyConditionExpression=Key("PK").eq(f"LIVE#CASE#{case_id}") & Key("SK").begins_with("CONN#"),
            ConsistentRead=True,
        )
        out = []
        for i in items:
            data = dynamo.strip_keys(dynamo.from_item(i))
            data.pop("expires_at", None)
            out.append(Watch.model_validate(data))
        return out
