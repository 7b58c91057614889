"""Customer self-service: one search over articles, public answers and fixes; suggestions; the catalogue."""
# ruff: noqa: F811 - pytest fixtures imported from tests.fakes.fixtures are parameters here

from __future__ import annotations

import json

import pytest

from tests.fakes.fixtures import embedded_search, reindex  # noqa: F401 - fixtures used by name

REVIEWER = {"X-Agent-Roles": "reviewer"}


def _article(client, headers, title, symptoms, visibility="external", publish=True):
    aid = client.http.post(
        "/knowledge/articles",
        headers=headers,
        body=json.dumps(
            {"title": title, "symptoms": symptoms, "resolution": "Do the thing.", "visibility": visibility}
        ),
    ).json_body["article_id"]
    if publish:
        client.http.post(f"/knowledge/articles/{aid}/submit", headers=headers, body="{}")
        client.http.post(f"/knowledge/articles/{aid}/publish", headers={**headers, **REVIEWER}, body="{}")
    return aid


def _solved_case(client, headers, subject, description):
    case = client.http.post(
        "/cases",
        headers=headers,
        body=json.dumps({"subject": subject, "description": description, "contact_email": "dana.lee@pacific.example"}),
    ).json_body
    client.http.patch(f"/cases/{case['case_id']}", headers=headers, body=json.dumps({"status": "resolved"}))
    return case["case_id"]


@pytest.fixture
def catalogue(client, agent_headers):
    resp = client.http.post("/selfservice/catalogue/seed", headers=agent_headers)
    assert resp.status_code == 200, resp.body
    return resp.json_body


def test_one_search_returns_every_kind_with_a_highlighted_snippet(
    client, agent_headers, embedded_search, reindex, catalogue
):
    aid = _article(client, agent_headers, "Invoice shows the wrong VAT", "The invoice total has the wrong VAT rate.")
    cid = _solved_case(client, agent_headers, "Invoice never arrived", "Dana Lee never got the invoice for March.")
    answer = client.http.put(
        f"/cases/{cid}/public-answer",
        headers=agent_headers,
        body=json.dumps({"answer": "Invoices go to the billing contact; ask us to resend the invoice."}),
    )
    assert answer.status_code == 200, answer.body
    reindex(embedded_search)
    resp = client.http.get("/selfservice/search?q=invoice")
    assert resp.status_code == 200
    results = resp.json_body["results"]
    kinds: dict = {}
    for r in results:
        kinds.setdefault(r["kind"], r)  # the best of each kind
    assert set(kinds) == {"article", "answer", "fix"}
    assert kinds["article"]["id"] == aid
    assert kinds["fix"]["id"] == "resend-invoice"
    assert kinds["answer"]["url"].startswith("/selfservice/answers/")
    assert all("<em>" in r["snippet"] for r in results)


def test_internal_drafts_and_cases_never_reach_customer_search(client, agent_headers, embedded_search, reindex):
    _article(client, agent_headers, "Printer jams internal", "jams jams", visibility="internal")
    _article(client, agent_headers, "Printer jams draft", "jams", publish=False)
    _solved_case(client, agent_headers, "Printer jams at Dana's", "jams every day")
    reindex(embedded_search)
    assert client.http.get("/selfservice/search?q=printer%20jams").json_body["results"] == []


def test_a_public_answer_exposes_only_scrubbed_text(client, agent_headers, embedded_search, reindex):
    cid = _solved_case(
        client, agent_headers, "Dana Lee cannot log in", "Hi, I am Dana Lee, call me at +1 415 555 0123."
    )
    answer = client.http.put(
        f"/cases/{cid}/public-answer",
        headers=agent_headers,
        body=json.dumps({"answer": "Dear Dana, reset the password from the login page."}),
    ).json_body
    reindex(embedded_search)
    public = client.http.get(f"/selfservice/answers/{answer['answer_id']}").json_body
    exposed = json.dumps(public) + json.dumps(client.http.get("/selfservice/search?q=password").json_body)
    for leaked in ("Dana", "Lee", "415", "dana.lee", cid):
        assert leaked not in exposed, leaked


