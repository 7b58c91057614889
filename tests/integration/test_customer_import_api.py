"""POST /customers/import through chalice.test.Client against moto."""

from __future__ import annotations

import json

import pytest

CSV = (
    "customer_id,name,tier,email_domains,contact_name,contact_email,product,model\n"
    "acme,Acme Ltd,premium,acme.example,Ann,ann@acme.example,printer-x,px-1\n"
    "acme,,,,Bob,bob@acme.example,,\n"
    "beta,Beta,gold,,,,,\n"
)


def _import(client, headers, fmt, content):
    return client.http.post("/customers/import", headers=headers, body=json.dumps({"format": fmt, "content": content}))


def test_import_stores_good_customers_and_reports_bad_rows(client, agent_headers):
    resp = _import(client, agent_headers, "csv", CSV)
    assert resp.status_code == 200, resp.body
    report = resp.json_body
    assert report["summary"]["rows"] == 3
    assert report["summary"]["imported"] == 2
    assert report["summary"]["failed"] == 1
    assert [(f["line"], f["status"], f["fields"][0]["field"]) for f in report["failures"]] == [(4, 400, "tier")]
    acme = client.http.get("/customers/acme", headers=agent_headers).json_body
    assert sorted(c["email"] for c in acme["contacts"]) == ["ann@acme.example", "bob@acme.example"]
    assert acme["install_base"][0]["product"] == "printer-x"
    assert client.http.get("/customers/beta", headers=agent_headers).status_code == 404


def test_import_reports_an_email_of_another_customer_as_a_409_row(client, agent_headers):
    first = json.dumps({"customer_id": "acme", "name": "Acme", "contacts": [{"email": "ann@acme.example"}]})
    second = json.dumps({"customer_id": "beta", "name": "Beta", "contacts": [{"email": "ANN@acme.example"}]})
    resp = _import(client, agent_headers, "jsonl", f"{first}\n{second}\n")
    assert resp.status_code == 200
    [failure] = resp.json_body["failures"]
    assert (failure["line"], failure["status"], failure["customer_id"]) == (2, 409, "beta")
    owner = client.http.get("/customers/acme", headers=agent_headers).json_body
    assert owner["contacts"][0]["email"] == "ann@acme.example"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(client, agent_headers):
    _import(client, agent_headers, "csv", CSV)
    again = _import(client, agent_headers, "csv", CSV).json_body
    assert again["summary"]["imported"] == 2
    acme = client.http.get("/customers/acme", headers=agent_headers).json_body
    assert len(acme["contacts"]) == 2


def test_import_needs_an_agent(client):
    resp = client.http.post("/customers/import", body=json.dumps({"format": "csv", "content": CSV}))
    assert resp.status_code == 401


def test_import_with_an_unknown_format_names_the_field(client, agent_headers):
    resp = _import(client, agent_headers, "xlsx", CSV)
    assert resp.status_code == 400
    assert [f["field"] for f in resp.json_body["error"]["fields"]] == ["format"]


def test_import_with_an_unknown_csv_column_is_a_400_and_stores_nothing(client, agent_headers):
    resp = _import(client, agent_headers, "csv", "customer_id,name,colour\nacme,Acme,red\n")
    assert resp.status_code == 400
    assert "colour" in resp.json_body["error"]["message"]
    assert client.http.get("/customers/acme", headers=agent_headers).status_code == 404


def test_import_content_over_the_size_limit_is_413(client, agent_headers, monkeypatch: pytest.MonkeyPatch):
    from functions import composition

    monkeypatch.setenv("CASEBRIDGE_IMPORT_MAX_BYTES", "100")
    composition.reset()
    resp = _import(client, agent_headers, "csv", CSV)
    assert resp.status_code == 413
    assert resp.json_body["error"]["code"] == "payload_too_large"


def test_import_over_the_row_limit_is_413(client, agent_headers, monkeypatch: pytest.MonkeyPatch):
    from functions import composition

    monkeypatch.setenv("CASEBRIDGE_IMPORT_MAX_ROWS", "2")
    composition.reset()
    resp = _import(client, agent_headers, "csv", CSV)
    assert resp.status_code == 413


def test_imported_customers_are_listed_page_by_page(client, agent_headers):
    lines = [json.dumps({"customer_id": f"c{i}", "name": f"Customer {i}"}) for i in range(5)]
    _import(client, agent_headers, "jsonl", "\n".join(lines))
    seen, cursor = [], None
    while True:
        url = "/customers?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.http.get(url, headers=agent_headers).json_body
        seen += [c["customer_id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == [f"c{i}" for i in range(5)]


def test_listing_customers_with_a_bad_limit_names_the_parameter(client, agent_headers):
    resp = client.http.get("/customers?limit=0", headers=agent_headers)
    assert resp.status_code == 400
    assert [f["field"] for f in resp.json_body["error"]["fields"]] == ["limit"]
