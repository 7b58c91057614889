"""Merge and split of cases (functions/cases/actions CaseMerging) on the in-memory fakes: what moves,
what both timelines say, mail threading after the move, the guards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.cases.actions.models import MergeIn, SplitIn
from functions.cases.actions.service import CaseMerging
from functions.cases.models import Actor, ActorType, CaseStatus, CaseUpdate, Channel, EventKind, Message
from functions.cases.service import CaseService
from functions.core.errors import Conflict, InvalidInput, VersionConflict
from tests.fakes.case_jobs import FakeTimelineMoves
from tests.fakes.cases import FakeCaseStore
from tests.unit.test_case_bulk_actions import FakeProblemLinks

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = Actor(type=ActorType.AGENT, id="alice")
CUSTOMER = Actor(type=ActorType.CUSTOMER)


class Ticking:
    """A clock a second later at each reading (timeline events sort by their time)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> datetime:
        self.n += 1
        return T0 + timedelta(seconds=self.n)


class World:
    def __init__(self) -> None:
        clock = Ticking()
        self.store = FakeCaseStore()
        self.cases = CaseService(self.store, clock=clock)
        self.problems = FakeProblemLinks(self.cases)
        self.moves = FakeTimelineMoves(self.store)
        self.merging = CaseMerging(self.cases, self.moves, self.problems, clock)

    def mail(self, mid: str, customer_id: str | None = "CU-1", **over: Any) -> str:
        message = Message(channel=Channel.EMAIL, direction="in", body_text=f"mail {mid}", message_id=mid)
        data: dict[str, Any] = {"subject": f"about {mid}", "channel": Channel.EMAIL, "actor": CUSTOMER}
        data |= {"message": message, "customer_id": customer_id, "pointers": [mid]} | over
        return self.cases.open_case(**data).case_id

    def reply_in(self, case_id: str, mid: str) -> str:
        message = Message(channel=Channel.EMAIL, direction="in", body_text=f"mail {mid}", message_id=mid)
        return self.cases.add_inbound(case_id, message, CUSTOMER, pointers=[mid])[1].event_id

    def kinds(self, case_id: str) -> list[EventKind]:
        return [e.kind for e in self.moves.events(case_id)]


@pytest.fixture
def world() -> World:
    return World()


def test_a_merged_case_is_closed_and_its_timeline_tags_and_problem_go_to_the_target(world):
    source, target = world.mail("<a@x>"), world.mail("<b@x>")
    world.reply_in(source, "<a2@x>")
    world.cases.update(source, AGENT, CaseUpdate(tags=["printer", "vip"]))
    world.cases.update(target, AGENT, CaseUpdate(tags=["vip"]))
    world.cases.set_problem(source, "PB-1", AGENT)
    result = world.merging.merge(source, MergeIn(into=target), AGENT)
    # The source is closed and points at the target
    assert (result.merged.status, result.merged.merged_into) == (CaseStatus.CLOSED, target)
    assert world.kinds(source)[-1] is EventKind.MERGED_INTO
    # The target has the source's interactions (marked where they came from), its tags and problem
    moved = [e for e in world.moves.events(target) if e.moved_from == source]
    assert [e.body for e in moved if e.kind is EventKind.MESSAGE_IN] == ["mail <a@x>", "mail <a2@x>"]
    assert EventKind.MERGED in world.kinds(target)
    assert result.case.tags == ["vip", "printer"] and result.case.problem_id == "PB-1"
    assert result.problem_linked == "PB-1" and world.problems.linked == [("PB-1", target)]


def test_a_reply_to_a_merged_case_s_mail_threads_into_the_target(world):
    source, target = world.mail("<a@x>"), world.mail("<b@x>")
    world.merging.merge(source, MergeIn(into=target), AGENT)
    assert world.cases.find_case_for_message_ids(["<a@x>"]) == target
    # merges of merges are followed too
    third = world.mail("<c@x>")
    world.merging.merge(target, MergeIn(into=third), AGENT)
    assert world.cases.find_case_for_message_ids(["<a@x>"]) == third


@pytest.mark.parametrize("case", ["self", "merged_source", "closed_target", "merged_target"])
def test_a_merge_into_itself_a_closed_or_merged_case_is_refused(world, case):
    a, b, c = world.mail("<a@x>"), world.mail("<b@x>"), world.mail("<c@x>")
    if case == "self":
        with pytest.raises(InvalidInput):
            world.merging.merge(a, MergeIn(into=a), AGENT)
        return
    world.merging.merge(b, MergeIn(into=c), AGENT)
    if case == "closed_target":
        world.cases.update(c, AGENT, CaseUpdate(status=CaseStatus.CLOSED))
    source, target = {"merged_source": (b, a), "closed_target": (a, c), "merged_target": (a, b)}[case]
    with pytest.raises(Conflict):
        world.merging.merge(source, MergeIn(into=target), AGENT)
    assert world.cases.get(a).merged_into is None


