"""Hold recorded AWS calls (functions.local.calls) against the functions' roles in a synthesized template.

* ``requests_for(record)``: what IAM authorizes for one recorded call: the action(s), the resource
  ARN(s) in the deployed stage's names, and the condition keys the call decides (``ses:FromAddress``).
  Local names (``casebridge-test-notices``, ``casebridge-local-main``) become the template's by their
  logical name (``resources.py``); accounts and regions become the template's.
* ``RolePolicies.from_template(template)``: each Chalice function's statements, with CloudFormation
  intrinsics (``Ref``, ``Fn::GetAtt``, ``Fn::Join``, pseudo parameters) resolved to ARNs.
* ``denied(records, policies)``: the requests no statement of the function's role allows, evaluated
  with moto's IAM policy evaluator (``moto.iam.access_control.IAMPolicy``: Allow/Deny, Action and
  Resource wildcards, ``StringEquals`` conditions), the one moto uses for its own IAM enforcement.

What IAM requires beyond the obvious mapping ``service:Operation`` is written down here with its
source: batch and transaction operations, S3's ``ListBucket`` for reads of missing keys, actions
that support no resource-level permissions (``Resource: "*"``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from functions.core import resources

ACCOUNT = "111111111111"
REGION = "us-east-1"
PARTITION = "aws"


@dataclass(frozen=True)
class IamRequest:
    action: str
    resource: str
    conditions: tuple[tuple[str, str], ...] = ()
    why: str = ""  # set when IAM asks for more than the operation's own action


@dataclass(frozen=True)
class Denial:
    function: str
    operation: str
    request: IamRequest

    def __str__(self) -> str:
        why = f" ({self.request.why})" if self.request.why else ""
        cond = f" with {dict(self.request.conditions)}" if self.request.conditions else ""
        return f"{self.function}: {self.operation} needs {self.request.action} on {self.request.resource}{cond}{why}"


class UnknownResource(Exception):
    pass


# ---------------------------------------------------------------------------------------------- names
@dataclass
class Names:
    """Physical names of the deployed stage for the logical names of ``functions.core.resources``."""

    prefix: str = "casebridge-dev"
    mail_domain: str = "mail.example.com"
    account: str = ACCOUNT
    region: str = REGION
    logicals: tuple[str, ...] = field(
        default_factory=lambda: tuple(
            sorted(
                {t.logical for t in resources.TABLES}
                | {b.logical for b in resources.BUCKETS}
                | {q.logical for q in resources.QUEUES}
                | {resources.dlq_logical(q) for q in resources.QUEUES}
                | {t.logical for t in resources.TOPICS}
                | {resources.ESCALATION_WORKFLOW, resources.NOTICE_WORKFLOW},
                key=len,
                reverse=True,
            )
        )
    )

    # secret keyword in a local name -> the deployed secret's ARN (see ``from_template``)
    secrets: dict[str, str] = field(default_factory=dict)
    # the stack's one user pool (the agents'): every pool a test reads stands for it
    user_pool: str | None = None

    @classmethod
    def from_template(cls, template: Mapping[str, Any], **kwargs: Any) -> Names:
        """Names of the template's stage; its secrets by the kind of secret a local name speaks of."""
        resolve = Resolver(template)
        kinds = {"PhoneApiKey": "phone", "SigningSecret": "sign"}
        found: dict[str, str] = {}
        pools = [n for n, r in template["Resources"].items() if r["Type"] == "AWS::Cognito::UserPool"]
        kwargs.setdefault("user_pool", resolve.get_att(pools[0], "Arn") if len(pools) == 1 else None)
        for logical, res in template["Resources"].items():
            if res["Type"] == "AWS::SecretsManager::Secret":
                for prefix, keyword in kinds.items():
                    if logical.startswith(prefix):
                        found[keyword] = resolve.ref(logical)
        return cls(secrets=found, **kwargs)

    def secret(self, secret_id: str) -> str:
        name = _arn_name(secret_id) if secret_id.startswith("arn:") else secret_id
        for keyword, arn in self.secrets.items():
            if keyword in name:
                return arn
        raise UnknownResource(f"secret {secret_id!r}: none of the stack's secrets ({sorted(self.secrets)})")

    def deployed(self, local_name: str) -> str:
        """``casebridge-test-notice-jobs`` -> ``casebridge-dev-notice-jobs`` (longest logical first)."""
        for logical in self.logicals:
            if local_name == logical or local_name.endswith(f"-{logical}"):
                return resources.physical_name(self.prefix, logical)
        raise UnknownResource(f"{local_name!r} is none of the resources in functions/core/resources.py")

    def arn(self, service: str, resource: str) -> str:
        return f"arn:{PARTITION}:{service}:{self.region}:{self.account}:{resource}"

    def address(self, address: str) -> str:
        """The sender as deployed: the local part kept, the domain the stage's mail domain."""
        match = re.search(r"<([^>]+)>", address)
        bare = (match.group(1) if match else address).strip()
        local = bare.rsplit("@", 1)[0]
        return f"{local}@{self.mail_domain}"


