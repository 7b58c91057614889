"""cdk-nag AwsSolutions findings we accept, each on the narrowest construct, each with its reason.

Everything not acknowledged here fails ``cdk synth`` (and so ``make synth`` and the tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

from casebridge_infra.permissions import FUNCTIONS
from functions.core import resources

if TYPE_CHECKING:
    from casebridge_infra.stack import CasebridgeStack


def ack(scope: IConstruct, rule: str, reason: str) -> None:
    Validations.of(scope).acknowledge(Acknowledgment(id=f"AwsSolutions::AwsSolutions-{rule}", reason=reason))


def _ref(stack: Stack, construct: IConstruct) -> str:
    return stack.get_logical_id(construct.node.default_child)  # type: ignore[arg-type]


def suppress(stack: CasebridgeStack) -> None:
    # --- Function roles: object-level S3 grants and KMS data keys are wildcards by nature.
    for name, access in FUNCTIONS.items():
        role = stack.function_roles.roles[name]
        wildcard = list(stack.wildcard_reasons.get(name, []))
        if access.answer_workflows:
            wildcard.append(
                "states:SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat support no resource-level "
                "permissions (the task token authorizes the call), so IAM accepts only '*' for them; "
                "the function answers only tokens its own jobs carry."
            )
        if wildcard:
            ack(role, "IAM5[Resource::*]", " ".join(wildcard))
        for logical, _mode in access.buckets:
            bucket = stack.storage.buckets[logical]
            ack(
                role,
                f"IAM5[Resource::<{_ref(stack, bucket)}.Arn>/*]",
                f"{name} reads/writes objects whose keys are generated per message (message id, "
                "attachment hash); the grant is limited to GetObject/PutObject in this one bucket.",
            )
        if access.publish:
            ack(
                role,
                "IAM5[Action::kms:GenerateDataKey*]",
                "Publishing to an SSE-KMS topic needs GenerateDataKey (and its WithoutPlaintext "
                "variant) on the one topic key; CDK's Topic.grant_publish scopes it to that key.",
            )
        for machine_name in access.stop_workflows:
            machine_ref = _ref(stack, stack.workflows.machines[machine_name])
            execution = f'{{"Fn::Select":[6,{{"Fn::Split":[":",{{"Ref":"{machine_ref}"}}]}}]}}'
            ack(
                role,
                f"IAM5[Resource::arn:<AWS::Partition>:states:{stack.region}:{stack.account}:execution:{execution}:*]",
                f"{name} stops running executions of the {machine_name} state machine (a problem resolved or "
                "reassigned); execution names are generated per escalation, so the grant (DescribeExecution, "
                "StopExecution) covers the executions of that one machine (CDK's grant_execution).",
            )
        if access.search and stack.search is not None:
            ack(
                role,
                f"IAM5[Resource::{_unresolved_domain_arn(stack)}/*]",
                "OpenSearch REST paths (index names, _doc ids) live under the domain ARN; access is "
                "further limited by fine-grained access control inside the domain.",
            )

    # --- The live-updates WebSocket API (functions/live), packaged by Chalice.
    posting = [name for name, access in FUNCTIONS.items() if access.post_to_connections]
    for name in posting:
        ack(
            stack.function_roles.roles[name],
            "IAM5[Resource::arn:<AWS::Partition>:execute-api:"
            f"{stack.region}:{stack.account}:<WebsocketAPI>/api/POST/@connections/*]",
            "Connection ids are made by API Gateway per connection; the grant is ManageConnections "
            "(post) on this one WebSocket API's stage only.",
        )
    if posting:
        for route in ("WebsocketConnectRoute", "WebsocketMessageRoute", "WebsocketDisconnectRoute"):
            ack(
                stack.api.chalice.get_resource(route),
                "APIG4",
                "The $connect function authorizes: it verifies the agent's Cognito ID token (signature "
                "by the pool's JWKS, issuer, expiry, token use) and refuses with 401; API Gateway runs "
                "the message and disconnect routes only for connections $connect accepted.",
            )
        ack(
            stack.api.chalice.get_resource("WebsocketAPIStage"),
            "APIG1",
            "Connects, watches and disconnects are logged by the functions (JSON, no token); a stage "
            "access log needs the account-wide API Gateway CloudWatch role, which this stack does not "
            "own (the REST API has none either).",
        )

    # --- State machine roles: X-Ray tracing and log delivery take no resource-level permissions.
    for machine in stack.workflows.machines.values():
        ack(
            machine.role,
            "IAM5[Resource::*]",
            "Step Functions tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) and "
            "log delivery (logs:CreateLogDelivery, ...) support no resource-level permissions; CDK adds "
            "exactly those for tracing_enabled and logs. The roles' own grants name their resources.",
        )

    # --- Custom resources (CDK's AwsCustomResource singleton: the receipt rule set's activation).
    if stack.mail.activation is not None:
        ack(
            stack.mail.activation,
            "IAM5[Resource::*]",
            "ses:SetActiveReceiptRuleSet supports no resource-level permissions (it acts on the account's "
            "one active rule set), so IAM accepts only '*'; it is the only action of this policy.",
        )
    singleton = stack.node.try_find_child("AWS679f53fac002430cb0da5b7982bd2287")
    if singleton is not None:
        ack(
            singleton,
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "CDK's AwsCustomResource provider function (runs only during deployments) writes its own "
            "logs through the AWS managed basic execution policy; its actions are in its own policy.",
        )

    # --- Web sites (constructs/site.py): CloudFront in front of private buckets.
    for site in (stack.agents_site, stack.customers_site):
        ack(
            site.distribution,
            "CFR1",
            "A help desk's agents and customers are wherever the business is: no country is blocked by "
            "default. Add geo_restriction to the distribution where a business must.",
        )
        ack(
            site.distribution,
            "CFR2",
            "The sites are static files (no origin to protect from floods but S3, which scales); the API "
            "has its own throttling. A WAF web ACL (us-east-1, billed per rule and request) can be "
            "attached with web_acl_id: docs/deploy.md.",
        )
        ack(
            site.distribution,
            "CFR4",
            "With CloudFront's default *.cloudfront.net certificate the viewer TLS policy cannot be chosen "
            "(CloudFront keeps TLSv1 for it); the distribution asks for TLSv1.2_2021, which applies as "
            "soon as a custom domain with its certificate is added (docs/deploy.md, Custom domains).",
        )
    for child in stack.node.children:
        if child.node.id.startswith("Custom::CDKBucketDeployment"):
            ack(
                child,
                "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                "CDK's BucketDeployment function (runs only during deployments) writes its logs through the "
                "AWS managed basic execution policy.",
            )
            findings = [
                *(f"Action::s3:{a}" for a in ("Abort*", "DeleteObject*", "GetBucket*", "GetObject*", "List*")),
                "Resource::*",
                f"Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-{stack.account}-{stack.region}/*",
                *(f"Resource::<{_ref(stack, s.bucket)}.Arn>/*" for s in (stack.agents_site, stack.customers_site)),
            ]
            for finding in findings:
                ack(
                    child,
                    f"IAM5[{finding}]",
                    "CDK's BucketDeployment grants its function read on the CDK asset bucket (s3:GetObject*, "
                    "GetBucket*, List* on the staged build), write and delete on the two site buckets only "
                    "(their objects: s3:DeleteObject*, Abort* for its sync) and cloudfront:CreateInvalidation, "
                    "which supports no resource-level permission ('*').",
                )
            ack(
                child,
                "L1",
                "The BucketDeployment function's runtime is chosen by aws-cdk-lib (it bundles the AWS CLI "
                "layer for it); it follows CDK upgrades and runs only during deployments.",
            )

    # --- Signing secret.
    ack(
        stack.signing_secret,
        "SMG4",
        "Rotating the HMAC key would invalidate every customer link already sent (30-day links). "
        "Rotate by hand with an overlap procedure (docs/deploy.md), not on a schedule.",
    )

    ack(
        stack.phone_api_key,
        "SMG4",
        "The phone menu's contact flow holds a copy of this key: rotate it by hand together with the "
        "flow (docs/deploy.md), not on a schedule.",
    )

    # --- Cognito.
    ack(
        stack.identity.user_pool,
        "COG8",
        "The Plus feature plan (threat protection) costs per active user; MFA (TOTP) is required "
        "and self sign-up is off, as agents are invited. Teams can enable Plus in the console.",
    )

    # --- OpenSearch.
    if stack.search is not None:
        domain = stack.search.domain
        for role in (stack.search.admin_role, stack.search.operator_role):
            ack(
                role,
                f"IAM5[Resource::{_unresolved_domain_arn(stack)}/*]",
                "OpenSearch REST paths (index names, _doc ids, the security plugin's API) live under the "
                "domain ARN; inside the domain, fine-grained access control decides.",
            )
        ack(
            stack.search.operator_role,
            f"IAM5[Resource::<{_ref(stack, stack.data.tables[resources.MAIN_TABLE.logical])}.Arn>/index/*]",
            "The reindex reads the table's indexes by name; the grant is read-only and on this table only.",
        )
        ack(
            stack.search.security_function,
            "L1",
            "Python 3.12 is the runtime the project pins (.python-version, the Chalice functions); the "
            "function runs only during deployments.",
        )
        ack(
            domain,
            "OS1",
            "The functions run outside a VPC (no NAT cost, faster cold starts); the domain accepts only "
            "SigV4-signed requests from the functions' roles (resource policy) and enforces "
            "fine-grained access control, HTTPS and TLS 1.2.",
        )
        ack(
            domain,
            "OS3",
            "Access is restricted by IAM principal (the function roles), which is stronger than an IP "
            "allowlist for Lambda functions whose addresses change.",
        )
        sizing = stack.config.search
        if not sizing.dedicated_master_type:
            ack(
                domain,
                "OS4",
                f"Stage {stack.config.name} runs {sizing.data_nodes} data node(s): dedicated masters "
                "(3 more instances) pay off from larger clusters; set search.dedicated_master_type "
                "in infra/stages.json to add them.",
            )
        if not sizing.zone_awareness:
            ack(
                domain,
                "OS7",
                f"Stage {stack.config.name} is a single-node development domain; the index can be "
                "rebuilt from DynamoDB (the system of record). prod enables zone awareness.",
            )


def _unresolved_domain_arn(stack: CasebridgeStack) -> str:
    assert stack.search is not None
    return f"arn:<AWS::Partition>:es:{stack.region}:{stack.account}:domain/{stack.search.domain_name}"
