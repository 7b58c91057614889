"""Step Functions task failures, the escalation: its state machine executed in moto with the AWS
calls of its own tasks failing (DynamoDB updateItem throttled or failing inside, SQS sendMessage
throttled or refused), as ``tests.faults.in_workflow`` injects them on moto's execution threads.
Each Retry and Catch path is taken: the execution retries, or ends in its documented failure state;
what the workflow recorded stays consistent and a person can see the failure (the escalation's
status, the execution's failed state that the CDK app alarms on); nothing is sent twice.

Retry intervals are shortened to a second (``tests.faults.quick``): the Retry and Catch rules are
the real ones.
"""

# ruff: noqa: F811 - the fixtures imported from the escalation tests are parameters here
from __future__ import annotations

from functions.composition import container
from tests.faults import TaskFault, entered, in_workflow, queued, quick, task_failures
from tests.figures import record
from tests.integration.test_problem_escalation import (
    RecordingResolver,
    client,  # noqa: F401 - a fixture used by name
    escalation,
    execution,
    link_for,
    next_job,
    run_job,
    sent_mails,
    sfn_aws,  # noqa: F401 - a fixture used by name
    start,
    submit,
)
from tests.streams import stream_record


def _status_update_of(status: str):
    """Picks the updateItem that sets the escalation's status to ``status``."""
    return lambda p: p.get("ExpressionAttributeValues", {}).get(":status", {}).get("S") == status


def _escalation_arn(out: dict, escalation_id: str) -> str:
    return out["state_machines"]["escalation"].replace(":stateMachine:", ":execution:") + f":{escalation_id}"


# -- the escalation ---------------------------------------------------------------------------


def test_a_throttled_status_write_is_retried_and_the_department_is_asked_once(client, sfn_aws, agent_headers):
    quick(sfn_aws["state_machines"]["escalation"])
    # Given DynamoDB throttles the workflow's first status write twice
    throttled = TaskFault(
        "dynamodb", "UpdateItem", "ThrottlingException", times=2, when=_status_update_of("awaiting_department")
    )
    with in_workflow(throttled):
        # When the escalation starts
        escalation_id = start(sfn_aws)
        job = next_job(sfn_aws, escalation_id, timeout=30)
    run_job(client, job)

    # Then the state retried the write (two failed attempts) and went on: one request, one mail
    arn = _escalation_arn(sfn_aws, escalation_id)
    assert throttled.injected == 2
    assert task_failures(arn) == ["DynamoDB.ThrottlingException"] * 2
    assert escalation(client, agent_headers, escalation_id)["status"] == "awaiting_department"
    assert [m["To"] for m in sent_mails()] == ["finance@example.org"]
    assert queued(sfn_aws, "escalation-jobs") == []  # no second request queued
    record("faults", path="escalation: status write throttled (Retry)", injected=throttled.injected)


def test_a_throttled_request_to_the_department_is_sent_again_once(client, sfn_aws, agent_headers):
    quick(sfn_aws["state_machines"]["escalation"])
    # Given SQS refuses the workflow's first request job (throttled)
    refused = TaskFault("sqs", "SendMessage", "RequestThrottled", times=1)
    with in_workflow(refused):
        escalation_id = start(sfn_aws)
        job = next_job(sfn_aws, escalation_id, timeout=30)
    run_job(client, job)

    # Then the state sent the job again: exactly one job reached the queue, one mail went out
    arn = _escalation_arn(sfn_aws, escalation_id)
    assert refused.injected == 1
    assert task_failures(arn) == ["SQS.SdkClientException"]  # moto's name; AWS: SQS.AmazonSQSException
    assert queued(sfn_aws, "escalation-jobs") == []
    assert len(sent_mails()) == 1
    # and the department's answer still moves the workflow on
    assert submit(client, link_for(sent_mails()[-1], "accept")).status_code == 200
    assert next_job(sfn_aws, escalation_id)["kind"] == "fix"
    assert escalation(client, agent_headers, escalation_id)["status"] == "accepted"
    record("faults", path="escalation: request job throttled (Retry)", injected=refused.injected)


