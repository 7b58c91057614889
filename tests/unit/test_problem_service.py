"""The problem use cases on in-memory fakes (tests/fakes/problems.py): lifecycle, linking,
resolution, knowledge, reads and departments. The HTTP routes are tested in
tests/integration/test_problem_records.py; the stores against DynamoDB in
tests/integration/test_problem_store_contract.py."""

from __future__ import annotations

import pytest

from functions.cases.models import Actor, ActorType, CaseStatus, Channel, EventKind
from functions.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound, VersionConflict
from functions.problems.models import (
    DepartmentCreate,
    DepartmentIn,
    LinkType,
    ProblemFromCaseIn,
    ProblemIn,
    ProblemQuery,
    ProblemStatus,
    ProblemUpdate,
    RoutingRulesIn,
    SuggestedCase,
)
from tests.fakes.problems import T0, ProblemWorld, problem_services

AGENT = Actor(type=ActorType.AGENT, id="agent-1")


@pytest.fixture
def world() -> ProblemWorld:
    return problem_services()


def _open(world: ProblemWorld, n: int = 1, **fields) -> list[str]:
    return [world.cases.open(**fields).case_id for _ in range(n)]


def _problem(world: ProblemWorld, **over):
    data = {"title": "Double charge on invoices", "description": "Billing run charged twice"} | over
    return world.problems.create(ProblemIn.model_validate(data), AGENT)


def _kinds(world: ProblemWorld, problem_id: str) -> list[str]:
    return [e.kind.value for e in world.problems.view(problem_id).timeline]


# -- candidates (detection's entry point) ---------------------------------------------------------


def test_candidate_keeps_the_evidence_and_links_cases_as_similar(world):
    ids = _open(world, 2)
    growth = {"observed": 5, "expected": 0.2, "window_cases": 40, "baseline_share": 0.005, "p_value": 1e-7,
              "window_seconds": 10800.0}  # fmt: skip
    thread = {"attribute": "batch", "value": "B7", "count": 5, "group_share": 1.0, "base_share": 0.2, "lift": 5.0,
              "p_value": 1e-4}  # fmt: skip
    evidence = {"growth": growth, "common_thread": [thread]}
    problem = world.problems.create_candidate(evidence, ids, "Blip: charged twice", "5 cases in an hour")
    assert problem.status.value == "candidate"
    assert problem.evidence.model_dump(include={"growth", "common_thread"}, exclude_defaults=True) == evidence
    view = world.problems.view(problem.problem_id)
    assert {(link.case_id, link.link_type.value) for link in view.links} == {(ids[0], "similar"), (ids[1], "similar")}
    assert world.cases.get(ids[0]).problem_id == problem.problem_id


def test_candidate_leaves_out_cases_already_linked_elsewhere(world):
    taken, free = _open(world, 2)
    first = world.problems.create_candidate({}, [taken], "first")
    second = world.problems.create_candidate({}, [taken, free, "CB-404"], "second")
    assert [link.case_id for link in world.problems.view(second.problem_id).links] == [free]
    assert second.evidence.skipped_cases == [taken, "CB-404"]
    assert world.cases.get(taken).problem_id == first.problem_id


def test_a_candidate_key_opens_one_problem_even_when_detection_retries(world):
    # Given a candidate opened by detection under a key
    ids = _open(world, 3)
    first = world.problems.create_candidate({"candidate_id": "G4-1"}, ids, "Charged twice", key="lineage-1/G4-1")
    # When detection retries the same batch (its state was not saved) and hands it over again
    again = world.problems.create_candidate({"candidate_id": "G4-1"}, ids, "Charged twice", key="lineage-1/G4-1")
    # Then it gets the same problem back, with its cases still linked, and no empty twin
    assert again.problem_id == first.problem_id
    assert [link.case_id for link in world.problems.view(first.problem_id).links] == ids
    candidates = world.problems.list_problems(ProblemQuery(status=ProblemStatus.CANDIDATE)).items
    assert [p.problem_id for p in candidates] == [first.problem_id]
    # while another key opens another problem
    other = world.problems.create_candidate({}, _open(world), "Other", key="lineage-1/G9-1")
    assert other.problem_id != first.problem_id


