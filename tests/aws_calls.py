"""Pytest plugin: record every AWS call each Lambda function makes during the session.

Loaded by ``tests/conftest.py``. For the whole session, ``functions.local.calls`` records the calls
made while a function of the app runs (Chalice route -> ``api_handler``, SQS / schedule / stream
handlers under their own names) into ``<session tmp>/aws-calls/``; the e2e harness gives the local
stack a file there too (``CASEBRIDGE_RECORD_AWS_CALLS``). The check
(``tests/infrastructure/test_iam_calls.py``, marker ``aws_call_check``) is moved to the end of the
run, so it sees what every test before it recorded: in a full run everything, in a subset what that
subset exercised (a function no test ran has nothing to check).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

RECORD_DIR: Path | None = None


def record_dir() -> Path | None:
    """Where this session's recordings go (``None`` before the session's first test)."""
    return RECORD_DIR


def recorded_files() -> list[Path]:
    return sorted(RECORD_DIR.glob("*.jsonl")) if RECORD_DIR else []


@pytest.fixture(scope="session", autouse=True)
def _record_aws_calls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    global RECORD_DIR
    from functions.local import calls  # noqa: PLC0415

    RECORD_DIR = tmp_path_factory.mktemp("aws-calls")
    sink = calls.install(RECORD_DIR / "in-process.jsonl")
    yield
    calls.uninstall(sink)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "aws_call_check: runs after every other test (it checks what they recorded)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    checks = [item for item in items if item.get_closest_marker("aws_call_check")]
    if checks:
        items[:] = [item for item in items if not item.get_closest_marker("aws_call_check")] + checks
