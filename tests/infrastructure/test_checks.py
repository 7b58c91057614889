"""Linters on what would deploy: cfn-lint on the templates, asl-validator on state machine files,
and the one-source-of-truth check between the templates and the local stack."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.infrastructure.conftest import FIXTURES, INFRA, ROOT, props

ASL_VALIDATOR = INFRA / "node_modules" / ".bin" / "asl-validator"


# W3005 "DependsOn is redundant": CDK's StateMachine adds a DependsOn on its role that a GetAtt
# already implies. Harmless, and not ours to remove. The Makefile's lint-infra ignores the same.
CFN_LINT_IGNORED = ["W3005"]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_cfn_lint_reports_no_errors_or_warnings(synth, stage):
    from cfnlint.api import ManualArgs, lint  # noqa: PLC0415

    # The region the stacks are synthesized for (SES receiving exists in a few regions only).
    config = ManualArgs(regions=["us-east-1"], ignore_checks=CFN_LINT_IGNORED)
    matches = lint(synth.template_path(stage).read_text(), config=config)
    findings = [m for m in matches if m.rule.id[0] in "EW"]
    assert findings == [], "\n".join(str(m) for m in findings)


def _asl_validator() -> str:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: asl-validator (npm) cannot run")
    if not ASL_VALIDATOR.exists():
        pytest.skip("asl-validator is not installed: run `npm ci --prefix infra` (make venv does)")
    return str(ASL_VALIDATOR)


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_asl_validator(), "--json-path", str(path)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "stepfunctions").glob("*.asl.json"))
    or [pytest.param(None, marks=pytest.mark.skip("no stepfunctions/*.asl.json yet"))],
)
def test_every_state_machine_definition_is_valid_asl(path):
    result = _validate(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_asl_validator_accepts_a_valid_definition():
    result = _validate(FIXTURES / "tiny.asl.json")
    assert result.returncode == 0, result.stdout + result.stderr


def test_asl_validator_rejects_a_definition_with_a_missing_state(tmp_path):
    broken = tmp_path / "broken.asl.json"
    broken.write_text('{"StartAt": "Nowhere", "States": {"Done": {"Type": "Succeed"}}}')
    assert _validate(broken).returncode != 0


def _logical(names: set[str], prefix: str) -> set[str]:
    return {n.removeprefix(prefix + "-") for n in names}


def test_local_stack_provisions_exactly_what_the_template_deploys(aws, dev):
    """One source of truth: the same tables (keys, indexes), queues, topics and buckets."""
    from functions.core import aws as aws_clients  # noqa: PLC0415
    from functions.core.settings import get_settings  # noqa: PLC0415

    local_prefix = get_settings().prefix
    ddb = aws_clients.client("dynamodb")
    local_tables = {}
    for name in aws["tables"].values():
        desc = ddb.describe_table(TableName=name)["Table"]
        local_tables[name.removeprefix(local_prefix + "-")] = (
            [k["AttributeName"] for k in desc["KeySchema"]],
            {
                g["IndexName"]: [k["AttributeName"] for k in g["KeySchema"]]
                for g in desc.get("GlobalSecondaryIndexes", [])
            },
        )
    deployed_tables = {
        t["TableName"].removeprefix("casebridge-dev-"): (
            [k["AttributeName"] for k in t["KeySchema"]],
            {g["IndexName"]: [k["AttributeName"] for k in g["KeySchema"]] for g in t["GlobalSecondaryIndexes"]},
        )
        for t in props(dev, "AWS::DynamoDB::GlobalTable")
    }
    assert local_tables == deployed_tables

    sqs = aws_clients.client("sqs")
    local_queues = {u.rsplit("/", 1)[1] for u in sqs.list_queues(QueueNamePrefix=local_prefix)["QueueUrls"]}
    deployed_queues = {q["QueueName"] for q in props(dev, "AWS::SQS::Queue")}
    assert _logical(local_queues, local_prefix) == _logical(deployed_queues, "casebridge-dev")

    deployed_topics = _logical({t["TopicName"] for t in props(dev, "AWS::SNS::Topic")}, "casebridge-dev") - {"alarms"}
    assert set(aws["topics"]) == deployed_topics

    # the web sites' buckets and logs exist in AWS only (the local stack serves the apps from disk)
    deployed_buckets = {
        b
        for b in _logical({b["BucketName"] for b in props(dev, "AWS::S3::Bucket")}, "casebridge-dev")
        if b != "access-logs" and not b.startswith("site-")
    }
    assert set(aws["buckets"]) == deployed_buckets
