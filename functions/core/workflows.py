"""One of the app's Step Functions state machines, as its code uses it: start an execution,
answer or fail a task it waits for (``.waitForTaskToken``).

The ARN comes from Settings when the deployment sets it (``CASEBRIDGE_<NAME>_STATE_MACHINE_ARN``),
else it is built from the account, region and the physical name of ``stepfunctions/<name>.asl.json``.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from functions.core import aws
from functions.core.settings import get_settings


class Workflow(Protocol):
    """Port: one state machine as a service uses it (``StateMachine`` in AWS; ``tests/fakes/workflows.py``)."""

    def start(self, name: str, payload: dict[str, Any], *, existing_ok: bool = False) -> str: ...
    def succeed(self, task_token: str, output: dict[str, Any]) -> bool: ...
    def fail(self, task_token: str, error: str, cause: str) -> None: ...
    def stop(self, name: str, cause: str) -> bool: ...


class StateMachine:
    def __init__(self, name: str, arn_setting: str, client: Any | None = None) -> None:
        self.name, self.arn_setting = name, arn_setting
        self._client = client

    @property
    def sfn(self) -> Any:
        if self._client is None:
            self._client = aws.client("stepfunctions")
        return self._client

    def machine_arn(self) -> str:
        s = get_settings()
        configured = getattr(s, self.arn_setting)
        if configured:
            return str(configured)
        return aws.arn("states", f"stateMachine:{s.name(self.name)}")

    def start(self, name: str, payload: dict[str, Any], *, existing_ok: bool = False) -> str:
        """Start execution ``name``; with ``existing_ok`` a second start of the same name returns
        the running execution's ARN instead of failing (starts are then idempotent)."""
        try:
            resp = self.sfn.start_execution(stateMachineArn=self.machine_arn(), name=name, input=json.dumps(payload))
        except self.sfn.exceptions.ExecutionAlreadyExists:
            if not existing_ok:
                raise
            return self.machine_arn().replace(":stateMachine:", ":execution:") + f":{name}"
        return str(resp["executionArn"])

    def _gone(self) -> tuple[type[Exception], ...]:
        e = self.sfn.exceptions
        return (e.TaskTimedOut, e.InvalidToken, e.TaskDoesNotExist)

    def succeed(self, task_token: str, output: dict[str, Any]) -> bool:
        """Answer a waiting task; False when it no longer waits (timed out, answered, execution ended)."""
        try:
            self.sfn.send_task_success(taskToken=task_token, output=json.dumps(output))
        except self._gone():
            return False
        return True

    def fail(self, task_token: str, error: str, cause: str) -> None:
        """Fail a waiting task (its state's Retry/Catch decide what happens); a gone task is ignored."""
        try:
            self.sfn.send_task_failure(taskToken=task_token, error=error, cause=cause[:32000])
        except self._gone():
            return

    def stop(self, name: str, cause: str) -> bool:
        """Stop execution ``name`` (its waiting task is then no longer answered); False when it
        does not exist or has ended already."""
        arn = self.machine_arn().replace(":stateMachine:", ":execution:") + f":{name}"
        try:
            status = self.sfn.describe_execution(executionArn=arn)["status"]
        except self.sfn.exceptions.ExecutionDoesNotExist:
            return False
        if status != "RUNNING":
            return False
        self.sfn.stop_execution(executionArn=arn, error="Cancelled", cause=cause[:32000])
        return True
