"""The incremental problem-blip detector: pure, no I/O; one ``observe(case)`` per new case.

Signature
    A case's TF-IDF vector (``text.weighted_terms``: the search analysis's words, stop words
    kept at a lower weight; document frequencies kept incrementally), cut to its ``case_terms``
    heaviest terms.

Grouping (nearest neighbours, bounded)
    The last ``neighbour_pool`` cases are held with an inverted index term -> their ids, at most
    ``postings_per_term`` per term. A new case reaches the recent cases through its own terms'
    postings; a term whose posting is full (a very common word) is not used to reach cases,
    only to score them (so old and new cases are reached alike). The work per case is bounded
    by ``case_terms * postings_per_term`` posting entries, whatever the number of groups or
    cases (``Counters`` records it; the tests assert on it). The ``knn`` nearest (cosine at
    least ``neighbour_similarity``) vote, by similarity, for their groups; the case joins the
    winning group whose best neighbour reaches ``join_similarity`` and whose profile (summed
    vectors, top ``profile_terms`` terms) it resembles at ``join_centroid``, else starts a new
    group. Neighbouring groups (a fair share of the vote) with profiles at least
    ``merge_similarity`` alike merge into the case's group: fragments of one topic meet.

Blip tests
    Group test: each group counts its cases in time buckets; cases older than the window fold
    into its history. Of the ``n`` cases (all groups) in the recent window, ``k`` are the
    group's and its neighbouring groups'; their expected share is their history share, shrunk
    toward ``prior_share`` by ``prior_weight`` cases (and, once its history holds ``min_cases``
    cases, at least its own rate). The p-value is the binomial upper tail P(X >= k | n, share);
    a blip is p < ``alpha`` with k >= ``min_cases``. By meaning, a blip's candidate holds only
    its core: the window cases at least ``meaning_core_similarity`` to the case that set it off
    or to their mean (fewer than ``min_cases``: no candidate). Strays by meaning: a burst's
    first cases often land in two or more groups (11 of seed 1's 12 bursts had at least one of
    their first five cases outside the group that opened), and each group alone stays short of
    significance for a case or two longer. So the group test also counts the window cases of
    other groups at least ``meaning_stray_similarity`` (cosine) to the case's group's centroid
    (not held by a candidate), and adds to the expected share the share of the pool's older
    cases of other groups that are as close (shrunk like the neighbourhood test's; within a
    segment, times the segment's share among them). One more product over the pool's matrix
    per group test: bounded.
    Neighbourhood test: the window cases at least ``hood_similarity`` similar to the case (not
    yet held by a candidate) against the share of the older pooled cases that are as similar
    (shrunk the same way), p < ``hood_alpha``. It does not depend on the grouping.
    Both are also made within each of the case's segment values (expected: the share times the
    segment's share, from history shrunk toward the whole base), Bonferroni over the tests.
    Two time scales, for a case compared by meaning: each count is tested over the whole window
    (``window_seconds``, 3 h) and over its last ``meaning_short_window_seconds`` (1 h; against
    the cases of that hour, same expected share), the Bonferroni factor doubled. By words it
    lost recall and purity (``DetectionConfig``), so a case without a vector is tested on 3 h only. A burst of 15 to 40 cases over 2 to 6 hours puts its
    first 4 or 5 cases in one hour more often than not: in that hour they stand out where the 3
    hours' ordinary traffic still hides them (bench figures: ``DetectionConfig``).

Common thread
    For each segment attribute (product, model, batch, region, tier, channel), the values held
    by at least ``thread_min_count`` of the candidate's distinct customers, with their share
    against the share in the whole customer base (``SegmentBase``), the lift, and the binomial
    p-value of that many customers or more. Kept: p < ``thread_alpha`` and lift >=
    ``thread_min_lift``; most significant first.

Meaning
    A case with a ``vector`` (its sentence embedding, computed once per case by the detection
    service through its ``Embedder`` port) is compared by meaning: two cases' similarity is the
    cosine of their vectors blended with the cosine of their words (``word_weight``: words still
    tell product codes and error numbers apart), and a group's profile has a centroid (the sum of
    its cases' vectors) beside its terms. The recent pool's vectors sit in one matrix of
    ``neighbour_pool`` rows (a case's row: its sequence number modulo the pool), so the work per
    case is one matrix-vector product over that fixed pool (two for a case that runs the group
    test: its group's centroid against the pool, for the strays), then the ``meaning_candidates``
    nearest rows and the cases its words reach are scored: bounded whatever the number of cases.
    The ``meaning_*`` thresholds replace the words-only ones for such a case. A case without a
    vector (no embedder: ``CASEBRIDGE_EMBEDDER=none``) is compared by words exactly as before.
    numpy is imported at the first vector, never on the words-only path.

After a candidate opens, later cases joining its group (group test) or whose nearest recent
case it holds (neighbourhood test) are reported as ``LinkSuggestion`` (``auto`` when their
similarity reaches ``auto_link_similarity``) until the candidate is closed (``close``) or idle
for ``candidate_idle_seconds``.
"""

from __future__ import annotations

import base64
import math
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.problems.detection.models import (
    SEGMENT_ATTRIBUTES,
    Candidate,
    CaseSignal,
    DetectionConfig,
    DetectionEvent,
    Evidence,
    Growth,
    LinkSuggestion,
    ThreadItem,
)
from functions.problems.detection.stats import binomial_sf
from functions.problems.detection.text import weighted_terms

# Weights (case vectors, group profiles) are kept at this many decimals, in memory as in the
# state: full floats were half of the gzipped state, a cosine moves by about 1e-4 at most, and a
# detector restored from its state is exactly the one saved.
STATE_DIGITS = 4

# One binomial test: (p-value, observed, expected share, segment or None, window cases counted,
# the window's seconds).
_Test = tuple[float, int, float, tuple[str, str] | None, int, float]


@dataclass
class Counters:
    """Work done, summed over all cases (and for the last case): what the cost tests assert on."""

    cases: int = 0
    postings_scanned: int = 0
    groups_scored: int = 0
    last_postings_scanned: int = 0
    last_groups_scored: int = 0
    max_postings_scanned: int = 0
    vectors_scored: int = 0  # pool rows compared by meaning (neighbour_pool rows per product; at most two a case)


class SegmentBase:
    """Attribute-value counts over the whole customer base (one count per customer)."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {a: {} for a in SEGMENT_ATTRIBUTES}
        self.totals: dict[str, int] = dict.fromkeys(SEGMENT_ATTRIBUTES, 0)

    def add(self, segments: Mapping[str, str | Collection[str]]) -> None:
        """One customer: each of its values counted once (a customer may own several products), and
        the customer once in the attribute's total, so that a share is "of the customers"."""
        for attribute, value in segments.items():
            if attribute not in self.counts:
                continue
            values = {value} if isinstance(value, str) else set(value)
            if not values:
                continue
            by_value = self.counts[attribute]
            for v in values:
                by_value[v] = by_value.get(v, 0) + 1
            self.totals[attribute] += 1

    def share(self, attribute: str, value: str) -> float:
        total = self.totals.get(attribute, 0)
        count = self.counts.get(attribute, {}).get(value, 0)
        return (count + 0.5) / (total + 1.0)  # never zero: a value never seen is rare, not impossible


