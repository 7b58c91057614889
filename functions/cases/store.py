"""DynamoDB access for cases, their timelines and message pointers.

Items (single table, see docs/data-model.md):
  CASE#{id} / #META            the case     GSI1 CASES/{updated}#{id}   GSI2 STATUS#{s}/{updated}#{id}
                                            GSI3 CUST#{customer}/{created}#{id}   GSI4 AGENT#{assignee}/{updated}#{id}
                                            GSI5 SLA/{next check}#{id} (sparse: a running SLA clock)
                                            GSI6 QPRIO#{s}/{rank}␟{newest activity first}␟{id} (sort=priority)
                                            GSI7 QDUE#{s}/{nearest due or 9999}␟{id} (sort=due)
  CASE#{id} / TL#{at}#{rand}   a timeline event (interaction or change)
  MSGID#{key} / #PTR           message id -> case (threading + exactly-once ingestion)
  COUNTER#case / #COUNTER      the case-number sequence
  COUNT#cases / STATUS#{s}     about how many cases have status s (views' total_estimate; not transactional)
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from functions.cases import rules
from functions.cases.models import (
    Case,
    CasePage,
    CaseQuery,
    CaseStatus,
    Priority,
    QueueSort,
    SlaFilter,
    TimelineEvent,
)
from functions.core import dynamo
from functions.core.errors import Duplicate, InvalidInput, NotFound, VersionConflict
from functions.core.logs import logger
from functions.core.timeutil import iso, utcnow


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
    if case.sla is not None and case.sla.next_check is not None:
        item["GSI5PK"] = "SLA"
        item["GSI5SK"] = f"{iso(case.sla.next_check)}#{case.case_id}"
    item.update(rules.sla_attributes(case))
    # The sorted views' indexes: their sort key is the view's sort key, so the cursor ("after" the
    # last case's sort key) is the same whether a view is read from an index or sorted in memory.
    for index, prefix, sort in (("GSI6", "QPRIO", QueueSort.PRIORITY), ("GSI7", "QDUE", QueueSort.DUE)):
        item[f"{index}PK"] = f"{prefix}#{case.status.value}"
        item[f"{index}SK"] = _joined(_item_sort_key(item, sort))
    if case.message_text:
        item["message_text"] = case.message_text
    item.pop("sla_state", None)  # derived when read
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


_STOP: dict[str, Any] = {}  # a stream's last word when the page budget is spent


def _joined(key: tuple[str, ...]) -> str:
    return "\x1f".join(key)


def _item_sort_key(item: dict[str, Any], sort: QueueSort) -> tuple[str, ...]:
    """``rules.sort_key`` of a case from its index item's sort attributes."""
    due = item.get("sla_due")
    return rules.sort_key_of(
        sort,
        case_id=str(item["case_id"]),
        created_at=datetime.fromisoformat(str(item["created_at"])),
        updated_at=datetime.fromisoformat(str(item["updated_at"])),
        priority=Priority(str(item["priority"])),
        due=datetime.fromisoformat(str(due)) if due else None,
    )


def _case(item: dict[str, Any]) -> Case:
    return Case.model_validate(dynamo.strip_keys(dynamo.from_item(item)))


SORTED_INDEXES = {QueueSort.PRIORITY: ("GSI6", "QPRIO"), QueueSort.DUE: ("GSI7", "QDUE")}


def _partitions(q: CaseQuery) -> tuple[str, list[str]]:
    """The index and the partitions a view reads (see CaseStore.query)."""
    sort = q.sort or QueueSort.UPDATED
    if sort in SORTED_INDEXES and not (q.assignee and q.assignee != rules.UNASSIGNED) and not q.customer_id:
        index, prefix = SORTED_INDEXES[sort]
        statuses = dict.fromkeys(q.status) if q.status else list(CaseStatus)
        return index, [f"{prefix}#{s.value}" for s in statuses]
    if q.assignee and q.assignee != rules.UNASSIGNED:
        return "GSI4", [f"AGENT#{q.assignee}"]
    if q.status:
        return "GSI2", [f"STATUS#{s.value}" for s in dict.fromkeys(q.status)]
    if q.customer_id:
        return "GSI3", [f"CUST#{q.customer_id}"]
    return "GSI1", ["CASES"]


def _index_sk(case: Case, index: str) -> str:
    data = case.model_dump(mode="json", include={"updated_at", "created_at"})
    return f"{data['created_at' if index == 'GSI3' else 'updated_at']}#{case.case_id}"


