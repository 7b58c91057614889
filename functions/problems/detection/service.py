"""Detection's use cases: the detector over its stored state, and the segment base it compares with.

``DetectionService.observe(signals)`` loads the detector's state, feeds it the new cases, turns
each ``Candidate`` into a problem through ``CandidateSink.create_candidate`` (the problem
services' ``create_candidate``), links a later case automatically when the detector says
``auto`` (link type ``similar``), returns the other link suggestions, and saves the state
(``StateStore``: what it holds, see ``store.py``).

Meaning: with an ``Embedder`` (the container's sentence-embedding model; None where
``CASEBRIDGE_EMBEDDER`` is ``none`` or the model is not installed), ``observe`` embeds the new
cases' texts in one call per batch, once per case, and the detector compares them by meaning
(``detector.py``); without one, or if embedding fails (logged), the cases are compared by words.

``SegmentBaseCache``: the whole customer base's segment counts, which the common thread compares
a group against. Choice: a periodic computation, stored. The recount runs on a schedule, not in
the stream handler: ``refresh_segment_base`` (hourly) calls ``SegmentBaseCache.refresh()``, which
recomputes the counts from the customer base when the stored ones are older than ``max_age``
(``CASEBRIDGE_DETECTION_SEGMENT_BASE_MAX_AGE_HOURS``, 24 h by default) or missing, and stores them.
The stream handler only reads them: ``get()`` returns the stored counts whatever their age
(stale counts are logged, not recomputed inline: the recount is one Query per customer, which
must not hold up a stream batch); within one process they are reloaded at most hourly
(``reload_every``), so a stream batch costs one S3 GET at most, and usually nothing. Only when
nothing is stored yet (the first batch after a deploy, before the schedule's first run) does
``get()`` count inline, once.

Why not incremental counts from the stream: customer items arrive on the same stream, but a
deployment that starts detection on a table that already holds customers needs a full count
anyway (the stream keeps 24 h), and a periodic recount also repairs any drift. Between two
recounts, new customers are missing from the base; a base share is a proportion, so a day's
new customers change it little. Each customer counts once per value of an attribute (a customer
with two machines of one product counts once for that product). Channel is a property of a
case, not of a customer: its base is the share of all observed cases by channel, counted by
``DetectionService`` in its own state.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.core.logs import logger
from functions.problems.detection.detector import Detector, SegmentBase, from_state, to_state
from functions.problems.detection.models import Candidate, CaseSignal, DetectionConfig, Outcome
from functions.problems.detection.ports import (
    CandidateSink,
    Embedder,
    IntentClassifier,
    SegmentBaseStore,
    StateStore,
)
from functions.problems.detection.rules import accepted_intent


class DetectionService:
    """Detection over a state store.

    ``base``: the whole customer base's segment counts (``SegmentBaseCache.get``), or
    None to let the detector learn the base from the customers it sees. Channel is a case's
    attribute, so its base is counted here, over every case observed (state ``channels``).

    Redelivery: a stream batch can come again (a retry after an error). The ids of the last
    ``remember_cases`` observed cases are kept in the state (``seen``); a case seen before is
    skipped, so no case is counted twice. If the batch failed after a candidate became a problem
    but before the state was saved, the retry replays the same detector from the same state and
    names the candidate the same: the sink gets the key ``{lineage}/{candidate id}`` (lineage: a
    random id the state gets when it is first written) and opens one problem per key.
    """

    def __init__(
        self,
        state: StateStore,
        sink: CandidateSink,
        config: DetectionConfig | None = None,
        *,
        base: SegmentBase | None = None,
        remember_cases: int = 20_000,
        embedder: Embedder | None = None,
        intents: IntentClassifier | None = None,
    ) -> None:
        self.state, self.sink, self.config, self.base = state, sink, config, base
        self.embedder = embedder
        self.intents = intents
        self.remember_cases = remember_cases
        self._holding = False
        self._held: tuple[Detector, dict[str, Any]] | None = None
        self._dirty = False

    @contextmanager
    def held(self) -> Iterator[DetectionService]:
        """Load the state once (at its first use) for every ``observe`` and ``close`` inside, and
        save it once, if it changed, when the block ends normally (one stream batch: one GET and at most one PUT,
        however many status changes it holds). On an error nothing is saved: the retry replays
        the batch from the state as it was (see the class's note on redelivery)."""
        if self._holding:
            yield self
            return
        self._holding, self._held, self._dirty = True, None, False
        try:
            yield self
            if self._dirty and self._held is not None:
                self._save(*self._held)
        finally:
            self._holding, self._held, self._dirty = False, None, False

    def _state(self) -> tuple[Detector, dict[str, Any]]:
        """The state: loaded at the first use inside ``held``, then kept; outside it, loaded anew."""
        if not self._holding:
            return self._load()
        if self._held is None:
            self._held = self._load()
        return self._held

    def _changed(self, detector: Detector, extra: dict[str, Any]) -> None:
        if self._holding:
            self._dirty = True
        else:
            self._save(detector, extra)

    def _load(self) -> tuple[Detector, dict[str, Any]]:
        stored = self.state.load() or {}
        if "detector" in stored:
            detector = from_state(stored["detector"], self.config)
        else:
            detector = Detector(self.config, base=self.base)
        extra: dict[str, Any] = {
            "problems": dict(stored.get("problems", {})),
            "seen": deque(stored.get("seen", []), maxlen=self.remember_cases),
            "channels": dict(stored.get("channels", {})),
            "lineage": stored.get("lineage") or uuid.uuid4().hex,
        }
        if self.base is not None:
            # The detector's own copy: the channel counts below are this state's, and the given
            # base is shared (the process's segment-base cache).
            detector.base = SegmentBase()
            detector.base.counts = {a: dict(v) for a, v in self.base.counts.items()}
            detector.base.totals = dict(self.base.totals)
            detector.learn_base = False
            self._apply_channels(detector, extra["channels"])
        detector.use_model(self.embedder.model_id if self.embedder is not None else None)
        return detector, extra

    @staticmethod
    def _apply_channels(detector: Detector, channels: dict[str, int]) -> None:
        detector.base.counts["channel"] = dict(channels)
        detector.base.totals["channel"] = sum(channels.values())

    def _save(self, detector: Detector, extra: dict[str, Any]) -> None:
        self.state.save(
            {
                "detector": to_state(detector),
                "problems": extra["problems"],
                "seen": list(extra["seen"]),
                "channels": extra["channels"],
                "lineage": extra["lineage"],
            }
        )

    def observe(self, signals: list[CaseSignal]) -> Outcome:
        detector, extra = self._state()
        problems: dict[str, str] = extra["problems"]
        seen: deque[str] = extra["seen"]
        known = set(seen)
        out = Outcome()
        fresh: list[CaseSignal] = []
        for signal in sorted(signals, key=lambda s: s.at):
            if signal.case_id in known:
                out.skipped.append(signal.case_id)
                continue
            known.add(signal.case_id)
            fresh.append(signal)
        for signal in self._with_intents(self._with_vectors(fresh)):
            seen.append(signal.case_id)
            if signal.channel:
                extra["channels"][signal.channel] = extra["channels"].get(signal.channel, 0) + 1
                if self.base is not None:
                    self._apply_channels(detector, extra["channels"])
            for event in detector.observe(signal):
                if isinstance(event, Candidate):
                    evidence = event.evidence.model_dump(mode="json")
                    evidence.update(candidate_id=event.candidate_id, group_ids=event.group_ids)
                    key = f"{extra['lineage']}/{event.candidate_id}"
                    problem_id = self.sink.create_candidate(
                        evidence, event.case_ids, event.title, event.description, key
                    )
                    problems[event.candidate_id] = problem_id
                    out.candidates.append((problem_id, event))
                elif event.candidate_id in problems:
                    problem_id = problems[event.candidate_id]
                    if event.auto:
                        self.sink.link_similar(problem_id, event.case_id)
                        out.auto_linked.append((problem_id, event.case_id))
                    else:
                        out.suggestions.append((problem_id, event))
        if len(out.skipped) < len(signals) or not signals:
            self._changed(detector, extra)
        return out

    def _with_vectors(self, signals: list[CaseSignal]) -> list[CaseSignal]:
        """The signals, each with its text's vector (one ``embed`` call for those without one)."""
        missing = [s for s in signals if s.vector is None]
        if self.embedder is None or not missing or (self.config is not None and not self.config.meaning):
            return signals
        try:
            vectors = self.embedder.embed([s.text for s in missing])
        except Exception:  # noqa: BLE001 - detection goes on by words rather than stall the stream
            logger().exception("embedding failed: these cases are compared by words", extra={"cases": len(missing)})
            return signals
        by_id = {s.case_id: v for s, v in zip(missing, vectors, strict=True)}
        return [s if s.vector is not None else s.model_copy(update={"vector": by_id[s.case_id]}) for s in signals]

    def _with_intents(self, signals: list[CaseSignal]) -> list[CaseSignal]:
        """The signals with a vector, each with triage's category for it as its ``intent`` where
        the category's probability reaches ``intent_confidence`` (the detector groups those cases by
        it). No classifier, no model yet, or a failure (logged): no intents."""
        config = self.config or DetectionConfig()
        if self.intents is None or self.embedder is None or not config.intent_groups:
            return signals
        out = []
        for s in signals:
            if s.vector is not None and s.intent is None:
                try:
                    found = self.intents.intent(s.text, s.vector, self.embedder.model_id)
                except Exception:  # noqa: BLE001 - detection goes on without intents rather than stall the stream
                    logger().exception("triage's classifier failed: cases are grouped without intents")
                    return signals
                intent = accepted_intent(found, config)
                if intent is not None:
                    s = s.model_copy(update={"intent": intent})
            out.append(s)
        return out

    def close(self, problem_id: str) -> bool:
        """The problem was dismissed, resolved or closed (or merged away): its candidate stops
        collecting cases. A confirmed problem keeps collecting (do not call this on confirm).
        Returns whether an open candidate was closed (False: unknown or already closed)."""
        detector, extra = self._state()
        problems: dict[str, str] = extra["problems"]
        closed = False
        for candidate_id, pid in list(problems.items()):
            if pid == problem_id:
                detector.close(candidate_id)
                problems.pop(candidate_id)
                closed = True
        if closed:
            self._changed(detector, extra)
        return closed


class SegmentBaseCache:
    """The segment base as stored, recomputed by ``compute`` when older than ``max_age`` (see the
    module docstring). One per process (the container's), so its in-memory copy serves batches."""

    def __init__(
        self,
        store: SegmentBaseStore,
        compute: Callable[[], SegmentBase],
        *,
        max_age: timedelta = timedelta(hours=24),
        reload_every: timedelta = timedelta(hours=1),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store, self.compute, self.max_age, self.clock = store, compute, max_age, clock
        self.reload_every = reload_every
        self.computations = 0
        self._cached: tuple[SegmentBase, datetime] | None = None
        self._loaded_at = datetime.min.replace(tzinfo=UTC)

    def _fresh(self, at: datetime) -> bool:
        return self.clock() - at < self.max_age

    def get(self) -> SegmentBase:
        """The stored counts (any age; see the module's docstring), counted inline only if none are stored."""
        if self._cached is not None and self.clock() - self._loaded_at < self.reload_every:
            return self._cached[0]
        stored = self.store.load()
        if stored is None:
            stored = self._recompute()
        elif not self._fresh(stored[1]):
            logger().warning(
                "segment base is stale: is the refresh_segment_base schedule running?",
                extra={"computed_at": stored[1].isoformat()},
            )
        self._cached, self._loaded_at = stored, self.clock()
        return stored[0]

    def refresh(self) -> bool:
        """Recount if the stored counts are missing or older than ``max_age`` (the schedule's job).
        Returns whether it recounted."""
        stored = self.store.load()
        recount = stored is None or not self._fresh(stored[1])
        if recount or stored is None:
            stored = self._recompute()
        self._cached, self._loaded_at = stored, self.clock()
        return recount

    def _recompute(self) -> tuple[SegmentBase, datetime]:
        base, at = self.compute(), self.clock()
        self.computations += 1
        self.store.save(base, at)
        return base, at