def test_detections_automatic_link_gives_way_to_a_link_elsewhere(world):
    (case_id,) = _open(world)
    mine = world.problems.create_candidate({}, _open(world), "blip")
    elsewhere = _problem(world, case_ids=[case_id])
    assert world.problems.link_similar(mine.problem_id, case_id, AGENT) is False
    assert world.cases.get(case_id).problem_id == elsewhere.problem_id


# -- lifecycle --------------------------------------------------------------------------------


def test_created_problem_starts_confirmed_with_a_timeline(world):
    problem = _problem(world)
    assert problem.problem_id.startswith("PB-")
    assert problem.status is ProblemStatus.CONFIRMED
    assert _kinds(world, problem.problem_id)[0] == "created"


def test_problem_from_a_case_takes_its_subject_and_links_it_as_root_cause(world):
    case = world.cases.open("Invoice charged twice", priority="high", category="billing")
    problem = world.problems.create_from_case(case.case_id, ProblemFromCaseIn(), AGENT)
    assert (problem.title, problem.priority.value, problem.category) == ("Invoice charged twice", "high", "billing")
    links = world.problems.view(problem.problem_id).links
    assert [(link.case_id, link.link_type) for link in links] == [(case.case_id, LinkType.ROOT_CAUSE)]
    with pytest.raises(Conflict, match=problem.problem_id):
        world.problems.create_from_case(case.case_id, ProblemFromCaseIn(), AGENT)


def test_lifecycle_follows_the_allowed_transitions(world):
    pid = _problem(world).problem_id
    for status in ("root_cause_analysis", "fix_in_progress", "resolved", "closed"):
        world.problems.update(pid, ProblemUpdate(status=status), AGENT)
    assert world.problems.get(pid).closed_at is not None


def test_a_forbidden_transition_names_the_allowed_ones(world):
    pid = _problem(world, status="candidate").problem_id
    with pytest.raises(InvalidTransition, match="confirmed"):
        world.problems.update(pid, ProblemUpdate(status="resolved"), AGENT)


def test_a_dismissed_problem_takes_no_more_changes_until_reopened(world):
    pid = _problem(world, status="candidate").problem_id
    world.problems.update(pid, ProblemUpdate(status="dismissed"), AGENT)
    with pytest.raises(Conflict):
        world.problems.update(pid, ProblemUpdate(title="new title"), AGENT)
    assert world.problems.update(pid, ProblemUpdate(status="candidate"), AGENT).status is ProblemStatus.CANDIDATE


def test_a_stale_version_is_refused_and_keeps_the_first_change(world):
    pid = _problem(world).problem_id
    first = world.problems.update(pid, ProblemUpdate(version=1, owner="alice@example.org"), AGENT)
    assert first.version == 2
    with pytest.raises(VersionConflict):
        world.problems.update(pid, ProblemUpdate(version=1, owner="bob@example.org"), AGENT)
    with pytest.raises(VersionConflict):
        world.problems.update(pid, ProblemUpdate(owner="bob@example.org"), AGENT, if_match=7)
    assert world.problems.get(pid).owner == "alice@example.org"


def test_every_change_is_on_the_timeline_with_who_and_what(world):
    pid = _problem(world).problem_id
    carol = Actor(type=ActorType.AGENT, id="carol")
    world.problems.update(pid, ProblemUpdate(workaround="Refund by hand", comment="for now"), carol)
    event = world.problems.view(pid).timeline[-1]
    assert (event.kind.value, event.actor.id, event.body) == ("fields_changed", "carol", "for now")
    assert event.changes == {"workaround": {"from": None, "to": "Refund by hand"}}


