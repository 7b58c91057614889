"""An OpenSearch domain that only the functions may use.

Access is IAM-signed requests from the roles of functions whose ``Access.search`` is true and from
an operator role (``casebridge search reindex --aws``; any principal of the account allowed to assume
it); the domain's resource policy names them, nothing else. Fine-grained access control: the master
user is a role of its own, used only by a custom resource that maps every one of those roles to the
OpenSearch role ``casebridge_app`` (``assets/search_security``) at each deploy; an operator who must
change the security configuration by hand assumes the operator role's sibling (``SearchAdmin``,
trusted by the account as well). HTTPS only, TLS 1.2, encrypted at rest and between nodes.
Sizing (instance type, node count, zone awareness, dedicated masters) comes from the stage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import CfnResource, CustomResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_opensearchservice as opensearch
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from casebridge_infra.config import SearchSizing
from casebridge_infra.permissions import SEARCH_ACTIONS
from functions.core import resources

ASSETS = Path(__file__).resolve().parents[1] / "assets"


class Search(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        prefix: str,
        sizing: SearchSizing,
        roles: list[iam.IRole],
        retain: bool,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id)
        if not roles:
            raise ValueError("the search domain needs at least one function role with search access")
        stack = Stack.of(self)
        # The master user: the security custom resource's function, and administrators of the account.
        self.admin_role = iam.Role(
            self,
            "SearchAdmin",
            assumed_by=iam.CompositePrincipal(iam.ServicePrincipal("lambda.amazonaws.com"), iam.AccountRootPrincipal()),
            description=f"{prefix}: OpenSearch master user (fine-grained access control); maps the stack's roles",
        )
        # What an operator assumes to rebuild the index (casebridge search reindex --aws).
        self.operator_role = iam.Role(
            self,
            "SearchOperator",
            assumed_by=iam.AccountRootPrincipal(),
            description=f"{prefix}: operators' search access (casebridge search reindex --aws)",
        )
        domain_name = f"{prefix}-search"[:28]
        removal = RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY
        self.slow_search_logs = logs.LogGroup(
            self, "SlowSearchLogs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.slow_index_logs = logs.LogGroup(
            self, "SlowIndexLogs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.app_logs = logs.LogGroup(self, "AppLogs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        # Our own resource policy instead of CDK's custom-resource-backed one (no helper Lambda).
        self.logs_policy = logs.CfnResourcePolicy(
            self,
            "LogsPolicy",
            policy_name=f"{prefix}-opensearch-logs",
            policy_document=stack.to_json_string(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "es.amazonaws.com"},
                            "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
                            "Resource": [
                                f"{self.slow_search_logs.log_group_arn}",
                                f"{self.slow_index_logs.log_group_arn}",
                                f"{self.app_logs.log_group_arn}",
                            ],
                            "Condition": {"StringEquals": {"aws:SourceAccount": stack.account}},
                        }
                    ],
                }
            ),
        )
        domain_arn = stack.format_arn(service="es", resource="domain", resource_name=domain_name)
        self.domain = opensearch.Domain(
            self,
            "Domain",
            domain_name=domain_name,
            version=opensearch.EngineVersion.OPENSEARCH_2_19,
            capacity=opensearch.CapacityConfig(
                data_nodes=sizing.data_nodes,
                data_node_instance_type=sizing.instance_type,
                master_nodes=3 if sizing.dedicated_master_type else None,
                master_node_instance_type=sizing.dedicated_master_type,
                multi_az_with_standby_enabled=False,
            ),
            ebs=opensearch.EbsOptions(volume_size=sizing.volume_gb, volume_type=ec2.EbsDeviceVolumeType.GP3),
            zone_awareness=opensearch.ZoneAwarenessConfig(enabled=sizing.zone_awareness, availability_zone_count=2)
            if sizing.zone_awareness
            else None,
            enforce_https=True,
            tls_security_policy=opensearch.TLSSecurityPolicy.TLS_1_2,
            node_to_node_encryption=True,
            encryption_at_rest=opensearch.EncryptionAtRestOptions(enabled=True),
            fine_grained_access_control=opensearch.AdvancedSecurityOptions(master_user_arn=self.admin_role.role_arn),
            logging=opensearch.LoggingOptions(
                slow_search_log_enabled=True,
                slow_search_log_group=self.slow_search_logs,
                slow_index_log_enabled=True,
                slow_index_log_group=self.slow_index_logs,
                app_log_enabled=True,
                app_log_group=self.app_logs,
            ),
            suppress_logs_resource_policy=True,
            enable_version_upgrade=True,
            removal_policy=removal,
        )
        self.domain.node.add_dependency(self.logs_policy)
        # The resource policy goes on the L1 domain: the L2 ``access_policies`` would apply it
        # through a custom resource (an extra Lambda function with broad rights).
        cfn_domain: opensearch.CfnDomain = self.domain.node.default_child  # type: ignore[assignment]
        cfn_domain.access_policies = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="StackRolesOnly",
                    principals=[iam.ArnPrincipal(r.role_arn) for r in [*roles, self.operator_role, self.admin_role]],
                    actions=list(SEARCH_ACTIONS),
                    resources=[domain_arn, f"{domain_arn}/*"],
                )
            ]
        ).to_json()
        self.domain_arn = domain_arn
        self.domain_name = domain_name
        self.endpoint = self.domain.domain_endpoint
        for role in (self.admin_role, self.operator_role):
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="Search", actions=list(SEARCH_ACTIONS), resources=[domain_arn, f"{domain_arn}/*"]
                )
            )
        self.mapped_roles = [*roles, self.operator_role]
        security_logs = logs.LogGroup(
            self, "SecurityLogs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.security_function = lambda_.Function(
            self,
            "SecurityFunction",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_asset(str(ASSETS / "search_security")),
            role=self.admin_role,
            timeout=Duration.minutes(12),
            log_group=security_logs,
            description=f"{prefix}: maps the stack's roles in the OpenSearch security plugin",
        )
        self.admin_role.add_to_policy(
            iam.PolicyStatement(
                sid="OwnLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[security_logs.log_group_arn],
            )
        )
        self.role_mapping = CustomResource(
            self,
            "RoleMapping",
            service_token=self.security_function.function_arn,
            resource_type="Custom::OpenSearchRoleMapping",
            properties={
                "Endpoint": self.domain.domain_endpoint,
                "Region": stack.region,
                "IndexPatterns": [f"{prefix}-*"],
                "BackendRoles": [r.role_arn for r in self.mapped_roles],
            },
        )
        self.role_mapping.node.add_dependency(self.domain)


class StreamConsumers(Construct):
    """Event source mappings for ``functions.core.resources.STREAM_CONSUMERS`` (the search indexer).

    The functions are plain Chalice ``lambda_function``s, so the mapping is made here, where the
    stream ARN is known: oldest records first, partial batch responses (``batchItemFailures``),
    bisect on error, a bounded number of retries, then the record range goes to the consumer's
    on-failure queue. The function's own role may read the stream and send to that queue
    (``permissions.FUNCTIONS``).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        consumers: Sequence[resources.StreamConsumerDef],
        functions: Mapping[str, CfnResource],
        tables: Mapping[str, ddb.TableV2],
        queues: Mapping[str, sqs.Queue],
    ) -> None:
        super().__init__(scope, id)
        self.mappings: dict[str, lambda_.CfnEventSourceMapping] = {}
        for consumer in consumers:
            table = tables[consumer.table]
            destination = (
                lambda_.CfnEventSourceMapping.DestinationConfigProperty(
                    on_failure=lambda_.CfnEventSourceMapping.OnFailureProperty(
                        destination=queues[consumer.on_failure_queue].queue_arn
                    )
                )
                if consumer.on_failure_queue
                else None
            )
            function = functions[consumer.function]
            mapping = lambda_.CfnEventSourceMapping(
                self,
                f"Mapping-{consumer.function}",
                function_name=function.ref,
                event_source_arn=table.table_stream_arn,
                starting_position=consumer.starting_position,
                batch_size=consumer.batch_size,
                maximum_batching_window_in_seconds=consumer.max_batching_window_seconds,
                maximum_retry_attempts=consumer.max_retry_attempts,
                bisect_batch_on_function_error=consumer.bisect_on_error,
                parallelization_factor=consumer.parallelization_factor,
                function_response_types=["ReportBatchItemFailures"],
                destination_config=destination,
            )
            self.mappings[consumer.function] = mapping
