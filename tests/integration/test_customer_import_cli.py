"""`casebridge customers import` on the embedded stack (moto, in-process)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from functions.customers.cli import customers

GOOD = {"customer_id": "acme", "name": "Acme", "contacts": [{"email": "ann@acme.example"}]}


def _run(*args: str):
    return CliRunner().invoke(customers, ["import", *args])


def _stdout_objects(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_clean_file_exits_0_with_only_the_summary(tmp_path: Path):
    path = tmp_path / "customers.jsonl"
    path.write_text(json.dumps(GOOD) + "\n")
    result = _run(str(path))
    assert result.exit_code == 0, result.output
    [summary] = _stdout_objects(result)
    assert (summary["rows"], summary["imported"], summary["failed"]) == (1, 1, 0)


def test_bad_rows_print_one_json_line_each_then_the_summary_and_exit_1(tmp_path: Path):
    path = tmp_path / "customers.jsonl"
    bad = {"customer_id": "beta", "name": "Beta", "contacts": [{"email": "ann@acme.example"}]}
    path.write_text("\n".join([json.dumps(GOOD), "{oops", json.dumps(bad)]) + "\n")
    result = _run(str(path))
    assert result.exit_code == 1
    *failures, summary = _stdout_objects(result)
    assert [(f["line"], f["status"]) for f in failures] == [(2, 400), (3, 409)]
    assert (summary["rows"], summary["imported"], summary["failed"]) == (3, 1, 2)


def test_csv_is_read_by_extension_and_merges_rows(tmp_path: Path):
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,name,contact_email\nacme,Acme,ann@acme.example\nacme,,bob@acme.example\n")
    result = _run(str(path))
    assert result.exit_code == 0, result.output
    [summary] = _stdout_objects(result)
    assert (summary["rows"], summary["customers_imported"]) == (2, 1)


def test_format_option_overrides_the_extension(tmp_path: Path):
    path = tmp_path / "export.txt"
    path.write_text(json.dumps(GOOD) + "\n")
    assert _run(str(path), "--format", "jsonl").exit_code == 0


def test_an_unusable_file_exits_2_and_imports_nothing(tmp_path: Path):
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,colour\nacme,red\n")
    result = _run(str(path))
    assert result.exit_code == 2
    assert "colour" in result.output


def test_dry_run_validates_without_a_stack(tmp_path: Path):
    path = tmp_path / "customers.jsonl"
    path.write_text(json.dumps(GOOD) + "\n")
    result = _run(str(path), "--dry-run")
    assert result.exit_code == 0
    assert _stdout_objects(result)[-1]["dry_run"] is True


def test_endpoint_option_points_the_store_at_that_stack(tmp_path: Path, monkeypatch):
    """The store is built against --endpoint; an unreachable stack fails loudly instead of pretending."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("CASEBRIDGE_AWS_ENDPOINT_URL", "")  # restored after the test; the CLI sets it
    path = tmp_path / "customers.jsonl"
    path.write_text(json.dumps(GOOD) + "\n")
    result = _run(str(path), "--endpoint", "http://127.0.0.1:9")
    assert result.exit_code != 0
    assert "127.0.0.1:9" in result.output and "Traceback" not in result.output
