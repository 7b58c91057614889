"""DynamoDB access for problems, their case links and timelines (single table).

Items (see docs/data-model.md):
  PROBLEM#{id} / #META           the problem   GSI1 PROBLEMS/{updated}#{id}
                                               GSI2 PROBLEM_STATUS#{status}/{updated}#{id}
  PROBLEM#{id} / TL#{at}#{seq}   a timeline event (every change, who and when)
  PROBLEM#{id} / LINK#{case_id}  a linked case with its link type
  PROBLEMCASE#{case_id} / #PTR   case -> problem pointer, written with attribute_not_exists in the
                                 same transaction as the link: a case is linked to at most one problem
  CANDIDATE#{key} / #KEY        detection's key for a candidate -> its problem id, written in the
                                 problem's creating transaction: a candidate opens once per key
  COUNTER#problem / #COUNTER     the problem-number sequence
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from functions.cases.models import Case
from functions.core import dynamo
from functions.core.errors import Conflict, Duplicate, NotFound, VersionConflict
from functions.problems.models import Problem, ProblemEvent, ProblemLink, ProblemPage, ProblemQuery


def problem_pk(problem_id: str) -> str:
    return f"PROBLEM#{problem_id}"


def case_pointer_key(case_id: str) -> dict[str, str]:
    return {"PK": f"PROBLEMCASE#{case_id}", "SK": "#PTR"}


def problem_item(problem: Problem) -> dict[str, Any]:
    data = problem.model_dump(mode="json")
    updated = data["updated_at"]
    return dynamo.to_item(
        {
            "PK": problem_pk(problem.problem_id),
            "SK": "#META",
            "type": "problem",
            "GSI1PK": "PROBLEMS",
            "GSI1SK": f"{updated}#{problem.problem_id}",
            "GSI2PK": f"PROBLEM_STATUS#{problem.status.value}",
            "GSI2SK": f"{updated}#{problem.problem_id}",
            **data,
        }
    )


def event_item(event: ProblemEvent) -> dict[str, Any]:
    return dynamo.to_item(
        {
            "PK": problem_pk(event.problem_id),
            "SK": f"TL#{event.event_id}",
            "type": "problem_event",
            **event.model_dump(mode="json"),
        }
    )


def link_item(link: ProblemLink) -> dict[str, Any]:
    return dynamo.to_item(
        {
            "PK": problem_pk(link.problem_id),
            "SK": f"LINK#{link.case_id}",
            "type": "problem_link",
            **link.model_dump(mode="json"),
        }
    )


class ProblemStore(dynamo.TableStore):
    def next_number(self) -> int:
        return self.next_counter("problem", start=100000)

    # -- reads -------------------------------------------------------------
    def get(self, problem_id: str) -> Problem:
        item = self.table.get_item(Key={"PK": problem_pk(problem_id), "SK": "#META"}, ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("problem", problem_id)
        return Problem.model_validate(dynamo.strip_keys(dynamo.from_item(item)))

    def problem_for_key(self, key: str) -> str | None:
        """The problem detection opened under this candidate key, if any."""
        item = self.table.get_item(Key={"PK": f"CANDIDATE#{key}", "SK": "#KEY"}, ConsistentRead=True).get("Item")
        return None if item is None else str(item["problem_id"])

    def links(self, problem_id: str) -> list[ProblemLink]:
        items = self.query_items(
            KeyConditionExpression=Key("PK").eq(problem_pk(problem_id)) & Key("SK").begins_with("LINK#"),
            ConsistentRead=True,
        )
        return [ProblemLink.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in items]

    def timeline(
        self, problem_id: str, limit: int = 200, cursor: str | None = None
    ) -> tuple[list[ProblemEvent], str | None]:
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": Key("PK").eq(problem_pk(problem_id)) & Key("SK").begins_with("TL#"),
            "Limit": limit,
            "ConsistentRead": True,
        }
        start = dynamo.decode_cursor(cursor)
        if start:
            kwargs["ExclusiveStartKey"] = start
        resp = self.table.query(**kwargs)
        events = [ProblemEvent.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in resp["Items"]]
        return events, dynamo.encode_cursor(resp.get("LastEvaluatedKey"))

    def problem_of_case(self, case_id: str) -> str | None:
        item = self.table.get_item(Key=case_pointer_key(case_id), ConsistentRead=True).get("Item")
        return str(item["problem_id"]) if item else None

    def problems_of_cases(self, case_ids: list[str]) -> dict[str, str]:
        """case id -> its problem, for those of ``case_ids`` linked to one (batch reads of the pointers)."""
        items = self.batch_get([case_pointer_key(cid) for cid in case_ids], consistent=True)
        return {str(i["PK"]).removeprefix("PROBLEMCASE#"): str(i["problem_id"]) for i in items}

    def cases(self, case_ids: list[str]) -> list[Case]:
        """Linked cases' records (BatchGetItem on CASE#id/#META, 100 at a time)."""
        keys = [{"PK": f"CASE#{cid}", "SK": "#META"} for cid in case_ids]
        return [
            Case.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in self.batch_get(keys, consistent=True)
        ]

    def query(self, q: ProblemQuery) -> ProblemPage:
        if q.status:
            index, pk = "GSI2", f"PROBLEM_STATUS#{q.status.value}"
        else:
            index, pk = "GSI1", "PROBLEMS"
        kwargs: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": Key(f"{index}PK").eq(pk),
            "ScanIndexForward": False,
        }
        if q.department_id:
            kwargs["FilterExpression"] = Attr("department_id").eq(q.department_id)
        last = dynamo.decode_cursor(q.cursor)
        items: list[dict[str, Any]] = []
        for _ in range(10):
            if last:
                kwargs["ExclusiveStartKey"] = last
            kwargs["Limit"] = max(q.limit * 2, 50) if q.department_id else q.limit - len(items)
            resp = self.table.query(**kwargs)
            items += resp["Items"][: q.limit - len(items)]
            last = resp.get("LastEvaluatedKey")
            if len(items) >= q.limit or not last:
                break
        if len(items) >= q.limit and items:
            tail = items[-1]
            last = {k: tail[k] for k in ("PK", "SK", f"{index}PK", f"{index}SK")}
        problems = [Problem.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in items]
        return ProblemPage(items=problems, next_cursor=dynamo.encode_cursor(last))

    # -- writes ------------------------------------------------------------
    def _put(self, item: dict[str, Any], **condition: Any) -> dict[str, Any]:
        return {"Put": {"TableName": self.table.name, "Item": item, **condition}}

    def _ops_for_links(
        self, problem_id: str, add: list[ProblemLink], remove: list[str], move_from: str | None = None
    ) -> list[dict[str, Any]]:
        ops: list[dict[str, Any]] = []
        for link in add:
            ops.append(self._put(link_item(link)))
            pointer = {**case_pointer_key(link.case_id), "type": "problem_pointer", "problem_id": problem_id}
            if move_from is None:
                ops.append(self._put(pointer, ConditionExpression="attribute_not_exists(PK)"))
            else:
                ops.append(
                    self._put(
                        pointer,
                        ConditionExpression="problem_id = :from",
                        ExpressionAttributeValues={":from": move_from},
                    )
                )
        for case_id in remove:
            ops.append(
                {
                    "Delete": {
                        "TableName": self.table.name,
                        "Key": {"PK": problem_pk(problem_id), "SK": f"LINK#{case_id}"},
                    }
                }
            )
            if move_from is None:
                ops.append(
                    {
                        "Delete": {
                            "TableName": self.table.name,
                            "Key": case_pointer_key(case_id),
                            "ConditionExpression": "problem_id = :p",
                            "ExpressionAttributeValues": {":p": problem_id},
                        }
                    }
                )
        return ops

    def create(
        self, problem: Problem, events: list[ProblemEvent], links: list[ProblemLink], key: str | None = None
    ) -> None:
        """Write a new problem, its first events and links. Conflict if a case is linked elsewhere,
        or if ``key`` (detection's candidate key) already names a problem."""
        ops = [self._put(problem_item(problem), ConditionExpression="attribute_not_exists(PK)")]
        ops += [self._put(event_item(e)) for e in events]
        if key is not None:
            marker = {"PK": f"CANDIDATE#{key}", "SK": "#KEY", "type": "candidate_key", "problem_id": problem.problem_id}
            ops.append(self._put(dynamo.to_item(marker), ConditionExpression="attribute_not_exists(PK)"))
        ops += self._ops_for_links(problem.problem_id, links, [])
        self._transact(ops, problem.problem_id, None, [link.case_id for link in links])

    def save(
        self,
        problem: Problem,
        expected_version: int,
        events: list[ProblemEvent],
        add_links: list[ProblemLink] | None = None,
        remove_links: list[str] | None = None,
    ) -> None:
        """Replace the problem if it is still at ``expected_version`` (``problem.version`` is the new one),
        with its events and link changes, in one transaction."""
        ops = [
            self._put(
                problem_item(problem),
                ConditionExpression="#v = :expected",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":expected": expected_version},
            )
        ]
        ops += [self._put(event_item(e)) for e in events]
        ops += self._ops_for_links(problem.problem_id, add_links or [], remove_links or [])
        self._transact(ops, problem.problem_id, expected_version, [link.case_id for link in add_links or []])

    def move_links(self, source_id: str, target_id: str, links: list[ProblemLink]) -> None:
        """Move links (at most 30) from one problem to another, pointers included, atomically."""
        ops = self._ops_for_links(source_id, [], [link.case_id for link in links], move_from=source_id)
        moved = [link.model_copy(update={"problem_id": target_id}) for link in links]
        ops += self._ops_for_links(target_id, moved, [], move_from=source_id)
        try:
            self._client.transact_write_items(TransactItems=ops)
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):
                raise
            raise Conflict(f"cases of problem {source_id} changed while merging; try again") from exc

    def _transact(
        self, ops: list[dict[str, Any]], problem_id: str, expected: int | None, linked_case_ids: list[str]
    ) -> None:
        try:
            self._client.transact_write_items(TransactItems=ops)
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):
                raise
            reasons = dynamo.cancellation_reasons(exc)
            if reasons and reasons[0] == "ConditionalCheckFailed":
                if expected is None:
                    raise Duplicate(f"problem {problem_id} already exists") from exc
                current = None
                try:
                    current = self.get(problem_id).version
                except NotFound:
                    pass
                raise VersionConflict("problem", problem_id, expected, current) from exc
            taken = self.problems_of_cases(linked_case_ids)
            taken_elsewhere = {cid: pid for cid, pid in taken.items() if pid != problem_id}
            if taken_elsewhere:
                detail = ", ".join(f"{cid} (problem {pid})" for cid, pid in taken_elsewhere.items())
                raise Conflict(f"cases already linked to another problem: {detail}") from exc
            raise Conflict(f"problem {problem_id} changed meanwhile; try again") from exc
