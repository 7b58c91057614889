"""DynamoDB access for cases, their timelines and message pointers.

Items (single table, see docs/data-model.md):
  CASE#{id} / #META            the case     GSI1 CASES/{updated}#{id}   GSI2 STATUS#{s}/{updated}#{id}
                                            GSI3 CUST#{customer}/{created}#{id}   GSI4 AGENT#{assignee}/{updated}#{id}
  CASE#{id} / TL#{at}#{rand}   a timeline event (interaction or change)
  MSGID#{key} / #PTR           message id -> case (threading + exactly-once ingestion)
  COUNTER#case / #COUNTER      the case-number sequence
"""

from __future__ import annotations

from itertools import islice
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from functions.cases.models import Case, CasePage, CaseQuery, TimelineEvent
from functions.core import dynamo
from functions.core.errors import Duplicate, NotFound, VersionConflict
from functions.core.timeutil import iso


def _av(item: dict[str, Any]) -> dict[str, Any]:
    # The resource's client serializes Python values itself (boto3 transformation injector).
    return item


def case_pk(case_id: str) -> str:
    return f"CASE#{case_id}"


def pointer_key(key: str) -> dict[str, str]:
    return {"PK": f"MSGID#{key}", "SK": "#PTR"}


def case_item(case: Case) -> dict[str, Any]:
    data = case.model_dump(mode="json")
    updated = data["updated_at"]
    item: dict[str, Any] = {
        "PK": case_pk(case.case_id),
        "SK": "#META",
        "type": "case",
        "GSI1PK": "CASES",
        "GSI1SK": f"{updated}#{case.case_id}",
        "GSI2PK": f"STATUS#{case.status.value}",
        "GSI2SK": f"{updated}#{case.case_id}",
        **data,
    }
    if case.customer_id:
        item["GSI3PK"] = f"CUST#{case.customer_id}"
        item["GSI3SK"] = f"{data['created_at']}#{case.case_id}"
    if case.assignee:
        item["GSI4PK"] = f"AGENT#{case.assignee}"
        item["GSI4SK"] = f"{updated}#{case.case_id}"
    return dynamo.to_item(item)


def event_item(event: TimelineEvent) -> dict[str, Any]:
    return dynamo.to_item(
        {
            "PK": case_pk(event.case_id),
            "SK": f"TL#{event.event_id}",
            "type": "event",
            **event.model_dump(mode="json"),
        }
    )


