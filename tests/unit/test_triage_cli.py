"""`casebridge triage train --csv FILE`: a file without the needed columns is refused in one line,
before any stack is looked for."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from functions.triage.cli import triage


@pytest.mark.parametrize(
    ("header", "missing"),
    [("utterance,category", "'text'"), ("text,label", "'category'"), ("", "'text'")],
)
def test_a_csv_without_text_or_category_is_refused_naming_the_column(tmp_path: Path, header: str, missing: str):
    path = tmp_path / "train.csv"
    path.write_text(f"{header}\nmy card was stolen,lost_card\n" if header else "")
    result = CliRunner().invoke(triage, ["train", "--csv", str(path), "--endpoint", "http://127.0.0.1:9"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and f"no column {missing}" in lines[0], result.output
    assert "examples" not in result.output  # refused before training, not "0 examples"


def test_a_csv_with_text_and_intent_passes_the_header_check(tmp_path: Path):
    from functions.triage.cli import csv_header_problem

    path = tmp_path / "train.csv"
    path.write_text("text,intent\nmy card was stolen,lost_card\n")
    assert csv_header_problem(str(path)) is None
