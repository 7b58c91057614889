"""bench/trust_report.py's arithmetic: each check's last run counts, faults add up per path, a
failed contract run shows its failures, and missing figures say so."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _report():
    spec = importlib.util.spec_from_file_location("trust_report", ROOT / "bench" / "trust_report.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_the_last_run_of_each_path_and_seed_counts_and_faults_add_up_per_path(tmp_path):
    report = _report()
    figures = _write(
        tmp_path / "f.jsonl",
        {"check": "faults", "at": 1, "path": "mail intake", "seed": 1, "injected": 50},
        {"check": "faults", "at": 2, "path": "mail intake", "seed": 1, "injected": 30},  # rerun of seed 1
        {"check": "faults", "at": 3, "path": "mail intake", "seed": 2, "injected": 7},
        {"check": "faults", "at": 4, "path": "escalation: x", "injected": 4},
        {"check": "api_contract", "at": 5, "requests": 700, "server_errors": 2, "failures": 3,
         "examples_per_operation": 5, "passed": False},
    )  # fmt: skip
    summary = report.summarize(report.last_runs(figures), None)
    assert summary["faults"]["paths"] == {
        "escalation: x": {"runs": 1, "injected": 4},
        "mail intake": {"runs": 2, "injected": 37},
    }
    assert (summary["faults"]["injected"], summary["faults"]["survived_runs"]) == (41, 3)
    assert summary["api_contract"]["server_errors"] == 2 and summary["api_contract"]["passed"] is False
    table = report.table(summary)
    assert "5xx found" in table and "41 injected over 3 survived runs" in table


def test_nothing_recorded_is_said_not_invented(tmp_path):
    report = _report()
    summary = report.summarize(report.last_runs(tmp_path / "none.jsonl"), None)
    assert summary["api_contract"] is None and summary["faults"]["survived_runs"] == 0
    assert "no run recorded" in report.table(summary)
