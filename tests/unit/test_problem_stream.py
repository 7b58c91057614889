"""The problem stream's batches on fakes: what each kind of record does, in stream order, and how a
failing reaction fails the batch after the others ran. Detection here is a recording stand-in;
the real detector on the table's stream is tested in tests/integration/test_problem_detection_wiring.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from functions.cases.models import Case, Channel
from functions.problems.detection.models import CaseSignal, LinkSuggestion, Outcome
from functions.problems.models import SuggestedCase, TableChange
from functions.problems.service.stream import ProblemStream, ReactionsFailed, detection_reaction
from tests.fakes.problems import T0, Clock, FakeCustomers, FakeSuggestionStore


class RecordingDetection:
    """The ``Detection`` port: records what it is asked, in order; suggests ``suggest`` for each case."""

    def __init__(self, suggest: dict[str, tuple[str, float]] | None = None) -> None:
        self.calls: list[Any] = []
        self.suggest = suggest or {}
        self.holds = 0

    @contextmanager
    def held(self) -> Iterator[RecordingDetection]:
        self.holds += 1
        self.calls.append("load")
        yield self
        self.calls.append("save")

    def observe(self, signals: list[CaseSignal]) -> Outcome:
        self.calls.append(("observe", [s.case_id for s in signals]))
        self.signals = signals
        out = Outcome()
        for s in signals:
            if s.case_id in self.suggest:
                problem_id, similarity = self.suggest[s.case_id]
                out.suggestions.append(
                    (
                        problem_id,
                        LinkSuggestion(candidate_id="G1-1", case_id=s.case_id, similarity=similarity, auto=False),
                    )
                )
        return out

    def close(self, problem_id: str) -> bool:
        self.calls.append(("close", problem_id))
        return True


class World:
    def __init__(self, suggest: dict[str, tuple[str, float]] | None = None) -> None:
        self.detection = RecordingDetection(suggest)
        self.built = 0
        self.suggestions = FakeSuggestionStore()
        self.customers = FakeCustomers()
        self.reacted: list[tuple[str, str | None, str]] = []
        self.extra: list[Any] = []

        def build() -> RecordingDetection:
            self.built += 1
            return self.detection

        def reactions(detection: Any) -> list[Any]:
            def record(problem_id: str, old: str | None, new: str) -> None:
                self.reacted.append((problem_id, old, new))

            return [detection_reaction(detection, self.suggestions), record, *self.extra]

        self.stream = ProblemStream(build, self.suggestions, self.customers, reactions, Clock())


def case_insert(case_id: str, **fields: Any) -> TableChange:
    case = Case(case_id=case_id, subject="Printer jams", channel=Channel.EMAIL, created_at=T0, updated_at=T0, **fields)
    item = {"PK": f"CASE#{case_id}", "SK": "#META", "type": "case", "GSI1PK": "CASES", **case.model_dump(mode="json")}
    return TableChange(event="INSERT", new=item)


def link_insert(problem_id: str, case_id: str) -> TableChange:
    item = {"PK": f"PROBLEM#{problem_id}", "SK": f"LINK#{case_id}", "problem_id": problem_id, "case_id": case_id}
    return TableChange(event="INSERT", new=item)


def status_change(problem_id: str, old: str, new: str) -> TableChange:
    item = {"PK": f"PROBLEM#{problem_id}", "SK": "#META", "problem_id": problem_id}
    return TableChange(event="MODIFY", new={**item, "status": new}, old={**item, "status": old})


def test_new_cases_reach_detection_with_their_customers_segments():
    world = World()
    world.customers.add("acme", region="north", tier="premium", install_base=[{"product": "P7"}])
    world.stream.handle([case_insert("CB-1", customer_id="acme"), case_insert("CB-2", product="P1")])
    first, second = world.detection.signals
    assert (first.region, first.tier, first.product, first.channel) == ("north", "premium", "P7", "email")
    assert (second.region, second.product) == (None, "P1")
    assert world.detection.calls == ["load", ("observe", ["CB-1", "CB-2"]), "save"]


def test_an_unknown_customer_is_observed_without_segments():
    world = World()
    world.stream.handle([case_insert("CB-1", customer_id="gone")])
    assert world.detection.signals[0].region is None


def test_a_batch_without_cases_or_status_changes_leaves_the_detection_state_alone():
    world = World()
    world.suggestions.put_many([SuggestedCase(problem_id="PB-1", case_id="CB-9", similarity=0.5, suggested_at=T0)])
    world.stream.handle([link_insert("PB-1", "CB-9")])
    assert world.built == 0
    assert world.suggestions.list("PB-1") == []  # the accepted suggestion is gone


def test_suggestions_below_the_auto_link_threshold_are_stored_rounded():
    world = World(suggest={"CB-1": ("PB-7", 0.612345)})
    counts = world.stream.handle([case_insert("CB-1")])
    [suggestion] = world.suggestions.list("PB-7")
    assert (suggestion.case_id, suggestion.similarity, suggestion.candidate_id) == ("CB-1", 0.6123, "G1-1")
    assert counts["suggested"] == 1 and counts["cases"] == 1


def test_cases_before_a_status_change_are_observed_before_its_reactions():
    world = World()
    world.stream.handle([case_insert("CB-1"), status_change("PB-1", "candidate", "dismissed"), case_insert("CB-2")])
    assert world.detection.calls == [
        "load",
        ("observe", ["CB-1"]),
        ("close", "PB-1"),
        ("observe", ["CB-2"]),
        "save",
    ]
    assert world.reacted == [("PB-1", "candidate", "dismissed")]
    assert world.detection.holds == 1 and world.built == 1


def test_confirming_keeps_detection_collecting():
    world = World()
    world.stream.handle([status_change("PB-1", "candidate", "confirmed")])
    assert ("close", "PB-1") not in world.detection.calls
    assert world.reacted == [("PB-1", "candidate", "confirmed")]


def test_a_modify_that_keeps_the_status_calls_no_reaction():
    world = World()
    world.stream.handle([status_change("PB-1", "confirmed", "confirmed")])
    assert world.reacted == [] and world.built == 0


def test_closing_a_problem_removes_its_suggestions():
    world = World()
    world.suggestions.put_many([SuggestedCase(problem_id="PB-1", case_id="CB-9", similarity=0.5, suggested_at=T0)])
    world.stream.handle([status_change("PB-1", "confirmed", "resolved")])
    assert world.suggestions.list("PB-1") == []


def test_a_failing_reaction_fails_the_batch_after_the_others_and_the_detection_update():
    world = World()

    def boom(problem_id: str, old: str | None, new: str) -> None:
        raise RuntimeError("notices are down")

    world.extra.append(boom)
    with pytest.raises(ReactionsFailed) as err:
        world.stream.handle([status_change("PB-1", "candidate", "dismissed"), case_insert("CB-1")])
    assert [(pid, error) for _, pid, error in err.value.failures] == [("PB-1", "RuntimeError")]
    # the other reactions ran, the later case was observed, and the state saved
    assert world.reacted == [("PB-1", "candidate", "dismissed")]
    assert world.detection.calls[-2:] == [("observe", ["CB-1"]), "save"]


# -- the escalation workflow's status writes -> the problem's timeline --------------------------


def escalation_change(old: str | None, new: str, **fields: Any) -> TableChange:
    item = {"PK": "PROBLEM#PB-1", "SK": "ESCALATION#PB-1-7", "updated_at": "2026-12-04T10:00:00.123Z", **fields}
    return TableChange(
        event="MODIFY" if old else "INSERT",
        new={**item, "status": new},
        old={**item, "status": old} if old else None,
    )


def test_an_escalations_new_status_is_told_to_the_timeline_once_per_change():
    told: list[Any] = []
    world = World()
    world.stream.escalations = told.append
    counts = world.stream.handle(
        [
            escalation_change(None, "awaiting_department"),  # said by "department assigned"
            escalation_change("awaiting_department", "escalated_to_manager", department="finance"),
            escalation_change("escalated_to_manager", "escalated_to_manager", department="finance"),  # no change
            escalation_change("escalated_to_manager", "failed", department="finance", failure="States.Timeout"),
            escalation_change("failed", "cancelled"),  # the problem's own change says it
        ]
    )
    assert [(t.problem_id, t.escalation_id, t.status, t.body()) for t in told] == [
        ("PB-1", "PB-1-7", "escalated_to_manager", "escalation to finance: escalated to manager"),
        ("PB-1", "PB-1-7", "failed", "escalation to finance failed: States.Timeout"),
    ]
    assert told[0].at == "2026-12-04T10:00:00.123Z" and counts["escalations"] == 2
    assert world.built == 0  # no detection state read for it


def test_a_timeline_write_that_fails_fails_the_batch_after_the_rest():
    world = World()

    def broken(line: Any) -> None:
        raise RuntimeError("table down")

    world.stream.escalations = broken
    with pytest.raises(ReactionsFailed) as raised:
        world.stream.handle([escalation_change("accepted", "fix_overdue"), status_change("PB-2", "new", "resolved")])
    assert raised.value.failures == [("escalation_timeline", "PB-1", "RuntimeError")]
    assert world.reacted == [("PB-2", "new", "resolved")]  # the status change after it still ran
