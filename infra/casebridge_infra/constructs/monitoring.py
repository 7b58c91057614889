"""Alarms to one SNS topic: every dead-letter queue that holds a message, every on-failure queue
of a stream consumer that holds a message (the search index missed updates: reindex), every
failed state machine execution, API 5xx responses and Lambda errors."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

PERIOD = Duration.minutes(5)
API_5XX_THRESHOLD = 5  # per 5 minutes: a burst, not one unlucky request


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        prefix: str,
        key: kms.IKey,
        dlqs: Mapping[str, sqs.IQueue],
        machines: Mapping[str, sfn.IStateMachine],
        api_name: str,
        api_stage: str,
        function_names: Mapping[str, str],
        alarm_email: str | None,
        failure_queues: Mapping[str, sqs.IQueue] = MappingProxyType({}),
    ) -> None:
        super().__init__(scope, id)
        self.topic = sns.Topic(self, "Alarms", topic_name=f"{prefix}-alarms", master_key=key, enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subs.EmailSubscription(alarm_email))
        action = cw_actions.SnsAction(self.topic)
        self.alarms: list[cw.Alarm] = []

        def add(alarm: cw.Alarm) -> None:
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
            self.alarms.append(alarm)

        for logical, dlq in dlqs.items():
            add(
                cw.Alarm(
                    self,
                    f"Dlq-{logical}",
                    alarm_name=f"{prefix}-{logical}-dlq-not-empty",
                    alarm_description=f"Messages in the {logical} dead-letter queue: inspect, fix, redrive.",
                    metric=dlq.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                    threshold=1,
                    evaluation_periods=1,
                    comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                )
            )
        # On-failure destinations of stream mappings (resources.STREAM_CONSUMERS): nothing consumes
        # them, so any visible message is a stream record range the consumer never applied.
        for logical, queue in failure_queues.items():
            add(
                cw.Alarm(
                    self,
                    f"Failures-{logical}",
                    alarm_name=f"{prefix}-{logical}-not-empty",
                    alarm_description=(
                        f"Stream records the consumer could not apply are described in {logical}: the search "
                        "index misses updates. Run `casebridge search reindex --aws`, then purge the queue "
                        "(docs/deploy.md, Operations)."
                    ),
                    metric=queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                    threshold=1,
                    evaluation_periods=1,
                    comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                )
            )
        for name, machine in machines.items():
            add(
                cw.Alarm(
                    self,
                    f"Failed-{name}",
                    alarm_name=f"{prefix}-{name}-executions-failed",
                    alarm_description=f"Executions of state machine {name} failed, timed out or were aborted.",
                    metric=cw.MathExpression(
                        expression="failed + timedout + aborted",
                        using_metrics={
                            "failed": machine.metric_failed(period=PERIOD, statistic="Sum"),
                            "timedout": machine.metric_timed_out(period=PERIOD, statistic="Sum"),
                            "aborted": machine.metric_aborted(period=PERIOD, statistic="Sum"),
                        },
                        period=PERIOD,
                    ),
                    threshold=1,
                    evaluation_periods=1,
                    comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                )
            )
        add(
            cw.Alarm(
                self,
                "Api5xx",
                alarm_name=f"{prefix}-api-5xx",
                alarm_description="The API answered with server errors (a 500 is always a bug).",
                metric=cw.Metric(
                    namespace="AWS/ApiGateway",
                    metric_name="5XXError",
                    dimensions_map={"ApiName": api_name, "Stage": api_stage},
                    statistic="Sum",
                    period=PERIOD,
                ),
                threshold=API_5XX_THRESHOLD,
                evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )
        )
        for name, physical in function_names.items():
            add(
                cw.Alarm(
                    self,
                    f"Errors-{name}",
                    alarm_name=f"{prefix}-{name}-errors",
                    alarm_description=f"Lambda function {physical} raised errors.",
                    metric=cw.Metric(
                        namespace="AWS/Lambda",
                        metric_name="Errors",
                        dimensions_map={"FunctionName": physical},
                        statistic="Sum",
                        period=PERIOD,
                    ),
                    threshold=1,
                    evaluation_periods=1,
                    comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                    treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                )
            )
