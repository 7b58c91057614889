"""SES inbound: a receipt rule set that stores each mail for the support domain in the mail bucket
under ``resources.INBOUND_PREFIX`` and notifies the inbound-mail topic (whose queue feeds intake).

CloudFormation cannot make a rule set the active one: with ``activate`` a custom resource calls SES
``SetActiveReceiptRuleSet`` after the rule exists (and deactivates it when the stack is deleted, so
that the rule set can be deleted). The rule waits for the topic's and the bucket's policies: SES
checks that it may write and publish when the rule is created, and a first deploy would roll back.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import custom_resources as cr
from constructs import Construct

from functions.core import resources


class Mail(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        prefix: str,
        mail_domain: str,
        bucket: s3.IBucket,
        topic: sns.Topic,
        activate: bool = True,
    ) -> None:
        super().__init__(scope, id)
        account = Stack.of(self).account
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowSesReceiptNotifications",
                principals=[iam.ServicePrincipal("ses.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )
        self.rule_set = ses.ReceiptRuleSet(self, "RuleSet", receipt_rule_set_name=f"{prefix}-inbound")
        # The S3 action adds the bucket policy statement that lets SES put objects under the prefix.
        self.rule = self.rule_set.add_rule(
            "StoreAndNotify",
            receipt_rule_name=f"{prefix}-store-and-notify",
            recipients=[mail_domain],
            scan_enabled=True,
            tls_policy=ses.TlsPolicy.REQUIRE,
            actions=[
                actions.S3(bucket=bucket, object_key_prefix=resources.INBOUND_PREFIX, topic=topic),
            ],
        )
        topic_policy = topic.node.try_find_child("Policy")
        if topic_policy is not None:
            self.rule.node.add_dependency(topic_policy)
        self.activation: cr.AwsCustomResource | None = None
        if activate:
            name = self.rule_set.receipt_rule_set_name
            self.activation = cr.AwsCustomResource(
                self,
                "ActivateRuleSet",
                on_create=cr.AwsSdkCall(
                    service="SES",
                    action="setActiveReceiptRuleSet",
                    parameters={"RuleSetName": name},
                    physical_resource_id=cr.PhysicalResourceId.of(f"{prefix}-active-rule-set"),
                ),
                on_update=cr.AwsSdkCall(
                    service="SES",
                    action="setActiveReceiptRuleSet",
                    parameters={"RuleSetName": name},
                    physical_resource_id=cr.PhysicalResourceId.of(f"{prefix}-active-rule-set"),
                ),
                # no RuleSetName: no rule set is active (an active one cannot be deleted)
                on_delete=cr.AwsSdkCall(service="SES", action="setActiveReceiptRuleSet", parameters={}),
                policy=cr.AwsCustomResourcePolicy.from_statements(
                    [iam.PolicyStatement(actions=["ses:SetActiveReceiptRuleSet"], resources=["*"])]
                ),
                install_latest_aws_sdk=False,
            )
            self.activation.node.add_dependency(self.rule)
