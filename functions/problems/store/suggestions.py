"""Cases detection suggests linking to a problem (the matches below the auto-link threshold).

Items (single table, see docs/data-model.md):
  PROBLEM#{id} / SUGGEST#{case_id}   a suggested case: similarity, when, the detector's candidate

Written by the problem stream (``functions.problems.service.stream``) when a later case matches an
open candidate or confirmed problem, deleted when the case's link record arrives on the stream and
when the problem is dismissed, resolved or closed.
"""

from __future__ import annotations

from typing import Any

from functions.core import dynamo
from functions.problems.models import SuggestedCase


def suggestion_key(problem_id: str, case_id: str) -> dict[str, str]:
    return {"PK": f"PROBLEM#{problem_id}", "SK": f"SUGGEST#{case_id}"}


class SuggestionStore(dynamo.TableStore):
    def put_many(self, suggestions: list[SuggestedCase]) -> None:
        """Write suggestions in batches of 25 (one stream batch's suggestions at once)."""
        with self.table.batch_writer(overwrite_by_pkeys=["PK", "SK"]) as batch:
            for suggestion in suggestions:
                batch.put_item(Item=self._item(suggestion))

    @staticmethod
    def _item(suggestion: SuggestedCase) -> dict[str, Any]:
        return dynamo.to_item(
            {
                **suggestion_key(suggestion.problem_id, suggestion.case_id),
                "type": "problem_suggestion",
                **suggestion.model_dump(mode="json"),
            }
        )

    def _items(self, problem_id: str) -> list[dict[str, Any]]:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415

        return list(
            self.query_items(
                KeyConditionExpression=Key("PK").eq(f"PROBLEM#{problem_id}") & Key("SK").begins_with("SUGGEST#"),
                ConsistentRead=True,
            )
        )

    def list(self, problem_id: str) -> list[SuggestedCase]:
        """The problem's suggestions, by case id."""
        return [SuggestedCase.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in self._items(problem_id)]

    def remove(self, problem_id: str, case_id: str) -> None:
        self.table.delete_item(Key=suggestion_key(problem_id, case_id))

    def clear(self, problem_id: str) -> int:
        items = self._items(problem_id)
        with self.table.batch_writer() as batch:
            for item in items:
                batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
        return len(items)
