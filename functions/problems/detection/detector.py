"""The incremental problem-blip detector: pure, no I/O; one ``observe(case)`` per new case.

Grouping (online clustering)
    A case's signature is its TF-IDF vector (``text.terms``; document frequencies kept
    incrementally), cut to its ``case_terms`` heaviest terms. Each group keeps a profile: the
    summed vectors of its cases, cut to its ``profile_terms`` heaviest terms. An inverted index
    maps a term to the groups whose profile holds it, capped at ``postings_per_term`` groups
    (the heaviest). A case is scored only against the groups reached through its own terms, so
    the work per case is bounded by ``case_terms * 2 * postings_per_term`` posting entries,
    whatever the number of groups or cases (``Counters`` records it; the tests assert on it).
    It joins the best group at cosine >= ``join_similarity``, else starts a new group.

Blip test
    Each group counts its cases in time buckets; cases older than the window fold into its
    history. On each case the group of that case is tested: of the ``n`` cases (all groups) in
    the recent window, ``k`` are the group's; its expected share is its history share,
    shrunk toward ``prior_share`` by ``prior_weight`` cases (a young group has no history of its
    own). The p-value is the binomial upper tail P(X >= k | n, share); a blip is
    p < ``alpha`` with k >= ``min_cases``.

Common thread
    For each segment attribute (product, model, batch, region, tier, channel), the values held
    by at least ``thread_min_count`` of the group's distinct customers in the window, with their
    share against the share in the whole customer base (``SegmentBase``), the lift, and the
    binomial p-value of that many customers or more. Kept: p < ``thread_alpha`` and lift >=
    ``thread_min_lift``; most significant first.

After a candidate opens, later cases joining its group are reported as ``LinkSuggestion``
(``auto`` when their similarity reaches ``auto_link_similarity``) until the candidate is
closed (``close``) or idle for ``candidate_idle_seconds``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
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
from functions.problems.detection.text import terms


@dataclass
class Counters:
    """Work done, summed over all cases (and for the last case): what the cost tests assert on."""

    cases: int = 0
    postings_scanned: int = 0
    groups_scored: int = 0
    last_postings_scanned: int = 0
    last_groups_scored: int = 0
    max_postings_scanned: int = 0


class SegmentBase:
    """Attribute-value counts over the whole customer base (one count per customer)."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {a: {} for a in SEGMENT_ATTRIBUTES}
        self.totals: dict[str, int] = dict.fromkeys(SEGMENT_ATTRIBUTES, 0)

    def add(self, segments: dict[str, str]) -> None:
        for attribute, value in segments.items():
            if attribute in self.counts:
                by_value = self.counts[attribute]
                by_value[value] = by_value.get(value, 0) + 1
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


