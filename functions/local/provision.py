"""Create every resource of functions.core.resources in an (embedded) AWS account.

Used by the local stack and by the test suites; the CDK app reads the same definitions.
Idempotent: existing resources are left as they are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from functions.core import aws, resources
from functions.core.settings import get_settings

STEPFUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "stepfunctions"
# moto does not check the role; a real account would need one with the grants of infra/.
LOCAL_WORKFLOW_ROLE = "arn:aws:iam::123456789012:role/casebridge-local-workflows"


def provision_workflows(out: dict[str, Any], directory: Path = STEPFUNCTIONS_DIR) -> dict[str, str]:
    """Create (or update) a state machine per ``<name>.asl.json``, bound with the same placeholder
    mapping as the CDK stack (``resources.workflow_substitutions``). Returns name -> ARN."""
    import re  # noqa: PLC0415

    s = get_settings()
    subs = resources.workflow_substitutions(
        tables=out["tables"],
        queues={logical: q["url"] for logical, q in out["queues"].items()},
        topics=out["topics"],
        buckets=out["buckets"],
    )
    sfn = aws.client("stepfunctions")
    existing = {m["name"]: m["stateMachineArn"] for m in sfn.list_state_machines().get("stateMachines", [])}
    machines: dict[str, str] = {}
    for path in sorted(directory.glob("*.asl.json")) if directory.is_dir() else []:
        name = path.name[: -len(".asl.json")]
        text = path.read_text()
        missing = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", text)) - set(subs)
        if missing:
            raise RuntimeError(f"{path.name}: no value for placeholders {sorted(missing)}")
        definition = re.sub(r"\$\{([A-Za-z0-9_]+)\}", lambda m: subs[m.group(1)], text)
        physical = s.name(name)
        if physical in existing:
            sfn.update_state_machine(stateMachineArn=existing[physical], definition=definition)
            machines[name] = existing[physical]
        else:
            machines[name] = sfn.create_state_machine(
                name=physical, definition=definition, roleArn=LOCAL_WORKFLOW_ROLE
            )["stateMachineArn"]
    return machines


def _create_table(ddb: Any, name: str, t: resources.TableDef) -> None:
    attrs = {t.pk, t.sk}
    for ix in t.indexes:
        attrs |= {ix.pk, ix.sk}
    try:
        ddb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": t.pk, "KeyType": "HASH"}, {"AttributeName": t.sk, "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in sorted(attrs)],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": ix.name,
                    "KeySchema": [
                        {"AttributeName": ix.pk, "KeyType": "HASH"},
                        {"AttributeName": ix.sk, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for ix in t.indexes
            ],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": t.stream},
        )
    except ddb.exceptions.ResourceInUseException:
        return
    if t.ttl_attribute:
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": t.ttl_attribute}
        )


def provision() -> dict[str, Any]:
    """Create tables, buckets, queues (each with a DLQ), topics and subscriptions. Returns their ids."""
    s = get_settings()
    out: dict[str, Any] = {"tables": {}, "buckets": {}, "queues": {}, "topics": {}}
    ddb = aws.client("dynamodb")
    for t in resources.TABLES:
        name = s.name(t.logical)
        _create_table(ddb, name, t)
        out["tables"][t.logical] = name
    s3 = aws.client("s3")
    for b in resources.BUCKETS:
        name = s.name(b.logical)
        try:
            if s.region == "us-east-1":
                s3.create_bucket(Bucket=name)
            else:
                s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": s.region})
        except (s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
            pass
        out["buckets"][b.logical] = name
    sqs = aws.client("sqs")
    for q in resources.QUEUES:
        dlq_url = sqs.create_queue(QueueName=s.name(resources.dlq_logical(q)))["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(
            QueueName=s.name(q.logical),
            Attributes={
                "VisibilityTimeout": str(q.visibility_timeout),
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(q.max_receive_count)}
                ),
            },
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        out["queues"][q.logical] = {"url": url, "arn": arn, "dlq_url": dlq_url}
    sns = aws.client("sns")
    for tp in resources.TOPICS:
        arn = sns.create_topic(Name=s.name(tp.logical))["TopicArn"]
        out["topics"][tp.logical] = arn
        for sub in tp.subscribers:
            sns.subscribe(
                TopicArn=arn,
                Protocol="sqs",
                Endpoint=out["queues"][sub]["arn"],
                Attributes={"RawMessageDelivery": "false"},
            )
    ses = aws.client("ses")
    ses.verify_email_identity(EmailAddress=s.support_address)
    try:
        ses.verify_domain_identity(Domain=s.mail_domain)
    except Exception:  # noqa: BLE001 - moto versions differ; the address identity is enough
        pass
    # Notice mail templates (SES v2; moto needs functions.local.moto_fixes for them).
    from functions.local import moto_fixes  # noqa: PLC0415 - in-process moto: the sesv2 template calls
    from functions.notify.delivery.templates import install as install_notice_templates  # noqa: PLC0415

    moto_fixes.apply()

    out["email_templates"] = install_notice_templates(aws.client("sesv2"))
    out["state_machines"] = provision_workflows(out)
    return out
