"""DynamoDB access for bulk jobs (single table; docs/data-model.md):

JOB#{job_id} / #META              the job (request, status, total, counts by outcome)
JOB#{job_id} / CHUNK#{n:05d}      one chunk of the resolved selection (its case ids)
JOB#{job_id} / CASE#{case_id}     one case's outcome, put with attribute_not_exists in the same
                                  transaction as the count it adds: a redelivered chunk counts
                                  each case once
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from functions.cases.actions.models import BulkJob, Failure, JobStatus, Outcome
from functions.cases.models import Case, TimelineEvent
from functions.cases.store import case_item, case_pk, event_item, pointer_key
from functions.core import dynamo
from functions.core.errors import Duplicate, NotFound, VersionConflict


def job_pk(job_id: str) -> str:
    return f"JOB#{job_id}"


class JobItems(dynamo.TableStore):
    def create(self, job: BulkJob) -> None:
        item = dynamo.to_item({"PK": job_pk(job.job_id), "SK": "#META", "type": "job", **job.model_dump(mode="json")})
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                raise Duplicate(f"job {job.job_id} already exists") from exc
            raise

    def get(self, job_id: str) -> BulkJob:
        item = self.table.get_item(Key={"PK": job_pk(job_id), "SK": "#META"}, ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("job", job_id)
        return BulkJob.model_validate(dynamo.strip_keys(dynamo.from_item(item)))

    def start(self, job_id: str, chunks: list[list[str]], truncated: bool) -> bool:
        with self.table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
            for n, ids in enumerate(chunks):
                batch.put_item(
                    Item={"PK": job_pk(job_id), "SK": f"CHUNK#{n:05d}", "type": "job_chunk", "case_ids": ids}
                )
        try:
            self.table.update_item(
                Key={"PK": job_pk(job_id), "SK": "#META"},
                UpdateExpression="SET #s = :running, #t = :total, chunks = :chunks, truncated = :truncated",
                ConditionExpression="#s = :queued",
                ExpressionAttributeNames={"#s": "status", "#t": "total"},
                ExpressionAttributeValues={
                    ":running": JobStatus.RUNNING.value,
                    ":queued": JobStatus.QUEUED.value,
                    ":total": sum(len(c) for c in chunks),
                    ":chunks": len(chunks),
                    ":truncated": truncated,
                },
            )
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                return False
            raise
        return True

    def chunk(self, job_id: str, chunk: int) -> list[str]:
        item = self.table.get_item(Key={"PK": job_pk(job_id), "SK": f"CHUNK#{chunk:05d}"}, ConsistentRead=True).get(
            "Item"
        )
        if not item:
            raise NotFound("job chunk", f"{job_id}/{chunk}")
        return [str(i) for i in item["case_ids"]]

    def outcomes(self, job_id: str, case_ids: list[str]) -> set[str]:
        keys = [{"PK": job_pk(job_id), "SK": f"CASE#{cid}"} for cid in case_ids]
        return {str(i["SK"]).removeprefix("CASE#") for i in self.batch_get(keys, consistent=True)}

    def record(self, job_id: str, case_id: str, outcome: Outcome, error: Failure | None = None) -> bool:
        item: dict[str, Any] = {
            "PK": job_pk(job_id),
            "SK": f"CASE#{case_id}",
            "type": "job_case",
            "outcome": outcome.value,
        }
        if error is not None:
            item |= {"error": error.error, "message": error.message}
        ops = [
            {
                "Put": {
                    "TableName": self.table.name,
                    "Item": dynamo.to_item(item),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {
                "Update": {
                    "TableName": self.table.name,
                    "Key": {"PK": job_pk(job_id), "SK": "#META"},
                    "UpdateExpression": "ADD #c :one",
                    "ExpressionAttributeNames": {"#c": outcome.value},
                    "ExpressionAttributeValues": {":one": 1},
                }
            },
        ]
        try:
            self._client.transact_write_items(TransactItems=ops)
        except Exception as exc:
            # Only the outcome's own condition means "recorded before"; a transaction conflict is
            # raised, and the chunk is delivered again.
            if "ConditionalCheckFailed" in dynamo.cancellation_reasons(exc):
                return False
            raise
        return True

    def finish_if_complete(self, job_id: str, at: str) -> bool:
        job = self.get(job_id)
        if job.status is not JobStatus.RUNNING or job.total is None:
            return False
        if job.changed + job.unchanged + job.failed < job.total:
            return False
        try:
            self.table.update_item(
                Key={"PK": job_pk(job_id), "SK": "#META"},
                UpdateExpression="SET #s = :done, finished_at = :at",
                ConditionExpression="#s = :running",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":done": JobStatus.DONE.value,
                    ":running": JobStatus.RUNNING.value,
                    ":at": at,
                },
            )
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                return False
            raise
        return True

    def failures(self, job_id: str, limit: int = 1000) -> list[Failure]:
        out: list[Failure] = []
        items = self.query_items(
            KeyConditionExpression=Key("PK").eq(job_pk(job_id)) & Key("SK").begins_with("CASE#"),
            FilterExpression=Attr("outcome").eq(Outcome.FAILED.value),
            ConsistentRead=True,
        )
        for item in items:
            out.append(
                Failure(
                    case_id=str(item["SK"]).removeprefix("CASE#"),
                    error=str(item.get("error", "error")),
                    message=str(item.get("message", "")),
                )
            )
            if len(out) >= limit:
                break
        return out


class TimelineItems(dynamo.TableStore):
    """Moves of timeline events and message pointers between cases (merge and split). The items
    are the cases' own (functions/cases/store.py); this writes them for the actions."""

    def events(self, case_id: str) -> list[TimelineEvent]:
        items = self.query_items(
            KeyConditionExpression=Key("PK").eq(case_pk(case_id)) & Key("SK").begins_with("TL#"), ConsistentRead=True
        )
        return [TimelineEvent.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in items]

    def save_both(
        self,
        first: Case,
        first_expected: int,
        first_events: list[TimelineEvent],
        second: Case,
        second_expected: int,
        second_events: list[TimelineEvent],
    ) -> None:
        ops: list[dict[str, Any]] = []
        for case, expected in ((first, first_expected), (second, second_expected)):
            ops.append(
                {
                    "Put": {
                        "TableName": self.table.name,
                        "Item": case_item(case),
                        "ConditionExpression": "#v = :expected",
                        "ExpressionAttributeNames": {"#v": "version"},
                        "ExpressionAttributeValues": {":expected": expected},
                    }
                }
            )
        ops += [{"Put": {"TableName": self.table.name, "Item": event_item(e)}} for e in first_events + second_events]
        try:
            self._client.transact_write_items(TransactItems=ops)
        except Exception as exc:
            reasons = dynamo.cancellation_reasons(exc)
            if "ConditionalCheckFailed" not in reasons:
                raise
            moved = first if reasons[0] == "ConditionalCheckFailed" else second
            expected = first_expected if moved is first else second_expected
            current = None
            try:
                current = self.get_version(moved.case_id)
            except NotFound:
                pass
            raise VersionConflict("case", moved.case_id, expected, current) from exc

    def get_version(self, case_id: str) -> int:
        item = self.table.get_item(Key={"PK": case_pk(case_id), "SK": "#META"}, ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("case", case_id)
        return int(item["version"])

    def copy_events(self, events: list[TimelineEvent]) -> None:
        with self.table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
            for event in events:
                batch.put_item(Item=event_item(event))

    def delete_events(self, case_id: str, event_ids: list[str]) -> None:
        with self.table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
            for event_id in event_ids:
                batch.delete_item(Key={"PK": case_pk(case_id), "SK": f"TL#{event_id}"})

    def repoint(self, keys: list[str], from_case: str, to_case: str) -> list[str]:
        moved: list[str] = []
        for key in dict.fromkeys(keys):
            try:
                self.table.update_item(
                    Key=pointer_key(key),
                    UpdateExpression="SET case_id = :to",
                    ConditionExpression="case_id = :from",
                    ExpressionAttributeValues={":to": to_case, ":from": from_case},
                )
            except Exception as exc:
                if dynamo.is_conditional_failure(exc):
                    continue
                raise
            moved.append(key)
        return moved