class _Group:
    __slots__ = ("gid", "profile", "norm2", "history", "segment_history", "born", "recent", "open", "blips")

    def __init__(self, gid: str, born: int) -> None:
        self.gid = gid
        self.profile: dict[str, float] = {}
        self.norm2 = 0.0
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
        self.postings: dict[str, dict[str, float]] = {}
        self.total = 0
        self.window = _Buckets()
        self.counters = Counters()
        self._next_group = 0
        self.last_group_id: str | None = None  # the group the last observed case joined
        self._candidates: dict[str, list[str]] = {}  # candidate id -> its groups

    # --- signature -------------------------------------------------------------------------
    def _vector(self, text: str) -> dict[str, float]:
        tf: dict[str, int] = {}
        for t in terms(text):
            tf[t] = tf.get(t, 0) + 1
        self.docs += 1
        df = self.df
        for t in tf:
            df[t] = df.get(t, 0) + 1
        n = self.docs + 1
        weights = {t: (1.0 + math.log(c)) * (math.log(n / (df[t] + 0.5)) + 1.0) for t, c in tf.items()}
        if len(weights) > self.config.case_terms:
            weights = dict(sorted(weights.items(), key=lambda kv: -kv[1])[: self.config.case_terms])
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items()}

    def _nearest(self, vector: dict[str, float]) -> tuple[_Group | None, float, list[_Group]]:
        scores: dict[str, float] = {}
        scanned = 0
        for t, w in vector.items():
            posting = self.postings.get(t)
            if not posting:
                continue
            scanned += len(posting)
            for gid, gw in posting.items():
                scores[gid] = scores.get(gid, 0.0) + w * gw
        c = self.counters
        c.last_postings_scanned, c.last_groups_scored = scanned, len(scores)
        c.postings_scanned += scanned
        c.groups_scored += len(scores)
        c.max_postings_scanned = max(c.max_postings_scanned, scanned)
        best, best_sim = None, 0.0
        near: list[tuple[float, _Group]] = []
        floor = self.config.neighbour_similarity
        for gid, s in scores.items():
            g = self.groups[gid]
            sim = s / math.sqrt(g.norm2) if g.norm2 > 0 else 0.0
            if sim > best_sim:
                best, best_sim = g, sim
            if sim >= floor:
                near.append((sim, g))
        near.sort(key=lambda x: -x[0])
        return best, best_sim, [g for _, g in near[: self.config.neighbours]]

    def _learn(self, group: _Group, vector: dict[str, float]) -> None:
        cap = self.config.postings_per_term
        profile = group.profile
        for t, w in vector.items():
            old = profile.get(t, 0.0)
            profile[t] = old + w
            group.norm2 += (old + w) ** 2 - old * old
            posting = self.postings.setdefault(t, {})
            posting[group.gid] = old + w
            if len(posting) > 2 * cap:
                # Keep the heaviest groups for this term; the others stay reachable by their other terms.
                self.postings[t] = dict(sorted(posting.items(), key=lambda kv: -kv[1])[:cap])
        keep = self.config.profile_terms
        if len(profile) > 2 * keep:
            ranked = sorted(profile.items(), key=lambda kv: -kv[1])
            for t, _ in ranked[keep:]:
                held = self.postings.get(t)
                if held is not None:
                    held.pop(group.gid, None)
            group.profile = dict(ranked[:keep])
            group.norm2 = sum(w * w for w in group.profile.values())

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
        group, sim, near = self._nearest(vector)
        if group is None or sim < cfg.join_similarity:
            self._next_group += 1
            group = _Group(f"G{self._next_group}", born=self.total - self.window.in_window)
            self.groups[group.gid] = group
            sim = 1.0
        self._learn(group, vector)
        self.last_group_id = group.gid
        self._age(group, now)
        self.total += 1
        self.window.add(bucket)
        group.recent.append(_Recent(now, bucket, case.case_id, customer, segments))

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
        if self.total <= cfg.warmup_cases:
            return []
        hood = [group]
        for g in near:
            if g is not group and g.open is None:
                self._age(g, now)
                hood.append(g)
        found = self._test(hood, segments)
        if found is None:
            return []
        return [self._open(group, hood, found[0], found[1], case.at)]

    def _share(self, group: _Group) -> tuple[float, int]:
        cfg = self.config
        exposure = max(0, self.total - self.window.in_window - group.born)
        share = (group.history + cfg.prior_weight * cfg.prior_share) / (exposure + cfg.prior_weight)
        return share, exposure

    def _test(self, hood: list[_Group], segments: dict[str, str]) -> tuple[Growth, tuple[str, str] | None] | None:
        """The neighbourhood's window count (the case's group and the groups next to it) against
        its baseline, and the same within each of the case's segment values (expected: the
        group's share times the segment's share of the group's history, shrunk toward the
        segment's base share). Bonferroni over the tests made."""
        cfg = self.config
        n = self.window.in_window
        shares = [self._share(g) for g in hood]
        k = sum(len(g.recent) for g in hood)
        if k < cfg.min_cases:
            return None
        share = min(1.0, sum(sh for sh, _ in shares))
        tests: list[tuple[float, int, float, tuple[str, str] | None]] = [(binomial_sf(k, n, share), k, share, None)]
        if cfg.segment_tests:
            for key in segments.items():
                attribute, value = key
                k_s = sum(1 for g in hood for r in g.recent if r.segments.get(attribute) == value)
                if k_s < cfg.min_cases:
                    continue
                base = self.base.share(attribute, value)
                # The group's share times the segment's share of the group (its history, shrunk
                # toward the segment's base share by segment_prior_cases cases).
                share_s = 0.0
                m = cfg.segment_prior_cases
                for g, (sh, _) in zip(hood, shares, strict=True):
                    share_s += sh * (g.segment_history.get(key, 0) + m * base) / (g.history + m)
                tests.append((binomial_sf(k_s, n, min(1.0, share_s)), k_s, min(1.0, share_s), key))
        p_value, observed, expected_share, scope = min(tests, key=lambda t: t[0])
        p_value = min(1.0, p_value * (1 + len(segments)))
        if p_value >= cfg.alpha:
            return None
        growth = Growth(
            observed=observed,
            expected=round(n * expected_share, 3),
            window_cases=n,
            baseline_share=expected_share,
            p_value=p_value,
            window_seconds=cfg.window_seconds,
            segment=None if scope is None else f"{scope[0]}={scope[1]}",
            groups=len(hood),
        )
        return growth, scope

    def common_thread(self, group_ids: list[str]) -> list[ThreadItem]:
        """Over-represented segment values among the distinct customers of these groups' window cases."""
        cfg = self.config
        customers: dict[str, dict[str, str]] = {}
        for gid in group_ids:
            for r in self.groups[gid].recent:
                customers.setdefault(r.customer, r.segments)
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
        items.sort(key=lambda i: (i.p_value, -i.lift))
        return items

    def top_terms(self, group_id: str, n: int = 5) -> list[str]:
        profile = self.groups[group_id].profile
        return [t for t, _ in sorted(profile.items(), key=lambda kv: -kv[1])[:n]]

    def _open(
        self, group: _Group, hood: list[_Group], growth: Growth, scope: tuple[str, str] | None, at: datetime
    ) -> Candidate:
        group.blips += 1
        candidate_id = f"{group.gid}-{group.blips}"
        members = [g for g in hood if any(scope is None or r.segments.get(scope[0]) == scope[1] for r in g.recent)]
        for g in members:
            g.open = _Open(candidate_id, at.timestamp(), scope)
        self._candidates[candidate_id] = [g.gid for g in members]
        gids = [g.gid for g in members]
        thread = self.common_thread(gids)
        top = self.top_terms(group.gid)
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
        case_ids = [
            r.case_id for g in members for r in g.recent if scope is None or r.segments.get(scope[0]) == scope[1]
        ]
        return Candidate(
            candidate_id=candidate_id,
            group_id=group.gid,
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
        for gid in self._candidates.pop(candidate_id, []):
            self._close_group(self.groups[gid])

    def open_candidates(self) -> list[str]:
        return sorted(self._candidates)

    def state_size(self) -> dict[str, Any]:
        return {"groups": len(self.groups), "terms": len(self.postings), "cases": self.total}


# --- compact state: what a deployment persists between batches of the case stream ----------------
STATE_VERSION = 1


def to_state(detector: Detector) -> dict[str, Any]:
    """A JSON-able snapshot: document frequencies, group profiles (top terms only), their window
    cases (ids, customer, segments), histories, open candidates and the segment base. The
    inverted index is rebuilt on load, so it is not stored."""
    groups = []
    for g in detector.groups.values():
        groups.append(
            {
                "id": g.gid,
                "p": g.profile,
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
    }


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
        g.norm2 = sum(w * w for w in g.profile.values())
        g.history = item["h"]
        g.segment_history = {(a, v): n for a, v, n in item["sh"]}
        g.recent = deque(_Recent(at, b, cid, cu, dict(segs)) for at, b, cid, cu, segs in item["r"])
        if item["o"] is not None:
            cid, last_at, scope = item["o"]
            g.open = _Open(cid, last_at, None if scope is None else (scope[0], scope[1]))
        g.blips = item["n"]
        detector.groups[g.gid] = g
        for t, w in g.profile.items():
            detector.postings.setdefault(t, {})[g.gid] = w
    cap = detector.config.postings_per_term
    for t, posting in list(detector.postings.items()):
        if len(posting) > 2 * cap:
            detector.postings[t] = dict(sorted(posting.items(), key=lambda kv: -kv[1])[:cap])
    return detector