def test_a_status_write_failing_every_attempt_ends_the_escalation_failed_and_shown(client, sfn_aws, agent_headers):
    quick(sfn_aws["state_machines"]["escalation"])
    escalation_id = start(sfn_aws)
    run_job(client, next_job(sfn_aws, escalation_id))
    arn = _escalation_arn(sfn_aws, escalation_id)

    # Given DynamoDB fails inside on every attempt to record the acceptance
    broken = TaskFault("dynamodb", "UpdateItem", "InternalServerError", times=None, when=_status_update_of("accepted"))
    with in_workflow(broken):
        # When the department accepts
        assert submit(client, link_for(sent_mails()[-1], "accept")).status_code == 200
        desc = execution(sfn_aws, escalation_id, timeout=30)

    # Then the state tried four times (three retries), then its Catch marked the escalation failed,
    # and the execution ended in its Fail state (the CDK app's alarm on failed executions fires)
    assert broken.injected == 4
    assert task_failures(arn) == ["DynamoDB.InternalServerError"] * 4
    assert entered(arn)[-2:] == ["MarkFailed", "Failed"]
    assert (desc["status"], desc.get("error")) == ("FAILED", "Escalation.Failed")
    view = escalation(client, agent_headers, escalation_id)
    assert view["status"] == "failed"  # the agents see it on the problem's escalations, with why
    assert view["failure"] == "DynamoDB.InternalServerError"
    # and nothing further was asked or sent: no fix request, no second mail
    assert queued(sfn_aws, "escalation-jobs") == []
    assert len(sent_mails()) == 1
    record("faults", path="escalation: status write failing (Catch, failed)", injected=broken.injected)


def test_a_resolution_that_cannot_be_queued_keeps_the_fix_and_sends_nothing(client, sfn_aws, agent_headers):
    quick(sfn_aws["state_machines"]["escalation"])
    resolver = RecordingResolver()
    container().override(escalation_resolver=resolver)
    escalation_id = start(sfn_aws)
    run_job(client, next_job(sfn_aws, escalation_id))
    submit(client, link_for(sent_mails()[-1], "accept"))
    run_job(client, next_job(sfn_aws, escalation_id))
    arn = _escalation_arn(sfn_aws, escalation_id)

    # Given SQS refuses every attempt to queue the resolution job
    refused = TaskFault(
        "sqs",
        "SendMessage",
        "AWS.SimpleQueueService.NonExistentQueue",
        times=None,
        when=lambda p: '"kind": "resolve"' in str(p.get("MessageBody", "")),
    )
    with in_workflow(refused):
        # When the department delivers the fix
        resp = submit(client, link_for(sent_mails()[-1], "deliver"), root_cause="VAT applied twice", fix="Rate table")
        assert resp.status_code == 200, resp.body
        desc = execution(sfn_aws, escalation_id, timeout=30)

    # Then the send was tried four times, the escalation is marked failed and the execution failed
    assert refused.injected == 4
    assert task_failures(arn) == ["SQS.SdkClientException"] * 4  # moto's name; AWS: SQS.AmazonSQSException
    assert desc["status"] == "FAILED"
    # and the department's root cause and fix are kept on the escalation for a person to apply;
    # the problem was not resolved behind anyone's back, and no job is left to resolve it twice
    view = escalation(client, agent_headers, escalation_id)
    assert (view["status"], view["root_cause"], view["fix"]) == ("failed", "VAT applied twice", "Rate table")
    assert view["failure"] == "SQS.SdkClientException"
    assert resolver.calls == []
    assert queued(sfn_aws, "escalation-jobs") == []
    record("faults", path="escalation: resolution not queued (Catch, failed)", injected=refused.injected)


