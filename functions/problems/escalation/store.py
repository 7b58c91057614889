"""The escalation's table items: waiting tasks and escalations (the state machine writes their
status; ``set_current_task`` and ``mark_resolved`` the rest). See the package docstring."""

from __future__ import annotations

from typing import Any

from functions.core import dynamo, errors
from functions.problems.escalation.models import AlreadyUsed, EscalationView, Task


def escalation_key(problem_id: str, escalation_id: str) -> dict[str, str]:
    return {"PK": f"PROBLEM#{problem_id}", "SK": f"ESCALATION#{escalation_id}"}


def task_key(task_id: str) -> dict[str, str]:
    return {"PK": f"ESCTASK#{task_id}", "SK": "TASK"}


class EscalationStore(dynamo.TableStore):
    def put_task(self, task: Task, *, expires_at: int) -> Task:
        """Store the task once; a redelivered job (same task id) gets the task stored first."""
        item = dynamo.to_item({**task.model_dump(mode="json"), **task_key(task.task_id), "expires_at": expires_at})
        try:
            self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(PK)")
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            return self.task(task.task_id)
        return task

    def claim_mail(self, task_id: str, now: str) -> bool:
        """Take the right to send the task's mail, once (conditional write before sending).
        False: it was sent (or is being sent) already."""
        try:
            self.table.update_item(
                Key=task_key(task_id),
                UpdateExpression="SET mailed_at = :now",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(mailed_at)",
                ExpressionAttributeValues={":now": now},
            )
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release_mail(self, task_id: str) -> None:
        """The mail could not be sent: let a retry of the job send it."""
        self.table.update_item(Key=task_key(task_id), UpdateExpression="REMOVE mailed_at")

    def task(self, task_id: str) -> Task:
        item = self.table.get_item(Key=task_key(task_id)).get("Item")
        if not item:
            raise errors.NotFound("escalation task", task_id)
        return Task.model_validate(dynamo.from_item(item))

    def claim(self, task_id: str, nonce: str, action: str, now: str) -> None:
        """Mark the task answered with this nonce, once: a second claim (replay) is AlreadyUsed."""
        try:
            self.table.update_item(
                Key=task_key(task_id),
                UpdateExpression="SET used_nonce = :n, used_action = :a, used_at = :now",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(used_nonce)",
                ExpressionAttributeValues={":n": nonce, ":a": action, ":now": now},
            )
        except self.table.meta.client.exceptions.ConditionalCheckFailedException as exc:
            raise AlreadyUsed("this link was already used; the request has been answered") from exc

    def release(self, task_id: str, nonce: str) -> None:
        """Undo a claim whose answer could not be delivered (AWS error), so the link can be retried."""
        try:
            self.table.update_item(
                Key=task_key(task_id),
                UpdateExpression="REMOVE used_nonce, used_action, used_at",
                ConditionExpression="used_nonce = :n",
                ExpressionAttributeValues={":n": nonce},
            )
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            pass

    def set_current_task(self, problem_id: str, escalation_id: str, task: Task, department: str, now: str) -> None:
        self.table.update_item(
            Key=escalation_key(problem_id, escalation_id),
            UpdateExpression=(
                "SET current_task_id = :t, current_task_kind = :k, #level = :l, problem_id = :p, "
                "escalation_id = :e, department = :d, task_updated_at = :now"
            ),
            ExpressionAttributeNames={"#level": "level"},
            ExpressionAttributeValues={
                ":t": task.task_id,
                ":k": task.kind.value,
                ":l": task.level.value if task.level else None,
                ":p": problem_id,
                ":e": escalation_id,
                ":d": department,
                ":now": now,
            },
        )

    def mark_resolved(self, problem_id: str, escalation_id: str, now: str) -> None:
        self.table.update_item(
            Key=escalation_key(problem_id, escalation_id),
            UpdateExpression="SET resolved = :y, resolved_at = :now",
            ExpressionAttributeValues={":y": True, ":now": now},
        )

    def mark_cancelled(self, problem_id: str, escalation_id: str, reason: str, now: str) -> None:
        """The execution was stopped because the problem moved on (resolved, reassigned, ...)."""
        self.table.update_item(
            Key=escalation_key(problem_id, escalation_id),
            UpdateExpression="SET #status = :s, #reason = :r, #updated = :now, cancelled_at = :now "
            "REMOVE current_task_id, current_task_kind",
            ExpressionAttributeNames={"#status": "status", "#reason": "reason", "#updated": "updated_at"},
            ExpressionAttributeValues={":s": "cancelled", ":r": reason, ":now": now},
        )

    def escalation(self, problem_id: str, escalation_id: str) -> EscalationView:
        item = self.table.get_item(Key=escalation_key(problem_id, escalation_id)).get("Item")
        if not item:
            raise errors.NotFound("escalation", escalation_id)
        return _view(item)

    def escalations(self, problem_id: str) -> list[EscalationView]:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        items = self.query_items(
            KeyConditionExpression=Key("PK").eq(f"PROBLEM#{problem_id}") & Key("SK").begins_with("ESCALATION#")
        )
        return [_view(item) for item in items]


def _view(item: dict[str, Any]) -> EscalationView:
    data = dynamo.from_item(item)
    data.setdefault("problem_id", str(item["PK"]).removeprefix("PROBLEM#"))
    data.setdefault("escalation_id", str(item["SK"]).removeprefix("ESCALATION#"))
    return EscalationView.model_validate({k: v for k, v in data.items() if k in EscalationView.model_fields})
