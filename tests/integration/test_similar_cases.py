"""GET /cases/{id}/similar: other customers' cases (score, matched terms) and suggested articles."""
# ruff: noqa: F811 - pytest fixtures imported from tests.fakes.fixtures are parameters here

from __future__ import annotations

import json

from tests.fakes.fixtures import embedded_search, reindex  # noqa: F401 - fixtures used by name


def _case(client, headers, subject, description, customer):
    resp = client.http.post(
        "/cases",
        headers=headers,
        body=json.dumps({"subject": subject, "description": description, "customer_id": customer}),
    )
    assert resp.status_code == 201, resp.body
    return resp.json_body["case_id"]


def test_similar_cases_come_from_other_customers_only(client, agent_headers, embedded_search, reindex):
    mine = _case(client, agent_headers, "Printer jams on page two", "paper jam after firmware update", "acme")
    same_customer = _case(client, agent_headers, "Printer jams again", "paper jam on page two", "acme")
    other = _case(client, agent_headers, "Paper jam in printer", "printer jams on page two since update", "globex")
    unrelated = _case(client, agent_headers, "Router drops wifi", "wireless disconnects", "globex")
    reindex(embedded_search)
    resp = client.http.get(f"/cases/{mine}/similar", headers=agent_headers)
    assert resp.status_code == 200, resp.body
    ids = [c["case_id"] for c in resp.json_body["cases"]]
    assert ids[0] == other
    assert mine not in ids and same_customer not in ids and unrelated not in ids
    best = resp.json_body["cases"][0]
    assert best["score"] > 0 and best["matched_terms"]


def test_similar_cases_suggest_published_articles_internal_and_external(
    client, agent_headers, embedded_search, reindex
):
    mine = _case(client, agent_headers, "Printer jams on page two", "paper jam", "acme")
    ids = []
    for visibility, publish in (("internal", True), ("external", True), ("external", False)):
        aid = client.http.post(
            "/knowledge/articles",
            headers=agent_headers,
            body=json.dumps(
                {"title": f"Printer paper jam ({visibility})", "symptoms": "jam", "visibility": visibility}
            ),
        ).json_body["article_id"]
        if publish:
            client.http.post(f"/knowledge/articles/{aid}/submit", headers=agent_headers, body="{}")
            client.http.post(
                f"/knowledge/articles/{aid}/publish", headers={**agent_headers, "X-Agent-Roles": "reviewer"}, body="{}"
            )
        ids.append(aid)
    reindex(embedded_search)
    articles = client.http.get(f"/cases/{mine}/similar", headers=agent_headers).json_body["articles"]
    assert sorted(a["article_id"] for a in articles) == sorted(ids[:2])


def test_public_answers_are_not_offered_as_similar_cases(client, agent_headers, embedded_search, reindex):
    mine = _case(client, agent_headers, "Printer jams on page two", "paper jam", "acme")
    solved = _case(client, agent_headers, "Printer jams", "paper jam on page two", "globex")
    client.http.patch(f"/cases/{solved}", headers=agent_headers, body=json.dumps({"status": "resolved"}))
    client.http.put(f"/cases/{solved}/public-answer", headers=agent_headers, body=json.dumps({"answer": "Clean it."}))
    reindex(embedded_search)
    ids = [c["case_id"] for c in client.http.get(f"/cases/{mine}/similar", headers=agent_headers).json_body["cases"]]
    assert ids == [solved]


def test_similar_cases_of_an_unknown_case_is_404(client, agent_headers, embedded_search):
    assert client.http.get("/cases/CB-999999/similar", headers=agent_headers).status_code == 404


def test_matches_on_stop_words_alone_are_neither_listed_nor_suggested(client, agent_headers):
    import json

    from functions import composition
    from functions.search.port import DocKind, SearchDoc

    index = composition.container().search_index
    index.upsert(
        [
            SearchDoc(
                doc_id="KB-9",
                kind=DocKind.ARTICLE,
                title="Charged twice for the same invoice",
                body="The payment is on the statement two times.",
                fields={"published": "true", "visibility": "external"},
            )
        ]
    )
    index.refresh()
    body = {"subject": "Printer jams on the second page", "description": "The tray is on the left."}
    case_id = client.http.post("/cases", headers=agent_headers, body=json.dumps(body)).json_body["case_id"]

    resp = client.http.get(f"/cases/{case_id}/similar", headers=agent_headers).json_body

    assert all("the" not in a["matched_terms"] and "on" not in a["matched_terms"] for a in resp["articles"])
    assert "KB-9" not in [a["article_id"] for a in resp["articles"]]
