"""Detection with its ports: state saved between batches, candidates become problems, auto-links."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from functions.problems.detection.detector import Detector, from_state, to_state
from functions.problems.detection.models import Candidate, CaseSignal, DetectionConfig
from functions.problems.detection.service import DetectionService
from tests.fakes.detection import MemoryStateStore
from tests.unit.test_problem_detection import T0, TOPICS, background, customer, topic_text


def stream(seed: int) -> list[CaseSignal]:
    rng = random.Random(seed)
    cases = background(rng, 1500)
    burst = [
        CaseSignal(
            case_id=f"X{i}", text=topic_text(rng, 0), at=T0 + timedelta(minutes=1200 + 5 * i), **customer(rng, "P7")
        )
        for i in range(12)
    ]
    return sorted(cases + burst, key=lambda c: c.at)


class FakeProblems:
    def __init__(self) -> None:
        self.created: list[dict[str, Any]] = []
        self.linked: list[tuple[str, str]] = []

    def create_candidate(
        self, evidence: dict[str, Any], case_ids: list[str], title: str, description: str, key: str
    ) -> str:
        self.created.append(
            {"evidence": evidence, "case_ids": case_ids, "title": title, "description": description, "key": key}
        )
        return f"PB-{len(self.created)}"

    def link_similar(self, problem_id: str, case_id: str) -> None:
        self.linked.append((problem_id, case_id))


def test_a_detector_restored_from_its_state_finds_the_same_candidates() -> None:
    # Given a stream cut in two, with the detector saved and restored between the halves
    cases = stream(3)
    uncut = Detector()
    whole = [e for c in cases for e in uncut.observe(c)]
    first = Detector()
    split = [e for c in cases[:1250] for e in first.observe(c)]
    restored = from_state(to_state(first))
    # When the second half goes to the restored detector
    split += [e for c in cases[1250:] for e in restored.observe(c)]
    # Then the events are the same as without the cut
    assert [e.model_dump() for e in split] == [e.model_dump() for e in whole]
    assert any(isinstance(e, Candidate) for e in whole)


def test_the_service_opens_a_problem_with_the_evidence_and_auto_links_later_cases() -> None:
    # Given the detection service over an in-memory state and fake problem records
    problems = FakeProblems()
    service = DetectionService(MemoryStateStore(), problems, DetectionConfig(auto_link_similarity=0.5))
    cases = stream(3)
    # When the cases arrive in batches
    for i in range(0, len(cases), 250):
        service.observe(cases[i : i + 250])
    later = CaseSignal(case_id="L1", text=" ".join(TOPICS[0][:4]), at=T0 + timedelta(minutes=1300), product="P7")
    outcome = service.observe([later])
    # Then one candidate problem holds the burst, with its growth and common thread
    assert len(problems.created) == 1
    created = problems.created[0]
    assert all(c.startswith("X") for c in created["case_ids"])
    assert created["evidence"]["growth"]["observed"] >= 4
    assert created["evidence"]["common_thread"][0]["value"] == "P7"
    assert created["evidence"]["candidate_id"]
    # and the later matching case is linked to it automatically
    assert ("PB-1", "L1") in problems.linked
    assert outcome.auto_linked == [("PB-1", "L1")]


def test_a_closed_problem_gets_no_more_links() -> None:
    # Given a candidate problem opened by the service
    problems = FakeProblems()
    service = DetectionService(MemoryStateStore(), problems, DetectionConfig(auto_link_similarity=0.0))
    service.observe(stream(3))
    linked_before = len(problems.linked)
    # When the problem is closed (confirmed into a problem, dismissed or resolved)
    service.close("PB-1")
    later = CaseSignal(case_id="L9", text=" ".join(TOPICS[0][:4]), at=T0 + timedelta(minutes=1300), product="P7")
    outcome = service.observe([later])
    # Then a later matching case is neither linked nor suggested
    assert len(problems.linked) == linked_before
    assert outcome.suggestions == [] and outcome.auto_linked == []


class FailingOnceStore(MemoryStateStore):
    """A state store whose first save fails (S3 unavailable, or the Lambda timed out before it)."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_next_save = False

    def save(self, state: dict[str, Any]) -> None:
        if self.fail_next_save:
            self.fail_next_save = False
            raise RuntimeError("S3 unavailable")
        super().save(state)