def test_a_change_that_changes_nothing_writes_nothing(world):
    problem = _problem(world)
    again = world.problems.update(problem.problem_id, ProblemUpdate(title=problem.title), AGENT)
    assert again.version == problem.version


def test_confirming_a_candidate_suggests_a_department_by_the_routing_rules(world):
    (cid,) = _open(world, category="billing")
    pid = _problem(world, status="candidate", case_ids=[cid]).problem_id
    confirmed = world.problems.update(pid, ProblemUpdate(status="confirmed"), AGENT)
    assert confirmed.suggested_department is not None
    assert confirmed.suggested_department.model_dump() == {
        "department_id": "finance",
        "rule_id": "billing",
        "reason": "category billing",
    }
    assert _kinds(world, pid)[-1] == "department_suggested"


def test_a_confirmed_problem_is_suggested_a_department_when_opened(world):
    problem = _problem(world, title="The app crashes at login", description="")
    assert problem.suggested_department is not None
    assert problem.suggested_department.department_id == "engineering"


# -- assignment and escalation ----------------------------------------------------------------


def test_assign_department_confirms_a_candidate_moves_it_to_analysis_and_starts_escalation(world):
    problem = world.problems.create_candidate({}, _open(world), "blip")
    assigned = world.problems.assign_department(problem.problem_id, "finance", AGENT, owner="fin-lead")
    assert (assigned.status.value, assigned.department_id, assigned.owner) == (
        "root_cause_analysis",
        "finance",
        "fin-lead",
    )
    assert world.escalation.started == [(problem.problem_id, "finance", "root_cause_analysis")]
    assert _kinds(world, problem.problem_id)[-2:] == ["status_changed", "department_assigned"]


def test_assigning_a_dismissed_problem_is_refused(world):
    problem = world.problems.create_candidate({}, _open(world), "blip")
    world.problems.update(problem.problem_id, ProblemUpdate(status=ProblemStatus.DISMISSED), AGENT)
    with pytest.raises(Conflict):
        world.problems.assign_department(problem.problem_id, "finance", AGENT)
    assert world.escalation.started == []


def test_assigning_an_unknown_department_names_the_field_and_starts_nothing(world):
    pid = _problem(world).problem_id
    with pytest.raises(InvalidInput) as err:
        world.problems.update(pid, ProblemUpdate(department_id="nowhere"), AGENT)
    assert err.value.fields[0]["field"] == "department_id"
    assert world.escalation.started == []
    assert world.problems.get(pid).department_id is None


def test_assigning_the_same_department_again_starts_no_second_escalation(world):
    pid = _problem(world).problem_id
    world.problems.assign_department(pid, "finance", AGENT)
    world.problems.assign_department(pid, "finance", AGENT)
    assert len(world.escalation.started) == 1


def test_a_failing_escalation_keeps_the_assignment_and_says_so(world):
    world.escalation.fail_with = RuntimeError("state machine missing")
    pid = _problem(world).problem_id
    updated = world.problems.update(pid, ProblemUpdate(department_id="engineering"), AGENT)
    view = world.problems.view(pid)
    assert (updated.department_id, view.department_id) == ("engineering", "engineering")
    assert view.timeline[-1].kind.value == "escalation_failed"
    assert "RuntimeError" in (view.timeline[-1].body or "")


# -- links and merge --------------------------------------------------------------------------


def test_linking_cases_counts_them_and_reports_already_linked_ones(world):
    c1, c2 = _open(world, 2)
    pid = _problem(world, case_ids=[c1]).problem_id
    result = world.problems.link(pid, [c1, c2], LinkType.SIMILAR, AGENT)
    assert (result.linked, result.already_linked, result.problem.case_count) == ([c2], [c1], 2)
    links = {link.case_id: link.link_type.value for link in world.problems.view(pid).links}
    assert links == {c1: "root_cause", c2: "similar"}
    assert world.cases.get(c2).problem_id == pid


