"""The whole stack provisioned in moto with Step Functions executing state machines for real."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


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