class _Buckets:
    """Counts per time bucket inside the window; what leaves the window is returned to the caller."""

    __slots__ = ("items", "in_window")

    def __init__(self) -> None:
        self.items: deque[list[int]] = deque()
        self.in_window = 0

    def add(self, bucket: int) -> None:
        if self.items and self.items[-1][0] == bucket:
            self.items[-1][1] += 1
        else:
            self.items.append([bucket, 1])
        self.in_window += 1

    def expire(self, oldest: int) -> int:
        gone = 0
        while self.items and self.items[0][0] < oldest:
            gone += self.items.popleft()[1]
        self.in_window -= gone
        return gone


@dataclass
class _Recent:
    at: float
    bucket: int
    case_id: str
    customer: str
    segments: dict[str, str]


@dataclass
class _Open:
    candidate_id: str
    last_at: float
    scope: tuple[str, str] | None  # the segment the blip was found in, if any


@dataclass
class _Doc:
    """A recent case as the neighbour search holds it: its vector and its group."""

    seq: int
    vector: dict[str, float]
    gid: str
    bucket: int = 0
    case_id: str = ""
    segments: dict[str, str] = field(default_factory=dict)
    customer: str = ""
    cand: str | None = None  # the candidate holding it (open or closed): no longer counts as new growth


@dataclass(frozen=True)
class _Thresholds:
    """The similarity thresholds for one case: words-only, or meaning (blended) when it has a vector."""

    neighbour: float
    join: float
    centroid: float
    merge: float
    hood: float
    vote_share: float  # a neighbouring group is tested with the case's when its vote reaches this share


class _Group:
    __slots__ = ("gid", "profile", "centroid", "history", "segment_history", "born", "recent", "open", "blips")

    def __init__(self, gid: str, born: int) -> None:
        self.gid = gid
        self.profile: dict[str, float] = {}
        self.centroid: Any = None  # the sum of its cases' vectors (numpy float32), or None
        self.history = 0
        self.segment_history: dict[tuple[str, str], int] = {}
        self.born = born  # global case count (outside any window) when the group started
        self.recent: deque[_Recent] = deque()
        self.open: _Open | None = None
        self.blips = 0