def test_a_case_belongs_to_at_most_one_problem(world):
    (cid,) = _open(world)
    first = _problem(world, case_ids=[cid]).problem_id
    other = _problem(world).problem_id
    with pytest.raises(Conflict, match=first):
        world.problems.link(other, [cid], LinkType.ROOT_CAUSE, AGENT)
    assert world.problems.view(other).links == []
    assert world.problems.get(other).case_count == 0


def test_linking_an_unknown_case_names_case_ids(world):
    pid = _problem(world).problem_id
    with pytest.raises(InvalidInput) as err:
        world.problems.link(pid, ["CB-1"], LinkType.ROOT_CAUSE, AGENT)
    assert err.value.fields[0]["field"] == "case_ids"


def test_a_closed_problem_takes_no_more_cases(world):
    pid = _problem(world, status="candidate").problem_id
    world.problems.update(pid, ProblemUpdate(status="dismissed"), AGENT)
    with pytest.raises(Conflict, match="no more cases"):
        world.problems.link(pid, _open(world), LinkType.SIMILAR, AGENT)


def test_unlinking_frees_the_case_for_another_problem(world):
    (cid,) = _open(world)
    pid = _problem(world, case_ids=[cid]).problem_id
    assert world.problems.unlink(pid, cid, AGENT).case_count == 0
    assert world.cases.get(cid).problem_id is None
    other = _problem(world, case_ids=[cid]).problem_id
    assert world.cases.get(cid).problem_id == other


def test_linking_and_unlinking_write_the_cases_problem_with_an_internal_event(world):
    (cid,) = _open(world)
    problem = world.problems.create_candidate({}, [cid], "blip")
    world.problems.unlink(problem.problem_id, cid, AGENT)
    linked, unlinked = [e for e in world.cases.view(cid).timeline if e.kind is EventKind.FIELDS_CHANGED]
    assert linked.changes == {"problem_id": {"from": None, "to": problem.problem_id}}
    assert unlinked.changes == {"problem_id": {"from": problem.problem_id, "to": None}}
    assert {linked.visibility, unlinked.visibility} == {"internal"}


def test_unlinking_a_case_that_is_not_linked_is_not_found(world):
    pid = _problem(world).problem_id
    with pytest.raises(NotFound):
        world.problems.unlink(pid, "CB-1", AGENT)


def test_merge_moves_the_cases_and_closes_the_merged_problem_with_a_pointer(world):
    c1, c2, c3 = _open(world, 3)
    target = _problem(world, case_ids=[c1]).problem_id
    source = _problem(world, case_ids=[c2, c3]).problem_id
    result = world.problems.merge(target, source, AGENT)
    assert sorted(result.moved_cases) == sorted([c2, c3])
    merged = world.problems.view(source)
    assert (merged.status.value, merged.merged_into, merged.links) == ("closed", target, [])
    view = world.problems.view(target)
    assert {link.case_id for link in view.links} == {c1, c2, c3}
    assert view.case_count == 3
    assert world.cases.get(c2).problem_id == target
    assert (merged.timeline[-1].kind.value, view.timeline[-1].kind.value) == ("merged_into", "merged")


def test_merging_more_cases_than_one_transaction_takes_moves_them_all(world):
    ids = _open(world, 70)
    target = _problem(world).problem_id
    source = _problem(world, case_ids=ids[:40]).problem_id
    world.problems.link(source, ids[40:], LinkType.SIMILAR, AGENT)
    assert len(world.problems.merge(target, source, AGENT).moved_cases) == 70
    assert world.problems.get(target).case_count == 70


def test_merging_a_problem_into_itself_names_the_field(world):
    pid = _problem(world).problem_id
    with pytest.raises(InvalidInput) as err:
        world.problems.merge(pid, pid, AGENT)
    assert err.value.fields[0]["field"] == "source_problem_id"


