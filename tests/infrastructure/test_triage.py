"""The CDK app runs triage: the weekly training (an EventBridge schedule on ``train_triage``), the
stream mapping of ``triage_stream``, and each one's role holding only what it needs."""

from __future__ import annotations

import json
from typing import Any

from functions.core import resources
from tests.infrastructure.conftest import resources_of


def _function(template: dict[str, Any], name: str) -> dict[str, Any]:
    (fn,) = [
        f
        for f in resources_of(template, "AWS::Serverless::Function").values()
        if f["Properties"]["Handler"].endswith(f".{name}")
    ]
    return fn


def _actions_of(template: dict[str, Any], role_prefix: str) -> set[str]:
    actions: set[str] = set()
    for policy in resources_of(template, "AWS::IAM::Policy").values():
        if role_prefix in json.dumps(policy["Properties"].get("Roles", [])):
            for st in policy["Properties"]["PolicyDocument"]["Statement"]:
                a = st["Action"]
                actions |= {a} if isinstance(a, str) else set(a)
    return actions


def test_the_training_runs_weekly_on_an_eventbridge_schedule(dev):
    events = _function(dev, "train_triage")["Properties"]["Events"]
    schedules = [e["Properties"]["Schedule"] for e in events.values() if e["Type"] == "Schedule"]
    assert schedules == ["rate(7 days)"]


def test_the_training_role_reads_the_table_and_writes_the_models_bucket_only(dev):
    actions = _actions_of(dev, "FunctionRolesRoletraintriage")
    assert {a.split(":")[0] for a in actions} <= {"dynamodb", "s3", "kms", "logs"}
    assert "s3:PutObject" in actions and "dynamodb:Query" in actions
    assert not any(a in actions for a in ("dynamodb:PutItem", "dynamodb:UpdateItem", "s3:DeleteObject"))


def test_the_models_bucket_is_deployed_and_triage_stream_is_fed_by_the_table(dev):
    names = {b["Properties"]["BucketName"] for b in resources_of(dev, "AWS::S3::Bucket").values()}
    assert any(n.endswith(f"-{resources.MODELS_BUCKET.logical}") for n in names)
    mappings = [
        m["Properties"]
        for m in resources_of(dev, "AWS::Lambda::EventSourceMapping").values()
        if "triagestream" in json.dumps(m["Properties"]["FunctionName"]).lower()
    ]
    assert len(mappings) == 1 and mappings[0]["StartingPosition"] == resources.TRIAGE_STREAM.starting_position
