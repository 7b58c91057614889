"""The API as documented: schemathesis generates requests from ``docs/openapi.json`` for every
operation and sends them to a running local stack (its own, so the data it creates stays out of the
other end-to-end tests). No answer may be a 5xx, and every answer's status, content type and body
must be the documented ones. The run's summary (operations, requests generated, failures) is
printed; ``make api-fuzz`` runs the same with many more examples and the coverage phase.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import RunningStack, start_stack, stop_stack
from tests.figures import record

ROOT = Path(__file__).resolve().parents[2]
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    data_dir = tmp_path_factory.mktemp("contract-stack")
    running = start_stack(data_dir, smtp=False)
    yield running
    stop_stack(running.process)
    shutil.rmtree(data_dir, ignore_errors=True)


def schemathesis_run(
    stack: RunningStack, report_dir: Path, *, examples: int, phases: str
) -> subprocess.CompletedProcess:
    st = Path(sys.executable).parent / "st"
    cmd = [
        str(st),
        "run",
        str(ROOT / "docs" / "openapi.json"),
        "--url",
        stack.api_url,
        "--header",
        f"Authorization: Bearer {stack.token}",
        "--checks",
        CHECKS,
        "--phases",
        phases,
        "--max-examples",
        str(examples),
        "--seed",
        "20261202",
        "--continue-on-failure",
        "--max-failures",
        "500",
        "--request-timeout",
        "30",
        "--report-dir",
        str(report_dir),
        "--no-color",
    ]
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(cmd, cwd=report_dir, env=env, capture_output=True, text=True, timeout=1800, check=False)


def test_every_operation_answers_as_documented_and_never_5xx(own_stack: RunningStack, tmp_path: Path):
    examples = int(os.environ.get("CASEBRIDGE_API_FUZZ_EXAMPLES", "5"))
    phases = os.environ.get("CASEBRIDGE_API_FUZZ_PHASES", "examples,fuzzing")
    result = schemathesis_run(own_stack, tmp_path, examples=examples, phases=phases)
    summary = result.stdout[result.stdout.rfind("SUMMARY") :] if "SUMMARY" in result.stdout else result.stdout[-3000:]
    print(summary)  # the figures: operations tested, test cases generated, failures
    generated = re.search(r"(\d+) generated", result.stdout)
    if generated:  # the figures bench/trust_report.py prints (a failing run too)
        failures = re.search(r"(\d+) failures?\b", result.stdout[result.stdout.rfind("SUMMARY") :])
        tested = re.search(r"Tested: (\d+)", result.stdout)
        record(
            "api_contract",
            operations=int(tested.group(1)) if tested else None,
            requests=int(generated.group(1)),
            failures=int(failures.group(1)) if failures else 0,
            server_errors=result.stdout.count("Server error"),
            examples_per_operation=examples,
            phases=phases,
            passed=result.returncode == 0,
        )
    assert generated and int(generated.group(1)) > 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert result.returncode == 0, result.stdout[-12000:]