def _filter_expression(q: CaseQuery, index: str, now: datetime) -> Any:
    """The view's filters the partition does not already apply, as one FilterExpression (or None)."""
    filters: list[Any] = []
    if q.status and index not in ("GSI2", "GSI6", "GSI7"):
        filters.append(Attr("status").is_in([s.value for s in q.status]))
    if q.assignee == rules.UNASSIGNED:
        filters.append(Attr("assignee").not_exists())
    if q.customer_id and index != "GSI3":
        filters.append(Attr("customer_id").eq(q.customer_id))
    for name, value in (("group_id", q.group_id), ("product", q.product)):
        if value:
            filters.append(Attr(name).eq(value))
    for name, enum_value in (("channel", q.channel), ("priority", q.priority)):
        if enum_value is not None:
            filters.append(Attr(name).eq(enum_value.value))
    filters.extend(Attr("tags").contains(tag) for tag in q.tag)
    if q.updated_since and index in ("GSI3", "GSI6", "GSI7"):
        filters.append(Attr("updated_at").gte(iso(q.updated_since)))
    at = iso(now)
    if q.sla == SlaFilter.BREACHED:
        filters.append(Attr("sla_breached").exists() | Attr("sla_due").lte(at))
    elif q.sla == SlaFilter.BREACHING_SOON:
        filters.append(Attr("sla_breached").not_exists() & Attr("sla_warn_at").lte(at) & Attr("sla_due").gt(at))
    if not filters:
        return None
    expr = filters[0]
    for f in filters[1:]:
        expr = expr & f
    return expr


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

    def sla_checks_due(self, now: datetime, limit: int = 500) -> list[str]:
        """Cases whose SLA clock's next check is due (GSI5: sparse, only running clocks), soonest first."""
        items = self.query_items(
            IndexName="GSI5",
            KeyConditionExpression=Key("GSI5PK").eq("SLA") & Key("GSI5SK").lte(f"{iso(now)}#~"),
            ProjectionExpression="case_id",
        )
        return [str(i["case_id"]) for i in islice(items, limit)]

    def get_many(self, case_ids: list[str]) -> dict[str, Case]:
        """The cases of these ids that exist, by id (BatchGetItem: eventually consistent reads)."""
        items = self.batch_get([{"PK": case_pk(c), "SK": "#META"} for c in dict.fromkeys(case_ids)])
        cases = (_case(i) for i in items)
        return {c.case_id: c for c in cases}

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

    def query(self, q: CaseQuery, now: datetime | None = None) -> CasePage:
        """A queue view (``q.q`` is the service's: not looked at here).

        The partitions read: the assignee's (GSI4), else one per status (GSI2, merged), else the
        customer's (GSI3), else all cases (GSI1); every other filter is a FilterExpression. The index
        is read for keys only (and the sort attributes); the page's cases are then read whole
        (BatchGetItem, consistent) and checked again by ``rules.matches`` (a case changed since the
        index saw it leaves the page). Sorted by last update (either way) the index gives the order
        and a page reads only as far as it needs (``MAX_PAGES`` at most; a short page then carries a
        cursor). Sorted by priority or due (and not narrowed to an assignee or a customer) the view is
        read the same way from GSI6 / GSI7, whose sort key is the view's sort key, one partition per
        status, merged. Sorted otherwise, the keys of the whole view are read (up to ``MAX_SORTED``)
        and sorted in memory; the cursor is the sort key of the last case returned.

        ``total_estimate``: exact when the view ends on its first page; on the first page of a larger
        view read from GSI6 / GSI7, the status counts (``COUNT#cases``) times the share of the items
        read that matched the other filters; otherwise not counted."""
        now = now or utcnow()
        sort = q.sort or QueueSort.UPDATED
        index, pks = _partitions(q)
        start = dynamo.decode_cursor(q.cursor)
        after = str(start.get("after", "")) if start else ""
        expr = _filter_expression(q, index, now)
        if index in ("GSI6", "GSI7"):  # sort=priority / sort=due over status partitions: their own index
            return self._index_page(q, index, pks, expr, True, after, now)
        if sort in (QueueSort.UPDATED, QueueSort.OLDEST_UPDATE) or index == "GSI3" and sort == QueueSort.CREATED:
            return self._index_page(q, index, pks, expr, sort == QueueSort.OLDEST_UPDATE, after, now)
        return self._sorted_page(q, index, pks, expr, sort, after, now)

    MAX_PAGES = 20  # DynamoDB pages one queue page may read
    PAGE_ITEMS = 500  # items a DynamoDB page holds at most (and 1 MB)
    MAX_SORTED = 10_000  # cases a view sorted in memory may hold
    SORT_ATTRIBUTES = ("case_id", "created_at", "updated_at", "priority", "sla_due")

    def _stream(
        self,
        index: str,
        pk: str,
        expr: Any,
        ascending: bool,
        after: str,
        since: str | None,
        budget: list[int],
        first_page: int,
        seen: list[int] | None = None,
    ) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """A partition's matching items (keys and sort attributes) in index order as ``(sort key,
        item)``, with ``(sort key, None)`` after each page (where the read got to), and ``(sort key,
        _STOP)`` when the budget of pages is spent. Pages start at ``first_page`` items and double."""
        key = f"{index}SK"
        cond = Key(f"{index}PK").eq(pk)
        low, high = (after, None) if ascending else (since, after)
        if ascending and since and since > (low or ""):
            low = since
        if low and high:
            cond = cond & Key(key).between(low, high)
        elif low:
            cond = cond & Key(key).gte(low)
        elif high:
            cond = cond & Key(key).lte(high)
        names = {f"#p{i}": n for i, n in enumerate(("PK", "SK", key, *self.SORT_ATTRIBUTES))}
        kwargs: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": cond,
            "ScanIndexForward": ascending,
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": names,
        }
        if expr is not None:
            kwargs["FilterExpression"] = expr
        last_key, size = after, min(first_page, self.PAGE_ITEMS)
        while True:
            if budget[0] <= 0:
                yield last_key, _STOP
                return
            budget[0] -= 1
            resp = self.table.query(**kwargs, Limit=size)
            size = min(size * 2, self.PAGE_ITEMS)
            if seen is not None:  # items read, items that passed the filter
                seen[0] += int(resp.get("ScannedCount", 0))
                seen[1] += int(resp.get("Count", 0))
            for item in resp["Items"]:
                if item[key] != after:
                    yield str(item[key]), item
            last = resp.get("LastEvaluatedKey")
            if not last:
                return
            last_key = str(last[key])
            yield last_key, None
            kwargs["ExclusiveStartKey"] = last

    def _whole(self, items: list[dict[str, Any]], q: CaseQuery, now: datetime) -> list[Case]:
        """The cases of these index items, read whole, in the same order, that still match."""
        found = {
            str(i["case_id"]): i
            for i in self.batch_get([{"PK": i["PK"], "SK": i["SK"]} for i in items], consistent=True)
        }
        cases = (_case(found[str(i["case_id"])]) for i in items if str(i["case_id"]) in found)
        return [c for c in cases if rules.matches(c, q, now)]

    def _index_page(
        self, q: CaseQuery, index: str, pks: list[str], expr: Any, ascending: bool, after: str, now: datetime
    ) -> CasePage:
        since = iso(q.updated_since) if q.updated_since and index != "GSI3" else None
        budget = [self.MAX_PAGES]
        if index in ("GSI6", "GSI7"):
            since = None  # a filter on these indexes (their sort key is not the activity)
        first = q.limit + 1 if expr is None else max(q.limit * 2, 50)
        seen = [0, 0]
        streams = [self._stream(index, pk, expr, ascending, after, since, budget, first, seen) for pk in pks]
        merged = heapq.merge(*streams, key=lambda pair: pair[0], reverse=not ascending)
        keys: list[dict[str, Any]] = []
        cursor: str | None = None
        for sort_key, item in merged:
            if item is _STOP:  # the page budget is spent: go on from where the reads got to
                cursor = dynamo.encode_cursor({"after": sort_key})
                break
            if item is None:
                continue
            if len(keys) == q.limit:
                cursor = dynamo.encode_cursor({"after": str(keys[-1][f"{index}SK"])})
                break
            keys.append(item)
        cases = self._whole(keys, q, now) if keys else []
        # Counting a view larger than a page would read all of it (Select COUNT reads every item):
        # known only when the view fits this first page.
        total = len(cases) if cursor is None and not after else None
        if total is None and not after and index in ("GSI6", "GSI7"):
            total = self._estimate(pks, seen, q)
        return CasePage(items=cases, next_cursor=cursor, total_estimate=total)

    def _estimate(self, pks: list[str], seen: list[int], q: CaseQuery) -> int | None:
        """About how many cases a large view holds: its statuses' counts, scaled by the share of the
        items read that matched the view's other filters."""
        statuses = [pk.split("#", 1)[1] for pk in pks]
        counts = self.status_counts(statuses)
        if not counts:
            return None
        whole = sum(counts.values())
        if seen[0] and seen[1] < seen[0]:
            whole = round(whole * seen[1] / seen[0])
        return max(whole, q.limit)

    def backfill_queue_indexes(self) -> dict[str, Any]:
        """Give every case the sorted views' index keys (GSI6 / GSI7) and count the statuses anew:
        for cases written before those indexes existed (a table from an earlier release). A case is
        rewritten only if it is still at the version read (a write meanwhile set the keys itself)."""
        counts: dict[str, int] = {}
        rewritten = 0
        for item in self.query_items(IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq("CASES")):
            case = _case(item)
            counts[case.status.value] = counts.get(case.status.value, 0) + 1
            if item.get("GSI6PK") and item.get("GSI7PK"):
                continue
            try:
                self.table.put_item(
                    Item=case_item(case),
                    ConditionExpression="#v = :v",
                    ExpressionAttributeNames={"#v": "version"},
                    ExpressionAttributeValues={":v": case.version},
                )
                rewritten += 1
            except Exception as exc:
                if not dynamo.is_conditional_failure(exc):
                    raise
        for status in CaseStatus:
            self.table.put_item(
                Item={"PK": "COUNT#cases", "SK": f"STATUS#{status.value}", "n": counts.get(status.value, 0)}
            )
        return {"cases": sum(counts.values()), "rewritten": rewritten, "counts": counts}

    # -- status counts -----------------------------------------------------
    def status_counts(self, statuses: list[str]) -> dict[str, int]:
        """About how many cases have each of these statuses (only those counted so far)."""
        items = self.batch_get([{"PK": "COUNT#cases", "SK": f"STATUS#{s}"} for s in dict.fromkeys(statuses)])
        return {str(i["SK"]).split("#", 1)[1]: max(int(i.get("n", 0)), 0) for i in items}

    def _count_status(self, old: str | None, new: str | None) -> None:
        """Move one case between the status counts (after its write succeeded; an estimate: a
        failure here is not worth failing the write for)."""
        if old == new:
            return
        for status, step in ((old, -1), (new, 1)):
            if status is None:
                continue
            try:
                self.table.update_item(
                    Key={"PK": "COUNT#cases", "SK": f"STATUS#{status}"},
                    UpdateExpression="ADD #n :step",
                    ExpressionAttributeNames={"#n": "n"},
                    ExpressionAttributeValues={":step": step},
                )
            except Exception:  # noqa: BLE001 - an estimate; the case itself is written
                logger().warning("case status count not updated", extra={"status": status})

    def _sorted_page(
        self, q: CaseQuery, index: str, pks: list[str], expr: Any, sort: QueueSort, after: str, now: datetime
    ) -> CasePage:
        since = iso(q.updated_since) if q.updated_since and index != "GSI3" else None
        budget = [self.MAX_PAGES * 4]
        found: list[tuple[str, dict[str, Any]]] = []
        for pk in pks:
            for _, item in self._stream(index, pk, expr, False, "", since, budget, self.PAGE_ITEMS):
                if item is _STOP or len(found) > self.MAX_SORTED:
                    raise InvalidInput(
                        f"this view holds too many cases to sort by {sort.value} (more than {self.MAX_SORTED}, "
                        "or too large to read at once): narrow it by status, assignee or group"
                    )
                if item is not None:
                    found.append((_joined(_item_sort_key(item, sort)), item))
        found.sort(key=lambda pair: pair[0])
        total = len(found)
        if after:
            found = [pair for pair in found if pair[0] > after]
        page = found[: q.limit]
        more = len(found) > q.limit
        cursor = dynamo.encode_cursor({"after": page[-1][0]}) if more else None
        return CasePage(items=self._whole([i for _, i in page], q, now), next_cursor=cursor, total_estimate=total)

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
        self._count_status(None, case.status.value)

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
        before = self.table.get_item(
            Key={"PK": case_pk(case.case_id), "SK": "#META"},
            ProjectionExpression="#s, #v",
            ExpressionAttributeNames={"#s": "status", "#v": "version"},
            ConsistentRead=True,
        ).get("Item")
        self._transact(ops, case.case_id, pointers or [], expected_version)
        if before and int(before.get("version", -1)) == expected_version:  # what this write replaced
            self._count_status(str(before.get("status")), case.status.value)

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
