"""The agents' data on the single table: availability and last seen (``AGENT#{id}`` / ``#STATE``),
the assignment rule set (``CONFIG#assignment_rules`` / ``#META``, versioned) and the round-robin
turn of each group (an atomic counter ``COUNTER#rr#{group}``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.agents.models import AgentState, AssignmentRules
from functions.core import dynamo
from functions.core.errors import VersionConflict
from functions.core.timeutil import iso

RULES_KEY = {"PK": "CONFIG#assignment_rules", "SK": "#META"}


def _state_key(agent_id: str) -> dict[str, str]:
    return {"PK": f"AGENT#{agent_id}", "SK": "#STATE"}


class AgentStateStore(dynamo.TableStore):
    def get_many(self, agent_ids: list[str]) -> dict[str, AgentState]:
        if not agent_ids:
            return {}
        items = self.batch_get([_state_key(a) for a in agent_ids])
        states = [AgentState.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in items]
        return {s.agent_id: s for s in states}

    def set_available(self, agent_id: str, available: bool, at: datetime) -> AgentState:
        resp = self.table.update_item(
            Key=_state_key(agent_id),
            UpdateExpression="SET #t = :t, agent_id = :a, available = :v, last_seen_at = :at",
            ExpressionAttributeNames={"#t": "type"},
            ExpressionAttributeValues={":t": "agent_state", ":a": agent_id, ":v": available, ":at": iso(at)},
            ReturnValues="ALL_NEW",
        )
        return AgentState.model_validate(dynamo.strip_keys(dynamo.from_item(resp["Attributes"])))

    def touch(self, agent_id: str, at: datetime) -> None:
        self.table.update_item(
            Key=_state_key(agent_id),
            UpdateExpression="SET #t = :t, agent_id = :a, last_seen_at = :at",
            ExpressionAttributeNames={"#t": "type"},
            ExpressionAttributeValues={":t": "agent_state", ":a": agent_id, ":at": iso(at)},
        )


class RuleSetStore(dynamo.TableStore):
    def get(self) -> AssignmentRules | None:
        item = self.table.get_item(Key=RULES_KEY, ConsistentRead=True).get("Item")
        return AssignmentRules.model_validate(dynamo.strip_keys(dynamo.from_item(item))) if item else None

    def put(self, rules: AssignmentRules, expected_version: int) -> None:
        item = dynamo.to_item({**RULES_KEY, "type": "assignment_rules", **rules.model_dump(mode="json")})
        if expected_version:
            kwargs: dict[str, Any] = {
                "ConditionExpression": "#v = :v",
                "ExpressionAttributeNames": {"#v": "version"},
                "ExpressionAttributeValues": {":v": expected_version},
            }
        else:
            kwargs = {"ConditionExpression": "attribute_not_exists(PK)"}
        try:
            self.table.put_item(Item=item, **kwargs)
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                current = self.get()
                raise VersionConflict(
                    "assignment rules", "assignment-rules", expected_version, current.version if current else 0
                ) from exc
            raise


class GroupTurns(dynamo.TableStore):
    def next_turn(self, group_id: str) -> int:
        return self.next_counter(f"rr#{group_id}", start=0)
