"""DynamoDB tables from ``resources.TABLES``: streams, point-in-time recovery, TTL, encryption."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as ddb
from constructs import Construct

from functions.core import resources


class Data(Construct):
    def __init__(self, scope: Construct, id: str, *, prefix: str, retain: bool) -> None:
        super().__init__(scope, id)
        self.tables: dict[str, ddb.TableV2] = {}
        for t in resources.TABLES:
            table = ddb.TableV2(
                self,
                f"Table-{t.logical}",
                table_name=resources.physical_name(prefix, t.logical),
                partition_key=ddb.Attribute(name=t.pk, type=ddb.AttributeType.STRING),
                sort_key=ddb.Attribute(name=t.sk, type=ddb.AttributeType.STRING),
                billing=ddb.Billing.on_demand(),
                dynamo_stream=ddb.StreamViewType[t.stream],
                point_in_time_recovery_specification=ddb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                time_to_live_attribute=t.ttl_attribute,
                encryption=ddb.TableEncryptionV2.aws_managed_key(),
                deletion_protection=retain,
                removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
                global_secondary_indexes=[
                    ddb.GlobalSecondaryIndexPropsV2(
                        index_name=ix.name,
                        partition_key=ddb.Attribute(name=ix.pk, type=ddb.AttributeType.STRING),
                        sort_key=ddb.Attribute(name=ix.sk, type=ddb.AttributeType.STRING),
                        projection_type=ddb.ProjectionType.ALL,
                    )
                    for ix in t.indexes
                ],
            )
            self.tables[t.logical] = table
