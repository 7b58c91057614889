"""DynamoDB and S3 access for notices, their dispatches, timeline and audience snapshot.

Items (single table, see docs/data-model.md):
  NOTICE#{id} / #META              the notice      GSI1 PROBLEMNOTICES#{problem_id} / {created}#{id}
                                                   GSI2 NOTICE_STATUS#{status} / {updated}#{id}
                                                   GSI3 NOTICES / {created}#{id}  (all notices)
  NOTICE#{id} / TL#{at}#{seq}      a timeline event (who changed what, when)
  NOTICE#{id} / DISPATCH#{seq:06d} a dispatch (contract.Dispatch), written with attribute_not_exists
                                   in the same transaction as the notice's new version
  NOTICEMEMBER#{customer_id} / {notice_id}   the customer is in the notice's snapshot (portal
                                   banners and the phone menu: one Query, then a BatchGetItem of the
                                   few notices it names)
  COUNTER#notice / #COUNTER        the notice-number sequence
The snapshot itself is JSON Lines in the ``notices`` bucket (functions/notify/contract.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from functions.cases.models import Case, TimelineEvent
from functions.core import aws, dynamo
from functions.core.errors import Duplicate, NotFound, VersionConflict
from functions.notify.contract import AudienceManifest, Dispatch, batch_key, manifest_key
from functions.notify.models import DirectoryEntry, Notice, NoticeEvent, NoticePage, NoticeQuery, NoticeStatus


def notice_pk(notice_id: str) -> str:
    return f"NOTICE#{notice_id}"


def member_pk(customer_id: str) -> str:
    return f"NOTICEMEMBER#{customer_id}"


def notice_item(notice: Notice) -> dict[str, Any]:
    data = notice.model_dump(mode="json")
    return dynamo.to_item(
        {
            "PK": notice_pk(notice.notice_id),
            "SK": "#META",
            "type": "notice",
            "GSI1PK": f"PROBLEMNOTICES#{notice.problem_id}",
            "GSI1SK": f"{data['created_at']}#{notice.notice_id}",
            "GSI2PK": f"NOTICE_STATUS#{notice.status.value}",
            "GSI2SK": f"{data['updated_at']}#{notice.notice_id}",
            "GSI3PK": "NOTICES",
            "GSI3SK": f"{data['created_at']}#{notice.notice_id}",
            **data,
        }
    )


def event_item(event: NoticeEvent) -> dict[str, Any]:
    return dynamo.to_item(
        {
            "PK": notice_pk(event.notice_id),
            "SK": f"TL#{event.event_id}",
            "type": "notice_event",
            **event.model_dump(mode="json"),
        }
    )


def dispatch_item(dispatch: Dispatch) -> dict[str, Any]:
    return dynamo.to_item(
        {
            "PK": notice_pk(dispatch.notice_id),
            "SK": f"DISPATCH#{dispatch.seq:06d}",
            "type": "notice_dispatch",
            **dispatch.model_dump(mode="json"),
        }
    )


def _notice(item: dict[str, Any]) -> Notice:
    return Notice.model_validate(dynamo.strip_keys(dynamo.from_item(item)))


class NoticeStore(dynamo.TableStore):
    def next_number(self) -> int:
        return self.next_counter("notice", start=100000)

    # -- reads -------------------------------------------------------------
    def get(self, notice_id: str) -> Notice:
        item = self.table.get_item(Key={"PK": notice_pk(notice_id), "SK": "#META"}, ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("notice", notice_id)
        return _notice(item)

    def get_many(self, notice_ids: list[str]) -> list[Notice]:
        return [_notice(i) for i in self.batch_get([{"PK": notice_pk(n), "SK": "#META"} for n in notice_ids])]

    def of_problem(self, problem_id: str) -> list[Notice]:
        items = self.query_items(
            IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(f"PROBLEMNOTICES#{problem_id}")
        )
        return [_notice(i) for i in items]

    def with_status(self, status: NoticeStatus) -> list[Notice]:
        items = self.query_items(
            IndexName="GSI2", KeyConditionExpression=Key("GSI2PK").eq(f"NOTICE_STATUS#{status.value}")
        )
        return [_notice(i) for i in items]

    def page(self, q: NoticeQuery) -> NoticePage:
        """One page of ``GET /notices``, newest first: by problem (its index, filtered by status),
        by status, or all."""
        kwargs: dict[str, Any] = {"ScanIndexForward": False}
        if q.problem_id:
            index, pk = "GSI1", f"PROBLEMNOTICES#{q.problem_id}"
            if q.status:
                kwargs["FilterExpression"] = Attr("status").eq(q.status.value)
        elif q.status:
            index, pk = "GSI2", f"NOTICE_STATUS#{q.status.value}"
        else:
            index, pk = "GSI3", "NOTICES"
        kwargs |= {"IndexName": index, "KeyConditionExpression": Key(f"{index}PK").eq(pk)}
        last = dynamo.decode_cursor(q.cursor)
        items: list[dict[str, Any]] = []
        for _ in range(10):  # a filtered index: a few reads fill the page, else the cursor goes on
            if last:
                kwargs["ExclusiveStartKey"] = last
            kwargs["Limit"] = max(q.limit * 2, 50) if "FilterExpression" in kwargs else q.limit - len(items)
            resp = self.table.query(**kwargs)
            room = q.limit - len(items)
            items += resp["Items"][:room]
            last = resp.get("LastEvaluatedKey")
            if len(resp["Items"]) > room:  # the page is full before the read's end: go on after its last item
                last = {k: items[-1][k] for k in ("PK", "SK", f"{index}PK", f"{index}SK")}
            if len(items) >= q.limit or not last:
                break
        return NoticePage(items=[_notice(i) for i in items], next_cursor=dynamo.encode_cursor(last))

    def timeline(self, notice_id: str) -> list[NoticeEvent]:
        items = self.query_items(
            KeyConditionExpression=Key("PK").eq(notice_pk(notice_id)) & Key("SK").begins_with("TL#"),
            ConsistentRead=True,
        )
        return [NoticeEvent.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in items]

    def dispatch(self, notice_id: str, seq: int) -> Dispatch | None:
        item = self.table.get_item(
            Key={"PK": notice_pk(notice_id), "SK": f"DISPATCH#{seq:06d}"}, ConsistentRead=True
        ).get("Item")
        return Dispatch.model_validate(dynamo.strip_keys(dynamo.from_item(item))) if item else None

    def dispatches(self, refs: list[tuple[str, int]]) -> dict[tuple[str, int], Dispatch]:
        """Several notices' dispatches by (notice id, seq), in one BatchGetItem per 100."""
        keys = [{"PK": notice_pk(n), "SK": f"DISPATCH#{seq:06d}"} for n, seq in refs]
        found = [
            Dispatch.model_validate(dynamo.strip_keys(dynamo.from_item(i)))
            for i in self.batch_get(keys, consistent=True)
        ]
        return {(d.notice_id, d.seq): d for d in found}

    def memberships(self, customer_id: str) -> list[str]:
        items = self.query_items(KeyConditionExpression=Key("PK").eq(member_pk(customer_id)))
        return [str(i["notice_id"]) for i in items]

    # -- writes ------------------------------------------------------------
    def _put(self, item: dict[str, Any], **condition: Any) -> dict[str, Any]:
        return {"Put": {"TableName": self.table.name, "Item": item, **condition}}

    def create(self, notice: Notice, events: list[NoticeEvent]) -> None:
        ops = [self._put(notice_item(notice), ConditionExpression="attribute_not_exists(PK)")]
        ops += [self._put(event_item(e)) for e in events]
        self._transact(ops, notice.notice_id, None)

    def save(
        self,
        notice: Notice,
        expected_version: int,
        events: list[NoticeEvent],
        dispatch: Dispatch | None = None,
    ) -> None:
        """Replace the notice if still at ``expected_version``, with its events (and a new dispatch)."""
        ops = [
            self._put(
                notice_item(notice),
                ConditionExpression="#v = :expected",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":expected": expected_version},
            )
        ]
        if dispatch is not None:
            ops.append(self._put(dispatch_item(dispatch), ConditionExpression="attribute_not_exists(PK)"))
        ops += [self._put(event_item(e)) for e in events]
        self._transact(ops, notice.notice_id, expected_version)

    def _transact(self, ops: list[dict[str, Any]], notice_id: str, expected: int | None) -> None:
        try:
            self._client.transact_write_items(TransactItems=ops)
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):
                raise
            if expected is None:
                raise Duplicate(f"notice {notice_id} already exists") from exc
            current = None
            try:
                current = self.get(notice_id).version
            except NotFound:
                pass
            raise VersionConflict("notice", notice_id, expected, current) from exc

    def add_members(self, notice_id: str, problem_id: str, customer_ids: list[str]) -> None:
        with self.table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
            for customer_id in customer_ids:
                batch.put_item(
                    Item={
                        "PK": member_pk(customer_id),
                        "SK": notice_id,
                        "type": "notice_member",
                        "notice_id": notice_id,
                        "problem_id": problem_id,
                    }
                )

    # -- what the audience is built from ----------------------------------
    def directory_entry(self, customer_id: str) -> DirectoryEntry | None:
        """The customer's name, language and contacts (one Query of its partition); None when it
        has no profile (a removed customer)."""
        items = [
            dynamo.from_item(i) for i in self.query_items(KeyConditionExpression=Key("PK").eq(f"CUST#{customer_id}"))
        ]
        profile = next((i for i in items if i["SK"] == "#PROFILE"), None)
        if profile is None:
            return None
        contacts = sorted((i for i in items if str(i["SK"]).startswith("CONTACT#")), key=lambda i: str(i["SK"]))
        return DirectoryEntry(
            name=profile.get("name"),
            language=profile.get("language"),
            contacts=[dynamo.strip_keys(c) for c in contacts],
        )

    def last_message_id(self, case_id: str) -> str | None:
        """Message-ID of the case's latest email (in or out) to thread a notice to, or None."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("PK").eq(f"CASE#{case_id}") & Key("SK").begins_with("TL#"),
            "ScanIndexForward": False,
            "Limit": 50,
        }
        resp = self.table.query(**kwargs)
        for raw in resp["Items"]:
            event = TimelineEvent.model_validate(dynamo.strip_keys(dynamo.from_item(raw)))
            msg = event.message
            if msg and msg.channel == "email" and msg.message_id and not msg.message_id.startswith("sha256:"):
                return msg.message_id
        return None


class SnapshotStore:
    """The audience snapshot in the ``notices`` bucket (keys in functions/notify/contract.py)."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def put_batch(self, notice_id: str, batch: int, lines: list[str]) -> str:
        key = batch_key(notice_id, batch)
        aws.client("s3").put_object(
            Bucket=self.bucket, Key=key, Body=("\n".join(lines) + "\n").encode(), ContentType="application/x-ndjson"
        )
        return key

    def put_manifest(self, manifest: AudienceManifest) -> None:
        aws.client("s3").put_object(
            Bucket=self.bucket,
            Key=manifest_key(manifest.notice_id),
            Body=manifest.model_dump_json().encode(),
            ContentType="application/json",
        )

    def manifest(self, notice_id: str) -> AudienceManifest | None:
        s3 = aws.client("s3")
        try:
            body = s3.get_object(Bucket=self.bucket, Key=manifest_key(notice_id))["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        return AudienceManifest.model_validate_json(body)

    def lines(self, key: str) -> Iterator[dict[str, Any]]:
        body = aws.client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read()
        for line in body.decode().splitlines():
            if line.strip():
                yield json.loads(line)


class DirectoryAudience:
    """``AudienceSource`` and ``SnapshotSink`` (``ports.py``) on the table (problems, cases,
    customers) and the bucket. ``customers`` and ``problems`` are those domains' stores."""

    def __init__(self, notices: NoticeStore, snapshots: SnapshotStore, customers: Any, problems: Any) -> None:
        self.notices = notices
        self.snapshots = snapshots
        self.customers = customers
        self.problems = problems

    def linked_cases(self, problem_id: str) -> list[Case]:
        """The problem's linked cases, root cause or similar (detection links a blip's cases as
        similar): their customers are the currently affected."""
        return self.problems.cases([link.case_id for link in self.problems.links(problem_id)])  # type: ignore[no-any-return]

    def directory_entry(self, customer_id: str) -> DirectoryEntry | None:
        return self.notices.directory_entry(customer_id)

    def owner_pages(self, product: str, model: str | None, batch: str | None) -> Iterator[list[dict[str, Any]]]:
        return self.customers.owner_pages(product, model, batch)  # type: ignore[no-any-return]

    def last_message_id(self, case_id: str) -> str | None:
        return self.notices.last_message_id(case_id)

    def customer_of_email(self, email: str) -> str | None:
        ref = self.customers.contact_by_email(email)
        return str(ref.customer_id) if ref else None

    def put_batch(self, notice_id: str, batch: int, lines: list[str]) -> str:
        return self.snapshots.put_batch(notice_id, batch, lines)

    def put_manifest(self, manifest: AudienceManifest) -> None:
        self.snapshots.put_manifest(manifest)

    def add_members(self, notice_id: str, problem_id: str, customer_ids: list[str]) -> None:
        self.notices.add_members(notice_id, problem_id, customer_ids)
