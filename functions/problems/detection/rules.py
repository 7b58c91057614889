"""Detection's rules without I/O: a case as the detector reads it (with its customer's segments),
a candidate's readable title, and the segment base counted from customer rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from functions.cases.models import Case
from functions.customers.models import Customer
from functions.problems.detection.detector import SegmentBase
from functions.problems.detection.models import CaseSignal, DetectionConfig

MAX_TITLE = 200
CUSTOMER_ATTRIBUTES = ("region", "tier")
ASSET_ATTRIBUTES = ("product", "model", "batch")


def customer_segments(case: Case, customer: Customer | None) -> dict[str, str]:
    """The customer's attributes a case is observed with: region and tier, and product / model /
    batch that the case does not name when the customer's install base has one value for it."""
    segments: dict[str, str] = {}
    if customer is None:
        return segments
    if customer.region:
        segments["region"] = customer.region
    segments["tier"] = customer.tier.value
    for attribute in ASSET_ATTRIBUTES:
        if getattr(case, attribute):
            continue
        values = {getattr(a, attribute) for a in customer.install_base} - {None}
        if len(values) == 1:
            segments[attribute] = str(values.pop())
    return segments


def signal_from_case(case: Any, segments: dict[str, str] | None = None) -> CaseSignal:
    """A case as the detector reads it; ``segments`` adds the customer's attributes (region, tier...)."""
    values = {
        "product": case.product,
        "model": case.model,
        "batch": case.batch,
        "channel": getattr(case.channel, "value", case.channel),
        **(segments or {}),
    }
    return CaseSignal(
        case_id=case.case_id,
        text=f"{case.subject}\n{case.description}",
        at=case.created_at,
        customer_id=case.customer_id,
        category=case.category,
        **{k: v for k, v in values.items() if v is not None},
    )


def candidate_title(cases: Iterable[Any], fallback: str) -> str:
    """The subject of the earliest of ``cases`` that has one (no prefix: it becomes notices'
    default subject, "Known issue: <title>"), else ``fallback``; shortened to ``MAX_TITLE``."""
    found = []
    for case in cases:
        subject = " ".join(str(getattr(case, "subject", "") or "").split())
        if subject:
            found.append((case.created_at, case.case_id, subject))
    if not found:
        return fallback
    title: str = min(found)[2]
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1].rstrip() + "…"


def segment_base_from_customers(customers: Iterable[dict[str, Any]]) -> SegmentBase:
    """Counts from customers given as ``{"region", "tier", "install_base": [{product, model, batch}]}``:
    each customer once per value of an attribute."""
    base = SegmentBase()
    for customer in customers:
        values: dict[str, set[str]] = {}
        for attribute in CUSTOMER_ATTRIBUTES:
            if customer.get(attribute):
                values.setdefault(attribute, set()).add(str(customer[attribute]))
        for asset in customer.get("install_base") or ():
            for attribute in ASSET_ATTRIBUTES:
                value = asset.get(attribute)
                if value and value != "-":
                    values.setdefault(attribute, set()).add(str(value))
        base.add(values)
    return base


def accepted_intent(found: tuple[str, float, float] | None, config: DetectionConfig) -> str | None:
    """Triage's category as a case's intent: where triage is sure enough of it
    (``intent_confidence``) and the category is one kind of request (``intent_cohesion``: how
    alike its training texts are; a broad category would hide a burst in its ordinary traffic)."""
    if found is None or not config.intent_groups:
        return None
    label, probability, cohesion = found
    return label if probability >= config.intent_confidence and cohesion >= config.intent_cohesion else None
