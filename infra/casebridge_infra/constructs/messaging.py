"""SNS topics and SQS queues from ``resources.TOPICS`` / ``resources.QUEUES``.

Every queue has a dead-letter queue (``resources.dlq_logical``) after ``max_receive_count``
receives; queues use SQS-managed encryption (SNS can deliver to them without key grants),
topics a customer-managed KMS key that SES and the subscribed queues' SNS may use. Both
refuse plain-HTTP access.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.core import resources

DLQ_RETENTION = Duration.days(14)  # the maximum: time to find, fix and redrive


class Messaging(Construct):
    def __init__(self, scope: Construct, id: str, *, prefix: str) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "TopicKey",
            description=f"{prefix}: encrypts SNS topics",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # SES publishes receipt notifications to an encrypted topic only if it may use the key.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowSesToPublishToEncryptedTopics",
                principals=[iam.ServicePrincipal("ses.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],  # in a key policy "*" means this key
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )
        # CloudWatch alarms publish to the (encrypted) alarm topic.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )
        # Two-way SMS (AWS End User Messaging SMS) publishes customers' replies (STOP/START) to the
        # encrypted sms-inbound topic: the key must let it encrypt, for this account's SMS resources only.
        sms_source = {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {"aws:SourceArn": f"arn:{stack.partition}:sms-voice:{stack.region}:{stack.account}:*"},
        }
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowTwoWaySmsToPublishToEncryptedTopics",
                principals=[iam.ServicePrincipal("sms-voice.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
                conditions=sms_source,
            )
        )
        self.queues: dict[str, sqs.Queue] = {}
        self.dlqs: dict[str, sqs.Queue] = {}
        for q in resources.QUEUES:
            suffix = ".fifo" if q.fifo else ""
            dlq = sqs.Queue(
                self,
                f"Dlq-{q.logical}",
                queue_name=resources.physical_name(prefix, resources.dlq_logical(q)) + suffix,
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                retention_period=DLQ_RETENTION,
                fifo=q.fifo or None,
            )
            queue = sqs.Queue(
                self,
                f"Queue-{q.logical}",
                queue_name=resources.physical_name(prefix, q.logical) + suffix,
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                visibility_timeout=Duration.seconds(q.visibility_timeout),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=q.max_receive_count),
                fifo=q.fifo or None,
            )
            self.queues[q.logical] = queue
            self.dlqs[q.logical] = dlq
        self.topics: dict[str, sns.Topic] = {}
        for t in resources.TOPICS:
            topic = sns.Topic(
                self,
                f"Topic-{t.logical}",
                topic_name=resources.physical_name(prefix, t.logical),
                master_key=self.key,
                enforce_ssl=True,
            )
            for sub in t.subscribers:
                topic.add_subscription(subs.SqsSubscription(self.queues[sub], raw_message_delivery=False))
            self.topics[t.logical] = topic
        self.topics[resources.SMS_INBOUND_TOPIC.logical].add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowTwoWaySmsReplies",
                principals=[iam.ServicePrincipal("sms-voice.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topics[resources.SMS_INBOUND_TOPIC.logical].topic_arn],
                conditions=sms_source,
            )
        )
