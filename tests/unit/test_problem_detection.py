"""The problem-blip detector: grouping, the growth test, the common thread, link suggestions, cost."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from functions.problems.detection.detector import Detector, SegmentBase
from functions.problems.detection.models import Candidate, CaseSignal, DetectionConfig, LinkSuggestion
from functions.problems.detection.stats import binomial_sf, poisson_sf
from functions.problems.detection.text import STOP_WORD_WEIGHT, terms, weighted_terms

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TOPICS = [[f"t{n}w{i}" for i in range(8)] for n in range(40)]
REGIONS = ["north", "south", "east", "west"]
PRODUCTS = [f"P{i}" for i in range(10)]


def topic_text(rng: random.Random, topic: int) -> str:
    return " ".join(rng.sample(TOPICS[topic], 4))


def customer(rng: random.Random, product: str | None = None) -> dict[str, str]:
    return {
        "customer_id": f"CU{rng.randrange(100_000)}",
        "product": product or rng.choice(PRODUCTS),
        "region": rng.choice(REGIONS),
        "tier": "standard",
    }


def background(rng: random.Random, n: int, start: int = 0, minutes: float = 1.0) -> list[CaseSignal]:
    return [
        CaseSignal(
            case_id=f"B{start + i}",
            text=topic_text(rng, rng.randrange(1, len(TOPICS))),
            at=T0 + timedelta(minutes=(start + i) * minutes),
            **customer(rng),
        )
        for i in range(n)
    ]


def candidates(events: list) -> list[Candidate]:
    return [e for e in events if isinstance(e, Candidate)]


def seeded_base(rng: random.Random) -> SegmentBase:
    base = SegmentBase()
    for _ in range(5000):
        c = customer(rng)
        base.add({k: v for k, v in c.items() if k != "customer_id"})
    return base


def run(detector: Detector, cases: list[CaseSignal]) -> list:
    events = []
    for case in sorted(cases, key=lambda c: c.at):
        events.extend(detector.observe(case))
    return events


def test_binomial_tail_matches_known_values() -> None:
    assert binomial_sf(0, 10, 0.3) == 1.0
    assert binomial_sf(1, 10, 0.5) == pytest.approx(1 - 0.5**10)
    assert binomial_sf(10, 10, 0.5) == pytest.approx(0.5**10)
    exact = 1 - sum(math.comb(20, i) * 0.1**i * 0.9 ** (20 - i) for i in range(3))
    assert binomial_sf(3, 20, 0.1) == pytest.approx(exact, rel=1e-9)
    assert poisson_sf(2, 1.0) == pytest.approx(1 - 2 / 2.718281828459045, rel=1e-9)


def test_a_burst_of_similar_cases_opens_a_candidate_holding_the_burst() -> None:
    # Given steady traffic across 39 topics, then 12 cases of topic 0 within an hour
    rng = random.Random(1)
    cases = background(rng, 1500)
    burst = [
        CaseSignal(case_id=f"X{i}", text=topic_text(rng, 0), at=T0 + timedelta(minutes=1200 + 5 * i), **customer(rng))
        for i in range(12)
    ]
    # When the detector sees the stream
    found = candidates(run(Detector(), cases + burst))
    # Then one candidate opens, made of the burst's cases, saying how much it grew
    assert len(found) == 1
    cand = found[0]
    assert sum(c.startswith("X") for c in cand.case_ids) / len(cand.case_ids) >= 0.9
    assert cand.evidence.growth.observed > cand.evidence.growth.expected * 5
    assert cand.evidence.growth.p_value < DetectionConfig().alpha
    assert set(cand.evidence.top_terms) <= set(TOPICS[0])


def test_steady_traffic_of_the_same_volume_opens_no_candidate() -> None:
    # Given the same number of topic-0 cases, spread evenly over the whole stream
    rng = random.Random(1)
    cases = background(rng, 1500)
    steady = [
        CaseSignal(case_id=f"X{i}", text=topic_text(rng, 0), at=T0 + timedelta(minutes=125 * i + 3), **customer(rng))
        for i in range(12)
    ]
    # When the detector sees the stream / Then nothing is flagged
    assert candidates(run(Detector(), cases + steady)) == []


def test_the_common_thread_names_the_injected_segment_with_its_lift() -> None:
    # Given a burst whose customers all have product P7 (a tenth of the base)
    rng = random.Random(2)
    base = seeded_base(rng)
    cases = background(rng, 1500)
    burst = [
        CaseSignal(
            case_id=f"X{i}", text=topic_text(rng, 0), at=T0 + timedelta(minutes=1200 + 5 * i), **customer(rng, "P7")
        )
        for i in range(12)
    ]
    # When the candidate opens
    cand = candidates(run(Detector(base=base), cases + burst))[0]
    # Then its top common-thread item is product=P7, with counts and a lift near 10
    top = cand.evidence.common_thread[0]
    assert (top.attribute, top.value) == ("product", "P7")
    assert top.count >= 4
    assert top.group_share == 1.0
    assert top.lift > 5
    assert top.base_share == pytest.approx(0.1, abs=0.03)
    assert "product=P7" in cand.description
    # and no attribute without over-representation is reported
    assert all(i.attribute != "tier" for i in cand.evidence.common_thread)


def test_later_matching_cases_are_suggested_for_linking_and_auto_linked_above_the_threshold() -> None:
    # Given an open candidate for topic 0 (cases from product P7 customers)
    rng = random.Random(3)
    detector = Detector(DetectionConfig(auto_link_similarity=0.5))
    cases = background(rng, 1500)
    burst = [
        CaseSignal(
            case_id=f"X{i}", text=topic_text(rng, 0), at=T0 + timedelta(minutes=1200 + 5 * i), **customer(rng, "P7")
        )
        for i in range(12)
    ]
    events = run(detector, cases + burst)
    cand = candidates(events)[0]
    # When one more topic-0 case arrives
    later = CaseSignal(case_id="L1", text=" ".join(TOPICS[0][:4]), at=T0 + timedelta(minutes=1300), product="P7")
    out = detector.observe(later)
    # Then it is suggested for that candidate, automatically above the threshold
    assert len(out) == 1 and isinstance(out[0], LinkSuggestion)
    assert out[0].candidate_id == cand.candidate_id
    assert out[0].auto is (out[0].similarity >= 0.5)
    # and once the candidate is closed, cases are no longer suggested
    detector.close(cand.candidate_id)
    again = CaseSignal(case_id="L2", text=" ".join(TOPICS[0][:4]), at=T0 + timedelta(minutes=1301), product="P7")
    assert not any(isinstance(e, LinkSuggestion) for e in detector.observe(again))


def test_work_per_case_does_not_grow_with_the_number_of_groups() -> None:
    # Given cases that each bring new words (so groups keep multiplying) plus shared common words
    config = DetectionConfig(postings_per_term=8, case_terms=6)
    bound = config.case_terms * 2 * config.postings_per_term
    rng = random.Random(4)
    common = ["card", "account", "payment", "refund"]
    detector = Detector(config)

    def feed(n: int, start: int) -> float:
        before = detector.counters.postings_scanned
        for i in range(start, start + n):
            text = " ".join(rng.sample(common, 2) + [f"u{i}a", f"u{i}b", f"u{i}c", f"u{i}d"])
            detector.observe(CaseSignal(case_id=f"C{i}", text=text, at=T0 + timedelta(seconds=30 * i)))
            assert detector.counters.last_postings_scanned <= bound
        return (detector.counters.postings_scanned - before) / n

    # When the detector holds a few hundred groups, then a hundred times more
    feed(200, 0)
    small_groups = len(detector.groups) + detector.pruned
    at_small = feed(100, 200)
    feed(20_000, 300)
    at_large = feed(100, 20_300)
    # Then the groups made multiplied but the postings scanned per case stayed within the same bound
    assert len(detector.groups) + detector.pruned >= 50 * small_groups // 2
    assert at_large <= bound
    assert at_large <= 2 * max(at_small, config.postings_per_term)


def test_stop_words_are_kept_at_a_lower_weight_and_fillers_dropped() -> None:
    # Given a request whose stop words tell it apart ("why ... not") and a greeting
    found = dict(weighted_terms("Hi, why was my card not accepted?"))
    # Then content words weigh 1, stop words less, and the greeting is gone
    assert found["card"] == 1.0
    assert found["why"] == STOP_WORD_WEIGHT and found["not"] == STOP_WORD_WEIGHT
    assert "hi" not in found
    assert terms("Hi, why was my card not accepted?") == ["card", "accept"]


def test_a_case_joins_the_group_its_nearest_recent_cases_vote_for() -> None:
    # Given recent cases of two topics
    rng = random.Random(5)
    detector = Detector()
    for i in range(60):
        detector.observe(
            CaseSignal(case_id=f"C{i}", text=topic_text(rng, i % 2), at=T0 + timedelta(minutes=i), **customer(rng))
        )
    topic_group = {}
    for topic in (0, 1):
        detector.observe(
            CaseSignal(case_id=f"Q{topic}", text=" ".join(TOPICS[topic][:4]), at=T0 + timedelta(minutes=61 + topic))
        )
        topic_group[topic] = detector.last_group_id
    # Then each new case lands in the group holding its topic's recent cases, and the topics stay apart
    assert topic_group[0] != topic_group[1]
    members = {d.case_id: d.gid for d in detector.pool}
    assert sum(detector._find(members[f"C{i}"]) == topic_group[0] for i in range(0, 60, 2)) >= 25
    assert sum(detector._find(members[f"C{i}"]) == topic_group[1] for i in range(1, 60, 2)) >= 25


def test_the_recent_case_pool_and_its_postings_stay_bounded() -> None:
    # Given a small pool and posting cap, and many more cases than they hold
    config = DetectionConfig(neighbour_pool=300, postings_per_term=20)
    detector = Detector(config)
    rng = random.Random(6)
    for c in background(rng, 2000):
        detector.observe(c)
    # Then the pool holds only the most recent cases and no posting exceeds the cap or names a dropped case
    assert len(detector.pool) == 300
    assert detector.pool[-1].case_id == "B1999"
    assert all(len(p) <= 20 for p in detector.postings.values())
    assert all(seq in detector.docs_by_seq for p in detector.postings.values() for seq in p)
    assert detector.counters.max_postings_scanned <= config.case_terms * config.postings_per_term


def test_a_burst_confined_to_one_segment_opens_a_candidate_scoped_to_it() -> None:
    # Given steady traffic, then a burst of a topic that also appears in background, all from product P7
    rng = random.Random(7)
    base = seeded_base(rng)
    cases = background(rng, 1500)
    burst = [
        CaseSignal(
            case_id=f"X{i}", text=topic_text(rng, 1), at=T0 + timedelta(minutes=1200 + 7 * i), **customer(rng, "P7")
        )
        for i in range(10)
    ]
    # When the detector sees the stream
    found = candidates(run(Detector(base=base), cases + burst))
    # Then a candidate holding mostly the burst's cases opens, naming product P7 first
    assert found
    cand = found[0]
    assert sum(c.startswith("X") for c in cand.case_ids) / len(cand.case_ids) >= 0.8
    assert (cand.evidence.common_thread[0].attribute, cand.evidence.common_thread[0].value) == ("product", "P7")


def unique_word_stream(n: int, seed: int) -> list[CaseSignal]:
    """Cases that each bring new words (so new groups keep starting) plus shared common words."""
    rng = random.Random(seed)
    common = ["card", "account", "payment", "refund", "transfer", "pin"]
    out = []
    for i in range(n):
        words = rng.sample(common, 2) + [f"u{i}a", f"u{i}b", f"u{i}c"]
        if i % 3 == 0:
            words = topic_text(rng, i % len(TOPICS)).split()  # and recurring topics that merge and stay
        out.append(
            CaseSignal(case_id=f"C{i}", text=" ".join(words), at=T0 + timedelta(seconds=30 * i), **customer(rng))
        )
    return out


def test_the_groups_held_stay_bounded_on_a_long_stream() -> None:
    # Given a small recent pool and a stream that keeps starting new groups
    config = DetectionConfig(neighbour_pool=300, prune_every=100)
    detector = Detector(config)
    bound = config.neighbour_pool + config.prune_every + 1
    most = 0
    # When the detector sees twenty times more cases than its pool holds
    for case in unique_word_stream(6000, seed=8):
        detector.observe(case)
        most = max(most, len(detector.groups))
    # Then far more groups were made than are held, and the groups and merge aliases stay bounded
    assert detector.pruned > 5 * bound
    assert most <= bound
    assert len(detector.alias) <= config.prune_every
    # and every recent case still belongs to a held group, whose dropped cases were counted
    assert all(detector._find(d.gid) in detector.groups for d in detector.pool)
    assert detector.background + sum(g.history + len(g.recent) for g in detector.groups.values()) == 6000


def test_pruning_groups_changes_nothing_the_detector_reports() -> None:
    # Given the same stream with a burst, seen by a detector that prunes often and one that never prunes
    rng = random.Random(9)
    cases = background(rng, 1500)
    burst = [
        CaseSignal(case_id=f"X{i}", text=topic_text(rng, 0), at=T0 + timedelta(minutes=1200 + 5 * i), **customer(rng))
        for i in range(12)
    ]
    pruning = Detector(DetectionConfig(neighbour_pool=200, prune_every=50))
    keeping = Detector(DetectionConfig(neighbour_pool=200, prune_every=0))
    # When both see it
    events_pruning = run(pruning, cases + burst)
    events_keeping = run(keeping, cases + burst)
    # Then they report the same events, while the pruning one holds fewer groups
    assert candidates(events_pruning)
    assert [e.model_dump() for e in events_pruning] == [e.model_dump() for e in events_keeping]
    assert len(pruning.groups) < len(keeping.groups)
