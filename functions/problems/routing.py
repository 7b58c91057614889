"""Routing rules as data: which department fixes a problem, by category, product and keywords.

Item: ROUTING#rules / #RULES   the whole ordered rule set (one item, replaced as a whole, versioned)

A rule matches when every criterion it sets matches (a criterion lists alternatives):
``categories`` / ``products`` against the problem's own and its linked cases' values, and
``keywords`` as whole words (case-insensitive) in the problem's title and description.
Rules are tried by ascending ``order``; the first match wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator

from functions.cases.models import Case
from functions.core import dynamo
from functions.core.errors import VersionConflict
from functions.core.models import Model
from functions.core.timeutil import utcnow
from functions.core.validators import Code
from functions.problems.models import DepartmentSuggestion, Problem

Keyword = Annotated[str, Field(min_length=1, max_length=100)]


class RoutingRule(Model):
    model_config = ConfigDict(extra="forbid")

    rule_id: Code
    order: Annotated[int, Field(ge=0, le=1_000_000)] = 100
    department_id: Code
    categories: list[Code] = Field(default_factory=list, max_length=100)
    products: list[Code] = Field(default_factory=list, max_length=100)
    keywords: list[Keyword] = Field(default_factory=list, max_length=100)
    description: Annotated[str, Field(max_length=500)] = ""

    @model_validator(mode="after")
    def _has_criteria(self) -> RoutingRule:
        if not (self.categories or self.products or self.keywords):
            raise ValueError("a rule needs at least one of categories, products or keywords")
        return self


class RoutingRulesIn(Model):
    model_config = ConfigDict(extra="forbid")

    rules: Annotated[list[RoutingRule], Field(max_length=500)]
    version: int | None = Field(default=None, ge=1, description="the version you saw (GET /routing-rules)")

    @model_validator(mode="after")
    def _unique_ids(self) -> RoutingRulesIn:
        ids = [r.rule_id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(dupes)}")
        return self


class RoutingRules(Model):
    rules: list[RoutingRule] = Field(default_factory=list)
    version: int = 0
    updated_at: datetime | None = None


# department -> (categories, keywords). Each gives two default rules: by category (orders 10..50),
# then by keyword (orders 110..150), since a rule needs every criterion it sets.
_DEFAULTS: tuple[tuple[str, str, list[str], list[str]], ...] = (
    ("billing", "finance", ["billing", "invoice", "refund", "payment"], ["invoice", "charged", "refund", "billing"]),
    ("shipping", "fulfillment", ["shipping", "delivery", "order"], ["delivery", "shipment", "parcel", "tracking"]),
    ("hardware", "manufacturing", ["hardware", "defect"], ["broken", "defective", "batch", "cracked", "overheating"]),
    ("manual", "documentation", ["documentation", "how-to"], ["manual", "instructions", "documentation", "guide"]),
    ("software", "engineering", ["software", "technical", "app", "login"], ["app", "firmware", "crash", "login"]),
)
DEFAULT_RULES: tuple[dict[str, Any], ...] = tuple(
    rule
    for i, (name, dept, categories, keywords) in enumerate(_DEFAULTS)
    for rule in (
        {"rule_id": name, "order": 10 * (i + 1), "department_id": dept, "categories": categories},
        {"rule_id": f"{name}-words", "order": 100 + 10 * (i + 1), "department_id": dept, "keywords": keywords},
    )
)


def default_rules() -> list[RoutingRule]:
    return [RoutingRule.model_validate(r) for r in DEFAULT_RULES]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", text.lower()))


def rule_matches(rule: RoutingRule, categories: set[str], products: set[str], text: str) -> str | None:
    """Why the rule matches (a short reason), or None."""
    reasons: list[str] = []
    if rule.categories:
        hit = sorted(categories & {c.lower() for c in rule.categories})
        if not hit:
            return None
        reasons.append(f"category {hit[0]}")
    if rule.products:
        hit = sorted(products & {p.lower() for p in rule.products})
        if not hit:
            return None
        reasons.append(f"product {hit[0]}")
    if rule.keywords:
        words = _words(text)
        hit = [k for k in rule.keywords if _words(k) and _words(k) <= words]
        if not hit:
            return None
        reasons.append(f"keyword {hit[0]!r}")
    return ", ".join(reasons)


def suggest_department(
    problem: Problem, rules: Iterable[RoutingRule], cases: Iterable[Case] = ()
) -> DepartmentSuggestion | None:
    """The department of the first rule (by order) that matches the problem, with the rule and why."""
    categories: set[str] = set()
    products: set[str] = set()
    for value in (problem.category, *(c.category for c in cases)):
        if value:
            categories.add(value.lower())
    for value in (problem.product, *(c.product for c in cases)):
        if value:
            products.add(value.lower())
    text = f"{problem.title}\n{problem.description}"
    for rule in sorted(rules, key=lambda r: (r.order, r.rule_id)):
        reason = rule_matches(rule, categories, products, text)
        if reason is not None:
            return DepartmentSuggestion(department_id=rule.department_id, rule_id=rule.rule_id, reason=reason)
    return None


_KEY = {"PK": "ROUTING#rules", "SK": "#RULES"}


class RoutingStore(dynamo.TableStore):
    def get(self) -> RoutingRules:
        """The stored rule set; the defaults (version 0) until a deployment replaces them."""
        item = self.table.get_item(Key=_KEY, ConsistentRead=True).get("Item")
        if not item:
            return RoutingRules(rules=default_rules(), version=0)
        return RoutingRules.model_validate(dynamo.strip_keys(dynamo.from_item(item)))

    def replace(self, data: RoutingRulesIn, if_match: int | None = None) -> RoutingRules:
        current = self.get()
        expected = data.version if data.version is not None else if_match
        if expected is not None and expected != current.version:
            raise VersionConflict("routing rules", "rules", expected, current.version)
        new = RoutingRules(
            rules=sorted(data.rules, key=lambda r: (r.order, r.rule_id)),
            version=current.version + 1,
            updated_at=utcnow(),
        )
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(PK)"}
            if current.version == 0
            else {
                "ConditionExpression": "#v = :v",
                "ExpressionAttributeNames": {"#v": "version"},
                "ExpressionAttributeValues": {":v": current.version},
            }
        )
        try:
            self.table.put_item(
                Item=dynamo.to_item({**_KEY, "type": "routing_rules", **new.model_dump(mode="json")}), **condition
            )
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                raise VersionConflict("routing rules", "rules", current.version, None) from exc
            raise
        return new
