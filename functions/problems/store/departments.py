"""Departments that fix root causes, stored as data.

Items: DEPT#{department_id} / #META   GSI1 DEPARTMENTS/{department_id}
"""

from __future__ import annotations

from typing import Any

from functions.core import dynamo
from functions.core.errors import Duplicate, NotFound, VersionConflict
from functions.problems.models import Department


def _pk(department_id: str) -> dict[str, str]:
    return {"PK": f"DEPT#{department_id}", "SK": "#META"}


def _item(dept: Department) -> dict[str, Any]:
    return dynamo.to_item(
        {
            **_pk(dept.department_id),
            "type": "department",
            "GSI1PK": "DEPARTMENTS",
            "GSI1SK": dept.department_id,
            **dept.model_dump(mode="json"),
        }
    )


class DepartmentStore(dynamo.TableStore):
    def get(self, department_id: str) -> Department:
        item = self.table.get_item(Key=_pk(department_id), ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("department", department_id)
        return Department.model_validate(dynamo.strip_keys(dynamo.from_item(item)))

    def list(self) -> list[Department]:
        """Every department, by id."""
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415 - boto3 off the app's import path

        items = self.query_items(IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq("DEPARTMENTS"))
        return [Department.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in items]

    def create(self, department: Department) -> None:
        try:
            self.table.put_item(Item=_item(department), ConditionExpression="attribute_not_exists(PK)")
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                raise Duplicate(f"department {department.department_id} already exists") from exc
            raise

    def replace(self, department: Department, expected_version: int) -> None:
        try:
            self.table.put_item(
                Item=_item(department),
                ConditionExpression="#v = :v",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":v": expected_version},
            )
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                current = self._version(department.department_id)
                raise VersionConflict("department", department.department_id, expected_version, current) from exc
            raise

    def _version(self, department_id: str) -> int | None:
        try:
            return self.get(department_id).version
        except NotFound:
            return None

    def delete(self, department_id: str) -> None:
        try:
            self.table.delete_item(Key=_pk(department_id), ConditionExpression="attribute_exists(PK)")
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                raise NotFound("department", department_id) from exc
            raise