def test_a_batch_retried_after_its_state_was_lost_names_its_candidate_the_same() -> None:
    # Given the service with its state saved before the burst
    problems = FakeProblems()
    store = FailingOnceStore()
    service = DetectionService(store, problems)
    cases = stream(3)
    first_burst = next(i for i, c in enumerate(cases) if c.case_id.startswith("X"))
    service.observe(cases[:first_burst])
    # When the batch holding the burst opens a candidate but its state save fails
    store.fail_next_save = True
    try:
        service.observe(cases[first_burst:])
    except RuntimeError:
        pass
    assert len(problems.created) == 1
    # and the stream retries the batch
    service.observe(cases[first_burst:])
    # Then the candidate is handed over again under the same key (the records open one problem per key)
    assert len(problems.created) == 2
    first, again = problems.created
    assert first["key"] == again["key"]
    assert first["case_ids"] == again["case_ids"]
    # and a later candidate gets another key
    assert first["key"].endswith("/" + first["evidence"]["candidate_id"])


class CountingStore(MemoryStateStore):
    def __init__(self) -> None:
        super().__init__()
        self.loads = self.saves = 0

    def load(self) -> dict[str, Any] | None:
        self.loads += 1
        return super().load()

    def save(self, state: dict[str, Any]) -> None:
        self.saves += 1
        super().save(state)


def test_held_loads_the_state_once_and_saves_it_once_for_a_whole_batch() -> None:
    # Given the service over a counting store, primed with the stream up to the burst
    problems = FakeProblems()
    store = CountingStore()
    service = DetectionService(store, problems, DetectionConfig(auto_link_similarity=0.0))
    cases = stream(3)
    first_burst = next(i for i, c in enumerate(cases) if c.case_id.startswith("X"))
    service.observe(cases[:first_burst])
    store.loads = store.saves = 0
    # When one batch observes the burst in pieces, closes its candidate, and observes a later case
    later = CaseSignal(case_id="L9", text=" ".join(TOPICS[0][:4]), at=T0 + timedelta(minutes=1300), product="P7")
    with service.held():
        for c in cases[first_burst:]:
            service.observe([c])
        assert len(problems.created) == 1 and store.saves == 0
        assert service.close("PB-1") is True
        outcome = service.observe([later])
    # Then the state was read once and written once, and the close took effect within the batch
    assert (store.loads, store.saves) == (1, 1)
    assert outcome.auto_linked == [] and outcome.suggestions == []
    # and the saved state is the batch's: a new service sees the later case as already observed
    again = DetectionService(store, problems).observe([later])
    assert again.skipped == ["L9"]


def test_held_saves_nothing_when_the_batch_fails() -> None:
    # Given a primed service
    store = CountingStore()
    service = DetectionService(store, FakeProblems())
    service.observe(stream(3)[:200])
    saved = store.blob
    # When a batch fails after observing cases
    try:
        with service.held():
            service.observe(stream(3)[200:400])
            raise RuntimeError("a reaction's dependency is down")
    except RuntimeError:
        pass
    # Then the stored state is the one before the batch (the retry replays it)
    assert store.blob == saved


def test_a_given_segment_base_is_not_changed_by_the_states_channel_counts() -> None:
    from functions.problems.detection.detector import SegmentBase

    # Given a shared segment base (the process's cache) without channel counts
    base = SegmentBase()
    base.add({"product": "P7", "region": "north"})
    service = DetectionService(MemoryStateStore(), FakeProblems(), base=base)
    # When cases with channels are observed
    service.observe([c.model_copy(update={"channel": "email"}) for c in stream(3)[:50]])
    # Then the detector counted the channels in its own copy, not in the shared base
    assert base.counts["channel"] == {} and base.totals["channel"] == 0
    with service.held():
        detector, _ = service._state()
        assert detector.base.counts["channel"] == {"email": 50}
        assert detector.base.counts["product"] == {"P7": 1}


