"""The notice lifecycle does not wait for ever on a job nobody answers (moto executes the real
definition, with its job timeouts shortened to seconds so the test can watch them pass)."""

from __future__ import annotations

import json
import time

from tests.fakes.workflows import executing_stack


def _shortened(definition: str, seconds: int) -> str:
    """The definition with every callback task's TimeoutSeconds set to ``seconds`` and retries quick."""
    d = json.loads(definition)

    def walk(states: dict) -> None:
        for state in states.values():
            if "TimeoutSeconds" in state:
                state["TimeoutSeconds"] = seconds
            for rule in state.get("Retry", []):
                if "States.Timeout" in rule["ErrorEquals"]:
                    rule["IntervalSeconds"] = 1
                    rule["BackoffRate"] = 1.0
            if "ItemProcessor" in state:
                walk(state["ItemProcessor"]["States"])

    walk(d["States"])
    return json.dumps(d)


def test_a_prepare_job_nobody_answers_is_sent_again_then_the_execution_fails():
    import boto3

    with executing_stack("proactive_updates") as out:
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        machine = out["state_machines"]["proactive_updates"]
        definition = sfn.describe_state_machine(stateMachineArn=machine)["definition"]
        sfn.update_state_machine(stateMachineArn=machine, definition=_shortened(definition, 1))

        # Given a lifecycle whose first job's message is lost (no handler ever answers it)
        arn = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"notice_id": "NT-1"}))["executionArn"]

        # When its job timeouts pass
        url = out["queues"]["notice-jobs"]["url"]
        tokens: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                tokens.append(json.loads(m["Body"])["task_token"])
            if sfn.describe_execution(executionArn=arn)["status"] != "RUNNING":
                break
            time.sleep(0.2)

        # Then the job was sent again, twice (in AWS with a fresh token each time; moto reuses it), and
        # the execution failed (an alarm) instead of waiting for a token nobody holds
        assert sfn.describe_execution(executionArn=arn)["status"] == "FAILED"
        assert len(tokens) == 3
