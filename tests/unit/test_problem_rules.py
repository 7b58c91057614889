"""Problem rules without I/O: status lifecycle, impact and cost math, routing rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.cases.models import Case, CaseStatus, Channel
from functions.core.errors import InvalidInput, InvalidTransition
from functions.customers.models import Customer
from functions.problems.cost import compute_cost, compute_impact
from functions.problems.models import Problem, ProblemSort, ProblemStatus, RoutingRule, RoutingRulesIn
from functions.problems.rules import (
    as_actor,
    check_transition,
    cursor_offset,
    default_rules,
    offset_cursor,
    search_problems,
    suggest_department,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def case(cid: str, channel: str = "email", interactions: int = 1, **over) -> Case:
    return Case(
        case_id=cid,
        subject="s",
        channel=Channel(channel),
        created_at=NOW,
        updated_at=NOW,
        interaction_count=interactions,
        **over,
    )


def problem(**over) -> Problem:
    data = {
        "problem_id": "PB-1",
        "title": "t",
        "created_by": {"type": "agent", "id": "a"},
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Problem.model_validate(data | over)


def customer(cid: str, **over) -> Customer:
    data = {"customer_id": cid, "name": cid, "created_at": NOW, "updated_at": NOW}
    return Customer.model_validate(data | over)


@pytest.mark.parametrize(
    ("from_", "to"),
    [
        ("candidate", "confirmed"),
        ("candidate", "dismissed"),
        ("confirmed", "root_cause_analysis"),
        ("root_cause_analysis", "fix_in_progress"),
        ("fix_in_progress", "resolved"),
        ("resolved", "closed"),
        ("resolved", "fix_in_progress"),
        ("dismissed", "candidate"),
    ],
)
def test_allowed_transitions_pass(from_, to):
    check_transition(ProblemStatus(from_), ProblemStatus(to))


@pytest.mark.parametrize(
    ("from_", "to"),
    [("candidate", "resolved"), ("closed", "confirmed"), ("dismissed", "resolved"), ("candidate", "fix_in_progress")],
)
def test_forbidden_transitions_raise_naming_the_allowed_ones(from_, to):
    with pytest.raises(InvalidTransition) as err:
        check_transition(ProblemStatus(from_), ProblemStatus(to))
    assert err.value.from_ == from_


def test_cost_multiplies_interactions_by_the_channel_price():
    cost = compute_cost(
        [case("a", "email", 3), case("b", "email", 1), case("c", "phone", 2)], {"email": 4.0, "phone": 6.5}
    )
    assert cost.total == 29.0
    assert cost.by_channel["email"].interactions == 4
    assert cost.unpriced_interactions == 0


def test_cost_counts_interactions_on_unpriced_channels_without_guessing():
    cost = compute_cost([case("a", "api", 7)], {"email": 4.0})
    assert (cost.total, cost.unpriced_interactions, cost.by_channel["api"].unit_cost) == (0.0, 7, None)


def test_impact_takes_product_from_the_install_base_when_the_case_names_none():
    owner = customer(
        "acme", region="EU", tier="premium", install_base=[{"product": "p1", "batch": "b9"}, {"product": "p2"}]
    )
    impact = compute_impact(
        [case("a", customer_id="acme"), case("b", customer_id="acme", product="p3")], {"acme": owner}
    )
    assert impact.segments["product"] == {"p1": 1, "p2": 1, "p3": 1}
    assert impact.segments["batch"] == {"b9": 1}
    assert (impact.cases, impact.customers, impact.open_cases) == (2, 1, 2)


def test_impact_counts_resolved_cases_as_not_open():
    impact = compute_impact([case("a", status=CaseStatus.RESOLVED), case("b")], {})
    assert (impact.open_cases, impact.unknown_customer_cases) == (1, 2)


def test_routing_default_rules_send_billing_to_finance():
    found = suggest_department(problem(title="Customers charged twice"), default_rules())
    assert found is not None
    assert (found.department_id, found.rule_id) == ("finance", "billing-words")


def test_routing_needs_every_criterion_of_a_rule():
    rule = RoutingRule(rule_id="r", department_id="d", products=["p1"], keywords=["manual"])
    assert suggest_department(problem(title="manual unclear", product="p2"), [rule]) is None
    assert suggest_department(problem(title="manual unclear", product="p1"), [rule]) is not None


def test_routing_keywords_match_whole_words_only():
    rule = RoutingRule(rule_id="r", department_id="d", keywords=["app"])
    assert suggest_department(problem(title="Apple pie"), [rule]) is None
    assert suggest_department(problem(title="The app crashes"), [rule]) is not None


def test_routing_uses_categories_of_linked_cases():
    rule = RoutingRule(rule_id="r", department_id="fulfillment", categories=["shipping"])
    found = suggest_department(problem(title="late"), [rule], [case("a", category="Shipping")])
    assert found is not None and found.reason == "category shipping"


def test_routing_rule_ids_must_be_unique():
    with pytest.raises(ValueError, match="repeated"):
        RoutingRulesIn.model_validate({"rules": [{"rule_id": "a", "department_id": "d", "keywords": ["x"]}] * 2})


def test_plain_actor_ids_from_other_modules_become_actors():
    assert as_actor("department:finance").type.value == "department"
    assert as_actor("escalation").type.value == "system"


# -- the problems' list ------------------------------------------------------------------------


def _listed(pid: str, title: str, *, created: int, updated: int, cases: int = 0, description: str = "") -> Problem:
    from functions.cases.models import Actor, ActorType

    return Problem(
        problem_id=pid,
        title=title,
        description=description,
        case_count=cases,
        created_by=Actor(type=ActorType.AGENT, id="a1"),
        created_at=datetime(2026, 1, created, tzinfo=UTC),
        updated_at=datetime(2026, 1, updated, tzinfo=UTC),
    )


LISTED = [
    _listed("PB-1", "Printer jams", created=1, updated=9, cases=2, description="PX-200 after the firmware update"),
    _listed("PB-2", "Charged twice", created=3, updated=4, cases=7),
    _listed("PB-3", "Printer offline", created=5, updated=6, cases=2),
]


def test_every_word_must_occur_in_title_description_or_number_in_any_case():
    assert [p.problem_id for p in search_problems(LISTED, "printer FIRMWARE", ProblemSort.UPDATED)] == ["PB-1"]
    assert [p.problem_id for p in search_problems(LISTED, "pb-2", ProblemSort.UPDATED)] == ["PB-2"]
    assert search_problems(LISTED, "printer scanner", ProblemSort.UPDATED) == []


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        (ProblemSort.UPDATED, ["PB-1", "PB-3", "PB-2"]),
        (ProblemSort.CREATED, ["PB-3", "PB-2", "PB-1"]),
        (ProblemSort.LINKED_CASES, ["PB-2", "PB-1", "PB-3"]),  # a tie goes to the newer change
    ],
)
def test_the_list_sorts_newest_or_by_linked_cases(sort, order):
    assert [p.problem_id for p in search_problems(LISTED, None, sort)] == order


def test_an_offset_cursor_round_trips_and_a_forged_one_is_bad_input():
    assert cursor_offset(offset_cursor(150)) == 150 and cursor_offset(None) == 0
    for bad in ("nonsense", "eyJvZmZzZXQiOiAtMX0", "eyJvIjogMX0", "WzFd"):  # offset -1, {"o": 1}, [1]
        with pytest.raises(InvalidInput):
            cursor_offset(bad)
