"""The Casebridge stack of one stage: composes the constructs, wires least-privilege grants."""

from __future__ import annotations

from typing import Any

from aws_cdk import ArnFormat, CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from casebridge_infra import nag
from casebridge_infra.config import REPO_DIR, STEPFUNCTIONS_DIR, StageConfig
from casebridge_infra.constructs.api import (
    Api,
    FunctionRoles,
    chalice_function_names,
    check_declared,
    grant,
    load_chalice_app,
    sqs_consumer_names,
)
from casebridge_infra.constructs.data import Data
from casebridge_infra.constructs.identity import Identity
from casebridge_infra.constructs.mail import Mail
from casebridge_infra.constructs.messaging import Messaging
from casebridge_infra.constructs.monitoring import Monitoring
from casebridge_infra.constructs.search import Search, StreamConsumers
from casebridge_infra.constructs.site import StaticSite, build_dir, cdn_log_bucket
from casebridge_infra.constructs.storage import Storage
from casebridge_infra.constructs.workflows import Workflows
from casebridge_infra.permissions import FUNCTIONS
from functions.core import resources

# What the customers' site sends to the API (the rest is its bucket: the built assets, and the
# help-site bucket's article pages, sitemap and robots.txt); the local stack's site does the same
# (functions/local/site.py).
CUSTOMER_API_PATHS = ("/help*", "/portal/*", "/web/*", "/chat/*", "/selfservice/*", "/notices/*")

_RETENTION = {
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    731: logs.RetentionDays.TWO_YEARS,
}


def _retention(days: int) -> logs.RetentionDays:
    if days not in _RETENTION:
        raise ValueError(f"log_retention_days={days}: use one of {sorted(_RETENTION)}")
    return _RETENTION[days]


def workflow_substitutions(stack: CasebridgeStack) -> dict[str, str]:
    """Values for ``${Placeholders}`` in stepfunctions/*.asl.json: names and ARNs of our resources
    (the mapping itself is ``resources.workflow_substitutions``, shared with the local stack)."""
    return resources.workflow_substitutions(
        tables={logical: table.table_name for logical, table in stack.data.tables.items()},
        queues={logical: queue.queue_url for logical, queue in stack.messaging.queues.items()},
        topics={logical: topic.topic_arn for logical, topic in stack.messaging.topics.items()},
        buckets={logical: bucket.bucket_name for logical, bucket in stack.storage.buckets.items()},
    )


class CasebridgeStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StageConfig, **kwargs: Any) -> None:
        super().__init__(scope, id, description=f"Casebridge customer-service backend ({config.name})", **kwargs)
        self.config = config
        # Function name -> why its role has a Resource "*" grant (acknowledged once, in nag.py).
        self.wildcard_reasons: dict[str, list[str]] = {}
        prefix = config.resource_prefix
        retain = config.retain_data
        retention = _retention(config.log_retention_days)

        self.data = Data(self, "Data", prefix=prefix, retain=retain)
        self.storage = Storage(self, "Storage", prefix=prefix, retain=retain)
        self.messaging = Messaging(self, "Messaging", prefix=prefix)
        self.mail = Mail(
            self,
            "Mail",
            prefix=prefix,
            mail_domain=config.mail_domain,
            bucket=self.storage.buckets[resources.MAIL_BUCKET.logical],
            topic=self.messaging.topics[resources.INBOUND_MAIL_TOPIC.logical],
            activate=config.activate_receipt_rule_set,
        )
        self.identity = Identity(self, "Identity", prefix=prefix, retain=retain)
        self._sites(prefix, retain, config)
        self.signing_secret = self._generated_secret(
            "SigningSecret",
            f"{prefix}: HMAC key for signed customer links (functions.core.signing)",
            64,
        )
        self.phone_api_key = self._generated_secret(
            "PhoneApiKey",
            f"{prefix}: X-Api-Key the phone menu (Amazon Connect contact flow) sends to GET /phone/notices",
            40,
        )

        # What app.py sees when Chalice imports it to package, and what every function gets at run time.
        self.function_env = {
            "CASEBRIDGE_STAGE": config.name,
            "CASEBRIDGE_RESOURCE_PREFIX": prefix,
            "CASEBRIDGE_COGNITO_USER_POOL_ARN": self.identity.user_pool.user_pool_arn,
            # the live-updates WebSocket accepts ID tokens of the agents' app's client only (audience)
            "CASEBRIDGE_COGNITO_CLIENT_IDS": self.agents_client.user_pool_client_id,
            "CASEBRIDGE_SIGNING_SECRET_ARN": self.signing_secret.secret_arn,
            "CASEBRIDGE_PHONE_API_KEY_ARN": self.phone_api_key.secret_arn,
            "CASEBRIDGE_MAIL_DOMAIN": config.mail_domain,
            "CASEBRIDGE_SUPPORT_ADDRESS": config.support_address,
            "CASEBRIDGE_PUBLIC_BASE_URL": config.public_base_url,
            # the API answers CORS requests from the two sites only (functions/core/http.py). The
            # customers' site by its public address (public_base_url, the custom domain in front of
            # its distribution): naming the distribution here would be a cycle, since the
            # distribution sends the site's API paths to this API (its pages are same-origin there).
            "CASEBRIDGE_CORS_ALLOWED_ORIGINS": f"{self.agents_site.url},{config.public_base_url}",
            "POWERTOOLS_SERVICE_NAME": "casebridge",
            # no sentence-embedding model but in the functions given its layer (constructs/language.py)
            "CASEBRIDGE_EMBEDDER": "none",
        }
        chalice_app = load_chalice_app(self.function_env)
        function_names = chalice_function_names(chalice_app)
        check_declared(function_names, FUNCTIONS)

        self.function_roles = FunctionRoles(
            self, "FunctionRoles", prefix=prefix, functions=FUNCTIONS, log_retention=retention
        )
        search_roles = [self.function_roles.roles[n] for n, a in FUNCTIONS.items() if a.search]
        self.search = (
            Search(
                self,
                "Search",
                prefix=prefix,
                sizing=config.search,
                roles=search_roles,
                retain=retain,
                log_retention=retention,
            )
            if search_roles
            else None
        )
        if self.search is not None:
            self.function_env["CASEBRIDGE_SEARCH_ENDPOINT"] = f"https://{self.search.endpoint}"
            # a single data node can hold no replica: an index with one would stay yellow
            self.function_env["CASEBRIDGE_SEARCH_REPLICAS"] = "0" if config.search.data_nodes == 1 else "1"

        self.workflows = Workflows(
            self,
            "Workflows",
            prefix=prefix,
            directory=STEPFUNCTIONS_DIR,
            substitutions=workflow_substitutions(self),
            grants={
                resources.ESCALATION_WORKFLOW: self._grant_escalation,
                resources.NOTICE_WORKFLOW: self._grant_notices,
            },
            log_retention=retention,
        )
        if resources.ESCALATION_WORKFLOW in self.workflows.machines:
            self.function_env["CASEBRIDGE_ESCALATION_STATE_MACHINE_ARN"] = self.workflows.machines[
                resources.ESCALATION_WORKFLOW
            ].state_machine_arn

        if resources.NOTICE_WORKFLOW in self.workflows.machines:
            self.function_env["CASEBRIDGE_NOTICE_STATE_MACHINE_ARN"] = self.workflows.machines[
                resources.NOTICE_WORKFLOW
            ].state_machine_arn
        self.function_env["CASEBRIDGE_NOTICE_SMS_TOPIC_ARN"] = self.messaging.topics[
            resources.SMS_NOTICES_TOPIC.logical
        ].topic_arn
        self._notice_templates(prefix)

        mail_identity_arn = self.format_arn(service="ses", resource="identity", resource_name=config.mail_domain)
        for name, access in FUNCTIONS.items():
            grant(
                self.function_roles.roles[name],
                access,
                tables=self.data.tables,
                buckets=self.storage.buckets,
                topics=self.messaging.topics,
                queues=self.messaging.queues,
                secret=self.signing_secret,
                phone_key=self.phone_api_key,
                search_domain_arn=self.search.domain_arn if self.search else None,
                machines=self.workflows.machines,
                mail_identity_arn=mail_identity_arn,
                support_address=config.support_address,
                user_pool_arn=self.identity.user_pool.user_pool_arn,
            )

        self.api = Api(
            self,
            "Api",
            prefix=prefix,
            environment=self.function_env,
            roles=self.function_roles,
            memory_mb=config.lambda_memory_mb,
            sqs_consumers=sqs_consumer_names(chalice_app),
            browser_origin=self.agents_site.url,
        )

        # The embedding model's layer on the functions that embed (the stream indexer, the API).
        from casebridge_infra.constructs.language import LanguageLayer  # noqa: PLC0415

        self.language = LanguageLayer(
            self, "Language", prefix=prefix, placeholder=self.node.try_get_context("web") == "placeholder"
        )
        self.language.attach({n: self.api.chalice.get_resource(i) for n, i in self.api.function_logical_ids.items()})

        # AWS WAF on the API's stage: per-client rate limits, tighter on the public writes.
        from casebridge_infra.constructs.firewall import ApiFirewall  # noqa: PLC0415

        self.firewall = ApiFirewall(self, "Firewall", prefix=prefix, rest_api_logical_id="RestAPI")

        live_url = self.api.live_api(
            prefix, self.function_roles, [n for n, a in FUNCTIONS.items() if a.post_to_connections]
        )
        if live_url:
            CfnOutput(self, "LiveUrl", value=live_url)

        # Chalice names the queue of an SQS event source by ARN text, not by reference: order it.
        for name, access in FUNCTIONS.items():
            function = self.api.chalice.get_resource(self.api.function_logical_ids[name])
            for logical in access.consume:
                function.node.add_dependency(self.messaging.queues[logical])

        # DynamoDB stream -> plain Lambda functions (the search indexer): declared in resources.py.
        self.stream_consumers = StreamConsumers(
            self,
            "StreamConsumers",
            consumers=resources.STREAM_CONSUMERS,
            functions={
                c.function: self.api.chalice.get_resource(self.api.function_logical_ids[c.function])
                for c in resources.STREAM_CONSUMERS
            },
            tables=self.data.tables,
            queues=self.messaging.queues,
        )

        self.monitoring = Monitoring(
            self,
            "Monitoring",
            prefix=prefix,
            key=self.messaging.key,
            dlqs=self.messaging.dlqs,
            machines=self.workflows.machines,
            api_name=self.api.api_name,
            api_stage="api",
            function_names={n: f"{prefix}-{n.replace('_', '-')}"[:64] for n in FUNCTIONS},
            alarm_email=config.alarm_email,
            failure_queues={
                c.on_failure_queue: self.messaging.queues[c.on_failure_queue]
                for c in resources.STREAM_CONSUMERS
                if c.on_failure_queue
            },
        )

        api_host = f"{self.api.chalice.get_resource('RestAPI').ref}.execute-api.{self.region}.{self.url_suffix}"
        self.api_url = f"https://{api_host}/api/"
        # the customers' site serves the help center's dynamic pages, forms, case page, chat and
        # notices from the API, behind the static article pages (functions/local/site.py does the same)
        self.customers_site.route_to_api(api_host, "/api", CUSTOMER_API_PATHS)
        self._deploy_sites()

        CfnOutput(self, "UserPoolId", value=self.identity.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.agents_client.user_pool_client_id)
        CfnOutput(self, "HostedUiUrl", value=self.identity.hosted_ui_url)
        CfnOutput(self, "AgentsUrl", value=self.agents_site.url)
        CfnOutput(self, "AgentsDistributionId", value=self.agents_site.distribution.distribution_id)
        # the customers' site by its public address: its own domain when the stage names one (point
        # that name's DNS at CustomersDistributionDomain: a CNAME, or a Route 53 alias)
        CfnOutput(
            self,
            "CustomersUrl",
            value=self.config.public_base_url if self.config.customers_domain else self.customers_site.url,
        )
        CfnOutput(self, "CustomersDistributionDomain", value=self.customers_site.distribution.distribution_domain_name)
        CfnOutput(self, "CustomersDistributionId", value=self.customers_site.distribution.distribution_id)
        CfnOutput(self, "ReceiptRuleSetName", value=self.mail.rule_set.receipt_rule_set_name)
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)
        CfnOutput(self, "SigningSecretArn", value=self.signing_secret.secret_arn)
        CfnOutput(self, "PhoneApiKeyArn", value=self.phone_api_key.secret_arn)
        CfnOutput(
            self, "SmsInboundTopicArn", value=self.messaging.topics[resources.SMS_INBOUND_TOPIC.logical].topic_arn
        )
        CfnOutput(self, "ApiUrl", value=self.api_url)
        if self.search is not None:
            CfnOutput(self, "SearchEndpoint", value=self.search.endpoint)
            CfnOutput(self, "SearchOperatorRoleArn", value=self.search.operator_role.role_arn)
            CfnOutput(self, "SearchAdminRoleArn", value=self.search.admin_role.role_arn)
            # the operator's reindex scans the table (casebridge search reindex --aws)
            table = self.data.tables[resources.MAIN_TABLE.logical]
            self.search.operator_role.add_to_policy(
                iam.PolicyStatement(
                    sid="ReindexScan",
                    actions=["dynamodb:Scan", "dynamodb:Query", "dynamodb:GetItem", "dynamodb:DescribeTable"],
                    resources=[table.table_arn, f"{table.table_arn}/index/*"],
                )
            )
        self._grant_notice_sending(config, mail_identity_arn)
        nag.suppress(self)

    def _sites(self, prefix: str, retain: bool, config: StageConfig) -> None:
        """The agents' app and the customers' site (S3 + CloudFront; the customers' on its own domain
        when the stage names one), and the agents' Cognito client."""
        public_base_url = config.public_base_url
        self.cdn_logs = cdn_log_bucket(
            self,
            "CdnLogs",
            bucket_name=resources.physical_name(prefix, "site-logs"),
            retain=retain,
            access_logs=self.storage.access_logs,
        )
        # The API's id is not known to the distributions (the API's functions are told the sites'
        # origins for CORS: naming the API here would be a cycle), so connect-src allows this
        # region's API Gateway hosts; the sign-in endpoints are the pool's hosted UI.
        api_hosts = f"*.execute-api.{self.region}.{self.url_suffix}"
        attachments_name = resources.physical_name(prefix, resources.ATTACHMENTS_BUCKET.logical)
        common = dict(retain=retain, access_logs=self.storage.access_logs, cdn_logs=self.cdn_logs)
        self.agents_site = StaticSite(
            self,
            "AgentsSite",
            bucket_name=resources.physical_name(prefix, "site-agents"),
            comment=f"{prefix}: agents' app",
            single_page_app=True,
            connect_src=[f"https://{api_hosts}", f"wss://{api_hosts}", self.identity.hosted_ui_url],
            **common,  # type: ignore[arg-type]
        )
        self.customers_site = StaticSite(
            self,
            "CustomersSite",
            bucket_name=resources.physical_name(prefix, "site-customers"),
            comment=f"{prefix}: customers' help center",
            single_page_app=False,
            connect_src=[
                f"https://{api_hosts}",
                f"wss://{api_hosts}",
                # attachments go straight to the attachments bucket through pre-signed upload URLs
                # (its regional host by name: the bucket's CORS names this distribution, so the
                # policy must not depend on the bucket)
                f"https://{attachments_name}.s3.{self.region}.{self.url_suffix}",
            ],
            # the contact form works as a plain HTML form post to the API, without JavaScript
            form_action=[f"https://{api_hosts}"],
            # the help center's static article pages, sitemap and robots.txt (written on publish)
            published=self.storage.buckets[resources.HELP_SITE_BUCKET.logical],
            domain_name=config.customers_domain,
            certificate_arn=config.customers_certificate_arn,
            **common,  # type: ignore[arg-type]
        )
        # the site's uploads: a presigned POST from its pages straight to the attachments bucket's
        # uploads/ prefix. The site by its public address (public_base_url, the custom domain in front
        # of the distribution): naming the distribution would be a cycle (bucket -> distribution ->
        # API origin -> functions -> their roles -> bucket).
        self.storage.buckets[resources.ATTACHMENTS_BUCKET.logical].add_cors_rule(
            allowed_methods=[s3.HttpMethods.POST],
            allowed_origins=[public_base_url],
            allowed_headers=["*"],
            max_age=3000,
        )
        self.agents_client = self.identity.agent_console(
            callback_url=f"{self.agents_site.url}/auth/callback", logout_url=f"{self.agents_site.url}/"
        )
        # The websocket API's URL (wss://...), for the agents' app's live updates, once it exists.
        self.live_url: str | None = None

    def _deploy_sites(self) -> None:
        """Each app's build and the config.json it reads before starting (web/agents/src/config.ts)."""
        placeholder = self.node.try_get_context("web") == "placeholder"
        agents_config: dict[str, Any] = {
            "apiBaseUrl": self.api_url,
            "auth": {
                "mode": "cognito",
                "domain": self.identity.hosted_ui_url,
                "clientId": self.agents_client.user_pool_client_id,
                "redirectUri": f"{self.agents_site.url}/auth/callback",
                "logoutUri": f"{self.agents_site.url}/",
                "scopes": ["openid", "email", "profile"],
            },
            "pollIntervalMs": 5000,
        }
        if self.live_url:
            agents_config["liveUrl"] = self.live_url
        self.agents_site.deploy(
            build_dir("agents'", REPO_DIR / "web" / "agents" / "dist", "make web", placeholder=placeholder),
            agents_config,
        )
        self.customers_site.deploy(
            build_dir("customers'", REPO_DIR / "web" / "customers" / "dist", "make web", placeholder=placeholder),
            {"apiBaseUrl": self.api_url},
        )

    def _generated_secret(self, id: str, description: str, length: int) -> secretsmanager.Secret:
        """A secret the stack generates (letters and digits): its value never passes through code.

        Its name is CloudFormation's (``<LogicalId>-<random>``), not a fixed one: a deleted secret waits
        out a recovery window under its name, and a fixed name would block the next deploy of the stage.
        The functions read it by ARN; operators find it by the stack outputs."""
        return secretsmanager.Secret(
            self,
            id,
            description=description,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=length, exclude_punctuation=True
            ),
        )

    def _grant_escalation(self, role: iam.IRole) -> None:
        """What stepfunctions/escalation.asl.json does: queue jobs, update the escalation item."""
        self.messaging.queues[resources.ESCALATION_JOBS_QUEUE.logical].grant_send_messages(role)
        table = self.data.tables[resources.MAIN_TABLE.logical]
        role.add_to_principal_policy(
            iam.PolicyStatement(sid="EscalationStatus", actions=["dynamodb:UpdateItem"], resources=[table.table_arn])
        )

    def _grant_notices(self, role: iam.IRole) -> None:
        """What stepfunctions/proactive_updates.asl.json does: queue jobs; its Distributed Map runs
        child executions of the machine itself (named here, not referenced: no dependency cycle).

        As in AWS's examples (Step Functions guide, "IAM policies for using Distributed Map states"
        and "Redriving Map Runs"): StartExecution on the machine; DescribeExecution on its executions
        (``execution:<name>:*``) and on the Map Run's children (``execution:<name>/<label>:*``),
        StopExecution on both (a stopped parent stops its children); RedriveExecution on the
        children, so that redriving a failed parent redrives its Map Run."""
        self.messaging.queues[resources.NOTICE_JOBS_QUEUE.logical].grant_send_messages(role)
        name = f"{self.config.resource_prefix}-{resources.NOTICE_WORKFLOW}"
        machine_arn = self.format_arn(
            service="states", resource="stateMachine", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
        )

        def executions(pattern: str) -> str:
            return self.format_arn(
                service="states", resource="execution", resource_name=pattern, arn_format=ArnFormat.COLON_RESOURCE_NAME
            )

        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="DistributedMapChildren", actions=["states:StartExecution"], resources=[machine_arn]
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="DistributedMapChildrenControl",
                actions=["states:DescribeExecution", "states:StopExecution"],
                resources=[executions(f"{name}:*"), executions(f"{name}/*")],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="DistributedMapRedrive", actions=["states:RedriveExecution"], resources=[executions(f"{name}/*")]
            )
        )
        for pattern in (f"{name}:*", f"{name}/*"):
            nag.ack(
                role,
                f"IAM5[Resource::arn:<AWS::Partition>:states:{self.region}:{self.account}:execution:{pattern}]",
                "A Distributed Map runs its iterations as child executions whose names Step Functions "
                "generates; Describe/Stop/RedriveExecution are limited to executions of this one state machine.",
            )

    def _grant_notice_sending(self, config: StageConfig, mail_identity_arn: str) -> None:
        """handle_notice_jobs beyond its Access entry: SES v2 bulk sending with the notice templates
        (from the support address only), subscribing contacts' phones to the SMS topic and
        publishing SMS straight to phone numbers."""
        role = self.function_roles.roles.get("handle_notice_jobs")
        if role is None:
            return
        from functions.notify.delivery.templates import template_files  # noqa: PLC0415

        template_arns = [
            self.format_arn(service="ses", resource="template", resource_name=name) for name in template_files()
        ]
        role.add_to_policy(
            iam.PolicyStatement(
                sid="SendNoticesInBulk",
                actions=["ses:SendBulkEmail", "ses:SendBulkTemplatedEmail"],
                resources=[mail_identity_arn, *template_arns],
                conditions={"StringEquals": {"ses:FromAddress": config.support_address}},
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="SubscribeSmsContacts",
                actions=["sns:Subscribe", "sns:Unsubscribe"],  # unsubscribe: a contact's old number
                resources=[self.messaging.topics[resources.SMS_NOTICES_TOPIC.logical].topic_arn],
            )
        )
        # Direct SMS (notice_sms_mode "direct", or contacts beyond the topic's filter-policy quota):
        # Publish with PhoneNumber has no resource ARN, so IAM can only grant it on "*".
        role.add_to_policy(
            iam.PolicyStatement(sid="PublishSmsToPhoneNumbers", actions=["sns:Publish"], resources=["*"])
        )
        self.wildcard_reasons.setdefault("handle_notice_jobs", []).append(
            "sns:Publish to a phone number (PhoneNumber=...) names no resource, so IAM accepts only '*'; "
            "notices send SMS straight to opted-in phones when the sms-notices topic has reached its "
            "filter-policy quota (200 per topic, 10,000 per account) or in direct mode. The grant also "
            "covers Publish to other topics of the account; the function's code publishes only to "
            "sms-notices and phone numbers, and SMS spend is capped by the account's SNS spend limit."
        )

    def _notice_templates(self, prefix: str) -> None:
        """The notice mail templates (functions/notify/templates), one SES template per language."""
        from aws_cdk import aws_ses as ses  # noqa: PLC0415

        from functions.notify.delivery.templates import template_files  # noqa: PLC0415

        for name, content in template_files().items():
            ses.CfnTemplate(
                self,
                f"Template-{name}",
                template=ses.CfnTemplate.TemplateProperty(
                    template_name=name,
                    subject_part=content["Subject"],
                    html_part=content.get("Html"),
                    text_part=content.get("Text"),
                ),
            )