def test_a_stale_version_of_the_target_refuses_the_merge(world):
    target = _problem(world).problem_id
    source = _problem(world, case_ids=_open(world)).problem_id
    with pytest.raises(VersionConflict):
        world.problems.merge(target, source, AGENT, if_match=5)
    assert world.problems.get(source).status is ProblemStatus.CONFIRMED


# -- suggested cases ------------------------------------------------------------------------------


def test_suggested_cases_are_most_similar_first_without_cases_linked_anywhere(world):
    c1, c2, c3 = _open(world, 3)
    pid = _problem(world).problem_id
    world.suggestions.put_many(
        [
            SuggestedCase(problem_id=pid, case_id=c, similarity=s, suggested_at=T0)
            for c, s in ((c1, 0.4), (c2, 0.9), (c3, 0.6))
        ]
    )
    _problem(world, case_ids=[c3])  # linked elsewhere before the stream removed the suggestion
    assert [s.case_id for s in world.problems.suggested_cases(pid)] == [c2, c1]


def test_suggested_cases_of_an_unknown_problem_is_not_found(world):
    with pytest.raises(NotFound):
        world.problems.suggested_cases("PB-999999")


# -- resolution -------------------------------------------------------------------------------


def test_escalation_path_record_fix_then_resolve_with_plain_actor_resolves_the_cases(world):
    ids = _open(world, 2)
    problem = world.problems.create_candidate({}, ids, "blip")
    world.problems.assign_department(problem.problem_id, "finance", AGENT)
    fixed = world.problems.record_fix(
        problem.problem_id, root_cause="double run", fix="Refunded; job fixed.", actor="department:finance"
    )
    assert fixed.status.value == "fix_in_progress"
    result = world.problems.resolve(problem.problem_id, actor="department:finance", resolve_cases=True)
    assert sorted(result.resolved_cases) == sorted(ids)
    assert result.problem.status.value == "resolved"
    assert {world.cases.get(cid).status.value for cid in ids} == {"resolved"}
    assert sorted(world.cases.sent) == sorted((cid, "Refunded; job fixed.") for cid in ids)
    assert world.problems.view(problem.problem_id).timeline[-1].actor.type is ActorType.DEPARTMENT


def test_resolve_tells_the_customers_the_fix_note_and_keeps_it_as_the_permanent_fix(world):
    c1, c2 = _open(world, 2)
    pid = _problem(world, case_ids=[c1, c2]).problem_id
    result = world.problems.resolve(pid, "We refunded the double charge.", True, AGENT)
    assert sorted(result.resolved_cases) == sorted([c1, c2])
    assert result.problem.permanent_fix == "We refunded the double charge."
    assert [body for _, body in world.cases.sent] == ["We refunded the double charge."] * 2


def test_resolving_twice_is_refused(world):
    problem = world.problems.create_candidate({}, _open(world), "blip")
    world.problems.assign_department(problem.problem_id, "finance", AGENT)
    world.problems.resolve(problem.problem_id, "fixed", True, AGENT)
    with pytest.raises(InvalidTransition):
        world.problems.resolve(problem.problem_id, "fixed", True, AGENT)


def test_a_case_without_a_contact_address_is_resolved_and_reported_as_not_informed(world):
    cid = world.cases.open("Walk-in", channel=Channel.PHONE, contact_email=None).case_id
    problem = world.problems.create_candidate({}, [cid], "blip")
    world.problems.assign_department(problem.problem_id, "finance", AGENT)
    result = world.problems.resolve(problem.problem_id, "fixed", True, AGENT)
    assert result.resolved_cases == [cid]
    assert [s.case_id for s in result.not_informed] == [cid]
    assert world.cases.get(cid).status.value == "resolved"
    assert world.cases.sent == []


