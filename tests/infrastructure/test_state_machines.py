"""Rules every state machine definition keeps (stepfunctions/*.asl.json), checked on the files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.infrastructure.conftest import ROOT

DEFINITIONS = sorted((ROOT / "stepfunctions").glob("*.asl.json"))


def _states(states: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        yield prefix + name, state
        for branch in state.get("Branches", []):
            yield from _states(branch["States"], f"{prefix}{name}/")
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from _states(processor["States"], f"{prefix}{name}/")


def _callback_tasks(path: Path) -> list[tuple[str, dict[str, Any]]]:
    definition = json.loads(path.read_text())
    return [
        (name, s)
        for name, s in _states(definition["States"])
        if s["Type"] == "Task" and str(s.get("Resource", "")).endswith(".waitForTaskToken")
    ]


def _handles(state: dict[str, Any], error: str) -> bool:
    rules = [*state.get("Retry", []), *state.get("Catch", [])]
    return any(error in r["ErrorEquals"] or "States.ALL" in r["ErrorEquals"] for r in rules)


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.name)
def test_every_task_waiting_for_a_token_has_a_timeout_and_handles_it(path):
    """A job whose message is lost, or dead-lettered after its retries, must not leave the execution
    waiting for a token nobody holds: each callback task times out and retries or catches that."""
    tasks = _callback_tasks(path)
    assert tasks
    without = [n for n, s in tasks if not ({"TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds"} & set(s))]
    assert without == [], f"{path.name}: callback tasks that can wait for ever: {without}"
    unhandled = [n for n, s in tasks if not _handles(s, "States.Timeout")]
    assert unhandled == [], f"{path.name}: a timeout of these fails the execution unhandled: {unhandled}"


def test_notice_job_timeouts_leave_room_for_the_queues_own_retries():
    """A job attempt's timeout outlasts one delivery of its message (the handler's time), so a job
    still running is not sent a second time by the state machine; the re-send then catches a lost one."""
    from functions.core import resources  # noqa: PLC0415

    function_seconds = resources.FUNCTION_TIMEOUTS["handle_notice_jobs"]
    for name, state in _callback_tasks(ROOT / "stepfunctions" / "proactive_updates.asl.json"):
        if "TimeoutSeconds" in state:
            assert state["TimeoutSeconds"] > function_seconds, name
