"""Detection on meaning: cases with a vector are grouped by what they say, not by the words they share.

The vectors come from the deterministic ``ConceptEmbedder`` (tests/fakes/search.py): words mapped
to one concept embed alike, so a burst of paraphrases shares a meaning but few words.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

import pytest

from functions.problems.detection.detector import Detector, from_state, to_state
from functions.problems.detection.models import Candidate, CaseSignal, DetectionConfig
from functions.problems.detection.service import DetectionService
from tests.fakes.detection import MemoryStateStore
from tests.fakes.search import ConceptEmbedder
from tests.unit.test_problem_detection import T0, TOPICS, background, customer, topic_text

# Five ways of saying each of four things: a printer that jams on paper since the firmware update.
PARAPHRASES = {
    "printer": ["printer", "device", "machine", "copier", "unit"],
    "jam": ["jams", "stuck", "blocked", "wedged", "caught"],
    "paper": ["paper", "sheet", "page", "pages", "sheets"],
    "update": ["firmware", "update", "upgrade", "patch", "release"],
}
CONCEPTS = {word: concept for concept, words in PARAPHRASES.items() for word in words}
UNRELATED = ["invoice", "amount", "wrong", "charged", "twice", "billing", "refund", "receipt"]


def embedder() -> ConceptEmbedder:
    return ConceptEmbedder(CONCEPTS, dim=256)


def paraphrase(rng: random.Random, i: int) -> str:
    """One way of saying it, and a word of its own (no two texts are the same)."""
    return " ".join([rng.choice(words) for words in PARAPHRASES.values()] + [f"ref{i}"])


def with_vectors(cases: list[CaseSignal], fake: ConceptEmbedder) -> list[CaseSignal]:
    vectors = fake.embed([c.text for c in cases])
    return [c.model_copy(update={"vector": v}) for c, v in zip(cases, vectors, strict=True)]


def burst_stream(seed: int, n: int = 12) -> tuple[list[CaseSignal], list[CaseSignal]]:
    """A day of background on 39 topics, then ``n`` paraphrases five minutes apart."""
    rng = random.Random(seed)
    cases = background(rng, 1500)
    burst = [
        CaseSignal(
            case_id=f"X{i}", text=paraphrase(rng, i), at=T0 + timedelta(minutes=1200 + 5 * i), **customer(rng, "P7")
        )
        for i in range(n)
    ]
    return cases, burst


def first_candidate(detector: Detector, cases: list[CaseSignal]) -> tuple[Candidate | None, int]:
    """The first candidate opened and how many burst cases (``X``) had arrived by then."""
    seen = 0
    for case in sorted(cases, key=lambda c: c.at):
        seen += case.case_id.startswith("X")
        for event in detector.observe(case):
            if isinstance(event, Candidate):
                return event, seen
    return None, seen


def test_paraphrases_that_share_no_word_join_one_group_by_meaning() -> None:
    fake = embedder()
    a, b = with_vectors(
        [
            CaseSignal(case_id="A", text="printer jams paper firmware", at=T0),
            CaseSignal(case_id="B", text="copier wedged sheets upgrade", at=T0 + timedelta(minutes=1)),
        ],
        fake,
    )
    # Given a case, when a paraphrase of it arrives with its vector
    detector = Detector()
    detector.observe(a)
    first = detector.last_group_id
    detector.observe(b)
    # Then it joins the first case's group
    assert detector.last_group_id == first
    # while by words alone (no vectors) it starts a group of its own
    words = Detector()
    words.observe(a.model_copy(update={"vector": None}))
    words.observe(b.model_copy(update={"vector": None}))
    assert len(words.groups) == 2


def test_unrelated_cases_are_not_grouped_by_meaning() -> None:
    fake = embedder()
    rng = random.Random(1)
    cases = with_vectors(
        [CaseSignal(case_id="P", text="printer jams paper firmware", at=T0)]
        + [
            CaseSignal(case_id=f"U{i}", text=" ".join(rng.sample(UNRELATED, 4)), at=T0 + timedelta(minutes=i + 1))
            for i in range(5)
        ],
        fake,
    )
    # Given a printer case, when billing cases arrive
    detector = Detector()
    detector.observe(cases[0])
    printer_group = detector.last_group_id
    joined = []
    for case in cases[1:]:
        detector.observe(case)
        joined.append(detector.last_group_id)
    # Then none of them joins the printer case's group
    assert printer_group not in joined


def test_a_burst_of_paraphrases_opens_a_candidate_by_its_fifth_case() -> None:
    fake = embedder()
    cases, burst = burst_stream(1)
    # When the detector sees the stream with each case's vector
    found, seen = first_candidate(Detector(), with_vectors(cases + burst, fake))
    # Then a candidate opens by the burst's fifth case, made of the burst's cases
    assert found is not None
    assert seen <= 5
    assert sum(c.startswith("X") for c in found.case_ids) / len(found.case_ids) >= 0.9
    # and by words alone the same burst is found later, if at all
    words, seen_by_words = first_candidate(Detector(), cases + burst)
    assert words is None or seen_by_words > seen


def test_steady_paraphrases_of_the_same_volume_open_no_candidate() -> None:
    fake = embedder()
    rng = random.Random(2)
    cases = background(rng, 1500)
    steady = [
        CaseSignal(case_id=f"X{i}", text=paraphrase(rng, i), at=T0 + timedelta(minutes=125 * i + 3), **customer(rng))
        for i in range(12)
    ]
    # When the same number of paraphrases is spread over the whole day / Then nothing is flagged
    found, _ = first_candidate(Detector(), with_vectors(cases + steady, fake))
    assert found is None


def test_a_detector_restored_from_its_state_keeps_its_vectors() -> None:
    fake = embedder()
    cases, burst = burst_stream(3)
    stream = sorted(with_vectors(cases + burst, fake), key=lambda c: c.at)
    uncut = Detector()
    whole = [e.model_dump() for c in stream for e in uncut.observe(c)]
    # Given the detector saved (as the JSON the state store writes) and restored mid-stream
    first = Detector()
    split = [e.model_dump() for c in stream[:1504] for e in first.observe(c)]
    restored = from_state(json.loads(json.dumps(to_state(first))))
    # When the rest goes to the restored detector
    split += [e.model_dump() for c in stream[1504:] for e in restored.observe(c)]
    # Then it reports the same events (same candidates, same members; similarities to float16's precision)
    assert [(e["kind"], e["candidate_id"], e.get("case_ids")) for e in split] == [
        (e["kind"], e["candidate_id"], e.get("case_ids")) for e in whole
    ]
    assert any(e["kind"] == "candidate" for e in whole)


def test_the_pool_of_vectors_and_the_work_per_case_stay_bounded() -> None:
    fake = embedder()
    config = DetectionConfig(neighbour_pool=300)
    detector = Detector(config)
    rng = random.Random(4)
    cases = with_vectors(background(rng, 1200), fake)
    # When far more cases than the pool holds are observed
    scored = []
    for case in cases:
        before = detector.counters.vectors_scored
        detector.observe(case)
        scored.append(detector.counters.vectors_scored - before)
    # Then each case was compared with at most the pool's vectors twice (its neighbours; its group's
    # centroid for the strays), however many cases came before, and the state holds at most that many
    assert max(scored) <= 2 * config.neighbour_pool
    state = to_state(detector)
    assert len(state["emb"]["rows"]) == len(detector.pool) == config.neighbour_pool
    assert all(g["c"] is not None for g in state["groups"])


def test_vectors_of_another_model_are_dropped_and_those_cases_compared_by_words() -> None:
    fake = embedder()
    a, b = with_vectors(
        [
            CaseSignal(case_id="A", text="printer jams paper firmware", at=T0),
            CaseSignal(case_id="B", text="copier wedged sheets upgrade", at=T0 + timedelta(minutes=1)),
        ],
        fake,
    )
    # Given a detector that holds a case embedded by one model
    detector = Detector()
    detector.use_model(fake.model_id)
    detector.observe(a)
    # When the deployment's model changes before the paraphrase arrives
    detector.use_model("another-model")
    detector.observe(b)
    # Then the paraphrase is not compared with the old vector: it starts its own group
    assert len(detector.groups) == 2


# --- the service: one embedding per case, through the port ---------------------------------------
class FakeSink:
    def __init__(self) -> None:
        self.created: list[list[str]] = []

    def create_candidate(
        self, evidence: dict[str, Any], case_ids: list[str], title: str, description: str, key: str
    ) -> str:
        self.created.append(case_ids)
        return f"PB-{len(self.created)}"

    def link_similar(self, problem_id: str, case_id: str) -> None:
        pass


class BrokenEmbedder:
    model_id = "broken"

    def embed(self, texts: Any) -> list[list[float]]:
        raise RuntimeError("model file missing")


def test_the_service_embeds_each_new_case_once_in_one_call_per_batch() -> None:
    fake = embedder()
    cases, burst = burst_stream(1)
    service = DetectionService(MemoryStateStore(), FakeSink(), embedder=fake)
    stream = sorted(cases + burst, key=lambda c: c.at)
    # When the stream comes in batches of 100, and the last batch is delivered twice
    batches = [stream[i : i + 100] for i in range(0, len(stream), 100)]
    for batch in [*batches, batches[-1]]:
        service.observe(batch)
    # Then every case was embedded once, one call per batch with new cases, and the burst was found
    embedded = [t for call in fake.calls for t in call]
    assert len(embedded) == len(stream)
    assert len(fake.calls) == len(batches)
    assert service.sink.created and all(  # type: ignore[attr-defined]
        sum(c.startswith("X") for c in ids) / len(ids) >= 0.9
        for ids in service.sink.created  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize("broken", [False, True], ids=["no embedder", "embedder failing"])
def test_without_a_working_embedder_the_service_compares_cases_by_words(broken: bool) -> None:
    cases, _ = burst_stream(1, n=0)
    service = DetectionService(MemoryStateStore(), FakeSink(), embedder=BrokenEmbedder() if broken else None)
    # When a batch is observed / Then it is observed by words, nothing raised, no vector held
    service.observe(cases[:50])
    state = service.state.load()  # type: ignore[attr-defined]
    assert state is not None and state["detector"]["total"] == 50
    assert state["detector"]["emb"] == (None if not broken else {"model": "broken", "rows": []})


def test_a_common_topic_s_steady_traffic_is_not_growth_though_it_fills_more_than_the_nearest_rows() -> None:
    # Given a topic that is one case in four, day in day out: the pool of 600 recent cases holds
    # about 150 of its cases, more than the 30 nearest rows a case's neighbours are drawn from
    # (and its words are too common for the inverted index to reach them)
    fake = embedder()
    rng = random.Random(5)
    cases = []
    for i in range(1200):
        text = paraphrase(rng, i) if rng.random() < 0.25 else topic_text(rng, rng.randrange(1, len(TOPICS)))
        cases.append(CaseSignal(case_id=f"S{i}", text=text, at=T0 + timedelta(minutes=i), **customer(rng)))
    config = DetectionConfig(
        group_tests=False, neighbour_pool=600, meaning_candidates=30, postings_per_term=10, warmup_cases=600
    )
    # When the detector sees it with each case's vector (the neighbourhood test only)
    found, _ = first_candidate(Detector(config), with_vectors(cases, fake))
    # Then nothing is flagged: the older similar cases are counted over the whole pool, so the
    # topic's expected share is its own (a baseline cut at the nearest rows puts it far lower and
    # flags the topic's ordinary traffic)
    assert found is None


@pytest.mark.parametrize("core", [0.5, 0.0], ids=["core by meaning", "no core"])
def test_a_group_of_several_intents_opens_a_candidate_of_its_burst_s_cases_only(core: float) -> None:
    # Given a group that has taken in several intents (thresholds so loose that every case joins
    # one group: a group's reach as it grows), and a burst of paraphrases within product P7
    fake = embedder()
    rng = random.Random(6)
    cases = background(rng, 600)
    burst = [
        CaseSignal(
            case_id=f"X{i}", text=paraphrase(rng, i), at=T0 + timedelta(minutes=400 + 2 * i), **customer(rng, "P7")
        )
        for i in range(20)
    ]
    config = DetectionConfig(
        window_seconds=3600.0,
        warmup_cases=300,
        prior_weight=10.0,
        hood_tests=False,
        meaning_neighbour_similarity=0.0,
        meaning_join_similarity=0.0,
        meaning_join_centroid=0.0,
        meaning_core_similarity=core,
    )
    detector = Detector(config)
    # When the detector sees the stream with each case's vector
    found, seen = first_candidate(detector, with_vectors(cases + burst, fake))
    # Then the candidate holds the burst's cases, not the group's other intents of the window
    assert found is not None and len(detector.groups) == 1
    purity = sum(c.startswith("X") for c in found.case_ids) / len(found.case_ids)
    if core:
        assert purity == 1.0
        assert len(found.case_ids) == seen
    else:  # without the core by meaning, the group's other cases of P7 dilute it
        assert purity < 0.8


def test_a_growth_of_unrelated_cases_in_one_group_opens_no_candidate() -> None:
    # Given a group that has taken in every intent (loose thresholds), and a surge of cases in
    # product P7, each on a subject of its own (a chance cluster of the group's ordinary traffic)
    fake = embedder()
    rng = random.Random(7)
    cases = background(rng, 600)
    surge = [
        CaseSignal(
            case_id=f"X{i}",
            text=" ".join(f"s{i}w{j}" for j in range(4)),  # words of its own: no two alike
            at=T0 + timedelta(minutes=400 + 2 * i),
            **customer(rng, "P7"),
        )
        for i in range(20)
    ]
    loose = {
        "window_seconds": 3600.0,
        "warmup_cases": 300,
        "prior_weight": 10.0,
        "hood_tests": False,
        "meaning_neighbour_similarity": 0.0,
        "meaning_join_similarity": 0.0,
        "meaning_join_centroid": 0.0,
    }
    stream = with_vectors(cases + surge, fake)
    # When the detector sees it / Then the group's growth has no core of one meaning: no candidate
    found, _ = first_candidate(Detector(DetectionConfig(**loose)), stream)
    assert found is None
    # while a detector that judges the group's growth by its count alone flags it
    counted, _ = first_candidate(Detector(DetectionConfig(**loose, meaning_core_similarity=0.0)), stream)
    assert counted is not None


@pytest.mark.parametrize("seed", [8, 9])
def test_a_common_topic_is_not_growth_just_after_the_warm_up(seed: int) -> None:
    # Given a topic that is one case in three from the start (its group's baseline is thin when
    # the warm-up ends: 300 cases, fewer than the prior's 400)
    fake = embedder()
    rng = random.Random(seed)
    cases = []
    for i in range(900):
        text = paraphrase(rng, i) if rng.random() < 1 / 3 else topic_text(rng, rng.randrange(1, len(TOPICS)))
        cases.append(CaseSignal(case_id=f"S{i}", text=text, at=T0 + timedelta(minutes=i), **customer(rng)))
    config = DetectionConfig(hood_tests=False, warmup_cases=300)
    # When the detector sees it with each case's vector (the group tests only)
    found, _ = first_candidate(Detector(config), with_vectors(cases, fake))
    # Then nothing is flagged: once the group's history holds a few cases, its expected share is
    # at least its own rate, not pulled toward prior_share by the prior's 400 cases
    assert found is None


@pytest.mark.parametrize("stray", [0.0, 0.7])
def test_a_burst_split_over_several_groups_is_counted_whole_by_meaning(stray: float) -> None:
    # Given a burst of paraphrases that never join one group (a join threshold no two texts reach:
    # each case starts a group of its own, as a burst's first cases often land in different groups)
    fake = embedder()
    cases, burst = burst_stream(seed=3)
    config = DetectionConfig(
        hood_tests=False,
        meaning_join_similarity=0.99,
        meaning_merge_similarity=1.0,
        meaning_stray_similarity=stray,
    )
    detector = Detector(config)
    # When the detector sees the stream with each case's vector
    found, seen = first_candidate(detector, with_vectors(cases + burst, fake))
    # Then the group test counts the other groups' cases as close to the group's centroid (and
    # their baseline): a candidate of the burst's cases opens; without it, no group ever grows
    if not stray:
        assert found is None
        return
    assert found is not None and seen <= 6
    assert all(c.startswith("X") for c in found.case_ids)
    assert len(found.case_ids) == seen


def _fast_burst_first_candidate(config: DetectionConfig, meaning: bool) -> tuple[Candidate | None, int]:
    """A fast burst (10 paraphrases, one every 4 minutes, all from product P7) after a day of
    background: the first candidate and the burst cases seen by then (by meaning, or by words)."""
    fake = embedder()
    rng = random.Random(7)
    cases = background(rng, 1500)
    burst = [
        CaseSignal(
            case_id=f"X{i}", text=paraphrase(rng, i), at=T0 + timedelta(minutes=1200 + 4 * i), **customer(rng, "P7")
        )
        for i in range(10)
    ]
    stream = with_vectors(cases + burst, fake) if meaning else cases + burst
    return first_candidate(Detector(config), stream)


def test_a_fast_burst_opens_earlier_when_the_window_s_last_hour_is_tested_too() -> None:
    # Given a burst of paraphrases that arrives within 40 minutes (no neighbourhood test: the group test alone)
    long_only = DetectionConfig(hood_tests=False, meaning_short_window_seconds=0)
    with_short = DetectionConfig(hood_tests=False, meaning_short_window_seconds=3600)
    # When the detector tests the 3-hour window only, and also its last hour
    found_long, seen_long = _fast_burst_first_candidate(long_only, meaning=True)
    found_short, seen_short = _fast_burst_first_candidate(with_short, meaning=True)
    # Then both open a candidate within product P7, the second at an earlier burst case, found in the last hour
    assert found_long is not None and found_short is not None
    assert seen_short < seen_long
    assert found_short.evidence.growth.window_seconds == 3600
    assert found_short.evidence.growth.segment == "product=P7"
    assert found_short.evidence.growth.p_value < DetectionConfig().alpha
    # And a case compared by words is tested over the 3 hours only, whatever the setting
    by_words_long = _fast_burst_first_candidate(long_only, meaning=False)
    by_words_short = _fast_burst_first_candidate(with_short, meaning=False)
    assert by_words_short[1] == by_words_long[1]
    assert by_words_short[0] is not None and by_words_short[0].evidence.growth.window_seconds == 3 * 3600


def test_a_case_compared_by_meaning_takes_the_meaning_thresholds_the_words_keep_theirs() -> None:
    config = DetectionConfig(hood_vote_share=0.7, meaning_hood_vote_share=0.2, meaning_hood_similarity=0.55)
    detector = Detector(config)
    fake = embedder()
    (case,) = with_vectors([CaseSignal(case_id="A", text="printer jams paper firmware", at=T0)], fake)

    detector.observe(case)
    assert detector._th.vote_share == 0.2 and detector._th.hood == 0.55  # the case had a vector
    detector.observe(CaseSignal(case_id="B", text="invoice amount wrong", at=T0 + timedelta(minutes=1)))
    assert detector._th.vote_share == 0.7 and detector._th.hood == config.hood_similarity  # words only


# -- intents: triage's category groups a case ------------------------------------------------------
def _intent_stream(seed: int) -> list[CaseSignal]:
    """A day of background with a steady trickle of printer-jam paraphrases (one every 40 minutes,
    any product), then a burst of 12 from product P7, five minutes apart; the paraphrases carry
    the intent "printer_jam", the background cases none."""
    rng = random.Random(seed)
    cases = background(rng, 1500)
    trickle = [
        CaseSignal(
            case_id=f"T{i}", text=paraphrase(rng, 1000 + i), at=T0 + timedelta(minutes=40 * i + 7), **customer(rng)
        )
        for i in range(30)
    ]
    _, burst = burst_stream(seed)
    return [c.model_copy(update={"intent": "printer_jam"}) for c in trickle + burst] + cases


def test_a_burst_the_vectors_spread_over_groups_opens_by_its_fifth_case_when_its_cases_carry_an_intent() -> None:
    # Given a burst of paraphrases whose vectors never join one group (each case starts a group of
    # its own; no strays, no neighbourhood test), each case carrying triage's category
    fake = embedder()
    config = DetectionConfig(
        hood_tests=False,
        meaning_join_similarity=0.99,
        meaning_merge_similarity=1.0,
        meaning_stray_similarity=0.0,
        intent_groups=True,
    )
    stream = with_vectors(_intent_stream(seed=5), fake)
    # When the detector groups cases by intent, and when it does not
    found, seen = first_candidate(Detector(config), stream)
    without, _ = first_candidate(Detector(config.model_copy(update={"intent_groups": False})), stream)
    # Then with intents the burst opens a candidate of its cases by the fifth, within product P7
    # (the trickle is the group's history, so its share is known); without them nothing opens
    assert without is None
    assert found is not None and seen <= 5
    assert found.evidence.growth.segment == "product=P7"
    assert all(c.startswith("X") for c in found.case_ids) and len(found.case_ids) == seen


def test_cases_of_two_intents_never_share_a_group_and_the_map_survives_the_state() -> None:
    # Given a detector and one text told twice, with two intents, then once without any
    fake = embedder()
    detector = Detector(DetectionConfig(warmup_cases=10_000, intent_groups=True))
    rng = random.Random(2)
    text = paraphrase(rng, 1)
    made = [
        CaseSignal(case_id=f"C{i}", text=text, at=T0 + timedelta(minutes=i), intent=intent, **customer(rng))
        for i, intent in enumerate(["printer_jam", "billing", None, "printer_jam"])
    ]
    groups = []
    for case in with_vectors(made, fake):
        detector.observe(case)
        groups.append(detector.last_group_id)
    # Then each intent has its own group, the same one for its later cases; a case with no intent
    # joins by its vector (here: the first group, its nearest)
    assert groups[0] != groups[1]
    assert groups[3] == groups[0]
    assert groups[2] in (groups[0], groups[1])
    assert detector.intent_groups == {"printer_jam": groups[0], "billing": groups[1]}
    # And a detector restored from the state, after pruning, keeps them (reached by their intent)
    detector.prune()
    restored = from_state(json.loads(json.dumps(to_state(detector))))
    assert restored.intent_groups == detector.intent_groups
    restored.observe(
        with_vectors([made[1].model_copy(update={"case_id": "C9", "at": T0 + timedelta(hours=1)})], fake)[0]
    )
    assert restored.last_group_id == groups[1]


class FakeIntents:
    """Triage's category: "printer_jam" for a paraphrase (at 0.9, cohesion 0.8), "billing" for a
    text about an invoice (0.9, but a broad category: cohesion 0.5), "other" for anything else at 0.3."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[tuple[str, str]] = []

    def intent(self, text: str, vector: Any, model_id: str) -> tuple[str, float] | None:
        self.calls.append((text, model_id))
        if self.fail:
            raise RuntimeError("model file unreadable")
        words = set(text.split())
        if words & set(CONCEPTS):
            return ("printer_jam", 0.9, 0.8)
        return ("billing", 0.9, 0.5) if "invoice" in words else ("other", 0.3, 0.9)