def test_only_solved_cases_can_be_public_answers(client, agent_headers, embedded_search):
    case = client.http.post(
        "/cases", headers=agent_headers, body=json.dumps({"subject": "Open", "contact_email": "a@b.example"})
    ).json_body
    resp = client.http.put(f"/cases/{case['case_id']}/public-answer", headers=agent_headers, body="{}")
    assert resp.status_code == 409


def test_unmarking_a_public_answer_removes_it(client, agent_headers, embedded_search, reindex):
    cid = _solved_case(client, agent_headers, "Modem blinks red", "The modem blinks red.")
    answer = client.http.put(
        f"/cases/{cid}/public-answer", headers=agent_headers, body=json.dumps({"answer": "Replace the modem cable."})
    ).json_body
    assert client.http.delete(f"/cases/{cid}/public-answer", headers=agent_headers).status_code == 204
    reindex(embedded_search)
    assert client.http.get(f"/selfservice/answers/{answer['answer_id']}").status_code == 404
    assert client.http.get("/selfservice/search?q=modem").json_body["results"] == []


def test_suggestions_are_at_most_five_titles(client, agent_headers, embedded_search, reindex):
    for i in range(7):
        _article(client, agent_headers, f"Router setup guide part {i}", "router setup")
    reindex(embedded_search)
    suggestions = client.http.get("/selfservice/suggest?q=router").json_body["suggestions"]
    assert len(suggestions) == 5
    assert all(s["kind"] == "article" and s["title"].startswith("Router") for s in suggestions)


def test_a_single_character_suggests_nothing(client, embedded_search):
    resp = client.http.get("/selfservice/suggest?q=r")
    assert resp.status_code == 200
    assert resp.json_body["suggestions"] == []


def test_an_empty_search_is_refused_naming_q(client, embedded_search):
    resp = client.http.get("/selfservice/search?q=")
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "q"


def test_a_disabled_fix_leaves_customer_search(client, agent_headers, embedded_search, reindex, catalogue):
    resp = client.http.patch(
        "/selfservice/catalogue/reset-password",
        headers={**agent_headers, "If-Match": '"1"'},
        body=json.dumps({"enabled": False}),
    )
    assert resp.status_code == 200, resp.body
    reindex(embedded_search)
    ids = [r["id"] for r in client.http.get("/selfservice/search?q=password").json_body["results"]]
    assert "reset-password" not in ids
    assert client.http.get("/selfservice/fixes/reset-password").status_code == 404


def test_seeding_the_catalogue_twice_creates_nothing_new(client, agent_headers, catalogue):
    again = client.http.post("/selfservice/catalogue/seed", headers=agent_headers).json_body
    assert again["created"] == []
    assert set(again["existing"]) == set(catalogue["created"])


def test_a_fix_says_what_it_does_and_how_to_start_it(client, catalogue):
    fix = client.http.get("/selfservice/fixes/resend-invoice").json_body
    assert fix["action"]["type"] == "api"
    assert fix["requires_verification"] is True


def test_creating_a_fix_with_an_existing_id_is_409(client, agent_headers, catalogue):
    body = {
        "fix_id": "reset-password",
        "title": "x",
        "description": "y",
        "intents": ["z"],
        "action": {"type": "link", "target": "/x"},
    }
    resp = client.http.post("/selfservice/catalogue", headers=agent_headers, body=json.dumps(body))
    assert resp.status_code == 409


def test_a_fix_without_intents_is_refused_naming_the_field(client, agent_headers):
    body = {"fix_id": "x", "title": "x", "description": "y", "intents": [], "action": {"type": "link", "target": "/x"}}
    resp = client.http.post("/selfservice/catalogue", headers=agent_headers, body=json.dumps(body))
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "intents"
