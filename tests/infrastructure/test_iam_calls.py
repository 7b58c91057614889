"""Every AWS call a function made in this test session is allowed by that function's role.

The integration and e2e tests run the app's real handlers; ``tests/aws_calls.py`` records each
AWS call they make, attributed to the Lambda function it would run in (``functions.local.calls``).
The session's last test (marker ``aws_call_check``) holds each call against the function's role in
the synthesized dev template with an IAM policy evaluator (``tests/infrastructure/iam.py``), so a
grant the code needs but the stack lacks fails CI instead of the first deploy.

The other tests here show that the check itself catches what it is meant to catch.
"""

from __future__ import annotations

import pytest

from tests import aws_calls
from tests.infrastructure.iam import IamRequest, Names, RolePolicies, denied, requests_for


def _record(function: str, service: str, operation: str, signing: str | None = None, error=None, **params) -> dict:
    return {
        "function": function,
        "service": service,
        "signing_name": signing or service,
        "operation": operation,
        "params": params,
        "error": error,
    }


@pytest.fixture(scope="module")
def policies(dev) -> RolePolicies:
    return RolePolicies.from_template(dev)


@pytest.mark.aws_call_check
def test_every_aws_call_a_function_made_in_this_session_is_allowed_by_its_role(dev, policies):
    from functions.local import calls  # noqa: PLC0415

    records = calls.read(aws_calls.recorded_files())
    if not records:
        pytest.skip("no function of the app ran in this session: nothing to check")
    problems = denied(records, policies, Names.from_template(dev))
    assert not problems, "calls the deployed roles would refuse:\n" + "\n".join(sorted(set(map(str, problems))))


def test_the_check_refuses_a_put_to_a_bucket_the_role_may_only_read():
    # What the notices' first job does: it writes the audience snapshot into the notices bucket.
    put = _record("handle_notice_jobs", "s3", "PutObject", Bucket="casebridge-test-notices", Key="NT-1/manifest.json")
    get = _record("handle_notice_jobs", "s3", "GetObject", Bucket="casebridge-test-notices", Key="NT-1/manifest.json")
    read_only = RolePolicies(
        {
            "handle_notice_jobs": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::casebridge-dev-notices/*"}
            ]
        }
    )

    [problem] = denied([put, get], read_only, Names())

    assert problem.request == IamRequest("s3:PutObject", "arn:aws:s3:::casebridge-dev-notices/NT-1/manifest.json")


def test_the_notice_jobs_role_may_write_the_audience_snapshot(policies):
    put = _record(
        "handle_notice_jobs", "s3", "PutObject", Bucket="casebridge-local-notices", Key="NT-1/batch-0001.jsonl"
    )
    assert denied([put], policies, Names()) == []


def test_task_tokens_need_send_task_grants_on_every_resource(policies):
    """SendTask* support no resource-level permissions: a grant on the state machine ARN allows nothing,
    least of all tokens of a Distributed Map's child executions."""
    answer = _record("handle_notice_jobs", "stepfunctions", "SendTaskSuccess", signing="states")
    on_machine_only = RolePolicies(
        {
            "handle_notice_jobs": [
                {
                    "Effect": "Allow",
                    "Action": ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
                    "Resource": "arn:aws:states:us-east-1:111111111111:stateMachine:casebridge-dev-proactive_updates",
                }
            ]
        }
    )
    assert [d.request.resource for d in denied([answer], on_machine_only, Names())] == ["*"]
    for function in ("handle_notice_jobs", "api_handler", "problem_stream"):
        assert denied([{**answer, "function": function}], policies, Names()) == []


def test_mail_may_be_sent_only_from_the_support_address(policies):
    ok = _record("api_handler", "ses", "SendRawEmail", Source="Casebridge <support@mail.localhost>")
    other = _record("api_handler", "ses", "SendRawEmail", Source="noreply@mail.localhost")
    assert denied([ok], policies, Names()) == []
    [problem] = denied([other], policies, Names())
    assert problem.request.conditions == (("ses:FromAddress", "noreply@mail.example.com"),)


def test_reading_a_missing_object_needs_list_bucket_to_get_a_404():
    missing = _record("problem_stream", "s3", "GetObject", error="NoSuchKey", Bucket="cb-test-detection", Key="state")
    requests = requests_for(missing, Names())
    assert IamRequest("s3:GetObject", "arn:aws:s3:::casebridge-dev-detection/state") in requests
    assert any(r.action == "s3:ListBucket" and r.resource == "arn:aws:s3:::casebridge-dev-detection" for r in requests)


def test_transactions_are_authorized_item_by_item():
    tx = _record(
        "api_handler",
        "dynamodb",
        "TransactWriteItems",
        TransactItems=[("Put", "casebridge-test-main"), ("ConditionCheck", "casebridge-test-main")],
    )
    actions = {r.action for r in requests_for(tx, Names())}
    assert actions == {"dynamodb:PutItem", "dynamodb:ConditionCheckItem"}


# ------------------------------------------------------------------ the notices' Distributed Map
def _machine_role(template, name: str) -> str:
    (machine,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::StepFunctions::StateMachine" and r["Properties"]["StateMachineName"] == name
    ]
    return machine["Properties"]["RoleArn"]["Fn::GetAtt"][0]


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        # AWS's example policy for running a Distributed Map (iam-policies-eg-dist-map)
        ("states:StartExecution", "stateMachine:casebridge-dev-proactive_updates"),
        ("states:DescribeExecution", "execution:casebridge-dev-proactive_updates:0b5c9e"),
        # a Map Run's child executions: <machine>/<map run label>:<id>
        ("states:DescribeExecution", "execution:casebridge-dev-proactive_updates/SendBatches:a1b2c3"),
        ("states:StopExecution", "execution:casebridge-dev-proactive_updates/SendBatches:a1b2c3"),
        # redriving the parent redrives the failed Map Run (redrive-map-run)
        ("states:RedriveExecution", "execution:casebridge-dev-proactive_updates/SendBatches:a1b2c3"),
    ],
)
def test_the_notice_workflow_role_may_run_and_redrive_its_distributed_map(dev, action, resource):
    from tests.infrastructure.iam import allows, role_statements  # noqa: PLC0415

    statements = role_statements(dev, _machine_role(dev, "casebridge-dev-proactive_updates"))
    assert allows(statements, IamRequest(action, f"arn:aws:states:us-east-1:111111111111:{resource}"))


def test_the_notice_workflow_role_may_not_start_or_stop_other_machines(dev):
    from tests.infrastructure.iam import allows, role_statements  # noqa: PLC0415

    statements = role_statements(dev, _machine_role(dev, "casebridge-dev-proactive_updates"))
    other = "arn:aws:states:us-east-1:111111111111:{}:casebridge-dev-escalation"
    assert not allows(statements, IamRequest("states:StartExecution", other.format("stateMachine")))
    assert not allows(statements, IamRequest("states:StopExecution", other.format("execution") + ":x"))
