"""What a stage keeps after ``cdk destroy``, and the commands that remove it (docs/deploy.md, Tear down).

prod retains its data (table, buckets, user pool, search domain: ``retain_data``): CloudFormation
leaves them behind, under their fixed names, and a new deploy of the same stage would fail on those
names. This reads the synthesized template and lists each retained resource with its name and the
exact AWS CLI command that deletes it, in an order that works (buckets emptied first, deletion
protection turned off first):

    python infra/casebridge_infra/teardown.py --stage prod [--region eu-west-1]

Run it after ``make synth`` (it reads ``infra/cdk.out/Casebridge-<stage>.template.json``). Keeping the
data and deploying again is the other path: choose a new ``prefix`` for the new deploy.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Retained:
    logical_id: str
    type: str
    physical_name: str
    delete_command: str


def _name(props: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = props.get(key)
        if isinstance(value, str):
            return value
    return ""


def _commands(kind: str, props: Mapping[str, Any], region: str) -> tuple[str, str]:
    """(physical name, commands) of one retained resource."""
    r = f"--region {region}"
    if kind == "AWS::S3::Bucket":
        name = _name(props, "BucketName")
        return name, (
            f"aws s3api delete-bucket --bucket {name} {r}  # after emptying every version: "
            f"python infra/casebridge_infra/teardown.py --empty-bucket {name} {r}"
        )
    if kind in ("AWS::DynamoDB::GlobalTable", "AWS::DynamoDB::Table"):
        name = _name(props, "TableName")
        return name, (
            f"aws dynamodb update-table --table-name {name} --no-deletion-protection-enabled {r} && "
            f"aws dynamodb delete-table --table-name {name} {r}"
        )
    if kind == "AWS::Cognito::UserPool":
        name = _name(props, "UserPoolName")
        return name, (
            f"aws cognito-idp update-user-pool --user-pool-id <UserPoolId output> --deletion-protection INACTIVE {r} && "
            f"aws cognito-idp delete-user-pool --user-pool-id <UserPoolId output> {r}  # pool {name}"
        )
    if kind == "AWS::OpenSearchService::Domain":
        name = _name(props, "DomainName")
        return name, f"aws opensearch delete-domain --domain-name {name} {r}"
    if kind == "AWS::Logs::LogGroup":
        name = _name(props, "LogGroupName")
        return name, f"aws logs delete-log-group --log-group-name {name} {r}"
    raise ValueError(f"no delete command for retained {kind}; add one to teardown.py")


_ORDER = {"AWS::S3::Bucket": 0, "AWS::DynamoDB::GlobalTable": 1, "AWS::DynamoDB::Table": 1}


def retained(template: Mapping[str, Any], region: str = "us-east-1") -> list[Retained]:
    out = []
    for logical, res in template["Resources"].items():
        if res.get("DeletionPolicy") != "Retain":
            continue
        name, command = _commands(res["Type"], res.get("Properties", {}), region)
        out.append(Retained(logical, res["Type"], name, command))
    return sorted(out, key=lambda r: (_ORDER.get(r.type, 9), r.physical_name))


def empty_bucket(name: str, region: str) -> int:
    """Delete every object version and delete marker of a bucket (what the S3 console's Empty does)."""
    import boto3  # noqa: PLC0415

    s3 = boto3.client("s3", region_name=region)
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
        objects = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        ]
        for i in range(0, len(objects), 1000):
            s3.delete_objects(Bucket=name, Delete={"Objects": objects[i : i + 1000], "Quiet": True})
            deleted += len(objects[i : i + 1000])
    return deleted


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--region", default=None, help="default: the stage's region in stages.json")
    parser.add_argument("--cdk-out", default=str(Path(__file__).resolve().parents[1] / "cdk.out"))
    parser.add_argument("--empty-bucket", metavar="NAME", help="delete every version in this bucket, then exit")
    args = parser.parse_args(argv)
    region = args.region
    if region is None:
        stages = json.loads((Path(__file__).resolve().parents[1] / "stages.json").read_text())
        region = stages[args.stage]["region"]
    if args.empty_bucket:
        print(f"deleted {empty_bucket(args.empty_bucket, region)} object versions from {args.empty_bucket}")
        return
    template = json.loads((Path(args.cdk_out) / f"Casebridge-{args.stage}.template.json").read_text())
    for r in retained(template, region):
        print(f"# {r.type} {r.physical_name} ({r.logical_id})\n{r.delete_command}\n")


if __name__ == "__main__":
    main()
