"""The embedded-AWS transaction fix keeps DynamoDB's all-or-nothing semantics."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from functions.local import moto_fixes


@pytest.fixture
def table():
    moto_fixes.apply()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        yield ddb


def _put(pk, sk, cond=None, **attrs):
    op = {"TableName": "t", "Item": {"PK": {"S": pk}, "SK": {"S": sk}, **{k: {"S": v} for k, v in attrs.items()}}}
    if cond:
        op["ConditionExpression"] = cond
    return {"Put": op}


def test_a_failed_transaction_leaves_no_write_behind(table):
    table.put_item(TableName="t", Item={"PK": {"S": "a"}, "SK": {"S": "1"}, "v": {"S": "old"}})
    with pytest.raises(ClientError) as exc:
        table.transact_write_items(
            TransactItems=[
                _put("a", "1", v="new"),
                _put("b", "1", v="created"),
                _put("a", "2", cond="attribute_exists(PK)"),  # fails
            ]
        )
    assert exc.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert table.get_item(TableName="t", Key={"PK": {"S": "a"}, "SK": {"S": "1"}})["Item"]["v"]["S"] == "old"
    assert "Item" not in table.get_item(TableName="t", Key={"PK": {"S": "b"}, "SK": {"S": "1"}})


def test_a_failed_transaction_emits_no_stream_records(table):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    with pytest.raises(ClientError):
        table.transact_write_items(TransactItems=[_put("x", "1"), _put("x", "2", cond="attribute_exists(PK)")])
    table.transact_write_items(TransactItems=[_put("y", "1")])
    # (in-process moto does not route the dynamodbstreams API with this botocore; read its shard)
    shard = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables["t"].stream_shard
    assert [r.to_json()["dynamodb"]["Keys"]["PK"]["S"] for r in shard.items] == ["y"]


def test_a_successful_transaction_writes_every_item(table):
    table.transact_write_items(
        TransactItems=[_put("c", "1"), _put("c", "2"), _put("d", "1", cond="attribute_not_exists(PK)")]
    )
    assert table.scan(TableName="t")["Count"] == 3
