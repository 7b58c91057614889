"""Parsing, merging and validating customer import files (pure), and storing them through the
customer service on the in-memory customer store."""

from __future__ import annotations

import json

import pytest

from functions.customers.importer import ImportFileError, detect_format, parse_csv, parse_jsonl
from functions.customers.service import CustomerService
from tests.fakes.customers import FakeCustomerStore

HEADER = (
    "customer_id,name,kind,region,tier,language,email_domains,contact_name,contact_email,contact_phone,"
    "contact_language,sms_opt_in,email_opt_out,product,model,batch,since"
)


def _csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def _jsonl(*objs: object) -> str:
    return "\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs) + "\n"


# -- format -----------------------------------------------------------------


def test_format_comes_from_the_extension_unless_given():
    assert detect_format("customers.CSV") == "csv"
    assert detect_format("customers.jsonl") == "jsonl"
    assert detect_format("export.txt", "csv") == "csv"


def test_a_file_without_a_known_extension_or_format_is_refused():
    with pytest.raises(ImportFileError, match="--format"):
        detect_format("export.txt")


# -- JSON lines -----------------------------------------------------------------


def test_each_json_line_becomes_one_customer():
    records = parse_jsonl(_jsonl({"customer_id": "acme", "name": "Acme"}, {"customer_id": "beta", "name": "Beta"}))
    assert [r.customer.customer_id for r in records] == ["acme", "beta"]
    assert [r.lines for r in records] == [[1], [2]]


def test_blank_json_lines_are_skipped_but_keep_the_numbering():
    records = parse_jsonl('\n{"customer_id": "acme", "name": "Acme"}\n\n{"customer_id": "b", "name": ""}\n')
    assert [r.lines for r in records] == [[2], [4]]
    assert records[1].failure.line == 4


def test_a_line_that_is_not_json_is_reported_with_its_number():
    records = parse_jsonl(_jsonl({"customer_id": "acme", "name": "Acme"}, "{not json"))
    failure = records[1].failure
    assert (failure.line, failure.status, failure.code) == (2, 400, "invalid_json")


def test_a_json_line_that_is_not_an_object_is_reported():
    [record] = parse_jsonl("[1, 2]\n")
    assert record.failure.code == "invalid_json"


def test_an_invalid_customer_line_names_the_pydantic_fields():
    [record] = parse_jsonl(
        _jsonl({"customer_id": "acme", "name": "Acme", "tier": "gold", "contacts": [{"email": "nope"}]})
    )
    fields = {f.field for f in record.failure.fields}
    assert fields == {"tier", "contacts.0.email"}
    assert record.failure.customer_id == "acme"
    assert all(f.line == 1 for f in record.failure.fields)


def test_an_unknown_key_on_a_json_line_is_refused():
    [record] = parse_jsonl(_jsonl({"customer_id": "acme", "name": "Acme", "colour": "red"}))
    assert [f.field for f in record.failure.fields] == ["colour"]


def test_the_same_customer_twice_in_a_json_file_is_refused_on_the_later_line():
    records = parse_jsonl(_jsonl({"customer_id": "acme", "name": "A"}, {"customer_id": "acme", "name": "B"}))
    assert records[0].customer is not None
    assert (records[1].failure.status, records[1].failure.code) == (409, "duplicate")
    assert "line 1" in records[1].failure.message


def test_failure_messages_do_not_echo_the_rejected_values():
    [record] = parse_jsonl(_jsonl({"customer_id": "acme", "name": "Acme", "contacts": [{"email": "secret@@x"}]}))
    assert "secret" not in record.failure.model_dump_json()


# -- CSV ----------------------------------------------------------------------


def test_csv_rows_of_one_customer_merge_contacts_items_and_domains():
    text = _csv(
        "acme,Acme Ltd,,eu-west,premium,,acme.example,Ann,ann@acme.example,,,,,printer-x,px-1,,2023-01-05",
        "acme,,,,,,acme-corp.example;acme.example,Bob,bob@acme.example,,,true,,,,,",
        "acme,,,,,,,Ann,ann@acme.example,,,,,router-y,,,",
    )
    [record] = parse_csv(text)
    customer = record.customer
    assert record.lines == [2, 3, 4]
    assert customer.name == "Acme Ltd" and customer.tier == "premium" and customer.region == "eu-west"
    assert customer.email_domains == ["acme.example", "acme-corp.example"]
    assert [c.email for c in customer.contacts] == ["ann@acme.example", "bob@acme.example"]
    assert customer.contacts[1].sms_opt_in is True
    assert [(i.product, i.model) for i in customer.install_base] == [("printer-x", "px-1"), ("router-y", None)]
    assert str(customer.install_base[0].since) == "2023-01-05"


