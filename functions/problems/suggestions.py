"""Cases detection suggests linking to a problem (the matches below the auto-link threshold).

Items (single table, see docs/data-model.md):
  PROBLEM#{id} / SUGGEST#{case_id}   a suggested case: similarity, when, the detector's candidate

Written by ``problem_stream`` (functions/problems/stream.py) when a later case matches an open
candidate or confirmed problem. Accepting one is the link API (``POST /problems/{id}/links``):
the link's stream record deletes the suggestion, and the list leaves out cases that are linked
to any problem already (the stream may not have caught up). Dismissing, resolving or closing
the problem deletes its suggestions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from functions.core import dynamo
from functions.core.models import Model


class SuggestedCase(Model):
    problem_id: str
    case_id: str
    similarity: float = Field(description="the case's similarity to the problem's group (0..1)")
    suggested_at: datetime
    candidate_id: str | None = Field(default=None, description="the detector's candidate the case matched")


class SuggestedCases(Model):
    items: list[SuggestedCase] = Field(description="most similar first")


def suggestion_key(problem_id: str, case_id: str) -> dict[str, str]:
    return {"PK": f"PROBLEM#{problem_id}", "SK": f"SUGGEST#{case_id}"}


class SuggestionStore(dynamo.TableStore):
    def put(self, suggestion: SuggestedCase) -> None:
        self.put_many([suggestion])

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

    def _linked(self, case_ids: list[str]) -> set[str]:
        """Cases linked to any problem (their PROBLEMCASE pointer exists)."""
        from functions.problems.store import ProblemStore  # noqa: PLC0415

        return set(ProblemStore(self.table).problems_of_cases(case_ids))

    def list(self, problem_id: str) -> list[SuggestedCase]:
        items = [SuggestedCase.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in self._items(problem_id)]
        linked = self._linked([s.case_id for s in items])
        return sorted((s for s in items if s.case_id not in linked), key=lambda s: (-s.similarity, s.case_id))

    def remove(self, problem_id: str, case_id: str) -> None:
        self.table.delete_item(Key=suggestion_key(problem_id, case_id))

    def clear(self, problem_id: str) -> int:
        items = self._items(problem_id)
        with self.table.batch_writer() as batch:
            for item in items:
                batch.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
        return len(items)
