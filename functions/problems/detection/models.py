"""What goes into the detector (a case's signal) and what comes out (candidates, link suggestions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import Field

from functions.core.models import Model

SEGMENT_ATTRIBUTES: tuple[str, ...] = ("product", "model", "batch", "region", "tier", "channel")


class CaseSignal(Model):
    """The part of a case the detector reads. Text only for its signature; nothing is stored verbatim.

    ``vector``: the case's sentence embedding (L2-normalised; ``DetectionService`` fills it through
    its ``Embedder`` port, once per case), or None: the detector then compares the case by words."""

    case_id: str
    text: str
    vector: list[float] | None = None
    at: datetime
    customer_id: str | None = None
    category: str | None = None
    intent: str | None = Field(
        default=None,
        description="triage's category for the text (``DetectionService`` fills it; None: unsure or no model)",
    )
    product: str | None = None
    model: str | None = None
    batch: str | None = None
    region: str | None = None
    tier: str | None = None
    channel: str | None = None

    def segments(self) -> dict[str, str]:
        return {a: v for a in SEGMENT_ATTRIBUTES if (v := getattr(self, a)) is not None}


class DetectionConfig(Model):
    """Knobs of the detector. Defaults were tuned with bench/problem_detection.py (see its docstring)."""

    # Grouping (nearest neighbours): the recent cases (the last neighbour_pool, reached through an
    # inverted index capped at postings_per_term cases per term) most similar to a new case vote,
    # by similarity, for their groups; the case joins the winning group if its best neighbour
    # there reaches join_similarity, else it starts a new group.
    join_similarity: float = Field(default=0.35, ge=0.0, le=1.0)
    case_terms: int = Field(default=12, ge=1, description="terms of a case used for matching")
    profile_terms: int = Field(default=40, ge=1, description="terms a group's profile keeps (its title)")
    postings_per_term: int = Field(default=48, ge=1, description="recent cases kept per term in the inverted index")
    neighbour_pool: int = Field(default=2000, ge=1, description="recent cases the neighbour search holds")
    join_centroid: float = Field(
        default=0.25, ge=0.0, le=1.0, description="and the case is at least this similar to the group's profile"
    )
    merge_similarity: float = Field(
        default=0.4, ge=0.0, le=1.0, description="neighbouring groups with profiles this alike merge (1: never)"
    )
    knn: int = Field(default=10, ge=1, description="nearest recent cases that vote for a case's group")
    prune_every: int = Field(
        default=500, ge=0, description="every this many cases, drop the groups no recent case reaches (0: never)"
    )
    # Blip test: binomial test of the group's count among all cases of the recent window against
    # its expected share (its own history, shrunk toward prior_share by prior_weight cases).
    window_seconds: float = Field(default=3 * 3600.0, gt=0)
    bucket_seconds: float = Field(default=600.0, gt=0)
    alpha: float = Field(default=1e-5, gt=0.0, lt=1.0)
    min_cases: int = Field(default=4, ge=1)
    warmup_cases: int = Field(
        default=1000, ge=0, description="no candidate before this many cases (baselines need data)"
    )
    neighbour_similarity: float = Field(
        default=0.3, ge=0.0, le=1.0, description="recent cases this similar to a case are its neighbours"
    )
    neighbours: int = Field(default=6, ge=0, description="at most this many neighbouring groups tested with its group")
    hood_vote_share: float = Field(
        default=0.5,
        ge=0.0,
        description="a neighbouring group is tested with the case's group if its vote reaches this share of the winner's",
    )
    segment_prior_cases: float = Field(
        default=50.0, gt=0.0, description="prior strength of a segment's share in a group"
    )
    hood_tests: bool = Field(default=True, description="test each case's neighbourhood of recent cases")
    hood_similarity: float = Field(
        default=0.5, ge=0.0, le=1.0, description="recent cases this similar count in a case's neighbourhood test"
    )
    hood_alpha: float = Field(default=1e-6, gt=0.0, lt=1.0)
    hood_prior_weight: float = Field(default=400.0, gt=0.0)
    group_tests: bool = Field(default=True, description="test the case's group (and its neighbouring groups)")
    segment_tests: bool = Field(
        default=True, description="also test the group within each of the case's segment values"
    )
    prior_share: float = Field(default=0.01, gt=0.0, lt=1.0)
    prior_weight: float = Field(default=400.0, gt=0.0)
    # Common thread: attribute values over-represented among the group's customers.
    thread_alpha: float = Field(default=0.01, gt=0.0, lt=1.0)
    thread_min_count: int = Field(default=3, ge=1)
    thread_min_lift: float = Field(default=1.5, ge=1.0)
    # After a candidate opens, later cases of its group are suggested for linking (auto-linked
    # when their similarity reaches auto_link_similarity, if set) until it is idle this long.
    auto_link_similarity: float | None = Field(default=None, ge=0.0, le=1.0)
    candidate_idle_seconds: float = Field(default=7 * 86400.0, gt=0)
    # Meaning (a case with a ``vector``): the similarity of two cases is the cosine of their
    # embeddings blended with their words' cosine (``word_weight``: product codes and error
    # numbers a sentence model reads as noise), and the thresholds below replace their words-only
    # counterparts above. Measured with bench/problem_detection.py (docs/language.md, "Detection on
    # meaning"): join 0.6 / hood 0.65 gave seed 1 a median delay of 7.0 cases (words: 9.5) at purity
    # 0.89; looser ones (join 0.45 with hood 0.55, or hood 0.45 and neighbour 0.35) opened no
    # earlier on seeds 1-3 (7.0 and 7.3) at purity 0.80 and 0.79, so the tighter values are kept.
    # word_weight 0.2, meaning_join_centroid and meaning_merge_similarity are not swept yet.
    meaning: bool = Field(default=True, description="use the cases' vectors when they have one (False: words only)")
    word_weight: float = Field(default=0.2, ge=0.0, le=1.0, description="share of the words' cosine in the blend")
    meaning_candidates: int = Field(
        default=100, ge=1, description="nearest recent cases by vector scored for a case (with those its words reach)"
    )
    meaning_neighbour_similarity: float = Field(default=0.45, ge=0.0, le=1.0)
    meaning_join_similarity: float = Field(default=0.6, ge=0.0, le=1.0)
    meaning_join_centroid: float = Field(default=0.5, ge=0.0, le=1.0)
    meaning_merge_similarity: float = Field(default=0.75, ge=0.0, le=1.0)
    # Neighbourhood of a case compared by meaning (2026-12-04, the command below with --config
    # '{"meaning_hood_similarity": 0.6, "meaning_hood_vote_share": 0.3}', seeds 1-5, load about 1):
    # 0.65 / 0.5 (the words' vote share) gave delay 6.6 (worst 7.5), purity 0.913 (0.820), false
    # 0.049 per 1,000, segment found 0.983 (0.917); 0.6 / 0.3: delay 6.2 (6.5), purity 0.908 (0.865),
    # false 0.069, segment found 0.967 (0.917), recall 1.0 in both. The words keep hood_vote_share.
    meaning_hood_similarity: float = Field(default=0.6, ge=0.0, le=1.0)
    meaning_hood_vote_share: float = Field(
        default=0.3,
        ge=0.0,
        description="hood_vote_share for a case compared by meaning",
    )
    # Two time scales (2026-12-04, `bench/problem_detection.py --corpus .../banking77-train.csv
    # --seeds 1,2,3,4,5 --signatures meaning --no-cost --sweep '{"short_window_seconds": [...]}'`, as
    # the setting was named then; mean over seeds 1-5 (worst seed), load average 2 to 7): 0 (3 h only): delay 6.9 (7.0), purity
    # 0.892 (0.732), false 0.069 per 1,000, segment found 0.983; 3600: delay 6.4 (7), purity 0.921
    # (0.798), false 0.049, segment found 0.947 (0.818); 2700: delay 6.3 (7.0), purity 0.883, false
    # 0.089; 1800: delay 7.1 (8.0), purity 0.901. Recall 0.967 (0.917) in all four. By words
    # (`--signatures words`, with the thread's order below): 3600 took recall from 0.933
    # (worst 0.833) to 0.917 (0.75) and purity from 0.916 to 0.882 for a delay of 8.8 against 9.7,
    # so it applies to cases compared by meaning only.
    meaning_short_window_seconds: float = Field(
        default=3600.0,
        ge=0.0,
        description="also test each count over the window's last this many seconds (0: off); Bonferroni x2",
    )
    # Strays (same command, the last hour tested, sweep of meaning_stray_similarity; mean over seeds
    # 1-5, worst seed in brackets): 0 (off): recall 0.967 (0.917), delay 6.4, purity 0.921,
    # false 0.049 per 1,000; 0.6: recall 0.983, delay 7.1, purity 0.855, false 0.118; 0.7: recall
    # 1.00 (every seed 1.00), delay 6.6 (7.5), purity 0.913 (0.820), false 0.049, segment found
    # 0.950; 0.75: recall 0.983 (0.917), delay 6.9, purity 0.928, false 0.039; 0.8: recall 0.983
    # (0.917), delay 6.9, purity 0.930, false 0.039. 0.7 is the only one with recall 1.00 on
    # every seed (the goal: at least 0.95 on each), at 0.2 of delay and 0.008 of purity.
    meaning_stray_similarity: float = Field(
        default=0.7,
        ge=0.0,
        le=1.0,
        description="the group test also counts the window cases of other groups this close (cosine) to the case's "
        "group's centroid, against the share of older such cases (0: off)",
    )
    # Intents (2026-12-04, docs/language.md "Intents"): with triage's model, each case compared by
    # meaning carries the category triage would suggest (``CaseSignal.intent``), where triage's
    # probability reaches intent_confidence and the category is one kind of request (its training
    # texts at least intent_cohesion alike: mean cosine to their centroid), and the cases of one
    # intent share one group (never merged with another). The cohesion floor keeps broad categories
    # out: grouped by them, a burst hides in their ordinary traffic.
    intent_groups: bool = Field(default=True, description="group the cases that carry an intent by it")
    intent_confidence: float = Field(
        default=0.5, ge=0.0, le=1.0, description="triage's probability a case's category needs to be its intent"
    )
    intent_cohesion: float = Field(
        default=0.7,
        ge=0.0,
        le=1.0,
        description="how alike a category's training texts must be (mean cosine to their centroid) to be an intent",
    )
    meaning_core_similarity: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="a group's growth holds only its window cases this close by meaning (cosine) to the case that "
        "set it off, or to their mean; fewer than min_cases: no candidate (0: all the group's cases)",
    )


class Growth(Model):
    observed: int = Field(description="cases of the group in the window")
    expected: float = Field(description="cases expected in the window from the group's baseline share")
    window_cases: int = Field(description="all cases in the window")
    baseline_share: float
    p_value: float
    window_seconds: float
    segment: str | None = Field(
        default=None, description="attribute=value the growth was found in, if not the whole group"
    )
    groups: int = Field(default=1, description="groups tested together (the case's and its neighbours)")


class ThreadItem(Model):
    attribute: str
    value: str
    count: int = Field(description="the group's customers with this value")
    group_share: float
    base_share: float = Field(description="share of the whole customer base with this value")
    lift: float
    p_value: float


class Evidence(Model):
    growth: Growth
    common_thread: list[ThreadItem] = Field(default_factory=list)
    top_terms: list[str] = Field(default_factory=list)


class Candidate(Model):
    kind: Literal["candidate"] = "candidate"
    candidate_id: str
    group_id: str
    group_ids: list[str] = Field(default_factory=list, description="all groups whose cases the candidate holds")
    title: str
    description: str
    case_ids: list[str]
    opened_at: datetime
    evidence: Evidence


class LinkSuggestion(Model):
    kind: Literal["link"] = "link"
    candidate_id: str
    case_id: str
    similarity: float
    auto: bool = Field(description="similarity reached the deployment's auto-link threshold")


DetectionEvent = Candidate | LinkSuggestion


@dataclass
class Outcome:
    """What one ``DetectionService.observe`` did."""

    candidates: list[tuple[str, Candidate]] = field(default_factory=list)  # (problem id, candidate)
    auto_linked: list[tuple[str, str]] = field(default_factory=list)  # (problem id, case id)
    suggestions: list[tuple[str, LinkSuggestion]] = field(default_factory=list)  # (problem id, suggestion)
    skipped: list[str] = field(default_factory=list)  # case ids observed before (a redelivered batch)
