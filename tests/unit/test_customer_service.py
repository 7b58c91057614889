"""The customer service's use cases on the in-memory customer store: create or replace, read, list,
delete, import within its limits."""

from __future__ import annotations

import json

import pytest

from functions.core.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from functions.customers.models import CustomerIn, CustomerQuery
from functions.customers.service import CustomerService
from tests.fakes.customers import FakeCustomerStore


def customer(cid: str, email: str, phone: str | None = None, **over) -> CustomerIn:
    data = {
        "customer_id": cid,
        "name": f"{cid} GmbH",
        "region": "eu-central",
        "tier": "premium",
        "email_domains": [f"{cid}.example"],
        "contacts": [{"name": "Anna", "email": email, "phone": phone}],
        "install_base": [{"product": "px-200", "model": "px-200a", "batch": "L2403"}],
    }
    data.update(over)
    return CustomerIn.model_validate(data)


@pytest.fixture
def store() -> FakeCustomerStore:
    return FakeCustomerStore()


@pytest.fixture
def service(store) -> CustomerService:
    return CustomerService(store, import_max_bytes=2000, import_max_rows=3)


def test_a_customer_round_trips_and_its_addresses_resolve(service, store):
    service.upsert(customer("nordwerk", "anna@nordwerk.example", "+4930123456"))

    got = service.get("nordwerk")

    assert (got.version, got.install_base[0].batch) == (1, "L2403")
    assert store.contact_by_email("ANNA@nordwerk.example").customer_id == "nordwerk"
    assert store.contact_by_phone("+4930123456").customer_id == "nordwerk"
    assert store.customer_by_domain("Nordwerk.example") == "nordwerk"


def test_replacing_a_customer_keeps_its_creation_and_counts_the_version(service):
    first = service.upsert(customer("nordwerk", "anna@nordwerk.example"))

    second = service.replace("nordwerk", customer("nordwerk", "anna@nordwerk.example", name="Nordwerk AG"))

    assert (second.name, second.version, second.created_at) == ("Nordwerk AG", 2, first.created_at)


def test_a_replace_must_name_the_same_customer_in_path_and_body(service, store):
    with pytest.raises(InvalidInput, match="does not match"):
        service.replace("other", customer("nordwerk", "anna@nordwerk.example"))

    assert store.customers == {}


def test_an_address_of_another_customer_is_refused_and_nothing_is_kept(service, store):
    service.upsert(customer("acme", "ops@acme.example"))
    # Given a new customer whose first contact is free but whose second is acme's...
    globex = customer(
        "globex", "kim@globex.example", contacts=[{"email": "kim@globex.example"}, {"email": "OPS@acme.example"}]
    )

    with pytest.raises(Conflict, match="already belongs to another customer"):
        service.upsert(globex)

    # ...nothing of globex was kept: its free address and domain are not claimed.
    assert store.contact_by_email("kim@globex.example") is None
    assert store.customer_by_domain("globex.example") is None
    assert store.contact_by_email("ops@acme.example").customer_id == "acme"
    with pytest.raises(NotFound):
        service.get("globex")


def test_a_contacts_new_phone_frees_the_old_one_and_keeps_the_email(service, store):
    service.upsert(customer("nordwerk", "anna@nordwerk.example", "+4930123456"))

    service.upsert(customer("nordwerk", "anna@nordwerk.example", "+4930999999"))

    assert store.contact_by_email("anna@nordwerk.example").phone == "+4930999999"
    assert store.contact_by_phone("+4930123456") is None


def test_opt_outs_stand_when_the_customer_is_sent_again(service, store):
    data = customer("lumen", "ines@lumen.example", contacts=[{"email": "ines@lumen.example", "sms_opt_in": True}])
    service.upsert(data)
    ref = store.contact_by_email("ines@lumen.example")
    assert store.set_contact_channels("lumen", ref.contact_id, email_opt_out=True, sms_opt_in=False)

    service.upsert(data)

    contact = service.get("lumen").contacts[0]
    assert (contact.email_opt_out, contact.sms_opt_in) == (True, False)


