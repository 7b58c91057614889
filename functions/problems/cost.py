"""Impact and cost of a problem, computed from its linked cases. Pure functions, no I/O.

Cost: every interaction on a linked case (``Case.interaction_count``: messages in and out)
is priced at the configured cost of the case's channel (settings ``problem_cost_per_channel``).
Interactions on channels without a price are counted as unpriced, never guessed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from functions.cases.models import Case, CaseStatus
from functions.customers.models import Customer
from functions.problems.models import ChannelCost, Cost, Impact

SEGMENT_ATTRIBUTES = ("product", "model", "batch", "region", "tier", "channel")


def compute_cost(cases: Iterable[Case], prices: Mapping[str, float]) -> Cost:
    by_channel: dict[str, ChannelCost] = {}
    total = 0.0
    interactions = 0
    unpriced = 0
    for case in cases:
        channel = case.channel.value
        line = by_channel.setdefault(channel, ChannelCost(unit_cost=prices.get(channel)))
        line.cases += 1
        line.interactions += case.interaction_count
        interactions += case.interaction_count
        if line.unit_cost is None:
            unpriced += case.interaction_count
        else:
            line.cost = round(line.cost + case.interaction_count * line.unit_cost, 2)
    total = round(sum(line.cost for line in by_channel.values()), 2)
    return Cost(total=total, interactions=interactions, by_channel=by_channel, unpriced_interactions=unpriced)


def case_segments(case: Case, customer: Customer | None) -> dict[str, set[str]]:
    """The segment values one case belongs to (a case counts once per value)."""
    values: dict[str, set[str]] = defaultdict(set)
    values["channel"].add(case.channel.value)
    own = {"product": case.product, "model": case.model, "batch": case.batch}
    if customer is not None:
        if customer.region:
            values["region"].add(customer.region)
        values["tier"].add(customer.tier.value)
    if any(own.values()) or customer is None:
        for attr, value in own.items():
            if value:
                values[attr].add(value)
    else:
        # The case names no product: the customer's install base says what they own.
        for asset in customer.install_base:
            values["product"].add(asset.product)
            if asset.model:
                values["model"].add(asset.model)
            if asset.batch:
                values["batch"].add(asset.batch)
    return values


def compute_impact(cases: Iterable[Case], customers: Mapping[str, Customer]) -> Impact:
    counts: dict[str, Counter[str]] = {attr: Counter() for attr in SEGMENT_ATTRIBUTES}
    n = 0
    open_ = 0
    unknown = 0
    distinct: set[str] = set()
    for case in cases:
        n += 1
        if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            open_ += 1
        if case.customer_id:
            distinct.add(case.customer_id)
        else:
            unknown += 1
        customer = customers.get(case.customer_id) if case.customer_id else None
        for attr, values in case_segments(case, customer).items():
            counts[attr].update(values)
    segments = {attr: dict(counter.most_common()) for attr, counter in counts.items() if counter}
    return Impact(cases=n, open_cases=open_, customers=len(distinct), unknown_customer_cases=unknown, segments=segments)
