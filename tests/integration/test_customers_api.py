"""Customers, contacts and install base through the agents' API."""

from __future__ import annotations

import json

import pytest

from functions.composition import container


def _customer(cid: str, email: str, **over) -> dict:
    body = {
        "customer_id": cid,
        "name": f"{cid} GmbH",
        "region": "eu-central",
        "tier": "premium",
        "language": "de",
        "email_domains": [f"{cid}.example"],
        "contacts": [{"name": "Anna", "email": email, "phone": "+4930123456"}],
        "install_base": [{"product": "px-200", "model": "px-200a", "batch": "L2403", "since": "2024-03-01"}],
    }
    body.update(over)
    return body


def test_a_customer_round_trips_with_contacts_and_install_base(client, agent_headers):
    resp = client.http.post(
        "/customers", headers=agent_headers, body=json.dumps(_customer("nordwerk", "anna@nordwerk.example"))
    )
    assert resp.status_code == 201, resp.body
    got = client.http.get("/customers/nordwerk", headers=agent_headers).json_body
    assert got["install_base"][0]["batch"] == "L2403"
    assert got["contacts"][0]["email"] == "anna@nordwerk.example"


def test_an_email_of_another_customer_is_refused_and_leaves_nothing_behind(client, agent_headers):

    client.http.post("/customers", headers=agent_headers, body=json.dumps(_customer("acme", "ops@acme.example")))
    # Given a new customer whose first contact is free but whose second is acme's...
    body = _customer("globex", "kim@globex.example")
    body["contacts"].append({"email": "ops@acme.example"})
    resp = client.http.post("/customers", headers=agent_headers, body=json.dumps(body))
    assert resp.status_code == 409
    # ...nothing of globex was kept: its free address and domain are not claimed.
    assert container().customer_store.contact_by_email("kim@globex.example") is None
    assert container().customer_store.customer_by_domain("globex.example") is None
    assert container().customer_store.contact_by_email("ops@acme.example").customer_id == "acme"


def test_changing_a_contacts_phone_keeps_their_email_resolvable(client, agent_headers):

    client.http.post(
        "/customers", headers=agent_headers, body=json.dumps(_customer("nordwerk", "anna@nordwerk.example"))
    )
    body = _customer("nordwerk", "anna@nordwerk.example")
    body["contacts"][0]["phone"] = "+4930999999"
    assert client.http.put("/customers/nordwerk", headers=agent_headers, body=json.dumps(body)).status_code == 200
    ref = container().customer_store.contact_by_email("anna@nordwerk.example")
    assert ref is not None and ref.phone == "+4930999999"
    assert container().customer_store.contact_by_phone("+4930123456") is None


def test_owners_of_a_batch_are_found_through_the_install_base(client, agent_headers):

    client.http.post(
        "/customers", headers=agent_headers, body=json.dumps(_customer("nordwerk", "anna@nordwerk.example"))
    )
    other = _customer(
        "acme", "ops@acme.example", install_base=[{"product": "px-200", "model": "px-200a", "batch": "L2501"}]
    )
    client.http.post("/customers", headers=agent_headers, body=json.dumps(other))
    owners = container().customer_store.owners_of("px-200", "px-200a", "L2403")
    assert [o["customer_id"] for o in owners] == ["nordwerk"]


def test_body_and_path_ids_must_agree(client, agent_headers):
    resp = client.http.put(
        "/customers/other", headers=agent_headers, body=json.dumps(_customer("nordwerk", "a@nordwerk.example"))
    )
    assert resp.status_code == 400
    assert "does not match" in resp.json_body["error"]["message"]


def test_importing_a_customer_again_keeps_its_contacts_opt_outs(client, agent_headers):

    # Given a contact who opted in to SMS at import, then unsubscribed from mail and texted STOP
    body = _customer("lumen", "ines@lumen.example")
    body["contacts"][0]["sms_opt_in"] = True
    client.http.post("/customers", headers=agent_headers, body=json.dumps(body))
    ref = container().customer_store.contact_by_email("ines@lumen.example")
    container().customer_store.set_contact_channels("lumen", ref.contact_id, email_opt_out=True, sms_opt_in=False)
    # When the same customer is imported again with the file's old channel choices
    resp = client.http.put("/customers/lumen", headers=agent_headers, body=json.dumps(body))
    assert resp.status_code in (200, 201), resp.body
    # Then the opt-outs stand: an import opts nobody back in
    contact = container().customer_store.get("lumen").contacts[0]
    assert contact.email_opt_out is True
    assert contact.sms_opt_in is False


def test_a_deleted_customer_is_gone_and_its_addresses_resolve_to_nobody(client, agent_headers):
    client.http.post(
        "/customers", headers=agent_headers, body=json.dumps(_customer("nordwerk", "anna@nordwerk.example"))
    )

    resp = client.http.delete("/customers/nordwerk", headers=agent_headers)

    assert resp.status_code == 204
    assert client.http.get("/customers/nordwerk", headers=agent_headers).status_code == 404
    assert container().customer_store.contact_by_email("anna@nordwerk.example") is None
    assert container().customer_store.customer_by_domain("nordwerk.example") is None
    assert container().customer_store.owners_of("px-200") == []
    assert client.http.delete("/customers/nordwerk", headers=agent_headers).status_code == 404


def test_customers_are_searched_by_words_or_a_contact_s_address_and_an_empty_search_is_named(client, agent_headers):
    for cid, name in (("nordwerk", "Nordwerk Logistik"), ("kiefer", "Kiefer Bau"), ("nordlicht", "Nordlicht Energie")):
        body = _customer(cid, f"anna@{cid}.example", name=name, contacts=[{"email": f"anna@{cid}.example"}])
        assert client.http.post("/customers", headers=agent_headers, body=json.dumps(body)).status_code == 201

    def ids(query: str) -> list[str]:
        resp = client.http.get(f"/customers?{query}", headers=agent_headers)
        assert resp.status_code == 200, resp.body
        return [c["customer_id"] for c in resp.json_body["items"]]

    assert ids("q=nord") == ["nordlicht", "nordwerk"]
    assert ids("q=NORD%20logistik") == ["nordwerk"]
    assert ids("q=anna%40kiefer.example") == ["kiefer"]
    assert ids("q=nord&limit=1") == ["nordlicht"]
    empty = client.http.get("/customers?q=%20%20", headers=agent_headers)
    assert empty.status_code == 400, empty.body
    assert [f["field"] for f in empty.json_body["error"]["fields"]] == ["q"], empty.json_body


@pytest.mark.parametrize(
    ("query", "field"), [("q=" + "x" * 201, "q"), ("q=nord&limit=0", "limit"), ("q=nord&cursor=%25%25", None)]
)
def test_a_bad_customer_search_is_400_naming_what_is_wrong(client, agent_headers, query, field):
    resp = client.http.get(f"/customers?{query}", headers=agent_headers)
    assert resp.status_code == 400, resp.body
    error = resp.json_body["error"]
    if field:
        assert [f["field"] for f in error["fields"]] == [field], error
    else:
        assert "cursor" in error["message"], error
