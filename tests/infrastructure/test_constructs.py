"""Constructs synthesized in-process (no Chalice packaging): workflows binding and the permission contract."""

from __future__ import annotations

import shutil

import pytest

from tests.infrastructure.conftest import FIXTURES


def _stack():
    import aws_cdk as cdk  # noqa: PLC0415

    app = cdk.App()
    return cdk.Stack(app, "Test", env=cdk.Environment(account="111111111111", region="us-east-1"))


def test_workflows_bind_each_definition_file_with_its_substitutions(tmp_path):
    from aws_cdk.assertions import Template  # noqa: PLC0415
    from casebridge_infra.constructs.workflows import Workflows  # noqa: PLC0415

    shutil.copy(FIXTURES / "tiny.asl.json", tmp_path / "tiny.asl.json")
    stack = _stack()
    Workflows(
        stack, "Wf", prefix="cb-test", directory=tmp_path, substitutions={"TableName": "cb-test-main", "Unused": "x"}
    )
    template = Template.from_stack(stack).to_json()
    (machine,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    assert machine["Properties"]["StateMachineName"] == "cb-test-tiny"
    assert machine["Properties"]["DefinitionSubstitutions"] == {"TableName": "cb-test-main"}
    assert "${TableName}" in str(machine["Properties"]["DefinitionString"])
    assert machine["Properties"]["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}


def test_workflows_refuse_a_definition_whose_placeholder_has_no_value(tmp_path):
    from casebridge_infra.constructs.workflows import MissingSubstitution, Workflows  # noqa: PLC0415

    shutil.copy(FIXTURES / "tiny.asl.json", tmp_path / "tiny.asl.json")
    with pytest.raises(MissingSubstitution, match="TableName"):
        Workflows(_stack(), "Wf", prefix="cb-test", directory=tmp_path, substitutions={})


def test_workflows_with_no_definition_files_create_nothing(tmp_path):
    from aws_cdk.assertions import Template  # noqa: PLC0415
    from casebridge_infra.constructs.workflows import Workflows  # noqa: PLC0415

    stack = _stack()
    wf = Workflows(stack, "Wf", prefix="cb-test", directory=tmp_path / "missing", substitutions={})
    assert wf.machines == {}
    Template.from_stack(stack).resource_count_is("AWS::StepFunctions::StateMachine", 0)


def test_a_chalice_function_without_declared_permissions_stops_synthesis():
    from casebridge_infra.constructs.api import check_declared  # noqa: PLC0415
    from casebridge_infra.permissions import FUNCTIONS, UndeclaredFunction  # noqa: PLC0415

    with pytest.raises(UndeclaredFunction, match="new_handler"):
        check_declared([*FUNCTIONS, "new_handler"], FUNCTIONS)


def test_every_function_of_the_app_has_declared_permissions():
    from casebridge_infra.constructs.api import chalice_function_names, check_declared  # noqa: PLC0415
    from casebridge_infra.permissions import FUNCTIONS  # noqa: PLC0415

    from app import app  # noqa: PLC0415

    check_declared(chalice_function_names(app), FUNCTIONS)


def test_monitoring_alarms_when_a_failure_queue_holds_any_message():
    from aws_cdk import aws_kms as kms  # noqa: PLC0415
    from aws_cdk import aws_sqs as sqs  # noqa: PLC0415
    from aws_cdk.assertions import Template  # noqa: PLC0415
    from casebridge_infra.constructs.monitoring import Monitoring  # noqa: PLC0415

    stack = _stack()
    failures = sqs.Queue(stack, "Failures", queue_name="cb-test-search-index-failures")
    Monitoring(
        stack,
        "Mon",
        prefix="cb-test",
        key=kms.Key(stack, "Key"),
        dlqs={},
        machines={},
        api_name="api",
        api_stage="api",
        function_names={},
        alarm_email=None,
        failure_queues={"search-index-failures": failures},
    )
    template = Template.from_stack(stack).to_json()
    (alarm,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and r["Properties"]["AlarmName"] == "cb-test-search-index-failures-not-empty"
    ]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"][0]["Value"] == {
        "Fn::GetAtt": [stack.get_logical_id(failures.node.default_child), "QueueName"]
    }
    assert (alarm["Statistic"], alarm["Threshold"], alarm["ComparisonOperator"]) == (
        "Maximum",
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert alarm["AlarmActions"] == alarm["OKActions"] and len(alarm["AlarmActions"]) == 1