@pytest.mark.parametrize("fail", [False, True], ids=["classifier", "classifier failing"])
def test_the_service_gives_each_case_triage_s_category_when_it_is_sure_enough(fail: bool) -> None:
    fake = embedder()
    intents = FakeIntents(fail)
    service = DetectionService(
        MemoryStateStore(),
        FakeSink(),
        DetectionConfig(intent_groups=True, intent_confidence=0.5),
        embedder=fake,
        intents=intents,
    )
    cases, burst = burst_stream(1, n=3)
    invoice = CaseSignal(case_id="I1", text="invoice amount wrong", at=burst[-1].at, customer_id="CU1")
    # When a batch of background cases, paraphrases and an invoice question is observed
    service.observe(cases[:40] + burst + [invoice])
    state = service.state.load()  # type: ignore[attr-defined]
    # Then the classifier was asked with the embedder's model id; the paraphrases (0.9) carry the
    # intent and share its group, the background (0.3, under intent_confidence) carries none, nor
    # does the invoice (a category too broad: cohesion 0.5, under intent_cohesion)
    assert intents.calls and {m for _, m in intents.calls} == {fake.model_id}
    assert state["detector"]["total"] == 44
    if fail:  # a failing classifier: the cases are observed without intents
        assert state["detector"]["intents"] == {}
        return
    assert set(state["detector"]["intents"]) == {"printer_jam"}
    gid = state["detector"]["intents"]["printer_jam"]
    members = {row[4] for row in state["detector"]["pool"] if row[1] == gid}
    assert members == {c.case_id for c in burst}


@pytest.mark.parametrize(
    ("found", "config", "expected"),
    [
        (("jam", 0.9, 0.8), {}, "jam"),
        (("jam", 0.4, 0.8), {}, None),  # triage unsure
        (("misc", 0.9, 0.6), {}, None),  # a broad category
        (("misc", 0.9, 0.6), {"intent_cohesion": 0.5}, "misc"),
        (("jam", 0.9, 0.8), {"intent_groups": False}, None),
        (None, {}, None),
    ],
)
def test_a_category_is_a_case_s_intent_when_triage_is_sure_and_it_is_one_kind_of_request(
    found: Any, config: dict[str, Any], expected: str | None
) -> None:
    from functions.problems.detection.rules import accepted_intent  # noqa: PLC0415

    assert accepted_intent(found, DetectionConfig(**config)) == expected