def _arn_name(arn: str) -> str:
    """The resource name at the end of an ARN (``...:topic-name``, ``...:stateMachine:name``)."""
    return arn.rsplit(":", 1)[-1]


# --------------------------------------------------------------------------------- calls -> requests
# boto3 operation -> IAM action where the name differs (Service Authorization Reference; S3 API docs).
_ACTION = {
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "DeleteObjects"): "s3:DeleteObject",
    ("s3", "ListObjectVersions"): "s3:ListBucketVersions",
    ("sqs", "SendMessageBatch"): "sqs:SendMessage",
    ("sqs", "DeleteMessageBatch"): "sqs:DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "sqs:ChangeMessageVisibility",
    ("sns", "PublishBatch"): "sns:Publish",
    ("dynamodb", "TransactGetItems"): "dynamodb:GetItem",
}
# Actions IAM authorizes on no resource ("Resource types" empty in the Service Authorization
# Reference): a statement must name "*". Task tokens are authorized by the token itself.
_NO_RESOURCE = {
    "states:SendTaskSuccess",
    "states:SendTaskFailure",
    "states:SendTaskHeartbeat",
}
# Calls that need no permission.
_FREE = {("sts", "GetCallerIdentity")}
_BUCKET_LEVEL = {"ListObjectsV2", "ListObjects", "HeadBucket", "ListObjectVersions", "GetBucketLocation"}
_MISSING_KEY = {"NoSuchKey", "404", "NotFound"}


def requests_for(record: Mapping[str, Any], names: Names) -> list[IamRequest]:
    service = record["signing_name"]
    operation = record["operation"]
    params = record.get("params") or {}
    if (service, operation) in _FREE:
        return []
    action = _ACTION.get((service, operation), f"{service}:{operation}")
    if service == "s3":
        return _s3(operation, action, params, record.get("error"), names)
    if service == "dynamodb":
        return _dynamodb(operation, action, params, names)
    if service == "sqs":  # GetQueueUrl names the queue; every other call its URL
        queue = params["QueueName"] if "QueueName" in params else params["QueueUrl"].rsplit("/", 1)[-1]
        return [IamRequest(action, names.arn("sqs", names.deployed(queue)))]
    if service == "sns":
        return _sns(operation, action, params, names)
    if service == "states":
        return _states(action, params, names)
    if service == "ses":
        return _ses(operation, action, params, names)
    if service == "secretsmanager":
        return [IamRequest(action, names.secret(params["SecretId"]))]
    if service == "cognito-idp" and "UserPoolId" in params:
        if not names.user_pool:
            raise UnknownResource("a call names a user pool but the stack has not exactly one")
        return [IamRequest(action, names.user_pool)]
    raise UnknownResource(f"no IAM mapping for {service}:{operation}; add one to tests/infrastructure/iam.py")


def _s3(operation: str, action: str, params: Mapping[str, Any], error: str | None, names: Names) -> list[IamRequest]:
    bucket = names.deployed(params["Bucket"])
    bucket_arn = f"arn:{PARTITION}:s3:::{bucket}"
    if operation in _BUCKET_LEVEL:
        return [IamRequest(action, bucket_arn)]
    out = [IamRequest(action, f"{bucket_arn}/{params.get('Key', '*')}")]
    if operation in ("GetObject", "HeadObject") and error in _MISSING_KEY:
        out.append(
            IamRequest(
                "s3:ListBucket",
                bucket_arn,
                why="the key did not exist: without s3:ListBucket S3 answers 403 AccessDenied, not 404 NoSuchKey",
            )
        )
    return out


def _table_arn(table: str, names: Names, index: str | None = None) -> str:
    arn = names.arn("dynamodb", f"table/{names.deployed(table)}")
    return f"{arn}/index/{index}" if index else arn


def _dynamodb(operation: str, action: str, params: Mapping[str, Any], names: Names) -> list[IamRequest]:
    if operation == "TransactWriteItems":
        # IAM checks each item's own action (PutItem, UpdateItem, DeleteItem, ConditionCheckItem).
        op_action = {
            "Put": "PutItem",
            "Update": "UpdateItem",
            "Delete": "DeleteItem",
            "ConditionCheck": "ConditionCheckItem",
        }
        return [
            IamRequest(f"dynamodb:{op_action[op]}", _table_arn(table, names), why="an item of TransactWriteItems")
            for op, table in params.get("TransactItems", [])
        ]
    if operation == "TransactGetItems":
        return [IamRequest(action, _table_arn(table, names)) for _op, table in params.get("TransactItems", [])]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [IamRequest(action, _table_arn(table, names)) for table in params.get("RequestItems", {})]
    return [IamRequest(action, _table_arn(params["TableName"], names, params.get("IndexName")))]


