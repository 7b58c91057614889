"""Workflows for tests: an in-memory fake of the ``Workflow`` port (functions/core/workflows.py),
and the whole stack provisioned in moto with Step Functions executing state machines for real."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeWorkflow:
    """Records what a service asks of its state machine. Starts are idempotent per name when
    ``existing_ok``, as in AWS; a second start of a running name without it raises. Tokens in
    ``gone`` answer as a task that no longer waits (timed out, answered, execution ended)."""

    arn_prefix: str = "arn:aws:states:us-east-1:123456789012:execution:fake:"
    started: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answered: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    stopped: list[tuple[str, str]] = field(default_factory=list)

    def start(self, name: str, payload: dict[str, Any], *, existing_ok: bool = False) -> str:
        if any(n == name for n, _ in self.started):
            if not existing_ok:
                raise RuntimeError(f"execution {name} already exists")
            return self.arn_prefix + name
        self.started.append((name, payload))
        return self.arn_prefix + name

    def succeed(self, task_token: str, output: dict[str, Any]) -> bool:
        if task_token in self.gone:
            return False
        self.answered.append((task_token, output))
        self.gone.add(task_token)
        return True

    def fail(self, task_token: str, error: str, cause: str) -> None:
        if task_token not in self.gone:
            self.failed.append((task_token, error, cause))
            self.gone.add(task_token)

    def stop(self, name: str, cause: str) -> bool:
        """Stops a started execution once; an unknown or stopped one answers False, as in AWS."""
        if not any(n == name for n, _ in self.started) or any(n == name for n, _ in self.stopped):
            return False
        self.stopped.append((name, cause))
        return True


@contextmanager
def executing_stack(machine: str) -> Iterator[dict]:
    """``provision()`` inside ``mock_aws`` with state machines executed; on exit, the running
    executions of ``machine`` are stopped (their waits would outlive the test)."""
    import boto3
    from moto import mock_aws

    from functions.local import moto_fixes
    from functions.local.provision import provision

    moto_fixes.apply()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        out = provision()
        yield out
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = out["state_machines"][machine]
        for ex in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
            sfn.stop_execution(executionArn=ex["executionArn"])