def test_an_execution_that_could_not_even_record_its_failure_is_closed_when_the_problem_moves_on(
    client, sfn_aws, agent_headers
):
    quick(sfn_aws["state_machines"]["escalation"])
    escalation_id = start(sfn_aws)
    run_job(client, next_job(sfn_aws, escalation_id))
    arn = _escalation_arn(sfn_aws, escalation_id)

    # Given DynamoDB fails inside on every status write of the workflow: the acceptance, then the
    # Catch's own "failed" mark
    outage = TaskFault("dynamodb", "UpdateItem", "InternalServerError", times=None)
    with in_workflow(outage):
        assert submit(client, link_for(sent_mails()[-1], "accept")).status_code == 200
        desc = execution(sfn_aws, escalation_id, timeout=30)
    assert outage.injected == 8  # four attempts at MarkAccepted, four at MarkFailed
    assert entered(arn)[-1] == "Failed" and desc["status"] == "FAILED"  # the alarm's part
    # the record still says what it said before: nothing of the failure reached the table
    assert escalation(client, agent_headers, escalation_id)["status"] == "awaiting_department"

    # When the problem moves on (an agent resolves or reassigns it)
    container().escalation.stop_for_problem("PB-100001", "the problem was resolved")

    # Then the record no longer claims a running escalation: it is closed, saying why
    view = escalation(client, agent_headers, escalation_id)
    assert (view["status"], view["reason"]) == ("cancelled", "the problem was resolved")
    assert len(sent_mails()) == 1
    record("faults", path="escalation: every status write failing (Fail, closed later)", injected=outage.injected)


def test_an_answer_the_workflow_has_no_branch_for_ends_it_failed_saying_so(client, sfn_aws, agent_headers):
    import json

    import boto3

    escalation_id = start(sfn_aws)
    job = next_job(sfn_aws, escalation_id)
    arn = _escalation_arn(sfn_aws, escalation_id)

    # When something other than the API (which sends accept, reject or info) answers the task
    boto3.client("stepfunctions", region_name="us-east-1").send_task_success(
        taskToken=job["task_token"], output=json.dumps({"action": "escalate-sideways"})
    )
    desc = execution(sfn_aws, escalation_id, timeout=30)

    # Then the workflow does not guess: the escalation is failed, with the reason for the agents
    assert entered(arn)[-3:] == ["UnknownAnswer", "MarkFailed", "Failed"]
    assert desc["status"] == "FAILED"
    view = escalation(client, agent_headers, escalation_id)
    assert (view["status"], view["failure"]) == ("failed", "Escalation.UnknownAnswer")


def test_a_failed_escalation_gets_a_line_on_the_problems_timeline_once(client, sfn_aws, agent_headers):
    """The workflow's own status write (MarkFailed) reaches problem_stream as the table's stream
    carries it: the failure is told on the problem's timeline, once, even when the stream delivers
    the record again. moto's server here does not serve DynamoDB Streams: the record's images are
    the table's real item, read before and after."""
    from app import app
    from functions.core import aws
    from functions.core.settings import get_settings

    quick(sfn_aws["state_machines"]["escalation"])
    table = aws.resource("dynamodb").Table(get_settings().table_name)
    escalation_id = start(sfn_aws)
    run_job(client, next_job(sfn_aws, escalation_id))
    key = {"PK": "PROBLEM#PB-100001", "SK": f"ESCALATION#{escalation_id}"}
    before = table.get_item(Key=key)["Item"]
    broken = TaskFault("dynamodb", "UpdateItem", "InternalServerError", times=None, when=_status_update_of("accepted"))
    with in_workflow(broken):
        assert submit(client, link_for(sent_mails()[-1], "accept")).status_code == 200
        execution(sfn_aws, escalation_id, timeout=30)
    after = table.get_item(Key=key)["Item"]

    # When the change reaches problem_stream, and the same record a second time (a redelivery)
    for _ in range(2):
        result = app.handler_map["problem_stream"]({"Records": [stream_record("MODIFY", after, before, seq=301)]}, None)
        assert result == {"batchItemFailures": []}

    # Then the timeline says the escalation to finance failed and why, in one line
    timeline = client.http.get("/problems/PB-100001", headers=agent_headers).json_body["timeline"]
    lines = [e for e in timeline if e["kind"].startswith("escalation_")]
    assert [(e["kind"], e["body"], e["actor"]["id"]) for e in lines] == [
        ("escalation_failed", "escalation to finance failed: DynamoDB.InternalServerError", "escalation")
    ]
    assert lines[0]["data"] == {
        "escalation_id": escalation_id,
        "status": "failed",
        "department": "finance",
        "failure": "DynamoDB.InternalServerError",
    }
    assert lines[0]["at"].startswith(after["updated_at"][:19])  # when the workflow wrote it