def _sns(operation: str, action: str, params: Mapping[str, Any], names: Names) -> list[IamRequest]:
    if operation == "Publish" and "PhoneNumber" in params:
        return [IamRequest(action, "*", why="a message to a phone number names no resource")]
    arn = params.get("TopicArn") or params.get("TargetArn")
    if arn is None and "SubscriptionArn" in params:
        arn = params["SubscriptionArn"].rsplit(":", 1)[0]  # topic ARN + ":" + subscription id
    if arn is None:
        raise UnknownResource(f"sns:{operation} without a topic: {params}")
    return [IamRequest(action, names.arn("sns", names.deployed(_arn_name(arn))))]


def _states(action: str, params: Mapping[str, Any], names: Names) -> list[IamRequest]:
    if action in _NO_RESOURCE:
        return [IamRequest(action, "*", why="task tokens: this action supports no resource-level permissions")]
    if "stateMachineArn" in params:
        return [
            IamRequest(
                action, names.arn("states", f"stateMachine:{names.deployed(_arn_name(params['stateMachineArn']))}")
            )
        ]
    if "executionArn" in params:
        # arn:aws:states:r:a:execution:<machine>:<id> or, a Map Run's child, <machine>/<label>:<id>
        _, rest = params["executionArn"].split(":execution:", 1)
        machine, sep, tail = rest.partition("/") if "/" in rest.split(":", 1)[0] else rest.partition(":")
        return [IamRequest(action, names.arn("states", f"execution:{names.deployed(machine)}{sep}{tail}"))]
    raise UnknownResource(f"{action} without a state machine or execution: {params}")


def _ses(operation: str, action: str, params: Mapping[str, Any], names: Names) -> list[IamRequest]:
    sender = params.get("Source") or params.get("FromEmailAddress")
    if not sender:
        raise UnknownResource(f"ses:{operation} without a sender: {params}")
    address = names.address(sender)
    conditions = (("ses:FromAddress", address),)
    identity = names.arn("ses", f"identity/{names.mail_domain}")
    out = [IamRequest(action, identity, conditions)]
    template = params.get("Template") or params.get("TemplateName")
    if template and template != "<inline>":
        out.append(IamRequest(action, names.arn("ses", f"template/{_arn_name(template).split('/')[-1]}"), conditions))
    if params.get("ConfigurationSetName"):
        out.append(
            IamRequest(action, names.arn("ses", f"configuration-set/{params['ConfigurationSetName']}"), conditions)
        )
    return out


# ------------------------------------------------------------------------------------ the template
class Resolver:
    """Resolves the intrinsics CDK writes into policy documents to plain strings."""

    def __init__(self, template: Mapping[str, Any], account: str = ACCOUNT, region: str = REGION) -> None:
        self.resources = template["Resources"]
        self.account = account
        self.region = region

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), *_ = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.get_att(*arg)
            if key == "Fn::Join":
                sep, parts = arg
                return sep.join(str(self(p)) for p in parts)
            if key == "Fn::Select":
                index, items = arg
                return self(items)[int(index)]
            if key == "Fn::Split":
                sep, text = arg
                return str(self(text)).split(sep)
        return {k: self(v) for k, v in value.items()}

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Partition": PARTITION,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        res = self.resources[name]
        p = res.get("Properties", {})
        kind = res["Type"]
        if kind == "AWS::S3::Bucket":
            return p["BucketName"]
        if kind in ("AWS::DynamoDB::GlobalTable", "AWS::DynamoDB::Table"):
            return p["TableName"]
        if kind == "AWS::SNS::Topic":
            return self._arn("sns", p["TopicName"])
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account}/{p['QueueName']}"
        if kind == "AWS::StepFunctions::StateMachine":
            return self._arn("states", f"stateMachine:{p['StateMachineName']}")
        if kind == "AWS::SecretsManager::Secret":
            secret = p.get("Name") or name
            return self._arn("secretsmanager", f"secret:{secret}-AbCdEf")
        if kind == "AWS::KMS::Key":
            return f"key-{name}"
        if kind == "AWS::IAM::Role":
            return name
        return name

    def get_att(self, name: str, attribute: str) -> str:
        res = self.resources[name]
        p = res.get("Properties", {})
        kind = res["Type"]
        if attribute == "Arn":
            if kind == "AWS::S3::Bucket":
                return f"arn:{PARTITION}:s3:::{p['BucketName']}"
            if kind in ("AWS::DynamoDB::GlobalTable", "AWS::DynamoDB::Table"):
                return self._arn("dynamodb", f"table/{p['TableName']}")
            if kind == "AWS::SQS::Queue":
                return self._arn("sqs", p["QueueName"])
            if kind == "AWS::KMS::Key":
                return self._arn("kms", f"key/{name}")
            if kind == "AWS::Logs::LogGroup":
                return self._arn("logs", f"log-group:{p.get('LogGroupName', name)}:*")
            if kind == "AWS::OpenSearchService::Domain":
                return self._arn("es", f"domain/{p['DomainName']}")
            if kind == "AWS::IAM::Role":
                return f"arn:{PARTITION}:iam::{self.account}:role/{name}"
            if kind == "AWS::Cognito::UserPool":
                return self._arn("cognito-idp", f"userpool/{name}")
        if attribute == "StreamArn":
            return self._arn("dynamodb", f"table/{p['TableName']}/stream/2026-01-01T00:00:00.000")
        if attribute in ("Name", "QueueName", "TopicName"):
            return p.get("StateMachineName") or p.get("QueueName") or p.get("TopicName") or name
        if attribute == "DomainEndpoint":
            return f"search-{p.get('DomainName', name)}.{self.region}.es.amazonaws.com"
        return f"{name}.{attribute}"

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:{PARTITION}:{service}:{self.region}:{self.account}:{resource}"


