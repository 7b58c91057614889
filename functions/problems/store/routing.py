"""The routing rule set, stored as data.

Item: ROUTING#rules / #RULES   the whole ordered rule set (one item, replaced as a whole, versioned)
"""

from __future__ import annotations

from typing import Any

from functions.core import dynamo
from functions.core.errors import VersionConflict
from functions.problems.models import RoutingRules

_KEY = {"PK": "ROUTING#rules", "SK": "#RULES"}


class RoutingStore(dynamo.TableStore):
    def get(self) -> RoutingRules | None:
        """The stored rule set (None: none stored yet)."""
        item = self.table.get_item(Key=_KEY, ConsistentRead=True).get("Item")
        if not item:
            return None
        return RoutingRules.model_validate(dynamo.strip_keys(dynamo.from_item(item)))

    def put(self, rules: RoutingRules, expected_version: int) -> None:
        """Store ``rules`` if the stored set is at ``expected_version`` (0: none stored yet)."""
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(PK)"}
            if expected_version == 0
            else {
                "ConditionExpression": "#v = :v",
                "ExpressionAttributeNames": {"#v": "version"},
                "ExpressionAttributeValues": {":v": expected_version},
            }
        )
        try:
            self.table.put_item(
                Item=dynamo.to_item({**_KEY, "type": "routing_rules", **rules.model_dump(mode="json")}), **condition
            )
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                stored = self.get()
                current = 0 if stored is None else stored.version
                raise VersionConflict("routing rules", "rules", expected_version, current) from exc
            raise