class Detector:
    def __init__(self, config: DetectionConfig | None = None, base: SegmentBase | None = None) -> None:
        self.config = config or DetectionConfig()
        # With no base given, the base is the distinct customers the detector has seen.
        self.base = base or SegmentBase()
        self.learn_base = base is None
        self.seen_customers: set[str] = set()
        self.df: dict[str, int] = {}
        self.docs = 0
        self.groups: dict[str, _Group] = {}
        self.alias: dict[str, str] = {}  # a group merged into another -> that group
        self.intent_groups: dict[str, str] = {}  # a case's intent (triage's category) -> its group
        self._intent_set: set[str] = set()  # its values (``_intent_gids``)
        # The recent cases (at most neighbour_pool) and an inverted index term -> their seqs.
        self.pool: deque[_Doc] = deque()
        self.docs_by_seq: dict[int, _Doc] = {}
        self.postings: dict[str, deque[int]] = {}
        self.seq = 0
        self.total = 0
        self.window = _Buckets()
        self.counters = Counters()
        self._next_group = 0
        self.last_group_id: str | None = None  # the group the last observed case joined
        self._candidates: dict[str, list[str]] = {}  # candidate id -> its groups
        # Candidates found by the neighbourhood test: id -> [last activity, scope] (members: _Doc.cand).
        self._hood_open: dict[str, list[Any]] = {}
        self._hood_seq = 0
        self.background = 0  # cases of the groups pruned (``prune``)
        self.pruned = 0  # groups pruned
        cfg = self.config
        self._words_th = _Thresholds(
            cfg.neighbour_similarity,
            cfg.join_similarity,
            cfg.join_centroid,
            cfg.merge_similarity,
            cfg.hood_similarity,
            cfg.hood_vote_share,
        )
        self._meaning_th = _Thresholds(
            cfg.meaning_neighbour_similarity,
            cfg.meaning_join_similarity,
            cfg.meaning_join_centroid,
            cfg.meaning_merge_similarity,
            cfg.meaning_hood_similarity,
            cfg.meaning_hood_vote_share,
        )
        self._th = self._words_th  # the current case's
        # Meaning: the model whose vectors the pool holds, the pool's vectors (row = seq modulo
        # neighbour_pool) and which rows hold one. Built at the first case with a vector.
        self.embedding_model: str | None = None
        self._emb: Any = None
        self._emb_has: Any = None
        self._dense: Any = None  # the current case's cosine to each pool row (one product), or None

    # --- meaning -------------------------------------------------------------------------------
    def use_model(self, model_id: str | None) -> None:
        """Vectors from now on come from ``model_id`` (None: no embedder). Vectors of another model
        held in the state are dropped (they cannot be compared): those cases are compared by words."""
        if model_id == self.embedding_model:
            return
        self.embedding_model = model_id
        self._emb = self._emb_has = None
        for g in self.groups.values():
            g.centroid = None

    def _embedding(self, case: CaseSignal) -> Any:
        """The case's vector as a float32 array (matrix allocated at the first), or None: by words."""
        if case.vector is None or not self.config.meaning:
            return None
        import numpy as np  # noqa: PLC0415 - only with vectors (the embedder's functions have it)

        emb = np.asarray(case.vector, dtype=np.float32)
        if self._emb is None or self._emb.shape[1] != emb.shape[0]:
            self._emb = np.zeros((self.config.neighbour_pool, emb.shape[0]), dtype=np.float32)
            self._emb_has = np.zeros(self.config.neighbour_pool, dtype=bool)
            for g in self.groups.values():
                g.centroid = None
        return emb

    def _slot(self, seq: int) -> int:
        return seq % self.config.neighbour_pool

    def _blend(self, dense: float, words: float) -> float:
        w = self.config.word_weight
        return (1.0 - w) * dense + w * words

    def pair_similarity(self, words_a: dict[str, float], emb_a: Any, words_b: dict[str, float], emb_b: Any) -> float:
        """Two cases' similarity as the detector compares them (meaning blended with words when
        both have a vector, else words): for benches and evidence."""
        words = sum(w * words_b.get(t, 0.0) for t, w in words_a.items())
        if emb_a is None or emb_b is None:
            return words
        return self._blend(float(emb_a @ emb_b), words)

    # --- signature -------------------------------------------------------------------------
    def _vector(self, text: str) -> dict[str, float]:
        tf: dict[str, int] = {}
        weight: dict[str, float] = {}
        for t, w in weighted_terms(text):
            tf[t] = tf.get(t, 0) + 1
            weight[t] = max(w, weight.get(t, 0.0))
        self.docs += 1
        df = self.df
        for t in tf:
            df[t] = df.get(t, 0) + 1
        n = self.docs + 1
        weights = {t: weight[t] * (1.0 + math.log(c)) * (math.log(n / (df[t] + 0.5)) + 1.0) for t, c in tf.items()}
        if len(weights) > self.config.case_terms:
            weights = dict(sorted(weights.items(), key=lambda kv: -kv[1])[: self.config.case_terms])
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: round(w / norm, STATE_DIGITS) for t, w in weights.items()}

    def _neighbours(self, vector: dict[str, float], emb: Any = None) -> list[tuple[float, _Doc]]:
        """The recent cases at least ``neighbour_similarity`` similar to ``vector`` (cosine of
        TF-IDF vectors), best first. Only the postings of the case's own terms are scanned, and a
        term whose posting is full (``postings_per_term`` cases: a very common word) is not used to
        reach cases, only to score them: bounded work, and the same reach for old and new cases.

        With ``emb`` (the case's vector), the pool's vectors are compared in one product, the
        ``meaning_candidates`` nearest are reached too, and a case with a vector is scored by the
        blend of both cosines (``meaning_neighbour_similarity``)."""
        docs = self.docs_by_seq
        cap = self.config.postings_per_term
        reached: set[int] = set()
        scanned = 0
        for t in vector:
            posting = self.postings.get(t)
            if not posting or len(posting) >= cap:
                continue
            scanned += len(posting)
            reached.update(posting)
        dense: Any = None
        self._dense = None
        if emb is not None and self.pool:
            import numpy as np  # noqa: PLC0415

            dense = self._emb @ emb
            self._dense = dense
            has = self._emb_has
            self.counters.vectors_scored += len(dense)
            m = min(self.config.meaning_candidates, len(dense))
            masked = np.where(has, dense, -np.inf)
            nearest = np.argpartition(-masked, m - 1)[:m] if m < len(masked) else np.arange(len(masked))
            n_pool, top = self.config.neighbour_pool, self.seq
            for slot in nearest.tolist():
                if has[slot]:
                    reached.add(top - ((top - slot) % n_pool))
        c = self.counters
        c.last_postings_scanned, c.last_groups_scored = scanned, len(reached)
        c.postings_scanned += scanned
        c.groups_scored += len(reached)
        c.max_postings_scanned = max(c.max_postings_scanned, scanned)
        floor = self._th.neighbour
        out = []
        for q in reached:
            d = docs.get(q)
            if d is None:
                continue
            dv = d.vector
            sim = sum(w * dv.get(t, 0.0) for t, w in vector.items())
            if dense is not None and self._emb_has[self._slot(q)]:
                sim = self._blend(float(dense[self._slot(q)]), sim)
            if sim >= floor:
                out.append((sim, d))
        out.sort(key=lambda x: (-x[0], -x[1].seq))
        return out

    def _vote(
        self, near: list[tuple[float, _Doc]], vector: dict[str, float], emb: Any = None
    ) -> tuple[_Group | None, float, list[_Group]]:
        """The group the ``knn`` nearest cases' similarities vote for most (if its best neighbour
        reaches ``join_similarity``), its best similarity, and the other groups with a fair share
        of the vote."""
        votes: dict[str, float] = {}
        best_sim: dict[str, float] = {}
        for s, d in near[: self.config.knn]:
            gid = self._find(d.gid)
            votes[gid] = votes.get(gid, 0.0) + s
            if s > best_sim.get(gid, -1.0):  # a neighbour's similarity may be 0 or below (a floor of 0)
                best_sim[gid] = s
        if not votes:
            return None, 0.0, []
        ranked = sorted(votes.items(), key=lambda kv: -kv[1])
        floor = self._th.centroid
        chosen = None
        for gid, _ in ranked:
            if best_sim[gid] < self._th.join:
                continue
            if floor <= 0 or self._centroid_sim(self.groups[gid], vector, emb) >= floor:
                chosen = gid
                break
        if chosen is None:
            return None, 0.0, []
        top = votes[chosen]
        share = self._th.vote_share
        others = [self.groups[g] for g, v in ranked if g != chosen and v >= share * top][: self.config.neighbours]
        return self.groups[chosen], best_sim[chosen], others

    def _find(self, gid: str) -> str:
        alias = self.alias
        while gid in alias:
            gid = alias[gid]
        return gid

    def _merge(self, group: _Group, near: list[_Group], now: float) -> tuple[_Group, list[_Group]]:
        """Fold into the case's group the neighbouring groups whose profiles are at least
        ``merge_similarity`` alike (fragments of one topic meet over time); open groups stay."""
        cfg = self.config
        kept = []
        for g in near:
            if (
                group.open is None
                and g.open is None
                and not self._by_intent(group)
                and not self._by_intent(g)
                and self._profile_sim(group, g) >= self._th.merge
            ):
                self._age(g, now)
                self._age(group, now)
                if group.centroid is not None and g.centroid is not None:
                    group.centroid = group.centroid + g.centroid
                for t, w in g.profile.items():
                    group.profile[t] = round(group.profile.get(t, 0.0) + w, STATE_DIGITS)
                if len(group.profile) > 2 * cfg.profile_terms:
                    group.profile = dict(sorted(group.profile.items(), key=lambda kv: -kv[1])[: cfg.profile_terms])
                group.history += g.history
                for key, n in g.segment_history.items():
                    group.segment_history[key] = group.segment_history.get(key, 0) + n
                group.born = min(group.born, g.born)
                group.recent = deque(sorted([*group.recent, *g.recent], key=lambda r: r.at))
                group.blips = max(group.blips, g.blips)
                del self.groups[g.gid]
                self.alias[g.gid] = group.gid
            else:
                kept.append(g)
        return group, kept

    def _new_group(self) -> _Group:
        self._next_group += 1
        group = _Group(f"G{self._next_group}", born=self.total - self.window.in_window)
        self.groups[group.gid] = group
        return group

    def _by_intent(self, group: _Group) -> bool:
        """Whether ``group`` is the group of an intent (``intent_groups``)."""
        return group.gid in self._intent_gids()

    def _intent_gids(self) -> set[str]:
        """The intents' groups as a set (rebuilt only when an intent gets its group)."""
        if len(self._intent_set) != len(self.intent_groups):
            self._intent_set = set(self.intent_groups.values())
        return self._intent_set

    def _profile_sim(self, a: _Group, b: _Group) -> float:
        """Two groups' likeness: their profiles' cosine, blended with their centroids' when both have one."""
        pa, pb = a.profile, b.profile
        na = math.sqrt(sum(w * w for w in pa.values()))
        nb = math.sqrt(sum(w * w for w in pb.values()))
        words = 0.0
        if na and nb:
            if len(pa) > len(pb):
                pa, pb = pb, pa
            words = sum(w * pb.get(t, 0.0) for t, w in pa.items()) / (na * nb)
        if a.centroid is None or b.centroid is None or self._th is self._words_th:
            return words
        import numpy as np  # noqa: PLC0415

        norms = float(np.linalg.norm(a.centroid) * np.linalg.norm(b.centroid)) or 1.0
        return self._blend(float(a.centroid @ b.centroid) / norms, words)

    def _centroid_sim(self, group: _Group, vector: dict[str, float], emb: Any = None) -> float:
        """A case's likeness to a group: the cosine to its profile, blended with its centroid's."""
        profile = group.profile
        norm = math.sqrt(sum(w * w for w in profile.values()))
        words = sum(w * profile.get(t, 0.0) for t, w in vector.items()) / norm if norm else 0.0
        if emb is None or group.centroid is None:
            return words
        import numpy as np  # noqa: PLC0415

        return self._blend(float(group.centroid @ emb) / (float(np.linalg.norm(group.centroid)) or 1.0), words)

    def _remember(self, doc: _Doc, emb: Any = None) -> None:
        """Index the case among the recent ones (at most ``neighbour_pool``; postings capped), its
        vector in its row of the pool's matrix (the row of the case it replaces)."""
        if self._emb is not None:
            slot = self._slot(doc.seq)
            self._emb_has[slot] = emb is not None
            if emb is not None:
                self._emb[slot] = emb
        self.docs_by_seq[doc.seq] = doc
        self.pool.append(doc)
        cap = self.config.postings_per_term
        for t in doc.vector:
            posting = self.postings.get(t)
            if posting is None:
                posting = self.postings[t] = deque()
            posting.append(doc.seq)
            if len(posting) > cap:
                posting.popleft()  # the oldest case drops out of this term only
        while len(self.pool) > self.config.neighbour_pool:
            old = self.pool.popleft()
            for t in old.vector:
                posting = self.postings.get(t)
                if posting and posting[0] == old.seq:
                    posting.popleft()
                    if not posting:
                        del self.postings[t]
            self.docs_by_seq.pop(old.seq, None)

    def _learn(self, group: _Group, vector: dict[str, float], emb: Any = None) -> None:
        """Add the case to its group's profile (its top terms: the candidate's title) and centroid."""
        if emb is not None:
            group.centroid = emb.copy() if group.centroid is None else group.centroid + emb
        profile = group.profile
        for t, w in vector.items():
            profile[t] = round(profile.get(t, 0.0) + w, STATE_DIGITS)
        keep = self.config.profile_terms
        if len(profile) > 2 * keep:
            group.profile = dict(sorted(profile.items(), key=lambda kv: -kv[1])[:keep])

    # --- time --------------------------------------------------------------------------------
    def _oldest_bucket(self, now: float) -> int:
        cfg = self.config
        return int((now - cfg.window_seconds) // cfg.bucket_seconds) + 1

    def _age(self, group: _Group, now: float) -> None:
        oldest = self._oldest_bucket(now)
        recent, seg_hist = group.recent, group.segment_history
        while recent and recent[0].bucket < oldest:
            gone = recent.popleft()
            group.history += 1
            for key in gone.segments.items():
                seg_hist[key] = seg_hist.get(key, 0) + 1

    # --- the one entry point -----------------------------------------------------------------
    def observe(self, case: CaseSignal) -> list[DetectionEvent]:
        cfg = self.config
        now = case.at.timestamp()
        bucket = int(now // cfg.bucket_seconds)
        self.counters.cases += 1
        segments = case.segments()
        customer = case.customer_id or f"case:{case.case_id}"
        if self.learn_base and customer not in self.seen_customers:
            self.seen_customers.add(customer)
            self.base.add(segments)

        self.window.expire(self._oldest_bucket(now))
        vector = self._vector(case.text)
        emb = self._embedding(case)
        self._th = self._words_th if emb is None else self._meaning_th
        neighbours = self._neighbours(vector, emb)
        group, sim, near = self._vote(neighbours, vector, emb)
        intent = case.intent if cfg.intent_groups else None
        if intent is not None:
            # One group per intent, whatever the vectors say; never merged with another group.
            gid = self.intent_groups.get(intent)
            group = self.groups.get(gid) if gid is not None else None
            near, sim = [], 1.0
            if group is None:
                group = self._new_group()
                self.intent_groups[intent] = group.gid
                self._intent_set = set()  # rebuilt at the next _intent_gids
        elif group is not None:
            if self.intent_groups:
                # An intent's group holds one intent: a case triage could not place does not pool
                # it with its neighbours' groups (a hood of several intents is not one problem).
                near = [] if self._by_intent(group) else [g for g in near if not self._by_intent(g)]
            if self._th.merge < 1.0:
                group, near = self._merge(group, near, now)
        if group is None:
            group, sim = self._new_group(), 1.0
        self._learn(group, vector, emb)
        self.seq += 1
        doc = _Doc(self.seq, vector, group.gid, bucket, case.case_id, segments, customer)
        self._remember(doc, emb)
        self.last_group_id = group.gid
        self._age(group, now)
        self.total += 1
        self.window.add(bucket)
        group.recent.append(_Recent(now, bucket, case.case_id, customer, segments))
        if cfg.prune_every and self.seq % cfg.prune_every == 0:
            self.prune()

        if group.open is not None and now - group.open.last_at > cfg.candidate_idle_seconds:
            self.close(group.open.candidate_id)
        if group.open is not None:
            scope = group.open.scope
            if scope is not None and segments.get(scope[0]) != scope[1]:
                return []
            group.open.last_at = now
            auto = cfg.auto_link_similarity is not None and sim >= cfg.auto_link_similarity
            return [
                LinkSuggestion(candidate_id=group.open.candidate_id, case_id=case.case_id, similarity=sim, auto=auto)
            ]
        link = self._hood_link(doc, neighbours, now, segments)
        if link is not None:
            return [link]
        if self.total <= cfg.warmup_cases:
            return []
        if cfg.hood_tests:
            found_hood = self._hood_test(doc, neighbours, now, segments)
            if found_hood is not None:
                return [self._open_hood(doc, group, *found_hood, case.at)]
        if not cfg.group_tests:
            return []
        hood = [group]
        for g in near:
            if g is not group and g.open is None:
                self._age(g, now)
                hood.append(g)
        strays = self._strays(hood, now) if emb is not None else None
        found = self._test(hood, segments, now, strays)
        if found is None:
            return []
        held = self._held(hood, found[1])
        if strays is not None:
            scope = found[1]
            held += [
                _Recent(0.0, d.bucket, d.case_id, d.customer, d.segments)
                for d in strays[0]
                if scope is None or d.segments.get(scope[0]) == scope[1]
            ]
        core = self._core(held, emb)
        if core is not None and len(core) < cfg.min_cases:
            return []  # a growth of unrelated cases (several intents in one group): no problem
        return [self._open(group, hood, found[0], found[1], case.at, core)]

    @staticmethod
    def _held(hood: list[_Group], scope: tuple[str, str] | None) -> list[_Recent]:
        """The window cases of these groups within the scope the growth was found in."""
        return [r for g in hood for r in g.recent if scope is None or r.segments.get(scope[0]) == scope[1]]

    def _core(self, held: list[_Recent], emb: Any) -> list[_Recent] | None:
        """The held cases that mean what the case that set the test off means: those at least
        ``meaning_core_similarity`` (cosine of vectors) to it, and those as close to the mean of
        these (the burst's own centroid, not the group's: a group that took in several related
        intents has a centroid between them, near all of its cases). A burst's cases mean the same
        thing; the group's ordinary traffic of other intents in the window does not, so a
        candidate keeps only its core, and a growth without one opens none. None when there is
        nothing to judge by (the case has no vector: by words, as before; or the threshold is 0).
        Bounded: the window's cases of the tested groups, each row already in the pool's matrix
        (a case with no row there is kept: it cannot be judged)."""
        floor = self.config.meaning_core_similarity
        if emb is None or floor <= 0 or self._emb is None:
            return None
        import numpy as np  # noqa: PLC0415

        by_case = {d.case_id: d for d in self.pool}
        rows: list[int] = []
        judged: list[_Recent] = []
        kept: list[_Recent] = []
        for r in held:
            d = by_case.get(r.case_id)
            if d is not None and self._emb_has[self._slot(d.seq)]:
                rows.append(self._slot(d.seq))
                judged.append(r)
            else:
                kept.append(r)
        if not rows:
            return None
        matrix = self._emb[rows]
        near = matrix @ emb >= floor
        if near.any():
            centroid = matrix[near].sum(axis=0)
            centroid = centroid / (float(np.linalg.norm(centroid)) or 1.0)
            near = near | (matrix @ centroid >= floor)
        return [r for r, keep in zip(judged, near.tolist(), strict=True) if keep] + kept

    def _hood_link(
        self, doc: _Doc, neighbours: list[tuple[float, _Doc]], now: float, segments: dict[str, str]
    ) -> LinkSuggestion | None:
        """A case whose nearest neighbour (at least ``join_similarity``) belongs to an open
        neighbourhood candidate (within its scope) is suggested for it and joins it."""
        cfg = self.config
        for sim, d in neighbours:
            if sim < self._th.join:
                return None
            if d.cand is None or d.cand not in self._hood_open:
                continue
            last_at, scope = self._hood_open[d.cand]
            if now - last_at > cfg.candidate_idle_seconds:
                self.close(d.cand)
                continue
            if scope is not None and segments.get(scope[0]) != scope[1]:
                continue
            self._hood_open[d.cand][0] = now
            doc.cand = d.cand
            auto = cfg.auto_link_similarity is not None and sim >= cfg.auto_link_similarity
            return LinkSuggestion(candidate_id=d.cand, case_id=doc.case_id, similarity=sim, auto=auto)
        return None

    def _hood_test(
        self, doc: _Doc, neighbours: list[tuple[float, _Doc]], now: float, segments: dict[str, str]
    ) -> tuple[Growth, tuple[str, str] | None, list[_Doc]] | None:
        """The case's near neighbours (at least ``hood_similarity``) in the window, not yet held by
        a candidate, against the share of the older recent cases that are its near neighbours
        (shrunk toward ``prior_share``), overall and within each of the case's segment values."""
        cfg = self.config
        oldest = self._oldest_bucket(now)
        fresh: list[_Doc] = [doc]
        old: list[_Doc] = []
        for sim, d in neighbours:
            if sim < self._th.hood:
                break
            if d.bucket >= oldest:
                if d.cand is None:
                    fresh.append(d)
            else:
                old.append(d)
        if len(fresh) < cfg.min_cases:
            return None
        if self._dense is not None:
            old = self._older_near(doc.vector, oldest)
        n = self.window.in_window
        older = max(0, len(self.pool) - n)
        w = cfg.hood_prior_weight
        share = min(1.0, (len(old) + w * cfg.prior_share) / (older + w))
        tests: list[_Test] = [(binomial_sf(len(fresh), n, share), len(fresh), share, None, n, cfg.window_seconds)]
        short = self._short(now)
        if short is not None:
            self._add_short_test(tests, short, sum(1 for d in fresh if d.bucket >= short[0]), share)
        if cfg.segment_tests:
            m = cfg.segment_prior_cases
            for key in segments.items():
                attribute, value = key
                k_s = sum(1 for d in fresh if d.segments.get(attribute) == value)
                if k_s < cfg.min_cases:
                    continue
                o_s = sum(1 for d in old if d.segments.get(attribute) == value)
                share_s = min(1.0, share * (o_s + m * self.base.share(attribute, value)) / (len(old) + m))
                tests.append((binomial_sf(k_s, n, share_s), k_s, share_s, key, n, cfg.window_seconds))
                if short is not None:
                    k_ss = sum(1 for d in fresh if d.segments.get(attribute) == value and d.bucket >= short[0])
                    self._add_short_test(tests, short, k_ss, share_s, key)
        gids = len({self._find(d.gid) for d in fresh})
        found = self._significant(tests, n, len(segments), cfg.hood_alpha, gids, short is not None)
        if found is None:
            return None
        growth, scope = found
        members = [d for d in fresh if scope is None or d.segments.get(scope[0]) == scope[1]]
        return growth, scope, members

    def _older_near(self, vector: dict[str, float], oldest: int) -> list[_Doc]:
        """The pool's cases older than the window at least ``hood_similarity`` similar to the case,
        counted over the whole pool (not only its ``meaning_candidates`` nearest: a common
        intent has more than that many similar cases, and a baseline cut at the nearest ones
        would make its ordinary traffic look like growth). The case's cosine to every row is
        already computed (``_neighbours``); only rows whose cosine lets the blend reach the
        threshold (words' cosine at most 1) are scored by words: bounded by the pool."""
        import numpy as np  # noqa: PLC0415

        w = self.config.word_weight
        hood = self._th.hood
        floor = (hood - w) / (1.0 - w) if w < 1.0 else -1.0
        slots = np.flatnonzero(self._emb_has & (self._dense >= floor))
        n_pool, top = self.config.neighbour_pool, self.seq
        docs = self.docs_by_seq
        out = []
        for slot in slots.tolist():
            d = docs.get(top - ((top - slot) % n_pool))
            if d is None or d.bucket >= oldest:
                continue
            dv = d.vector
            words = sum(wt * dv.get(t, 0.0) for t, wt in vector.items())
            if self._blend(float(self._dense[slot]), words) >= hood:
                out.append(d)
        return out

    def _open_hood(
        self, doc: _Doc, group: _Group, growth: Growth, scope: tuple[str, str] | None, members: list[_Doc], at: datetime
    ) -> Candidate:
        self._hood_seq += 1
        candidate_id = f"N{self._hood_seq}"
        for d in members:
            d.cand = candidate_id
        self._hood_open[candidate_id] = [at.timestamp(), None if scope is None else list(scope)]
        gids = list(dict.fromkeys(self._find(d.gid) for d in members))
        customers: dict[str, dict[str, str]] = {}
        for d in members:
            customers.setdefault(d.customer, d.segments)
        thread = self._thread(customers, scope)
        profile: dict[str, float] = {}
        for d in members:
            for t, wt in d.vector.items():
                profile[t] = profile.get(t, 0.0) + wt
        top = [t for t, _ in sorted(profile.items(), key=lambda kv: -kv[1])[:5]]
        return self._candidate(candidate_id, group.gid, gids, growth, thread, top, [d.case_id for d in members], at)

    def _share(self, group: _Group) -> tuple[float, int]:
        """The group's expected share of the window's cases: its history over its exposure, shrunk
        toward ``prior_share`` by ``prior_weight`` cases; once its history holds ``min_cases``
        cases, never below its own rate. The prior keeps a young group's first cases from looking
        like its norm, but it also pulls a common group's share down toward ``prior_share`` while
        its exposure is short of ``prior_weight``: just after the warm-up a group holding a third
        of the traffic was expected at a tenth of it, and its ordinary window was taken for growth."""
        cfg = self.config
        exposure = max(0, self.total - self.window.in_window - group.born)
        share = (group.history + cfg.prior_weight * cfg.prior_share) / (exposure + cfg.prior_weight)
        if group.history >= cfg.min_cases and exposure > 0:
            share = max(share, group.history / exposure)
        return share, exposure

    def _strays(self, hood: list[_Group], now: float) -> tuple[list[_Doc], list[_Doc], int] | None:
        """The pool's cases of other groups at least ``meaning_stray_similarity`` (cosine) to the
        case's group's centroid: those of the window (not held by a candidate: a burst's cases that
        joined another group), those older (their baseline), and the number of older cases. None
        when off or nothing to judge by. One product over the pool's matrix: bounded."""
        floor = self.config.meaning_stray_similarity
        group = hood[0]
        if floor <= 0 or group.centroid is None or self._emb is None:
            return None
        import numpy as np  # noqa: PLC0415

        centroid = group.centroid / (float(np.linalg.norm(group.centroid)) or 1.0)
        sims = self._emb @ centroid
        self.counters.vectors_scored += len(sims)
        gids = {g.gid for g in hood}
        intents = self._intent_gids()
        oldest = self._oldest_bucket(now)
        n_pool, top = self.config.neighbour_pool, self.seq
        fresh: list[_Doc] = []
        old: list[_Doc] = []
        for slot in np.flatnonzero(self._emb_has & (sims >= floor)).tolist():
            d = self.docs_by_seq.get(top - ((top - slot) % n_pool))
            if d is None:
                continue
            gid = self._find(d.gid)
            if gid in gids or gid in intents:
                continue  # the hood's own, or a case triage placed in another intent
            if d.bucket < oldest:
                old.append(d)
            elif d.cand is None and (gid not in self.groups or self.groups[gid].open is None):
                fresh.append(d)
        return fresh, old, max(0, len(self.pool) - self.window.in_window)

    def _test(
        self,
        hood: list[_Group],
        segments: dict[str, str],
        now: float | None = None,
        strays: tuple[list[_Doc], list[_Doc], int] | None = None,
    ) -> tuple[Growth, tuple[str, str] | None] | None:
        """The neighbourhood's window count (the case's group and the groups next to it) against
        its baseline, and the same within each of the case's segment values (expected: the
        group's share times the segment's share of the group's history, shrunk toward the
        segment's base share). With ``meaning_short_window_seconds``, each count is also tested over the
        last part of the window only. Bonferroni over the tests made."""
        cfg = self.config
        n = self.window.in_window
        shares = [self._share(g) for g in hood]
        fresh, old, older = strays if strays is not None else ([], [], 0)
        w = cfg.hood_prior_weight
        stray_share = (len(old) + w * cfg.prior_share) / (older + w) if strays is not None else 0.0
        k = sum(len(g.recent) for g in hood) + len(fresh)
        if k < cfg.min_cases:
            return None
        short = self._short(now)
        share = min(1.0, sum(sh for sh, _ in shares) + stray_share)
        tests: list[_Test] = [(binomial_sf(k, n, share), k, share, None, n, cfg.window_seconds)]
        if short is not None:
            first = short[0]
            k_short = sum(1 for g in hood for r in g.recent if r.bucket >= first)
            k_short += sum(1 for d in fresh if d.bucket >= first)
            self._add_short_test(tests, short, k_short, share)
        if cfg.segment_tests:
            for key in segments.items():
                attribute, value = key
                in_segment = [r.bucket for g in hood for r in g.recent if r.segments.get(attribute) == value]
                in_segment += [d.bucket for d in fresh if d.segments.get(attribute) == value]
                k_s = len(in_segment)
                if k_s < cfg.min_cases:
                    continue
                base = self.base.share(attribute, value)
                # The group's share times the segment's share of the group (its history, shrunk
                # toward the segment's base share by segment_prior_cases cases).
                share_s = 0.0
                m = cfg.segment_prior_cases
                for g, (sh, _) in zip(hood, shares, strict=True):
                    share_s += sh * (g.segment_history.get(key, 0) + m * base) / (g.history + m)
                if strays is not None:
                    o_s = sum(1 for d in old if d.segments.get(attribute) == value)
                    share_s += stray_share * (o_s + m * base) / (len(old) + m)
                share_s = min(1.0, share_s)
                tests.append((binomial_sf(k_s, n, share_s), k_s, share_s, key, n, cfg.window_seconds))
                if short is not None:
                    self._add_short_test(tests, short, sum(1 for b in in_segment if b >= short[0]), share_s, key)
        return self._significant(tests, n, len(segments), cfg.alpha, len(hood), short is not None)

    def _short(self, now: float | None) -> tuple[int, int] | None:
        """The first bucket of the short window and the cases (all groups) in it, or None (off, or
        the case is compared by words)."""
        cfg = self.config
        if (
            now is None
            or self._th is not self._meaning_th
            or not cfg.meaning_short_window_seconds
            or cfg.meaning_short_window_seconds >= cfg.window_seconds
        ):
            return None
        first = int((now - cfg.meaning_short_window_seconds) // cfg.bucket_seconds) + 1
        return first, sum(c for b, c in self.window.items if b >= first)

    def _add_short_test(
        self, tests: list[_Test], short: tuple[int, int], k: int, share: float, key: tuple[str, str] | None = None
    ) -> None:
        """The count ``k`` (of segment ``key``, or all) in the short window (``_short``: its first
        bucket and all its cases) tested against ``share``, where it reaches ``min_cases``."""
        if k >= self.config.min_cases:
            n = short[1]
            tests.append((binomial_sf(k, n, share), k, share, key, n, self.config.meaning_short_window_seconds))

    def _significant(
        self,
        tests: list[_Test],
        n: int,
        segments: int,
        alpha: float,
        groups: int,
        two_scales: bool = False,
    ) -> tuple[Growth, tuple[str, str] | None] | None:
        """The most significant of ``tests`` ((p, observed, expected share, segment or None, window
        cases, seconds)), Bonferroni over the whole test and one per segment value (times two with the
        short window), if below ``alpha``."""
        p_value, observed, expected_share, scope, n_used, seconds = min(tests, key=lambda t: t[0])
        p_value = min(1.0, p_value * (1 + segments) * (2 if two_scales else 1))
        if p_value >= alpha:
            return None
        growth = Growth(
            observed=observed,
            expected=round(n_used * expected_share, 3),
            window_cases=n_used,
            baseline_share=expected_share,
            p_value=p_value,
            window_seconds=seconds,
            segment=None if scope is None else f"{scope[0]}={scope[1]}",
            groups=groups,
        )
        return growth, scope

    def common_thread(self, group_ids: list[str]) -> list[ThreadItem]:
        """Over-represented segment values among the distinct customers of these groups' window cases."""
        customers: dict[str, dict[str, str]] = {}
        for gid in group_ids:
            for r in self.groups[gid].recent:
                customers.setdefault(r.customer, r.segments)
        return self._thread(customers)

    def _thread(self, customers: dict[str, dict[str, str]], scope: tuple[str, str] | None = None) -> list[ThreadItem]:
        """Over-represented segment values among these customers (customer id -> segment values),
        most significant first; the segment the growth was found in (``scope``), when it is one of
        them, leads: with 4 or 5 customers another value they share by chance can beat it on
        p-value (bench: docs/language.md, "Delay and recall")."""
        cfg = self.config
        items: list[ThreadItem] = []
        for attribute in SEGMENT_ATTRIBUTES:
            values: dict[str, int] = {}
            for segs in customers.values():
                v = segs.get(attribute)
                if v is not None:
                    values[v] = values.get(v, 0) + 1
            n = sum(values.values())
            for value, count in values.items():
                if count < cfg.thread_min_count:
                    continue
                base_share = self.base.share(attribute, value)
                group_share = count / n
                lift = group_share / base_share
                if lift < cfg.thread_min_lift:
                    continue
                p_value = binomial_sf(count, n, base_share)
                if p_value < cfg.thread_alpha:
                    items.append(
                        ThreadItem(
                            attribute=attribute,
                            value=value,
                            count=count,
                            group_share=round(group_share, 4),
                            base_share=round(base_share, 6),
                            lift=round(lift, 3),
                            p_value=p_value,
                        )
                    )
        items.sort(key=lambda i: (scope is None or (i.attribute, i.value) != scope, i.p_value, -i.lift))
        return items

    def top_terms(self, group_id: str, n: int = 5) -> list[str]:
        profile = self.groups[group_id].profile
        return [t for t, _ in sorted(profile.items(), key=lambda kv: -kv[1])[:n]]

    def _open(
        self,
        group: _Group,
        hood: list[_Group],
        growth: Growth,
        scope: tuple[str, str] | None,
        at: datetime,
        core: list[_Recent] | None = None,
    ) -> Candidate:
        group.blips += 1
        candidate_id = f"{group.gid}-{group.blips}"
        members = [g for g in hood if any(scope is None or r.segments.get(scope[0]) == scope[1] for r in g.recent)]
        for g in members:
            g.open = _Open(candidate_id, at.timestamp(), scope)
        self._candidates[candidate_id] = [g.gid for g in members]
        gids = [g.gid for g in members]
        held = self._held(members, scope) if core is None else core
        customers: dict[str, dict[str, str]] = {}
        for r in held:
            customers.setdefault(r.customer, r.segments)
        thread = self._thread(customers, scope)
        top = self.top_terms(group.gid)
        case_ids = [r.case_id for r in held]
        return self._candidate(candidate_id, group.gid, gids, growth, thread, top, case_ids, at)

    def _candidate(
        self,
        candidate_id: str,
        group_id: str,
        gids: list[str],
        growth: Growth,
        thread: list[ThreadItem],
        top: list[str],
        case_ids: list[str],
        at: datetime,
    ) -> Candidate:
        title = "Spike: " + " ".join(top[:4])
        why = (
            f"{growth.observed} similar cases in {growth.window_seconds / 3600:g} h, "
            f"{growth.expected:g} expected (p={growth.p_value:.2g})"
        )
        if growth.segment:
            why += f" within {growth.segment}"
        if thread:
            why += "; over-represented: " + ", ".join(
                f"{i.attribute}={i.value} (x{i.lift:g}, {i.count} customers)" for i in thread[:3]
            )
        return Candidate(
            candidate_id=candidate_id,
            group_id=group_id,
            group_ids=gids,
            title=title,
            description=why,
            case_ids=case_ids,
            opened_at=at,
            evidence=Evidence(growth=growth, common_thread=thread, top_terms=top),
        )

    def _close_group(self, group: _Group) -> None:
        group.open = None
        # Start the next test afresh: what the window held is history now.
        group.history += len(group.recent)
        for r in group.recent:
            for key in r.segments.items():
                group.segment_history[key] = group.segment_history.get(key, 0) + 1
        group.recent.clear()

    def close(self, candidate_id: str) -> None:
        """The candidate was confirmed, dismissed or resolved: stop suggesting links to it."""
        self._hood_open.pop(candidate_id, None)
        for gid in self._candidates.pop(candidate_id, []):
            self._close_group(self.groups[gid])

    def open_candidates(self) -> list[str]:
        return sorted([*self._candidates, *self._hood_open])

    def prune(self) -> int:
        """Drop the groups no recent case can reach again; returns how many were dropped.

        A case reaches groups only through the votes of its neighbours in the recent pool, and
        merges and tests only involve the groups voted for: a group none of the pool's cases
        belongs to (after merges), and that holds no open candidate, can never be joined, merged
        or tested again. Its cases fold into ``background`` (a count, for the record: a group's
        expected share uses the global case count as exposure, so the baseline of the groups
        that stay does not change). Merge aliases are resolved in the pool and then forgotten,
        so they stay bounded too. Nothing the detector reports changes: only memory does."""
        live: set[str] = set()
        for d in self.pool:
            d.gid = self._find(d.gid)
            live.add(d.gid)
        self.alias.clear()
        if self.last_group_id is not None:
            live.add(self.last_group_id)
        live.update(self.intent_groups.values())  # reached by their intent (one per label: bounded)
        dropped = [g for gid, g in self.groups.items() if gid not in live and g.open is None]
        for g in dropped:
            self.background += g.history + len(g.recent)
            del self.groups[g.gid]
        self.pruned += len(dropped)
        return len(dropped)

    def state_size(self) -> dict[str, Any]:
        return {"groups": len(self.groups), "terms": len(self.postings), "cases": self.total}


# --- compact state: what a deployment persists between batches of the case stream ----------------
STATE_VERSION = 2


def _rounded(weights: dict[str, float]) -> dict[str, float]:
    """Weights at STATE_DIGITS decimals (already so in memory: this only guards the state's size)."""
    return {t: round(w, STATE_DIGITS) for t, w in weights.items()}


def _pack(vector: Any) -> str:
    """A vector as base64 of little-endian float16 (a cosine moves by about 1e-3 at most)."""
    import numpy as np  # noqa: PLC0415

    return base64.b64encode(np.asarray(vector, dtype="<f2").tobytes()).decode()


def _unpack(text: str) -> Any:
    import numpy as np  # noqa: PLC0415

    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float32)


def _centroid_state(centroid: Any) -> list[Any] | None:
    """A group's centroid (a sum of vectors) as [its length, its direction packed]: float16 keeps
    the direction's precision whatever the number of cases summed."""
    if centroid is None:
        return None
    import numpy as np  # noqa: PLC0415

    norm = float(np.linalg.norm(centroid)) or 1.0
    return [round(norm, 4), _pack(centroid / norm)]


def to_state(detector: Detector) -> dict[str, Any]:
    """A JSON-able snapshot: document frequencies, group profiles (top terms only; the centroid of
    their vectors), their window cases (ids, customer, segments), histories, open candidates and
    the segment base; the recent pool's vectors (float16, ``neighbour_pool`` at most). The
    inverted index is rebuilt on load, so it is not stored."""
    groups = []
    for g in detector.groups.values():
        groups.append(
            {
                "id": g.gid,
                "p": _rounded(g.profile),
                "c": _centroid_state(g.centroid),
                "h": g.history,
                "sh": [[a, v, n] for (a, v), n in g.segment_history.items()],
                "b": g.born,
                "r": [[r.at, r.bucket, r.case_id, r.customer, r.segments] for r in g.recent],
                "o": None if g.open is None else [g.open.candidate_id, g.open.last_at, g.open.scope],
                "n": g.blips,
            }
        )
    return {
        "v": STATE_VERSION,
        "config": detector.config.model_dump(mode="json"),
        "docs": detector.docs,
        "df": detector.df,
        "total": detector.total,
        "window": list(detector.window.items),
        "next_group": detector._next_group,
        "candidates": detector._candidates,
        "base": {"counts": detector.base.counts, "totals": detector.base.totals, "learn": detector.learn_base},
        "seen": sorted(detector.seen_customers),
        "groups": groups,
        "seq": detector.seq,
        "alias": detector.alias,
        "pool": [
            [d.seq, d.gid, _rounded(d.vector), d.bucket, d.case_id, d.segments, d.customer, d.cand]
            for d in detector.pool
        ],
        "intents": detector.intent_groups,
        "hood_open": detector._hood_open,
        "hood_seq": detector._hood_seq,
        "background": detector.background,
        "pruned": detector.pruned,
        "emb": _pool_vectors(detector),
    }


def _pool_vectors(detector: Detector) -> dict[str, Any] | None:
    """The pool's vectors in pool order (one packed row each, None where a case had none)."""
    if detector._emb is None:
        return None if detector.embedding_model is None else {"model": detector.embedding_model, "rows": []}
    rows = []
    for d in detector.pool:
        slot = detector._slot(d.seq)
        rows.append(_pack(detector._emb[slot]) if detector._emb_has[slot] else None)
    return {"model": detector.embedding_model, "dim": int(detector._emb.shape[1]), "rows": rows}


def from_state(state: dict[str, Any], config: DetectionConfig | None = None) -> Detector:
    """The detector a ``to_state`` snapshot describes (``config`` overrides the stored one)."""
    if state.get("v") != STATE_VERSION:
        raise ValueError(f"unknown detector state version {state.get('v')!r}")
    base = SegmentBase()
    base.counts = {a: dict(v) for a, v in state["base"]["counts"].items()}
    base.totals = dict(state["base"]["totals"])
    detector = Detector(config or DetectionConfig.model_validate(state["config"]), base=base)
    detector.learn_base = bool(state["base"]["learn"])
    detector.seen_customers = set(state["seen"])
    detector.docs = state["docs"]
    detector.df = dict(state["df"])
    detector.total = state["total"]
    for bucket, count in state["window"]:
        detector.window.items.append([bucket, count])
        detector.window.in_window += count
    detector._next_group = state["next_group"]
    detector._candidates = {k: list(v) for k, v in state["candidates"].items()}
    for item in state["groups"]:
        g = _Group(item["id"], born=item["b"])
        g.profile = dict(item["p"])
        g.history = item["h"]
        g.segment_history = {(a, v): n for a, v, n in item["sh"]}
        g.recent = deque(_Recent(at, b, cid, cu, dict(segs)) for at, b, cid, cu, segs in item["r"])
        if item.get("c") is not None:
            norm, packed = item["c"]
            g.centroid = _unpack(packed) * norm
        if item["o"] is not None:
            cid, last_at, scope = item["o"]
            g.open = _Open(cid, last_at, None if scope is None else (scope[0], scope[1]))
        g.blips = item["n"]
        detector.groups[g.gid] = g
    cap = detector.config.postings_per_term
    detector._hood_open = {k: list(v) for k, v in state["hood_open"].items()}
    detector._hood_seq = state["hood_seq"]
    for seq, gid, vector, bucket, case_id, segments, customer, cand in state["pool"]:
        doc = _Doc(seq, dict(vector), gid, bucket, case_id, dict(segments), customer, cand)
        detector.pool.append(doc)
        detector.docs_by_seq[seq] = doc
        for t in vector:
            detector.postings.setdefault(t, deque()).append(seq)
    for posting in detector.postings.values():
        while len(posting) > cap:
            posting.popleft()
    detector.seq = state["seq"]
    detector.alias = dict(state["alias"])
    detector.intent_groups = {k: v for k, v in state.get("intents", {}).items() if v in detector.groups}
    detector.background = state.get("background", 0)
    detector.pruned = state.get("pruned", 0)
    vectors = state.get("emb")
    if vectors is not None:
        detector.embedding_model = vectors["model"]
        if vectors.get("dim"):
            import numpy as np  # noqa: PLC0415

            detector._emb = np.zeros((detector.config.neighbour_pool, vectors["dim"]), dtype=np.float32)
            detector._emb_has = np.zeros(detector.config.neighbour_pool, dtype=bool)
            for d, packed in zip(detector.pool, vectors["rows"], strict=True):
                if packed is not None:
                    slot = detector._slot(d.seq)
                    detector._emb[slot] = _unpack(packed)
                    detector._emb_has[slot] = True
    return detector