@dataclass
class RolePolicies:
    """Statements of each Chalice function's role (``permissions.FUNCTIONS`` names)."""

    statements: dict[str, list[dict[str, Any]]]

    @classmethod
    def from_template(cls, template: Mapping[str, Any], prefix: str = "casebridge-dev") -> RolePolicies:
        from casebridge_infra.constructs.api import lambda_physical_name  # noqa: PLC0415
        from casebridge_infra.permissions import FUNCTIONS  # noqa: PLC0415

        resolve = Resolver(template)
        by_physical = {lambda_physical_name(prefix, name): name for name in FUNCTIONS}
        role_of: dict[str, str] = {}
        for res in template["Resources"].values():
            if res["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
                p = res["Properties"]
                if p.get("FunctionName") in by_physical:
                    role_of[p["Role"]["Fn::GetAtt"][0]] = by_physical[p["FunctionName"]]
        statements: dict[str, list[dict[str, Any]]] = {name: [] for name in role_of.values()}
        for logical, res in template["Resources"].items():
            if res["Type"] == "AWS::IAM::Policy":
                for role in res["Properties"].get("Roles", []):
                    if role.get("Ref") in role_of:
                        statements[role_of[role["Ref"]]] += resolve(res["Properties"]["PolicyDocument"]["Statement"])
            if res["Type"] == "AWS::IAM::Role" and logical in role_of:
                if res["Properties"].get("ManagedPolicyArns"):
                    raise AssertionError(
                        f"{logical}: managed policies are not evaluated here; inline them or extend iam.py"
                    )
                for policy in res["Properties"].get("Policies", []):
                    statements[role_of[logical]] += resolve(policy["PolicyDocument"]["Statement"])
        return cls(statements)

    def allows(self, function: str, request: IamRequest) -> bool:
        return allows(self.statements.get(function, []), request)


def role_statements(template: Mapping[str, Any], role_logical: str) -> list[dict[str, Any]]:
    """Every statement of one role (its inline policies and the AWS::IAM::Policy resources attached)."""
    resolve = Resolver(template)
    out: list[dict[str, Any]] = []
    for logical, res in template["Resources"].items():
        if res["Type"] == "AWS::IAM::Policy" and {"Ref": role_logical} in res["Properties"].get("Roles", []):
            out += resolve(res["Properties"]["PolicyDocument"]["Statement"])
        if logical == role_logical:
            for policy in res["Properties"].get("Policies", []):
                out += resolve(policy["PolicyDocument"]["Statement"])
    return out


def allows(statements: list[dict[str, Any]], request: IamRequest) -> bool:
    """Whether the statements allow the request (moto's evaluator: an explicit Deny wins)."""
    from moto.iam.access_control import IAMPolicy, PermissionResult  # noqa: PLC0415

    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    result = IAMPolicy(document).is_action_permitted(
        request.action, request.resource, incoming_condition_values=dict(request.conditions) or None
    )
    return result == PermissionResult.PERMITTED


def denied(records: Iterable[Mapping[str, Any]], policies: RolePolicies, names: Names) -> list[Denial]:
    """Every request of every record that the recording function's role does not allow."""
    out: list[Denial] = []
    seen: set[tuple[str, IamRequest]] = set()
    for record in records:
        function = record["function"]
        if function not in policies.statements:
            raise UnknownResource(f"calls were recorded for {function!r}, which has no role in the template")
        for request in requests_for(record, names):
            if (function, request) in seen:
                continue
            seen.add((function, request))
            if not policies.allows(function, request):
                out.append(Denial(function, f"{record['service']}.{record['operation']}", request))
    return out
