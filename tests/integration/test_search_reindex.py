"""``casebridge search reindex``: rebuild the index from the table (moto), on the embedded engine."""

from __future__ import annotations

import json

from click.testing import CliRunner

from functions.search.embedded import EmbeddedIndex
from functions.search.port import DocKind, SearchDoc, SearchQuery


def _open_cases(client, agent_headers, subjects):
    ids = []
    for subject in subjects:
        resp = client.http.post(
            "/cases", headers=agent_headers, body=json.dumps({"subject": subject, "customer_id": "acme"})
        )
        assert resp.status_code == 201, resp.body
        ids.append(json.loads(resp.body)["case_id"])
    return ids


def test_reindex_rebuilds_the_case_index_from_the_table_and_drops_stale_documents(
    client, agent_headers, tmp_path, monkeypatch
):
    from functions.search.cli import search

    monkeypatch.setenv("CASEBRIDGE_SEARCH_DIR", str(tmp_path / "index"))  # the command sets it; restored after

    ids = _open_cases(client, agent_headers, ["Router keeps rebooting", "Toaster burns bread"])
    stale = EmbeddedIndex(tmp_path / "index")
    stale.upsert([SearchDoc(doc_id="GONE-1", kind=DocKind.CASE, title="Router deleted long ago")])

    result = CliRunner().invoke(search, ["reindex", "--aws", "--kind", "case", "--index-dir", str(tmp_path / "index")])

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["indexed"] == {"case": 2}
    assert report["reconciled"]["case"]["deleted"] == 0  # the stale document went with the load
    index = EmbeddedIndex(tmp_path / "index")
    assert [h.doc_id for h in index.search(SearchQuery(text="router", kinds=[DocKind.CASE]))] == [ids[0]]


def test_the_search_group_is_part_of_the_casebridge_command():
    from functions.cli import main

    result = CliRunner().invoke(main, ["search", "reindex", "--help"])
    assert result.exit_code == 0 and "--kind" in result.output