def test_resolve_skips_and_reports_closed_and_resolved_cases(world):
    c1 = world.cases.open().case_id
    c2 = world.cases.open(status=CaseStatus.CLOSED).case_id
    c3 = world.cases.open(status=CaseStatus.RESOLVED).case_id
    pid = _problem(world, case_ids=[c1, c2, c3]).problem_id
    result = world.problems.resolve(pid, "Fixed.", True, AGENT)
    assert result.resolved_cases == [c1]
    assert sorted((s.case_id, s.reason) for s in result.skipped_cases) == sorted(
        [(c2, "closed"), (c3, "already resolved")]
    )
    assert len(world.cases.sent) == 1
    assert world.problems.view(pid).timeline[-1].data["resolved_cases"] == [c1]


def test_resolve_without_a_fix_note_or_recorded_fix_names_the_field_and_tells_nobody(world):
    pid = _problem(world, case_ids=_open(world)).problem_id
    with pytest.raises(InvalidInput) as err:
        world.problems.resolve(pid)
    assert err.value.fields[0]["field"] == "fix_note"
    assert world.cases.sent == []


def test_resolving_a_candidate_is_refused_and_tells_nobody(world):
    pid = _problem(world, status="candidate", case_ids=_open(world)).problem_id
    with pytest.raises(InvalidTransition):
        world.problems.resolve(pid, "x", True, AGENT)
    assert world.cases.sent == []


def test_recorded_fix_is_the_default_note(world):
    (cid,) = _open(world)
    pid = _problem(world, case_ids=[cid]).problem_id
    fixed = world.problems.record_fix(pid, "billing job ran twice", "Job is now idempotent.", AGENT)
    assert fixed.status.value == "fix_in_progress"
    assert world.problems.resolve(pid, actor=AGENT).resolved_cases == [cid]
    assert world.cases.sent == [(cid, "Job is now idempotent.")]


def test_a_candidate_takes_no_fix(world):
    pid = _problem(world, status="candidate").problem_id
    with pytest.raises(InvalidTransition):
        world.problems.record_fix(pid, "cause", "fix", AGENT)


# -- knowledge ----------------------------------------------------------------------------------


def _fixed(world: ProblemWorld, **over) -> str:
    pid = _problem(world, **over).problem_id
    world.problems.record_fix(pid, "VAT applied twice", "Rate table fixed", "department:finance")
    return pid


def test_the_fix_goes_into_a_new_article_listing_the_linked_cases(world):
    ids = _open(world, 2)
    pid = _fixed(world, case_ids=ids)
    article_id = world.problems.update_knowledge(pid, "department:finance")
    article = world.knowledge.articles[article_id]
    assert (article.resolution, article.cause, article.source_cases) == ("Rate table fixed", "VAT applied twice", ids)
    view = world.problems.view(pid)
    assert view.article_id == article_id
    event = view.timeline[-1]
    assert (event.kind.value, event.data["action"], event.data["article_id"]) == (
        "knowledge_updated",
        "created",
        article_id,
    )


def test_the_fix_updates_the_article_that_helped_the_linked_cases_most(world):
    helped, drafted = world.knowledge.add("Credit the VAT by hand"), world.knowledge.add("Credit by hand")
    c1, c2 = _open(world, 2)
    world.cases.add_event(c1, EventKind.NOTE, AGENT, data={"knowledge": {"article_id": helped.article_id}})
    world.cases.add_event(c2, EventKind.NOTE, AGENT, data={"knowledge": {"article_id": helped.article_id}})
    world.cases.add_event(
        c2, EventKind.NOTE, AGENT, data={"knowledge": {"article_id": drafted.article_id, "relation": "source"}}
    )
    world.cases.add_event(
        c1, EventKind.NOTE, AGENT, data={"knowledge": {"article_id": drafted.article_id, "relation": "source"}}
    )
    pid = _fixed(world, case_ids=[c1, c2])
    assert world.problems.update_knowledge(pid) == drafted.article_id  # a source counts twice
    assert (drafted.resolution, drafted.version) == ("Rate table fixed", 2)
    assert world.problems.view(pid).timeline[-1].data["action"] == "updated"


