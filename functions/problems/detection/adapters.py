"""Detection's outbound adapter: candidates and automatic links go to the problem services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from functions.problems.detection.ports import ProblemRecords
from functions.problems.detection.rules import candidate_title
from functions.problems.rules import DETECTION


class ProblemSink:
    """``CandidateSink`` over the problem services.

    The detector names a group by its stemmed top terms ("Spike: px 200 updat jam"): fine as
    evidence, unreadable as a title, and no routing rule matches stems. The candidate is titled
    with the subject of its earliest case instead (``candidate_title``, over one batch read of its
    cases); the detector's title is kept in the evidence as ``detector_title``, next to ``top_terms``.
    """

    def __init__(self, problems: ProblemRecords) -> None:
        self.problems = problems

    def create_candidate(
        self, evidence: dict[str, Any], case_ids: list[str], title: str, description: str, key: str
    ) -> str:
        readable = candidate_title(self.problems.case_records(case_ids), title)
        if readable != title:
            evidence = {**evidence, "detector_title": title}
        problem = self.problems.create_candidate(evidence, case_ids, readable, description, key=key)
        return str(problem.problem_id)

    def link_similar(self, problem_id: str, case_id: str) -> None:
        """Link the case as similar, unless it is linked to another problem or the problem takes no more cases."""
        self.problems.link_similar(problem_id, case_id, DETECTION)


class _Triage(Protocol):
    def predict_vector(
        self, text: str, vector: Sequence[float], model_id: str
    ) -> dict[str, list[tuple[str, float]]]: ...
    def cohesion(self, field: str, model_id: str) -> dict[str, float]: ...


class TriageIntents:
    """``IntentClassifier`` over the triage service: the category it would suggest for the case,
    and how alike that category's training texts are."""

    def __init__(self, triage: _Triage, field: str = "category") -> None:
        self.triage, self.field = triage, field

    def intent(self, text: str, vector: Sequence[float], model_id: str) -> tuple[str, float, float] | None:
        ranked = self.triage.predict_vector(text, vector, model_id).get(self.field) or []
        if not ranked:
            return None
        label, p = ranked[0]
        return label, float(p), self.triage.cohesion(self.field, model_id).get(label, 0.0)
