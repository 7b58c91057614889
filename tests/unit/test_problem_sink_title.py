"""ProblemSink names a candidate after the subject of its earliest case, not the detector's stems."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from functions.problems.detection.adapters import ProblemSink
from functions.problems.detection.rules import MAX_TITLE

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class FakeProblems:
    """The records part with these cases (case id -> (minute created, subject))."""

    def __init__(self, **subjects: tuple[int, str]) -> None:
        self.created: list[dict[str, Any]] = []
        self.known = {
            cid: SimpleNamespace(case_id=cid, subject=subject, created_at=T0 + timedelta(minutes=minute))
            for cid, (minute, subject) in subjects.items()
        }

    def case_records(self, case_ids: list[str]) -> list[Any]:
        return [self.known[cid] for cid in case_ids if cid in self.known]

    def create_candidate(
        self, evidence: dict[str, Any], case_ids: list[str], title: str, description: str, key: str | None = None
    ) -> Any:
        self.created.append({"evidence": evidence, "case_ids": case_ids, "title": title, "key": key})
        return SimpleNamespace(problem_id="PB-000001")


EVIDENCE = {"growth": {"observed": 4}, "top_terms": ["px", "200", "updat", "jam"]}


def test_a_candidate_is_titled_with_the_subject_of_its_earliest_case():
    # Given cases whose earliest (not first listed) has the subject "PX-200 jams after update"
    problems = FakeProblems(c2=(5, "Paper jam on PX-200"), c1=(1, "  PX-200 jams\n after update "))
    # When detection opens a candidate through the sink
    ProblemSink(problems).create_candidate(EVIDENCE, ["c2", "c1"], "Spike: px 200 updat jam", "", "L/G1-1")
    # Then the title is the customer's subject (no prefix: it becomes notices' default subject),
    # the detector's stems stay in the evidence, and detection's key is passed on
    [created] = problems.created
    assert created["title"] == "PX-200 jams after update"
    assert created["key"] == "L/G1-1"
    assert created["evidence"]["detector_title"] == "Spike: px 200 updat jam"
    assert created["evidence"]["top_terms"] == ["px", "200", "updat", "jam"]


def test_without_a_known_case_with_a_subject_the_detectors_title_is_kept():
    # Given cases that are unknown or have no subject
    problems = FakeProblems(c1=(1, ""))
    # When detection opens a candidate
    ProblemSink(problems).create_candidate(EVIDENCE, ["c1", "gone"], "Spike: px 200 updat jam", "", "L/G1-1")
    # Then the detector's title is used, and the evidence is left as it was
    assert problems.created[0]["title"] == "Spike: px 200 updat jam"
    assert "detector_title" not in problems.created[0]["evidence"]


def test_a_long_subject_is_shortened_to_fit_a_title():
    problems = FakeProblems(c1=(1, "jam " * 200))
    ProblemSink(problems).create_candidate(EVIDENCE, ["c1"], "Spike: jam", "", "L/G1-1")
    assert len(problems.created[0]["title"]) <= MAX_TITLE
