"""Detection against moto: its state in S3, candidates opened through the real ProblemService."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from functions.cases.models import Actor, ActorType, Channel
from functions.problems.detection.adapters import ProblemSink
from functions.problems.detection.models import DetectionConfig
from functions.problems.detection.rules import signal_from_case
from functions.problems.detection.service import DetectionService
from functions.problems.detection.store import S3StateStore
from tests.fakes.detection import MemoryStateStore
from tests.unit.test_problem_detection import TOPICS, background

AGENT = Actor(type=ActorType.AGENT, id="agent-1")


@pytest.fixture
def problems(aws, container):
    """The problem services as the container wires them (escalation not started)."""
    from tests.fakes.problems import FakeEscalationStarter

    container.override(escalation=FakeEscalationStarter())
    container.departments.seed()
    return container.problems, container.cases


def test_the_state_round_trips_through_s3(aws):
    # Given a bucket and a detector state saved there
    from functions.core import aws as core_aws

    core_aws.client("s3").create_bucket(Bucket="detection-state")
    writer = S3StateStore("detection-state")
    assert writer.load() is None
    service = DetectionService(writer, sink=None)  # type: ignore[arg-type]
    service.observe(background(random.Random(1), 50))
    # When another process loads it
    reader = S3StateStore("detection-state")
    state = reader.load()
    # Then it finds the same detector
    assert state is not None and state["detector"]["total"] == 50
    # (S3StateStore.save is conditional on the ETag it loaded; moto does not check If-Match, so
    # refusing a stale writer is tested on the fake that behaves as S3 does, MemoryStateStore.)


def test_the_segment_base_round_trips_through_s3(aws):
    from datetime import UTC, datetime

    from functions.core import aws as core_aws
    from functions.problems.detection.detector import SegmentBase
    from functions.problems.detection.store import S3SegmentBaseStore

    core_aws.client("s3").create_bucket(Bucket="detection-base")
    store = S3SegmentBaseStore("detection-base")
    assert store.load() is None
    base = SegmentBase()
    base.add({"region": "north", "product": ["P1", "P2"]})
    counted = datetime(2026, 1, 1, tzinfo=UTC)
    store.save(base, counted)
    loaded, at = S3SegmentBaseStore("detection-base").load()
    assert (loaded.counts["product"], loaded.totals["region"], at) == ({"P1": 1, "P2": 1}, 1, counted)


def test_a_burst_of_real_cases_opens_a_candidate_problem_with_its_evidence(problems):
    # Given a detector that has seen a day of varied traffic
    service, cases = problems
    rng = random.Random(5)
    detection = DetectionService(MemoryStateStore(), ProblemSink(service), DetectionConfig(auto_link_similarity=0.3))
    history = background(rng, 1500)
    detection.observe(history)
    start = history[-1].at
    # When cases about one topic from one product's customers arrive within the hour
    signals = []
    for i in range(8):
        case = cases.open_case(
            subject=" ".join(rng.sample(TOPICS[0], 4)),
            channel=Channel.EMAIL,
            actor=AGENT,
            contact_email=f"c{i}@example.org",
        )
        signal = signal_from_case(case, {"product": "P7", "region": "north"}).model_copy(
            update={"at": start + timedelta(minutes=5 * (i + 1))}
        )
        signals.append(signal)
    outcome = detection.observe(signals)
    # Then a candidate problem holds those cases, with the growth and the common thread
    assert len(outcome.candidates) == 1
    problem_id, candidate = outcome.candidates[0]
    problem = service.get(problem_id)
    assert problem.status.value == "candidate"
    assert problem.evidence.growth is not None and problem.evidence.growth.observed >= 4
    assert problem.evidence.common_thread[0].value == "P7"
    view = service.view(problem_id)
    linked_later = {case_id for pid, case_id in outcome.auto_linked if pid == problem_id}
    assert {link.case_id for link in view.links} == set(candidate.case_ids) | linked_later
    assert all(link.link_type.value == "similar" for link in view.links)
