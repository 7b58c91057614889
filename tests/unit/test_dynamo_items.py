"""Items as DynamoDB gives them (numbers as Decimal, sets for SS/NS) to plain JSON types."""

from __future__ import annotations

from decimal import Decimal

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from functions.core.dynamo import from_item


def test_an_item_with_number_and_string_sets_reads_as_plain_json() -> None:
    # Given an item as a stream image or a get_item gives it: a number set kept by ADD, a string set
    raw = TypeSerializer().serialize({"done_batches": {3, 1, 2}, "tags": {"b", "a"}, "count": Decimal("2.5")})
    item = TypeDeserializer().deserialize(raw)
    assert isinstance(item["done_batches"], set)
    # When it is read / Then sets are sorted lists, numbers ints or floats
    assert from_item(item) == {"done_batches": [1, 2, 3], "tags": ["a", "b"], "count": 2.5}