def test_putting_the_fix_in_again_writes_nothing(world):
    pid = _fixed(world)
    article_id = world.problems.update_knowledge(pid)
    before = world.problems.get(pid)
    assert world.problems.update_knowledge(pid) == article_id
    after = world.problems.get(pid)
    assert (after.version, len(world.knowledge.articles)) == (before.version, 1)


def test_a_retired_article_is_replaced_by_a_new_one(world):
    retired = world.knowledge.add("old", retired=True)
    (cid,) = _open(world)
    world.cases.add_event(cid, EventKind.NOTE, AGENT, data={"knowledge": {"article_id": retired.article_id}})
    pid = _fixed(world, case_ids=[cid])
    article_id = world.problems.update_knowledge(pid)
    assert article_id != retired.article_id
    assert world.knowledge.articles[article_id].resolution == "Rate table fixed"


def test_without_a_fix_nothing_goes_to_the_knowledge_base(world):
    pid = _problem(world).problem_id
    assert world.problems.update_knowledge(pid) is None
    assert world.knowledge.articles == {}


# -- reads: impact and cost ---------------------------------------------------------------------


def test_impact_counts_cases_customers_and_segments(world):
    world.customers.add(
        "acme",
        region="EU-north",
        tier="premium",
        install_base=[{"product": "printer-x", "model": "x200", "batch": "B7"}],
    )
    world.customers.add("zeta", region="US")
    c1 = world.cases.open(customer_id="acme").case_id
    c2 = world.cases.open(customer_id="acme", channel=Channel.PHONE).case_id
    c3 = world.cases.open(customer_id="zeta", product="printer-y").case_id
    c4 = world.cases.open(customer_id=None).case_id
    c5 = world.cases.open(customer_id="gone").case_id  # a customer the directory no longer knows
    impact = world.problems.view(_problem(world, case_ids=[c1, c2, c3, c4, c5]).problem_id).impact
    assert (impact.cases, impact.customers, impact.unknown_customer_cases) == (5, 3, 1)
    assert impact.segments["product"] == {"printer-x": 2, "printer-y": 1}
    assert impact.segments["batch"] == {"B7": 2}
    assert impact.segments["region"] == {"EU-north": 2, "US": 1}
    assert impact.segments["tier"] == {"premium": 2, "standard": 1}
    assert impact.segments["channel"] == {"email": 4, "phone": 1}


def test_cost_prices_each_interaction_by_the_cases_channel():
    world = problem_services(cost_per_channel={"email": 4.0, "phone": 6.5})
    c1 = world.cases.open(interaction_count=3).case_id
    c2 = world.cases.open(channel=Channel.PHONE, interaction_count=2).case_id
    c3 = world.cases.open(channel=Channel.CHAT, interaction_count=5).case_id
    cost = world.problems.view(_problem(world, case_ids=[c1, c2, c3]).problem_id).cost
    assert cost.total == 3 * 4.0 + 2 * 6.5
    assert (cost.interactions, cost.unpriced_interactions) == (10, 5)
    assert cost.by_channel["phone"].model_dump() == {"cases": 1, "interactions": 2, "unit_cost": 6.5, "cost": 13.0}


def test_the_deployments_prices_reach_the_cost():
    from functions.composition import Container
    from functions.core.settings import Settings

    settings = Settings.from_env({"CASEBRIDGE_PROBLEM_COST_PER_CHANNEL": '{"email": 4.0, "phone": 6.5}'})
    fakes = problem_services()
    container = Container(
        settings,
        problem_store=fakes.store,
        cases=fakes.cases,
        customer_store=fakes.customers,
        departments=fakes.departments,
        suggestion_store=fakes.suggestions,
        escalation=fakes.escalation,
    )
    assert dict(container.problems.reads.cost_per_channel) == {"email": 4.0, "phone": 6.5}


