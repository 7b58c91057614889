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
from dataclasses import dataclass, field
from typing import Any, Protocol

from functions.problems.detection.detector import Detector, from_state, to_state
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

    def create_candidate(self, evidence: dict[str, Any], case_ids: list[str], title: str, description: str) -> str:
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
        from functions.core import aws  # noqa: PLC0415

        s3 = aws.client("s3")
        try:
            obj = s3.get_object(Bucket=self.bucket, Key=self.key)
        except s3.exceptions.NoSuchKey:
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


class ProblemSink:
    """``CandidateSink`` over the records part's ``ProblemService``."""

    def __init__(self, service: Any) -> None:
        self.service = service

    def create_candidate(self, evidence: dict[str, Any], case_ids: list[str], title: str, description: str) -> str:
        problem = self.service.create_candidate(evidence, case_ids, title, description)
        return str(problem.problem_id)

    def link_similar(self, problem_id: str, case_id: str) -> None:
        from functions.problems.logic import as_actor  # noqa: PLC0415
        from functions.problems.models import LinkType  # noqa: PLC0415

        self.service.link(problem_id, [case_id], LinkType.SIMILAR, as_actor("detection"))


@dataclass
class Outcome:
    candidates: list[tuple[str, Candidate]] = field(default_factory=list)  # (problem id, candidate)
    auto_linked: list[tuple[str, str]] = field(default_factory=list)  # (problem id, case id)
    suggestions: list[tuple[str, LinkSuggestion]] = field(default_factory=list)  # (problem id, suggestion)


class DetectionService:
    def __init__(self, state: StateStore, sink: CandidateSink, config: DetectionConfig | None = None) -> None:
        self.state, self.sink, self.config = state, sink, config

    def _load(self) -> tuple[Detector, dict[str, str]]:
        stored = self.state.load()
        if stored is None:
            return Detector(self.config), {}
        return from_state(stored["detector"], self.config), dict(stored.get("problems", {}))

    def observe(self, signals: list[CaseSignal]) -> Outcome:
        detector, problems = self._load()
        out = Outcome()
        for signal in sorted(signals, key=lambda s: s.at):
            for event in detector.observe(signal):
                if isinstance(event, Candidate):
                    evidence = event.evidence.model_dump(mode="json")
                    evidence.update(candidate_id=event.candidate_id, group_ids=event.group_ids)
                    problem_id = self.sink.create_candidate(evidence, event.case_ids, event.title, event.description)
                    problems[event.candidate_id] = problem_id
                    out.candidates.append((problem_id, event))
                elif event.candidate_id in problems:
                    problem_id = problems[event.candidate_id]
                    if event.auto:
                        self.sink.link_similar(problem_id, event.case_id)
                        out.auto_linked.append((problem_id, event.case_id))
                    else:
                        out.suggestions.append((problem_id, event))
        self.state.save({"detector": to_state(detector), "problems": problems})
        return out

    def close(self, problem_id: str) -> None:
        """The problem was confirmed, dismissed or resolved: its candidate stops collecting cases."""
        detector, problems = self._load()
        for candidate_id, pid in list(problems.items()):
            if pid == problem_id:
                detector.close(candidate_id)
                problems.pop(candidate_id)
        self.state.save({"detector": to_state(detector), "problems": problems})