def test_customers_keep_the_order_of_their_first_row():
    text = _csv("b,B" + "," * 15, "a,A" + "," * 15, "b" + "," * 16)
    assert [r.customer_id for r in parse_csv(text)] == ["b", "a"]


def test_a_bad_value_in_a_merged_customer_names_its_line_and_column():
    text = _csv(
        "acme,Acme,,,,,,Ann,ann@acme.example,,,,,,,,",
        "acme,,,,,,,Bob,bob-at-acme,,,,,,,,",
    )
    [record] = parse_csv(text)
    assert record.failure.lines == [2, 3]
    [error] = record.failure.fields
    assert (error.field, error.line, error.column) == ("contacts.1.email", 3, "contact_email")


def test_rows_of_one_customer_with_different_names_are_refused_naming_the_lines():
    text = _csv("acme,Acme" + "," * 15, "acme,ACME Inc" + "," * 15)
    [record] = parse_csv(text)
    [error] = record.failure.fields
    assert error.field == "name" and error.type == "conflicting_rows"
    assert "lines 2, 3" in error.message


def test_the_same_contact_with_other_details_on_two_rows_is_refused():
    text = _csv(
        "acme,Acme,,,,,,Ann,ann@acme.example,,,,,,,,",
        "acme,,,,,,,Annie,ann@acme.example,,,,,,,,",
    )
    [record] = parse_csv(text)
    assert [(f.field, f.line) for f in record.failure.fields] == [("contacts", 3)]


def test_a_contact_without_email_or_phone_is_reported():
    [record] = parse_csv(_csv("acme,Acme,,,,,,Ann,,,,,,,,,"))
    assert record.failure.fields[0].field == "contacts.0"
    assert "email or a phone" in record.failure.fields[0].message


def test_a_csv_row_without_customer_id_fails_alone():
    records = parse_csv(_csv("," + "Nobody" + "," * 15, "acme,Acme" + "," * 15))
    assert records[0].failure.fields[0].field == "customer_id"
    assert records[1].customer is not None


def test_csv_line_numbers_count_physical_lines_of_quoted_values():
    text = _csv('acme,"Acme\nLtd"' + "," * 15, "beta,Beta,,,gold" + "," * 12)
    records = parse_csv(text)
    assert records[1].failure.line == 4


def test_blank_csv_rows_are_skipped():
    records = parse_csv(_csv("", "," * 16, "acme,Acme" + "," * 15))
    assert [r.lines for r in records] == [[4]]


def test_a_csv_header_may_list_only_some_columns_and_carry_a_bom():
    [record] = parse_csv("\ufeffcustomer_id,name,contact_email\nacme,Acme,ann@acme.example\n")
    assert record.customer.contacts[0].email == "ann@acme.example"


def test_an_unknown_csv_column_refuses_the_whole_file():
    with pytest.raises(ImportFileError, match="colour"):
        parse_csv("customer_id,name,colour\nacme,Acme,red\n")


def test_a_csv_row_with_more_values_than_columns_is_reported():
    [record] = parse_csv("customer_id,name\nacme,Acme,extra\n")
    assert record.failure.code == "invalid_csv"


# -- storing --------------------------------------------------------------------


def test_good_rows_are_stored_and_bad_rows_reported_in_the_summary():
    records = parse_jsonl(_jsonl({"customer_id": "acme", "name": "Acme"}, "{", {"customer_id": "beta", "name": "Beta"}))
    store = FakeCustomerStore()
    report = CustomerService(store).import_records(records)
    assert sorted(store.customers) == ["acme", "beta"]
    assert report.summary.model_dump() == {
        "rows": 3,
        "imported": 2,
        "failed": 1,
        "customers_imported": 2,
        "customers_failed": 1,
        "dry_run": False,
    }
    assert [f.line for f in report.failures] == [2]


def test_an_email_owned_by_another_customer_is_a_409_row_naming_the_contact_line():
    text = _csv(
        "acme,Acme,,,,,,Ann,ann@acme.example,,,,,,,,",
        "beta,Beta,,,,,,Bob,bob@beta.example,,,,,,,,",
        "beta,,,,,,,Ann,ann@acme.example,,,,,,,,",
    )
    store = FakeCustomerStore()
    report = CustomerService(store).import_records(parse_csv(text))
    [failure] = report.failures
    assert (failure.status, failure.code, failure.lines) == (409, "conflict", [3, 4])
    assert [(f.field, f.line) for f in failure.fields] == [("contacts.1.email", 4)]
    assert sorted(store.customers) == ["acme"]


def test_a_dry_run_stores_nothing_and_says_so():
    store = FakeCustomerStore()
    report = CustomerService(store).import_records(
        parse_jsonl(_jsonl({"customer_id": "acme", "name": "Acme"})), dry_run=True
    )
    assert report.summary.dry_run is True
    assert store.customers == {}
    assert report.imported_customer_ids == ["acme"]
