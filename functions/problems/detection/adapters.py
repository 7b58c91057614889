"""Detection's outbound adapter: candidates and automatic links go to the problem services."""

from __future__ import annotations

from typing import Any

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
