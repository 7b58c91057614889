"""Stream records -> index changes (functions.search.indexing), with an in-memory index, through
the mappers the composition root collects."""

from __future__ import annotations

from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer

from functions.cases.search_docs import case_to_doc
from functions.composition import Container
from functions.search.indexing import Mapper, Mappers, apply, change_for, index_records
from functions.search.port import DocKind, SearchDoc
from functions.search.similar import similar_query

MAPPERS = Container().search_mappers


def image(item: dict[str, Any]) -> dict[str, Any]:
    ser = TypeSerializer()
    return {k: ser.serialize(v) for k, v in item.items()}


def case_item(case_id: str = "CB-1", **extra: Any) -> dict[str, Any]:
    return {
        "PK": f"CASE#{case_id}",
        "SK": "#META",
        "type": "case",
        "case_id": case_id,
        "subject": "Refund missing",
        "description": "I sent the kettle back",
        "status": "open",
        "customer_id": "acme",
        "tags": ["billing"],
        **extra,
    }


def record(event: str, seq: str, new: dict | None = None, old: dict | None = None) -> dict[str, Any]:
    ddb: dict[str, Any] = {"SequenceNumber": seq, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    item = new or old or {}
    ddb["Keys"] = image({"PK": item["PK"], "SK": item["SK"]})
    if new is not None:
        ddb["NewImage"] = image(new)
    if old is not None:
        ddb["OldImage"] = image(old)
    return {"eventID": seq, "eventName": event, "eventSource": "aws:dynamodb", "dynamodb": ddb}


class MemoryIndex:
    def __init__(self, fail_on: str | None = None) -> None:
        self.docs: dict[tuple[DocKind, str], SearchDoc] = {}
        self.calls: list[str] = []
        self.fail_on = fail_on

    def upsert(self, docs):
        self.calls.append("upsert")
        if any(d.doc_id == self.fail_on for d in docs):
            raise RuntimeError("engine down")
        for d in docs:
            self.docs[(d.kind, d.doc_id)] = d

    def delete(self, kind, doc_ids):
        self.calls.append("delete")
        for i in doc_ids:
            self.docs.pop((kind, i), None)


def test_a_case_item_becomes_a_case_document_with_its_filter_fields():
    doc = case_to_doc(case_item())
    assert doc is not None
    assert (doc.kind, doc.doc_id, doc.title, doc.body) == (
        DocKind.CASE,
        "CB-1",
        "Refund missing",
        "I sent the kettle back",
    )
    assert doc.fields["status"] == "open" and doc.fields["customer_id"] == "acme"
    assert doc.fields["public_answer"] == "false" and doc.keywords == ["billing"]


def test_a_case_document_finds_the_later_messages_the_contact_and_the_customer():
    item = {
        **case_item(),
        "message_text": "Still no refund.",
        "contact_name": "Ann Lee",
        "contact_email": "ann@example.org",
        "customer_name": "Acme Ltd",
        "assignee": "bob",
        "group_id": "billing-team",
    }
    doc = case_to_doc(item)
    assert doc is not None
    assert doc.body == "I sent the kettle back\n\nStill no refund."
    assert doc.keywords == ["billing", "Ann Lee", "ann@example.org", "Acme Ltd"]
    assert doc.fields["assignee"] == "bob" and doc.fields["group_id"] == "billing-team"


def test_timeline_items_of_a_case_are_not_documents():
    assert case_to_doc({**case_item(), "SK": "TL#2025"}) is None


def test_insert_and_modify_upsert_and_remove_deletes():
    assert change_for(record("INSERT", "1", new=case_item()), MAPPERS).upsert.doc_id == "CB-1"
    assert change_for(record("MODIFY", "2", new=case_item(), old=case_item()), MAPPERS).upsert is not None
    assert change_for(record("REMOVE", "3", old=case_item()), MAPPERS).delete == (DocKind.CASE, "CB-1")


def test_items_nobody_indexes_are_ignored():
    item = {"PK": "CUST#acme", "SK": "#META", "type": "customer"}
    assert change_for(record("INSERT", "1", new=item), MAPPERS) is None


def test_the_batch_is_applied_in_order_so_a_later_delete_wins():
    index = MemoryIndex()
    report = index_records(
        index,
        MAPPERS,
        [record("INSERT", "1", new=case_item()), record("REMOVE", "2", old=case_item())],
    )
    assert index.docs == {}
    assert (report.upserted, report.deleted, report.failed_sequence) == (1, 1, None)


def test_consecutive_upserts_go_to_the_engine_in_one_call():
    index = MemoryIndex()
    apply(index, [change_for(record("INSERT", str(i), new=case_item(f"CB-{i}")), MAPPERS) for i in range(5)])
    assert index.calls == ["upsert"] and len(index.docs) == 5


def test_a_failing_record_is_reported_with_everything_before_it_applied():
    index = MemoryIndex(fail_on="CB-2")
    records = [record("INSERT", str(i), new=case_item(f"CB-{i}")) for i in (1, 2, 3)]
    report = index_records(index, MAPPERS, records)
    assert report.as_response() == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert set(index.docs) == {(DocKind.CASE, "CB-1")}


def test_a_record_that_is_not_a_stream_record_is_reported_not_dropped():
    bad = {"eventID": "9", "eventName": "SOMETHING", "dynamodb": {"SequenceNumber": "9"}}
    report = index_records(MemoryIndex(), MAPPERS, [bad])
    assert report.as_response() == {"batchItemFailures": [{"itemIdentifier": "9"}]}


def test_similar_query_asks_for_other_cases_of_other_customers():
    q = similar_query("printer jams", exclude_case_ids=["CB-1"], exclude_customer_id="acme", statuses=["open"])
    assert q.kinds == [DocKind.CASE]
    assert q.exclude_ids == ["CB-1"] and q.exclude == {"customer_id": "acme"}
    assert q.filters == {"status": ["open"]}
    assert q.consensus_field == "category" and q.candidates >= q.limit


def test_the_container_collects_every_domains_mappers():
    assert sorted(MAPPERS.item_types()) == ["article", "case", "fix", "public_answer"]


def test_two_mappers_for_one_item_type_are_a_wiring_mistake():
    mapper = Mapper("case", to_doc=case_to_doc, doc_key=lambda item: None)
    with pytest.raises(ValueError, match="case"):
        Mappers([mapper, mapper])


def test_an_item_without_a_known_type_is_matched_by_its_pk_prefix():
    mapper = Mapper("legacy", to_doc=case_to_doc, doc_key=lambda item: None, pk_prefix="OLD#")
    mappers = Mappers([mapper])
    assert mappers.for_item({"PK": "OLD#1", "SK": "#META"}) is mapper
    assert mappers.for_item({"PK": "NEW#1", "SK": "#META"}) is None
