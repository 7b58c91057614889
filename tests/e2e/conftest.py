"""The local stack as a user runs it, started once per session; tests drive it over HTTP and SMTP only."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.e2e.harness import RunningStack, start_stack, stop_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    data_dir = tmp_path_factory.mktemp("local-stack")
    running = start_stack(data_dir)
    yield running
    stop_stack(running.process)
    shutil.rmtree(data_dir, ignore_errors=True)