class CaseStore(dynamo.TableStore):
    # -- numbers -----------------------------------------------------------
    def next_number(self) -> int:
        return self.next_counter("case", start=100000)

    # -- reads -------------------------------------------------------------
    def get(self, case_id: str) -> Case:
        item = self.table.get_item(Key={"PK": case_pk(case_id), "SK": "#META"}, ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("case", case_id)
        return Case.model_validate(dynamo.strip_keys(dynamo.from_item(item)))

    def timeline(
        self, case_id: str, limit: int = 200, cursor: str | None = None
    ) -> tuple[list[TimelineEvent], str | None]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("PK").eq(case_pk(case_id)) & Key("SK").begins_with("TL#"),
            "Limit": limit,
            "ConsistentRead": True,
        }
        start = dynamo.decode_cursor(cursor)
        if start:
            kwargs["ExclusiveStartKey"] = start
        resp = self.table.query(**kwargs)
        events = [TimelineEvent.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in resp["Items"]]
        return events, dynamo.encode_cursor(resp.get("LastEvaluatedKey"))

    def event(self, case_id: str, event_id: str) -> TimelineEvent:
        item = self.table.get_item(Key={"PK": case_pk(case_id), "SK": f"TL#{event_id}"}, ConsistentRead=True).get(
            "Item"
        )
        if not item:
            raise NotFound("timeline event", event_id)
        return TimelineEvent.model_validate(dynamo.strip_keys(dynamo.from_item(item)))

    def find_by_pointers(self, keys: list[str]) -> str | None:
        """The case that any of these message ids belongs to (first match wins)."""
        keys = [k for k in dict.fromkeys(keys) if k][:100]
        if not keys:
            return None
        items = self.batch_get([pointer_key(k) for k in keys])
        found = {i["PK"][len("MSGID#") :]: str(i["case_id"]) for i in items}
        for k in keys:
            if k in found:
                return found[k]
        return None

    def query(self, q: CaseQuery) -> CasePage:
        filters = []
        if q.assignee:
            index, pk = "GSI4", f"AGENT#{q.assignee}"
            if q.status:
                filters.append(Attr("status").eq(q.status.value))
        elif q.status:
            index, pk = "GSI2", f"STATUS#{q.status.value}"
        elif q.customer_id:
            index, pk = "GSI3", f"CUST#{q.customer_id}"
        else:
            index, pk = "GSI1", "CASES"
        if q.customer_id and index != "GSI3":
            filters.append(Attr("customer_id").eq(q.customer_id))
        if q.product:
            filters.append(Attr("product").eq(q.product))
        if q.channel:
            filters.append(Attr("channel").eq(q.channel.value))
        if q.priority:
            filters.append(Attr("priority").eq(q.priority.value))
        cond = Key(f"{index}PK").eq(pk)
        if q.updated_since:
            since = iso(q.updated_since)
            if index == "GSI3":
                filters.append(Attr("updated_at").gte(since))
            else:
                cond = cond & Key(f"{index}SK").gte(since)
        kwargs: dict[str, Any] = {"IndexName": index, "KeyConditionExpression": cond, "ScanIndexForward": False}
        if filters:
            expr = filters[0]
            for f in filters[1:]:
                expr = expr & f
            kwargs["FilterExpression"] = expr
        start = dynamo.decode_cursor(q.cursor)
        items: list[dict[str, Any]] = []
        last: dict[str, Any] | None = start
        # A filtered page can come back short; read on (bounded) until it is full.
        for _ in range(10):
            if last:
                kwargs["ExclusiveStartKey"] = last
            kwargs["Limit"] = q.limit - len(items) if not filters else max(q.limit * 2, 50)
            resp = self.table.query(**kwargs)
            for raw in resp["Items"]:
                if len(items) < q.limit:
                    items.append(raw)
            last = resp.get("LastEvaluatedKey")
            if len(items) >= q.limit or not last:
                break
        if len(items) >= q.limit and items:
            # Resume right after the last item returned, whatever the query read beyond it.
            tail = items[-1]
            keys = ["PK", "SK", f"{index}PK", f"{index}SK"]
            last = {k: tail[k] for k in keys}
        cases = [Case.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in items]
        return CasePage(items=cases, next_cursor=dynamo.encode_cursor(last))

    def resolved_before(self, cutoff: Any, limit: int = 500) -> list[Case]:
        """Resolved cases whose resolution is older than ``cutoff`` (GSI2, status partition)."""
        items = self.query_items(
            IndexName="GSI2",
            KeyConditionExpression=Key("GSI2PK").eq("STATUS#resolved") & Key("GSI2SK").lt(iso(cutoff)),
            FilterExpression=Attr("resolved_at").lt(iso(cutoff)),
        )
        return [Case.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in islice(items, limit)]

    # -- writes ------------------------------------------------------------
    def count_open(self, assignee: str) -> int:
        """How many cases assigned to ``assignee`` are neither resolved nor closed (GSI4, counted)."""
        kwargs: dict[str, Any] = {
            "IndexName": "GSI4",
            "KeyConditionExpression": Key("GSI4PK").eq(f"AGENT#{assignee}"),
            "FilterExpression": ~Attr("status").is_in(["resolved", "closed"]),
            "Select": "COUNT",
        }
        total = 0
        while True:
            resp = self.table.query(**kwargs)
            total += int(resp.get("Count", 0))
            if "LastEvaluatedKey" not in resp:
                return total
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def _pointer_put(self, key: str, case_id: str, event_id: str | None) -> dict[str, Any]:
        item = {**pointer_key(key), "type": "pointer", "case_id": case_id}
        if event_id:
            item["event_id"] = event_id
        return {
            "Put": {
                "TableName": self.table.name,
                "Item": _av(item),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    def create(self, case: Case, events: list[TimelineEvent], pointers: list[str]) -> None:
        """Write a new case, its first events and its message pointers atomically.

        Raises Duplicate when a pointer (message id) already exists: the message was
        ingested before, and nothing is written.
        """
        first_event_id = events[0].event_id if events else None
        ops: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table.name,
                    "Item": _av(case_item(case)),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        ]
        ops += [{"Put": {"TableName": self.table.name, "Item": _av(event_item(e))}} for e in events]
        ops += [self._pointer_put(p, case.case_id, first_event_id) for p in dict.fromkeys(pointers)]
        self._transact(ops, case.case_id, pointers)

    def save(
        self,
        case: Case,
        expected_version: int,
        events: list[TimelineEvent],
        pointers: list[str] | None = None,
    ) -> None:
        """Replace the case item if it is still at ``expected_version``, with its events and pointers.

        ``case.version`` must already be the new version.
        """
        first_event_id = events[0].event_id if events else None
        ops: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table.name,
                    "Item": _av(case_item(case)),
                    "ConditionExpression": "#v = :expected",
                    "ExpressionAttributeNames": {"#v": "version"},
                    "ExpressionAttributeValues": {":expected": expected_version},
                }
            }
        ]
        ops += [{"Put": {"TableName": self.table.name, "Item": _av(event_item(e))}} for e in events]
        ops += [self._pointer_put(p, case.case_id, first_event_id) for p in dict.fromkeys(pointers or [])]
        self._transact(ops, case.case_id, pointers or [], expected_version)

    def add_pointers(self, case_id: str, pointers: list[str]) -> None:
        for p in dict.fromkeys(pointers):
            try:
                self.table.put_item(
                    Item={**pointer_key(p), "type": "pointer", "case_id": case_id},
                    ConditionExpression="attribute_not_exists(PK)",
                )
            except Exception as exc:
                if not dynamo.is_conditional_failure(exc):
                    raise

    def _transact(
        self, ops: list[dict[str, Any]], case_id: str, pointers: list[str], expected: int | None = None
    ) -> None:
        try:
            self._client.transact_write_items(TransactItems=ops)
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):
                raise
            reasons = dynamo.cancellation_reasons(exc)
            if reasons and not any(r == "ConditionalCheckFailed" for r in reasons):
                raise
            pointer_offset = len(ops) - len(dict.fromkeys(pointers))
            if any(r == "ConditionalCheckFailed" for r in reasons[pointer_offset:]):
                raise Duplicate(
                    f"message already recorded on case {self.find_by_pointers(pointers) or case_id}"
                ) from exc
            if expected is not None:
                current = None
                try:
                    current = self.get(case_id).version
                except NotFound:
                    pass
                raise VersionConflict("case", case_id, expected, current) from exc
            raise Duplicate(f"case {case_id} already exists") from exc