def test_a_state_written_by_another_writer_since_loading_is_not_overwritten() -> None:
    import pytest

    from functions.core.errors import Conflict

    # Given a saved state, and a batch holding it
    store = MemoryStateStore()
    cases = stream(3)
    DetectionService(store, FakeProblems()).observe(cases[:10])
    holding = DetectionService(store, FakeProblems())
    with pytest.raises(Conflict):
        with holding.held():
            holding.observe(cases[10:20])
            # When another writer saves meanwhile
            DetectionService(store.writer(), FakeProblems()).observe(cases[20:30])
    # Then the batch's save is refused and the other writer's state stands
    again = DetectionService(store.writer(), FakeProblems()).observe(cases[20:30])
    assert len(again.skipped) == 10


# -- the segment base ---------------------------------------------------------------------------


def test_the_segment_base_counts_each_customer_once_per_value() -> None:
    from functions.problems.detection.rules import segment_base_from_customers

    base = segment_base_from_customers(
        [
            {"region": "north", "tier": "premium", "install_base": [{"product": "P1", "batch": "B1"}]},
            {"region": "north", "tier": "standard", "install_base": [{"product": "P1"}, {"product": "P1"}]},
            {"region": "south", "tier": "standard", "install_base": []},
        ]
    )
    assert base.counts["region"] == {"north": 2, "south": 1}
    assert base.counts["product"] == {"P1": 2}
    assert base.counts["batch"] == {"B1": 1}
    # a customer owning two products counts once in the product total: shares are of customers
    two = segment_base_from_customers(
        [{"install_base": [{"product": "P1"}, {"product": "P2"}]}, {"install_base": [{"product": "P1"}]}]
    )
    assert two.counts["product"] == {"P1": 2, "P2": 1}
    assert two.totals["product"] == 2


def test_the_segment_base_is_recounted_by_the_schedule_not_by_the_stream_handler() -> None:
    from datetime import UTC, datetime

    from functions.problems.detection.detector import SegmentBase
    from functions.problems.detection.service import SegmentBaseCache
    from tests.fakes.detection import FakeSegmentBaseStore

    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    bucket = FakeSegmentBaseStore()  # what every process reads
    counts = [1]

    def compute() -> SegmentBase:
        base = SegmentBase()
        for _ in range(counts[0]):
            base.add({"region": "north"})
        return base

    def cache() -> SegmentBaseCache:
        return SegmentBaseCache(bucket, compute, max_age=timedelta(hours=24), clock=lambda: now[0])

    # With nothing stored, the stream's first batch counts once and stores the counts
    stream_side, schedule_side = cache(), cache()
    assert stream_side.get().totals["region"] == 1
    # and the schedule, within the max age, leaves them alone
    assert schedule_side.refresh() is False
    assert (stream_side.computations, schedule_side.computations) == (1, 0)
    # A day later the customer base has grown: the stream side keeps the stored counts (no recount inline)
    counts[0] = 3
    now[0] += timedelta(hours=25)
    assert cache().get().totals["region"] == 1
    # the schedule recounts
    assert schedule_side.refresh() is True
    assert schedule_side.computations == 1
    # and a stream process picks the new counts up within its reload interval
    assert stream_side.get().totals["region"] == 3
    assert stream_side.computations == 1
    assert bucket.saves == 2


def test_the_segment_base_counts_the_customer_base() -> None:
    from functions.problems.detection.rules import segment_base_from_customers
    from functions.problems.detection.service import SegmentBaseCache
    from tests.fakes.detection import FakeCustomerBase, FakeSegmentBaseStore

    customers = FakeCustomerBase([{"region": "north", "tier": "standard", "install_base": [{"product": "P7"}]}])
    cache = SegmentBaseCache(FakeSegmentBaseStore(), lambda: segment_base_from_customers(customers.rows()))
    assert cache.get().counts["product"] == {"P7": 1}
