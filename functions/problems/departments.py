"""Departments that fix root causes: contacts, managers and escalation policy, stored as data.

Items: DEPT#{department_id} / #META   GSI1 DEPARTMENTS/{department_id}

Escalation deadlines: ``due_seconds_for`` is the one place that computes them. A department's own
``escalation_policy`` (hours by priority) wins; a department without one (``null``) gets the
deployment's default policy, ``Settings.escalation_due_seconds`` ("priority=seconds,...").
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator

from functions.cases.models import Priority
from functions.core import dynamo
from functions.core.errors import Duplicate, NotFound, VersionConflict
from functions.core.models import Model
from functions.core.timeutil import utcnow
from functions.core.validators import Code, Email, Name

DEFAULT_POLICY: dict[str, int] = {"urgent": 4, "high": 24, "normal": 72, "low": 168}
Hours = Annotated[int, Field(ge=1, le=24 * 365)]


class EscalationPolicy(Model):
    """How long the department has to answer, by problem priority (hours)."""

    model_config = ConfigDict(extra="forbid")

    due_hours: dict[Priority, Hours] = Field(
        default_factory=lambda: {Priority(k): v for k, v in DEFAULT_POLICY.items()}
    )

    @model_validator(mode="after")
    def _every_priority(self) -> EscalationPolicy:
        missing = [p.value for p in Priority if p not in self.due_hours]
        if missing:
            raise ValueError(f"due_hours needs every priority; missing: {', '.join(missing)}")
        return self

    def hours_for(self, priority: Priority) -> int:
        return self.due_hours[priority]


DEFAULT_PRIORITY = "normal"


def parse_policy(policy: str) -> dict[str, int]:
    """The deployment's default policy: ``"urgent=14400,high=86400"`` -> {"urgent": 14400, "high": 86400}."""
    out: dict[str, int] = {}
    for part in policy.split(","):
        if not part.strip():
            continue
        name, _, value = part.partition("=")
        if not value.strip().isdigit() or int(value) < 1:
            raise ValueError(f"escalation due policy: {part!r} is not priority=seconds")
        out[name.strip().lower()] = int(value)
    return out


def due_seconds(priority: str | None, policy: str) -> int:
    """Seconds by priority under a default policy string (unknown priority: normal, else the longest)."""
    table = parse_policy(policy)
    key = (priority or DEFAULT_PRIORITY).lower()
    if key in table:
        return table[key]
    if DEFAULT_PRIORITY in table:
        return table[DEFAULT_PRIORITY]
    return max(table.values())


def due_seconds_for(department_policy: Any, priority: Any, default_policy: str) -> int:
    """How long a department has to answer an escalation of a problem of ``priority``: its own
    policy (hours by priority) if it sets one, else the deployment's default policy (seconds)."""
    key = getattr(priority, "value", priority)
    if department_policy is not None and key is not None:
        try:
            return int(department_policy.hours_for(Priority(key))) * 3600
        except (KeyError, ValueError):
            pass
    return due_seconds(key, default_policy)


class DepartmentIn(Model):
    model_config = ConfigDict(extra="forbid")

    name: Name
    contact_email: Email = Field(description="where escalation tasks are sent")
    manager_email: Email = Field(description="who is told when the contact does not answer in time")
    description: Annotated[str, Field(max_length=2000)] = ""
    escalation_policy: EscalationPolicy | None = Field(
        default=None, description="answer deadlines by priority; null: the deployment's default policy"
    )
    version: int | None = Field(default=None, ge=1, description="on replace: the version you saw")


class DepartmentCreate(DepartmentIn):
    department_id: Code


class Department(Model):
    department_id: str
    name: str
    contact_email: str
    manager_email: str
    description: str = ""
    escalation_policy: EscalationPolicy | None = Field(
        default=None, description="answer deadlines by priority; null: the deployment's default policy"
    )
    created_at: datetime
    updated_at: datetime
    version: int = 1


class DepartmentList(Model):
    items: list[Department]


DEFAULT_DEPARTMENTS: tuple[dict[str, Any], ...] = (
    {"department_id": "finance", "name": "Finance", "description": "billing, invoices, refunds, payments"},
    {"department_id": "manufacturing", "name": "Manufacturing", "description": "defective units, bad batches"},
    {"department_id": "fulfillment", "name": "Fulfillment", "description": "shipping, delivery, returns logistics"},
    {"department_id": "documentation", "name": "Documentation", "description": "manuals, guides, unclear instructions"},
    {"department_id": "engineering", "name": "Engineering", "description": "software, firmware, apps, outages"},
)


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
        from boto3.dynamodb.conditions import Key  # noqa: PLC0415 - boto3 off the app's import path

        items = self.query_items(IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq("DEPARTMENTS"))
        return [Department.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in items]

    def create(self, data: DepartmentCreate) -> Department:
        now = utcnow()
        dept = Department(**data.model_dump(exclude={"version"}), created_at=now, updated_at=now)
        try:
            self.table.put_item(Item=_item(dept), ConditionExpression="attribute_not_exists(PK)")
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                raise Duplicate(f"department {data.department_id} already exists") from exc
            raise
        return dept

    def replace(self, department_id: str, data: DepartmentIn, if_match: int | None = None) -> Department:
        current = self.get(department_id)
        expected = data.version if data.version is not None else if_match
        if expected is not None and expected != current.version:
            raise VersionConflict("department", department_id, expected, current.version)
        dept = Department(
            department_id=department_id,
            **data.model_dump(exclude={"version"}),
            created_at=current.created_at,
            updated_at=utcnow(),
            version=current.version + 1,
        )
        try:
            self.table.put_item(
                Item=_item(dept),
                ConditionExpression="#v = :v",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":v": current.version},
            )
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                raise VersionConflict("department", department_id, current.version, None) from exc
            raise
        return dept

    def delete(self, department_id: str) -> None:
        try:
            self.table.delete_item(Key=_pk(department_id), ConditionExpression="attribute_exists(PK)")
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                raise NotFound("department", department_id) from exc
            raise


def seed_departments(store: DepartmentStore | None = None, mail_domain: str = "casebridge.local") -> list[str]:
    """Create the default departments that do not exist yet (never overwrites). Returns the created ids."""
    store = store or DepartmentStore()
    created: list[str] = []
    for spec in DEFAULT_DEPARTMENTS:
        dept_id = spec["department_id"]
        data = DepartmentCreate(
            **spec,
            contact_email=f"{dept_id}@{mail_domain}",
            manager_email=f"{dept_id}-manager@{mail_domain}",
        )
        try:
            store.create(data)
        except Duplicate:
            continue
        created.append(dept_id)
    return created