def test_cases_of_two_customers_merge_only_with_the_confirmation(world):
    source, target = world.mail("<a@x>", "CU-1"), world.mail("<b@x>", "CU-2")
    with pytest.raises(Conflict, match="confirm_other_customer"):
        world.merging.merge(source, MergeIn(into=target), AGENT)
    assert world.merging.merge(source, MergeIn(into=target, confirm_other_customer=True), AGENT).merged.merged_into


def test_a_stale_version_of_the_merged_case_is_a_conflict_and_nothing_moves(world):
    source, target = world.mail("<a@x>"), world.mail("<b@x>")
    with pytest.raises(VersionConflict):
        world.merging.merge(source, MergeIn(into=target, version=7), AGENT)
    assert world.cases.get(source).merged_into is None and EventKind.MERGED not in world.kinds(target)


def test_a_merge_stopped_half_way_is_finished_by_asking_again(world):
    source, target = world.mail("<a@x>"), world.mail("<b@x>")
    world.moves.fail_copy = True
    with pytest.raises(RuntimeError):
        world.merging.merge(source, MergeIn(into=target, version=1), AGENT)
    again = world.merging.merge(source, MergeIn(into=target, version=1), AGENT)
    assert again.moved_events == 2  # created + the mail
    assert [e.body for e in world.moves.events(target) if e.kind is EventKind.MESSAGE_IN] == [
        "mail <a@x>",
        "mail <b@x>",
    ]
    assert world.kinds(target).count(EventKind.MERGED) == 1


def test_split_moves_interactions_and_their_message_ids_to_a_new_linked_case(world):
    original = world.mail("<a@x>", contact_email="ann@example.org")
    second = world.reply_in(original, "<other-topic@x>")
    result = world.merging.split(original, SplitIn(event_ids=[second], subject="Other topic"), AGENT)
    new = result.case
    assert (new.subject, new.customer_id, new.contact_email) == ("Other topic", "CU-1", "ann@example.org")
    assert new.context.split_from == original and result.moved_events == 1
    assert [e.event_id for e in world.moves.events(new.case_id) if e.kind is EventKind.MESSAGE_IN] == [second]
    assert second not in [e.event_id for e in world.moves.events(original)]
    assert world.kinds(original)[-1] is EventKind.SPLIT and EventKind.SPLIT_FROM in world.kinds(new.case_id)
    # a reply to the split-off mail threads into the new case, one to the first mail stays
    assert world.cases.find_case_for_message_ids(["<other-topic@x>"]) == new.case_id
    assert world.cases.find_case_for_message_ids(["<a@x>"]) == original


def test_split_refuses_unknown_events_and_events_that_are_not_interactions(world):
    original = world.mail("<a@x>")
    created = world.moves.events(original)[0].event_id
    with pytest.raises(InvalidInput) as err:
        world.merging.split(original, SplitIn(event_ids=["nope"], subject="s"), AGENT)
    assert err.value.fields[0]["field"] == "event_ids"
    with pytest.raises(InvalidInput):
        world.merging.split(original, SplitIn(event_ids=[created], subject="s"), AGENT)
    with pytest.raises(VersionConflict):
        world.merging.split(original, SplitIn(event_ids=[created], subject="s", version=9), AGENT)


def test_a_bulk_merge_merges_each_selected_case_leaves_the_target_and_reports_the_refused(world):
    from functions.cases.actions.models import BulkIn
    from functions.cases.actions.service import BulkActions
    from tests.fakes.case_jobs import FakeJobQueue, FakeJobStore

    queue = FakeJobQueue()
    bulk = BulkActions(world.cases, world.problems, FakeJobStore(), queue, lambda: T0, merger=world.merging)
    target, a, b = world.mail("<t@x>"), world.mail("<a@x>"), world.mail("<b@x>")
    foreign = world.mail("<f@x>", "CU-2")
    request = BulkIn.model_validate({"case_ids": [a, target, b, foreign], "update": {"merge_into": target}})
    job_id = bulk.submit(request, AGENT).job_id
    while steps := queue.take():
        for step in steps:
            bulk.handle(step)
    job = bulk.view(job_id)
    assert (job.changed, job.unchanged, job.failed) == (2, 1, 1)
    assert [(f.case_id, f.error) for f in job.failures] == [(foreign, "conflict")]
    assert {world.cases.get(c).merged_into for c in (a, b)} == {target} and world.cases.get(target).merged_into is None
    assert world.cases.find_case_for_message_ids(["<b@x>"]) == target


def test_merge_into_goes_alone_in_a_bulk_update():
    from functions.cases.actions.models import BulkUpdate

    with pytest.raises(ValueError, match="alone"):
        BulkUpdate.model_validate({"merge_into": "CB-1", "priority": "high"})
    assert BulkUpdate.model_validate({"merge_into": "CB-1"}).merge_into == "CB-1"