def test_customers_are_listed_a_page_at_a_time(service):
    for i in range(5):
        service.upsert(CustomerIn(customer_id=f"c{i}", name=f"Customer {i}"))
    seen, cursor = [], None
    while True:
        page = service.list_customers(CustomerQuery(limit=2, cursor=cursor))
        seen += [c.customer_id for c in page.items]
        if not (cursor := page.next_cursor):
            break

    assert seen == [f"c{i}" for i in range(5)]


def test_a_search_finds_customers_by_words_and_a_contact_s_whole_address_finds_its_customer(service):
    service.upsert(customer("nordwerk", "anna@nordwerk.example"))
    service.upsert(
        CustomerIn(customer_id="kiefer", name="Kiefer Bau", contacts=[{"email": "ops@nordwerk-mail.example"}])
    )

    by_address = service.list_customers(CustomerQuery(q="Anna@Nordwerk.example"))
    by_words = service.list_customers(CustomerQuery(q="nordwerk"))
    unknown_address = service.list_customers(CustomerQuery(q="nobody@nordwerk.example"))

    assert [c.customer_id for c in by_address.items] == ["nordwerk"]
    assert [c.customer_id for c in by_words.items] == [
        "nordwerk"
    ]  # not Kiefer: a contact's address is no word of theirs
    assert unknown_address.items == []


def test_a_bad_cursor_is_invalid_input(service):
    with pytest.raises(InvalidInput):
        service.list_customers(CustomerQuery(cursor="%%%"))


def test_owners_of_a_batch_come_from_the_install_base(service, store):
    service.upsert(customer("nordwerk", "anna@nordwerk.example"))
    service.upsert(
        customer("acme", "ops@acme.example", install_base=[{"product": "px-200", "model": "px-200a", "batch": "L2501"}])
    )

    assert [o["customer_id"] for o in store.owners_of("px-200", "px-200a", "L2403")] == ["nordwerk"]
    assert [o["customer_id"] for o in store.owners_of("px-200", "px-200a")] == ["nordwerk", "acme"]
    assert store.owners_of("px-200")[0] == {
        "customer_id": "nordwerk",
        "region": "eu-central",
        "tier": "premium",
        "product": "px-200",
        "model": "px-200a",
        "batch": "L2403",
        "quantity": 1,
    }


def test_a_deleted_customer_is_gone_with_its_addresses(service, store):
    service.upsert(customer("nordwerk", "anna@nordwerk.example"))

    service.delete("nordwerk")

    with pytest.raises(NotFound):
        service.get("nordwerk")
    assert store.contact_by_email("anna@nordwerk.example") is None
    assert store.customer_by_domain("nordwerk.example") is None
    assert store.owners_of("px-200") == []
    with pytest.raises(NotFound):
        service.delete("nordwerk")


def test_an_address_of_a_deleted_customer_may_go_to_another(service, store):
    service.upsert(customer("nordwerk", "anna@nordwerk.example"))
    service.delete("nordwerk")

    service.upsert(customer("nordwerk-ag", "anna@nordwerk.example", email_domains=["nordwerk.example"]))

    assert store.contact_by_email("anna@nordwerk.example").customer_id == "nordwerk-ag"


def test_an_import_stores_the_good_records_and_reports_the_bad_ones(service, store):
    lines = [json.dumps({"customer_id": "acme", "name": "Acme"}), "{oops"]

    report = service.import_text("\n".join(lines), "jsonl")

    assert (report.summary.imported, report.summary.failed) == (1, 1)
    assert list(store.customers) == ["acme"]


def test_an_import_over_the_size_or_row_limit_is_refused_before_anything_is_stored(service, store):
    big = json.dumps({"customer_id": "acme", "name": "A" * 100}) + " " * 2000
    with pytest.raises(PayloadTooLarge, match="bytes"):
        service.import_text(big, "jsonl")
    many = "\n".join(json.dumps({"customer_id": f"c{i}", "name": "C"}) for i in range(4))
    with pytest.raises(PayloadTooLarge, match="rows"):
        service.import_text(many, "jsonl")

    assert store.customers == {}
