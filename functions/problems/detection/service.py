"""Detection wired to its ports: where the detector's state lives, and where candidates go.

``DetectionService.observe(signals)`` loads the detector's state, feeds it the new cases, turns
each ``Candidate`` into a problem through ``CandidateSink.create_candidate`` (the records
part's ``ProblemService.create_candidate``), links a later case automatically when the
detector says ``auto`` (``ProblemService.link``, link type ``similar``), returns the other
link suggestions, and saves the state.

State: one gzipped JSON document (``detector.to_state``): group profiles (top terms only),
each group's window cases (ids, customer id, segment values; no text, no PII), histories,
document frequencies, open candidates and their problem ids. It is a few MB at most (it grows
with the vocabulary and the number of groups, not with the number of cases), too large for
a DynamoDB item (400 KB), so ``S3StateStore`` keeps it in S3. One writer at a time: the
stream handler must run with one concurrent batch (DynamoDB stream, parallelization factor
1); ``S3StateStore.save`` refuses to overwrite a newer state (conditional put on the ETag).
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from functions.problems.detection.detector import Detector, SegmentBase, from_state, to_state
from functions.problems.detection.models import Candidate, CaseSignal, DetectionConfig, LinkSuggestion


def signal_from_case(case: Any, segments: dict[str, str] | None = None) -> CaseSignal:
    """A ``functions.cases.models.Case`` as the detector reads it; ``segments`` adds the
    customer's attributes (region, tier...) from the customer store."""
    values = {
        "product": case.product,
        "model": case.model,
        "batch": case.batch,
        "channel": getattr(case.channel, "value", case.channel),
        **(segments or {}),
    }
    return CaseSignal(
        case_id=case.case_id,
        text=f"{case.subject}\n{case.description}",
        at=case.created_at,
        customer_id=case.customer_id,
        category=case.category,
        **{k: v for k, v in values.items() if v is not None},
    )


class StateStore(Protocol):
    def load(self) -> dict[str, Any] | None: ...

    def save(self, state: dict[str, Any]) -> None: ...


class CandidateSink(Protocol):
    """What detection needs from the problem records (``ProblemService`` satisfies it via ``ProblemSink``)."""

    def create_candidate(
        self, evidence: dict[str, Any], case_ids: list[str], title: str, description: str, key: str
    ) -> str:
        """Open a candidate problem; returns its problem id."""
        ...

    def link_similar(self, problem_id: str, case_id: str) -> None: ...


class MemoryStateStore:
    def __init__(self) -> None:
        self.blob: bytes | None = None

    def load(self) -> dict[str, Any] | None:
        return None if self.blob is None else json.loads(gzip.decompress(self.blob))

    def save(self, state: dict[str, Any]) -> None:
        self.blob = gzip.compress(json.dumps(state, separators=(",", ":")).encode())


class S3StateStore:
    """The state as one gzipped JSON object in S3."""

    def __init__(self, bucket: str, key: str = "detection/state.json.gz") -> None:
        self.bucket, self.key = bucket, key
        self._etag: str | None = None

    def load(self) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError  # noqa: PLC0415

        from functions.core import aws  # noqa: PLC0415

        s3 = aws.client("s3")
        try:
            obj = s3.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as exc:
            # Without s3:ListBucket a missing key is AccessDenied; the save after it is conditional
            # (IfNoneMatch) so a state that does exist is never overwritten by mistake.
            if exc.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404", "AccessDenied"):
                raise
            self._etag = None
            return None
        self._etag = obj["ETag"]
        return json.loads(gzip.decompress(obj["Body"].read()))

    def save(self, state: dict[str, Any]) -> None:
        from functions.core import aws  # noqa: PLC0415

        body = gzip.compress(json.dumps(state, separators=(",", ":")).encode())
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": self.key, "Body": body}
        if self._etag is not None:
            kwargs["IfMatch"] = self._etag
        else:
            kwargs["IfNoneMatch"] = "*"
        self._etag = aws.client("s3").put_object(**kwargs)["ETag"]


MAX_TITLE = 200


def candidate_title(cases: Iterable[Any], fallback: str) -> str:
    """The subject of the earliest of ``cases`` that has one (no prefix: it becomes notices'
    default subject, "Known issue: <title>"), else ``fallback``; shortened to ``MAX_TITLE``."""
    found = []
    for case in cases:
        subject = " ".join(str(getattr(case, "subject", "") or "").split())
        if subject:
            found.append((case.created_at, case.case_id, subject))
    if not found:
        return fallback
    title: str = min(found)[2]
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1].rstrip() + "…"


class ProblemSink:
    """``CandidateSink`` over the records part's ``ProblemService``.

    The detector names a group by its stemmed top terms ("Spike: px 200 updat jam"): fine as
    evidence, unreadable as a title, and no routing rule matches stems. The candidate is titled
    with the subject of its earliest case instead (``candidate_title``, over one batch read of its
    cases); the detector's title is kept in the evidence as ``detector_title``, next to ``top_terms``.
    """

    def __init__(self, service: Any) -> None:
        self.service = service

    def create_candidate(
        self, evidence: dict[str, Any], case_ids: list[str], title: str, description: str, key: str
    ) -> str:
        readable = candidate_title(self.service.case_records(case_ids), title)
        if readable != title:
            evidence = {**evidence, "detector_title": title}
        problem = self.service.create_candidate(evidence, case_ids, readable, description, key=key)
        return str(problem.problem_id)

    def link_similar(self, problem_id: str, case_id: str) -> None:
        from functions.core.errors import Conflict  # noqa: PLC0415
        from functions.problems.logic import as_actor  # noqa: PLC0415
        from functions.problems.models import LinkType  # noqa: PLC0415

        try:
            self.service.link(problem_id, [case_id], LinkType.SIMILAR, as_actor("detection"))
        except Conflict:
            pass  # the case is linked to another problem, or the problem takes no more cases


@dataclass
class Outcome:
    candidates: list[tuple[str, Candidate]] = field(default_factory=list)  # (problem id, candidate)
    auto_linked: list[tuple[str, str]] = field(default_factory=list)  # (problem id, case id)
    suggestions: list[tuple[str, LinkSuggestion]] = field(default_factory=list)  # (problem id, suggestion)
    skipped: list[str] = field(default_factory=list)  # case ids observed before (a redelivered batch)


class DetectionService:
    """Detection over a state store.

    ``base``: the whole customer base's segment counts (``segments.SegmentBaseCache.get``), or
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
    ) -> None:
        self.state, self.sink, self.config, self.base = state, sink, config, base
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
        for signal in sorted(signals, key=lambda s: s.at):
            if signal.case_id in known:
                out.skipped.append(signal.case_id)
                continue
            known.add(signal.case_id)
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