def test_the_list_filters_by_status_and_pages_most_recent_first(world):
    confirmed = [_problem(world).problem_id for _ in range(3)]
    candidate = _problem(world, status="candidate").problem_id
    page = world.problems.list_problems(ProblemQuery(status=ProblemStatus.CANDIDATE))
    assert [p.problem_id for p in page.items] == [candidate]
    first = world.problems.list_problems(ProblemQuery(limit=2))
    second = world.problems.list_problems(ProblemQuery(limit=2, cursor=first.next_cursor))
    assert [p.problem_id for p in first.items + second.items] == [candidate, *reversed(confirmed)]


def test_the_timeline_pages(world):
    pid = _problem(world).problem_id
    for i in range(4):
        world.problems.update(pid, ProblemUpdate(owner=f"owner-{i}"), AGENT)
    everything = world.problems.view(pid).timeline
    assert len(everything) == 6  # created, department suggested, four changes
    first = world.problems.view(pid, limit=4)
    second = world.problems.view(pid, limit=4, cursor=first.timeline_cursor)
    assert (len(first.timeline), len(second.timeline), second.timeline_cursor) == (4, 2, None)
    assert first.timeline + second.timeline == everything


# -- departments and routing rules ------------------------------------------------------------------

LEGAL = {"name": "Legal", "contact_email": "legal@example.org", "manager_email": "gc@example.org"}


def test_seeding_the_departments_twice_creates_them_once(world):
    assert world.departments.seed() == []
    ids = {d.department_id for d in world.departments.list_departments()}
    assert ids == {"finance", "manufacturing", "fulfillment", "documentation", "engineering"}
    assert world.departments.department("finance").contact_email == "finance@casebridge.local"


def test_a_department_is_replaced_on_the_version_seen(world):
    world.departments.create(DepartmentCreate(department_id="legal", **LEGAL))
    with pytest.raises(Conflict):
        world.departments.create(DepartmentCreate(department_id="legal", **LEGAL))
    replaced = world.departments.replace("legal", DepartmentIn(**LEGAL | {"name": "Legal & Compliance", "version": 1}))
    assert (replaced.name, replaced.version) == ("Legal & Compliance", 2)
    with pytest.raises(VersionConflict):
        world.departments.replace("legal", DepartmentIn(**LEGAL | {"version": 1}))
    world.departments.delete("legal")
    with pytest.raises(NotFound):
        world.departments.department("legal")


def test_a_department_a_routing_rule_sends_problems_to_cannot_be_removed(world):
    with pytest.raises(Conflict, match="billing"):
        world.departments.delete("finance")
    assert world.departments.department("finance")


def test_routing_rules_naming_unknown_departments_name_the_fields(world):
    rules = RoutingRulesIn.model_validate(
        {
            "rules": [
                {"rule_id": "ok", "department_id": "finance", "keywords": ["x"]},
                {"rule_id": "x", "department_id": "nowhere", "keywords": ["x"]},
            ]
        }
    )
    with pytest.raises(InvalidInput) as err:
        world.departments.replace_routing_rules(rules)
    assert [f["field"] for f in err.value.fields] == ["rules.1.department_id"]
    assert world.departments.routing_rules().version == 0


def test_replaced_routing_rules_are_ordered_versioned_and_used(world):
    assert world.departments.routing_rules().version == 0  # the defaults
    rules = RoutingRulesIn.model_validate(
        {
            "rules": [
                {"rule_id": "late", "order": 20, "department_id": "finance", "keywords": ["manual"]},
                {"rule_id": "docs", "order": 5, "department_id": "documentation", "keywords": ["manual"]},
            ]
        }
    )
    stored = world.departments.replace_routing_rules(rules)
    assert ([r.rule_id for r in stored.rules], stored.version) == (["docs", "late"], 1)
    with pytest.raises(VersionConflict):
        world.departments.replace_routing_rules(rules.model_copy(update={"version": 7}))
    problem = _problem(world, title="The manual is wrong")
    assert world.problems.suggestion_for(problem).rule_id == "docs"
    # and a department no longer named by any rule can go
    world.departments.delete("manufacturing")
