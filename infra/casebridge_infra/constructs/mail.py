"""SES inbound: a receipt rule set that stores each mail for the support domain in the mail bucket
under ``resources.INBOUND_PREFIX`` and notifies the inbound-mail topic (whose queue feeds intake).

CloudFormation cannot make a rule set the active one; ``docs/deploy.md`` gives the one CLI call.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from aws_cdk import aws_ses_actions as actions
from aws_cdk import aws_sns as sns
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
        topic: sns.ITopic,
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
