"""Delivery's data: the records, dispatches, waits and subscriptions in the table (``DeliveryStore``),
and the audience snapshot in the bucket (``AudienceFiles``). Keys: the package docstring."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from functions.core import aws, dynamo
from functions.notify.contract import AudienceManifest, Dispatch, Recipient, manifest_key
from functions.notify.delivery.models import Channel, DeliveryRecord, DeliveryStatus
from functions.notify.delivery.rules import COUNTS


def delivery_pk(notice_id: str, seq: int, batch: int) -> str:
    return f"NOTICEDLV#{notice_id}#{seq}#{batch}"


def delivery_sk(channel: Channel, contact_id: str) -> str:
    return f"{channel.value}#{contact_id}"


def dispatch_key(notice_id: str, seq: int) -> dict[str, str]:
    return {"PK": f"NOTICEDLV#{notice_id}", "SK": f"DISPATCH#{seq:06d}"}


def await_key(notice_id: str) -> dict[str, str]:
    return {"PK": f"NOTICEWF#{notice_id}", "SK": "AWAIT"}


def topic_full_key(topic_arn: str) -> dict[str, str]:
    return {"PK": f"SMSTOPIC#{topic_arn.rsplit(':', 1)[-1]}", "SK": "FULL"}


def _counts(item: dict[str, Any]) -> dict[str, int]:
    done = {"batches_done": len(item.get("done_batches") or ())}
    return {k: int(item.get(k, 0)) for k in COUNTS} | done


class DeliveryStore(dynamo.TableStore):
    # -- delivery records --------------------------------------------------------------------

    def existing(self, notice_id: str, seq: int, batch: int) -> dict[str, dict[str, Any]]:
        """The batch's delivery records, by sort key (one Query, paginated)."""
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        items = self.query_items(
            KeyConditionExpression=Key("PK").eq(delivery_pk(notice_id, seq, batch)),
            ProjectionExpression="SK, #s, claim",
            ExpressionAttributeNames={"#s": "status"},
        )
        return {str(item["SK"]): item for item in items}

    def claim(self, records: list[DeliveryRecord]) -> list[DeliveryRecord]:
        """Write each record as claimed unless one exists; returns those claimed here.

        One transaction of up to 100 conditional puts (the usual case: nothing exists); when it is
        cancelled (a concurrent or earlier attempt holds some), one conditional put each.
        """
        if not records:
            return []
        items = [self._item(r) for r in records]
        client = self._client
        if len(items) <= 100:
            try:
                client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self.table.name,
                                "Item": item,
                                "ConditionExpression": "attribute_not_exists(PK)",
                            }
                        }
                        for item in items
                    ]
                )
                return list(records)
            except client.exceptions.TransactionCanceledException:
                pass
        claimed: list[DeliveryRecord] = []
        for record, item in zip(records, items, strict=True):
            try:
                self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
                claimed.append(record)
            except client.exceptions.ConditionalCheckFailedException:
                continue
        return claimed

    def mark(self, records: Iterable[DeliveryRecord]) -> None:
        """Overwrite claims this attempt holds with their outcome (sent / failed)."""
        with self.table.batch_writer() as writer:
            for r in records:
                writer.put_item(Item=self._item(r))

    def release(self, records: Iterable[DeliveryRecord]) -> None:
        """Delete claims this attempt holds but could not send, so a retry sends them."""
        for r in records:
            try:
                self.table.delete_item(
                    Key={"PK": delivery_pk(r.notice_id, r.seq, r.batch), "SK": delivery_sk(r.channel, r.contact_id)},
                    ConditionExpression="claim = :c",
                    ExpressionAttributeValues={":c": r.claim},
                )
            except self._client.exceptions.ConditionalCheckFailedException:
                continue

    def claimed_not_sent(self, notice_id: str, seq: int, batches: int) -> Iterator[DeliveryRecord]:
        """Records left claimed (the sender stopped between claim and outcome): for a person to check."""
        from boto3.dynamodb.conditions import Attr, Key  # noqa: PLC0415

        for batch in range(batches):
            items = self.query_items(
                KeyConditionExpression=Key("PK").eq(delivery_pk(notice_id, seq, batch)),
                FilterExpression=Attr("status").eq(DeliveryStatus.CLAIMED.value),
            )
            for item in items:
                yield DeliveryRecord.model_validate(dynamo.from_item(dynamo.strip_keys(item)))

    @staticmethod
    def _item(r: DeliveryRecord) -> dict[str, Any]:
        data = {k: v for k, v in r.model_dump(mode="json").items() if v is not None}
        return {"PK": delivery_pk(r.notice_id, r.seq, r.batch), "SK": delivery_sk(r.channel, r.contact_id), **data}

    # -- dispatches ----------------------------------------------------------------------------

    def put_dispatch(self, dispatch: Dispatch, batches: int) -> None:
        item: dict[str, Any] = {
            **dispatch_key(dispatch.notice_id, dispatch.seq),
            "dispatch": dispatch.model_dump_json(),
        }
        item["batches"] = batches
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
        except self._client.exceptions.ConditionalCheckFailedException:
            pass  # a redelivered prepare job: the dispatch and its counters stay

    def dispatch(self, notice_id: str, seq: int) -> Dispatch:
        item = self.table.get_item(Key=dispatch_key(notice_id, seq), ConsistentRead=True).get("Item")
        if not item:
            from functions.core import errors  # noqa: PLC0415

            raise errors.NotFound("notice dispatch", f"{notice_id}#{seq}")
        return Dispatch.model_validate_json(str(item["dispatch"]))

    def add_counts(self, notice_id: str, seq: int, counts: dict[str, int]) -> None:
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return
        names = {f"#c{i}": k for i, k in enumerate(counts)}
        values = {f":v{i}": v for i, v in enumerate(counts.values())}
        self.table.update_item(
            Key=dispatch_key(notice_id, seq),
            UpdateExpression="ADD " + ", ".join(f"#c{i} :v{i}" for i in range(len(counts))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def batch_done(self, notice_id: str, seq: int, batch: int) -> None:
        """The batch was sent to the end (a set of batch numbers: a batch done twice counts once)."""
        self.table.update_item(
            Key=dispatch_key(notice_id, seq),
            UpdateExpression="ADD done_batches :b",
            ExpressionAttributeValues={":b": {batch}},
        )

    def counts(self, notice_id: str, seq: int) -> dict[str, int]:
        item = self.table.get_item(Key=dispatch_key(notice_id, seq), ConsistentRead=True).get("Item") or {}
        return _counts(item)

    def all_counts(self, notice_id: str) -> dict[int, dict[str, int]]:
        """Every dispatch's counts of the notice, by seq (one Query, paginated)."""
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        items = self.query_items(
            KeyConditionExpression=Key("PK").eq(f"NOTICEDLV#{notice_id}") & Key("SK").begins_with("DISPATCH#"),
            ConsistentRead=True,
        )
        return {int(str(item["SK"]).removeprefix("DISPATCH#")): _counts(item) for item in items}

    def prepared(self, notice_id: str, marker: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key={"PK": f"NOTICEDLV#{notice_id}", "SK": f"PREPARE#{marker}"}).get("Item")
        return json.loads(str(item["result"])) if item else None

    def put_prepared(self, notice_id: str, marker: str, result: dict[str, Any], expires_at: int) -> None:
        self.table.put_item(
            Item={
                "PK": f"NOTICEDLV#{notice_id}",
                "SK": f"PREPARE#{marker}",
                "result": json.dumps(result),
                "expires_at": expires_at,
            }
        )

    # -- waiting lifecycle ---------------------------------------------------------------------

    # One item per notice holds either the waiting task's token or the signals that arrived while
    # no task was waiting (``pending``); both sides change it with conditions, so a signal is
    # either handed to a waiting task or queued for the next one, never lost between the two.

    def put_waiting(
        self, notice_id: str, task_token: str, *, paused: bool, execution: str | None, now: str
    ) -> str | None:
        """Park the task's token, unless a signal is queued: then take the oldest one and return it."""
        for _ in range(5):
            values: dict[str, Any] = {":t": task_token, ":p": paused, ":a": now}
            sets = "task_token = :t, paused = :p, #at = :a"
            if execution:
                values[":e"] = execution
                sets += ", execution = :e"
            try:
                self.table.update_item(
                    Key=await_key(notice_id),
                    UpdateExpression="SET " + sets,
                    ConditionExpression="attribute_not_exists(pending) OR size(pending) = :zero",
                    ExpressionAttributeNames={"#at": "at"},
                    ExpressionAttributeValues={**values, ":zero": 0},
                )
                return None
            except self._client.exceptions.ConditionalCheckFailedException:
                pass
            item = self.table.get_item(Key=await_key(notice_id), ConsistentRead=True).get("Item") or {}
            pending = list(item.get("pending") or [])
            if not pending:
                continue
            try:
                self.table.update_item(
                    Key=await_key(notice_id),
                    UpdateExpression="REMOVE pending[0]",
                    ConditionExpression="pending[0] = :first AND size(pending) = :n",
                    ExpressionAttributeValues={":first": pending[0], ":n": len(pending)},
                )
            except self._client.exceptions.ConditionalCheckFailedException:
                continue  # another signal arrived meanwhile: look again
            return str(pending[0])
        raise RuntimeError(f"notice {notice_id}: the wait item kept changing")

    def take_waiting(self, notice_id: str, signal: str | None = None) -> dict[str, Any] | None:
        """Take the waiting task's token (only one signal can take it); with ``signal``, queue the
        signal instead when no task is waiting (returns None then)."""
        for _ in range(5):
            try:
                resp = self.table.update_item(
                    Key=await_key(notice_id),
                    UpdateExpression="REMOVE task_token, paused, execution, #at",
                    ConditionExpression="attribute_exists(task_token)",
                    ExpressionAttributeNames={"#at": "at"},
                    ReturnValues="ALL_OLD",
                )
                return resp.get("Attributes")
            except self._client.exceptions.ConditionalCheckFailedException:
                if signal is None:
                    return None
            try:
                self.table.update_item(
                    Key=await_key(notice_id),
                    UpdateExpression="SET pending = list_append(if_not_exists(pending, :empty), :sig)",
                    ConditionExpression="attribute_not_exists(task_token)",
                    ExpressionAttributeValues={":empty": [], ":sig": [signal]},
                )
                return None
            except self._client.exceptions.ConditionalCheckFailedException:
                continue  # a task started waiting meanwhile: hand the signal to it
        raise RuntimeError(f"notice {notice_id}: the wait item kept changing")

    # -- SMS subscriptions ---------------------------------------------------------------------

    def subscribed(self, contact_ids: list[str]) -> dict[str, str]:
        """contact_id -> phone of the contacts already subscribed to the SMS topic."""
        keys = [{"PK": f"SMSSUB#{c}", "SK": "SMSSUB"} for c in contact_ids]
        items = self.batch_get(keys, projection="PK, phone")
        return {str(item["PK"]).removeprefix("SMSSUB#"): str(item["phone"]) for item in items}

    def put_subscription(self, contact_id: str, phone: str, arn: str) -> None:
        self.table.put_item(Item={"PK": f"SMSSUB#{contact_id}", "SK": "SMSSUB", "phone": phone, "arn": arn})

    def drop_subscription(self, contact_id: str) -> str | None:
        """Forget a contact's subscription; returns its ARN (None if there was none)."""
        resp = self.table.delete_item(Key={"PK": f"SMSSUB#{contact_id}", "SK": "SMSSUB"}, ReturnValues="ALL_OLD")
        arn = resp.get("Attributes", {}).get("arn")
        return str(arn) if arn else None

    def topic_full(self, topic_arn: str, now: int) -> bool:
        """The topic refused a subscription (filter-policy quota) and the marker has not expired."""
        item = self.table.get_item(Key=topic_full_key(topic_arn)).get("Item")
        return bool(item) and int(item.get("expires_at", 0)) > now  # type: ignore[union-attr]

    def put_topic_full(self, topic_arn: str, code: str, at: str, expires_at: int) -> None:
        self.table.put_item(Item={**topic_full_key(topic_arn), "code": code, "at": at, "expires_at": expires_at})


class AudienceFiles:
    """The snapshot the records part wrote in the ``notices`` bucket (functions/notify/contract.py)."""

    def __init__(self, bucket: str, client: Any | None = None) -> None:
        self.bucket = bucket
        self._client = client

    @property
    def s3(self) -> Any:
        if self._client is None:
            self._client = aws.client("s3")
        return self._client

    def manifest(self, notice_id: str) -> AudienceManifest:
        body = self.s3.get_object(Bucket=self.bucket, Key=manifest_key(notice_id))["Body"].read()
        return AudienceManifest.model_validate_json(body)

    def recipients(self, key: str) -> Iterator[Recipient]:
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        for line in body.iter_lines():
            if line.strip():
                yield Recipient.model_validate_json(line)
