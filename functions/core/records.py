"""Versioned configuration records on the single table: one store for every small, agent-edited
collection (SLA calendars and policies, agent groups, saved views, canned replies, ...).

Items: ``PK = {KIND}#{id}``, ``SK = #META``, ``type = {kind}``; listed through GSI1
(``GSI1PK = {KIND}S``, ``GSI1SK = {id}``). Every write is conditional: a create fails if the id
exists (409 ``duplicate``), a replace or delete with the version the caller saw fails if the
record changed meanwhile (409 ``version_conflict``).
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel

from functions.core import dynamo
from functions.core.errors import Duplicate, NotFound, VersionConflict


class Records[M: BaseModel](Protocol):
    """Port: a versioned collection of records of one kind (``VersionedRecords``; an in-memory fake
    in tests/fakes/records.py)."""

    def get(self, ident: str) -> M: ...
    def list(self) -> list[M]: ...
    def create(self, record: M) -> M: ...
    def replace(self, record: M, expected: int | None) -> M: ...
    def delete(self, ident: str, expected: int | None = None) -> None: ...


class VersionedRecords[M: BaseModel](dynamo.TableStore):
    """``model`` has an id field ``id_field`` and an integer ``version``."""

    def __init__(self, kind: str, model: type[M], id_field: str, table: Any | None = None) -> None:
        super().__init__(table)
        self.kind, self.model, self.id_field = kind, model, id_field
        self.prefix = kind.upper()

    def _key(self, ident: str) -> dict[str, str]:
        return {"PK": f"{self.prefix}#{ident}", "SK": "#META"}

    def _item(self, record: M) -> dict[str, Any]:
        ident = str(getattr(record, self.id_field))
        return dynamo.to_item(
            {
                **self._key(ident),
                "type": self.kind,
                "GSI1PK": f"{self.prefix}S",
                "GSI1SK": ident,
                **record.model_dump(mode="json"),
            }
        )

    def _record(self, item: dict[str, Any]) -> M:
        return self.model.model_validate(dynamo.strip_keys(dynamo.from_item(item)))

    def get(self, ident: str) -> M:
        item = self.table.get_item(Key=self._key(ident), ConsistentRead=True).get("Item")
        if not item:
            raise NotFound(self.kind.replace("_", " "), ident)
        return self._record(item)

    def list(self) -> list[M]:
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415 - boto3 off the app's import path

        items = self.query_items(IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(f"{self.prefix}S"))
        return [self._record(i) for i in items]

    def create(self, record: M) -> M:
        try:
            self.table.put_item(Item=self._item(record), ConditionExpression="attribute_not_exists(PK)")
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                ident = getattr(record, self.id_field)
                raise Duplicate(f"{self.kind.replace('_', ' ')} {ident} already exists") from exc
            raise
        return record

    def replace(self, record: M, expected: int | None) -> M:
        """Write ``record`` (its version already the next one) over the version ``expected``
        (None: over whatever is there, but it must exist)."""
        ident = str(getattr(record, self.id_field))
        condition = "attribute_exists(PK)"
        values: dict[str, Any] = {}
        if expected is not None:
            condition += " AND #v = :v"
            values[":v"] = expected
        try:
            self.table.put_item(
                Item=self._item(record),
                ConditionExpression=condition,
                **(
                    {"ExpressionAttributeNames": {"#v": "version"}, "ExpressionAttributeValues": values}
                    if values
                    else {}
                ),
            )
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                current = self.get(ident)  # 404 when it was deleted meanwhile
                raise VersionConflict(self.kind.replace("_", " "), ident, expected or 0, current.version) from exc  # type: ignore[attr-defined]
            raise
        return record

    def delete(self, ident: str, expected: int | None = None) -> None:
        condition = "attribute_exists(PK)"
        kwargs: dict[str, Any] = {}
        if expected is not None:
            condition += " AND #v = :v"
            kwargs = {"ExpressionAttributeNames": {"#v": "version"}, "ExpressionAttributeValues": {":v": expected}}
        try:
            self.table.delete_item(Key=self._key(ident), ConditionExpression=condition, **kwargs)
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                current = self.get(ident)
                raise VersionConflict(self.kind.replace("_", " "), ident, expected or 0, current.version) from exc  # type: ignore[attr-defined]
            raise
