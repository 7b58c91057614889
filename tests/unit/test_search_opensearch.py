"""The OpenSearch adapter's requests, checked against the OpenSearch REST API as documented.

No cluster here: the client runs with a connection class that records every request (method,
path, query parameters, JSON or NDJSON body) and answers from a small scripted table.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from opensearchpy.connection import Connection

from functions.search.analysis import parse_synonyms
from functions.search.opensearch import OpenSearchIndex, SearchEngineError, build_client
from functions.search.port import DocKind, SearchDoc, SearchQuery

SYNONYMS = parse_synonyms("refund, reimbursement\nmoney back => refund\n")


class RecordingConnection(Connection):
    requests: list[dict[str, Any]] = []
    responses: list[tuple[str, str, int, Any]] = []  # (method, path prefix, status, body)

    def perform_request(self, method, url, params=None, body=None, timeout=None, ignore=(), headers=None):
        text = body.decode() if isinstance(body, bytes) else body
        parsed: Any = None
        if text:
            lines = [ln for ln in text.split("\n") if ln]
            parsed = [json.loads(ln) for ln in lines] if url.endswith("/_bulk") else json.loads(text)
        self.requests.append({"method": method, "path": url, "params": dict(params or {}), "body": parsed})
        for m, prefix, status, answer in self.responses:
            if m == method and url.startswith(prefix):
                if status >= 400 and status not in ignore:
                    self._raise_error(status, json.dumps(answer))
                return status, {}, json.dumps(answer)
        return 200, {}, json.dumps({"acknowledged": True})


@pytest.fixture
def conn():
    RecordingConnection.requests = []
    RecordingConnection.responses = []
    return RecordingConnection


def make_index(conn, versions=("20250101000000000000", "20250202000000000000")) -> OpenSearchIndex:
    client = build_client("http://search.local:9200", connection_class=conn)
    it = iter(versions)
    return OpenSearchIndex(client, prefix="casebridge-test", synonyms=SYNONYMS, version=lambda: next(it))


def sent(conn, method: str, path_prefix: str) -> list[dict[str, Any]]:
    return [r for r in conn.requests if r["method"] == method and r["path"].startswith(path_prefix)]


def test_first_write_creates_the_template_and_a_versioned_index_behind_the_alias(conn):
    conn.responses = [("HEAD", "/_alias/casebridge-test-case", 404, {})]
    index = make_index(conn)
    index.upsert([SearchDoc(doc_id="CB-1", kind=DocKind.CASE, title="t")])
    [template] = sent(conn, "PUT", "/_index_template/casebridge-test-case")
    assert template["body"]["index_patterns"] == ["casebridge-test-case-v*"]
    [create] = sent(conn, "PUT", "/casebridge-test-case-v20250101000000000000")
    assert create["body"] == {"aliases": {"casebridge-test-case": {"is_write_index": True}}}


def test_template_has_an_english_analyzer_with_stemming_possessives_stop_words_and_synonyms(conn):
    conn.responses = [("HEAD", "/_alias/", 404, {})]
    make_index(conn).ensure(DocKind.ARTICLE)
    [template] = sent(conn, "PUT", "/_index_template/")
    settings = template["body"]["template"]["settings"]
    analysis = settings["analysis"]
    assert analysis["filter"]["casebridge_stemmer"] == {"type": "stemmer", "language": "english"}
    assert analysis["filter"]["casebridge_possessive"] == {"type": "stemmer", "language": "possessive_english"}
    assert analysis["filter"]["casebridge_stop"] == {"type": "stop", "stopwords": "_english_"}
    assert analysis["filter"]["casebridge_synonyms"] == {
        "type": "synonym_graph",
        "lenient": True,
        "synonyms": ["refund, reimbursement", "money back => refund"],
    }
    index_an = analysis["analyzer"]["casebridge_english"]
    search_an = analysis["analyzer"]["casebridge_english_search"]
    assert index_an["tokenizer"] == "standard" and "casebridge_synonyms" not in index_an["filter"]
    assert search_an["filter"] == [
        "casebridge_possessive",
        "lowercase",
        "casebridge_synonyms",
        "casebridge_stop",
        "casebridge_stemmer",
    ]
    assert settings["index"] == {"number_of_shards": 1, "number_of_replicas": 1}


def test_mappings_analyse_text_fields_and_keep_filter_fields_exact(conn):
    conn.responses = [("HEAD", "/_alias/", 404, {})]
    make_index(conn).ensure(DocKind.CASE)
    [template] = sent(conn, "PUT", "/_index_template/")
    m = template["body"]["template"]["mappings"]
    for field in ("title", "body", "keywords"):
        assert m["properties"][field] == {
            "type": "text",
            "analyzer": "casebridge_english",
            "search_analyzer": "casebridge_english_search",
        }
    assert m["properties"]["doc_id"] == {"type": "keyword"}
    assert m["dynamic_templates"] == [
        {"filter_fields_as_keywords": {"path_match": "fields.*", "mapping": {"type": "keyword"}}}
    ]


def test_upsert_sends_bulk_index_actions_with_the_doc_id_to_the_alias(conn):
    index = make_index(conn)
    doc = SearchDoc(doc_id="CB-7", kind=DocKind.CASE, title="Refund", fields={"status": "open"})
    index.upsert([doc])
    [bulk] = sent(conn, "POST", "/_bulk")
    action, source = bulk["body"]
    assert action == {"index": {"_index": "casebridge-test-case", "_id": "CB-7"}}
    assert source["doc_id"] == "CB-7" and source["kind"] == "case" and source["fields"] == {"status": "open"}


def test_bulk_item_errors_raise_so_the_stream_retries(conn):
    conn.responses = [
        ("POST", "/_bulk", 200, {"errors": True, "items": [{"index": {"_id": "CB-1", "status": 400, "error": "bad"}}]})
    ]
    with pytest.raises(SearchEngineError):
        make_index(conn).upsert([SearchDoc(doc_id="CB-1", kind=DocKind.CASE)])


def test_deleting_a_missing_document_is_not_an_error(conn):
    conn.responses = [("POST", "/_bulk", 200, {"errors": True, "items": [{"delete": {"_id": "gone", "status": 404}}]})]
    make_index(conn).delete(DocKind.CASE, ["gone"])
    [bulk] = sent(conn, "POST", "/_bulk")
    assert bulk["body"] == [{"delete": {"_index": "casebridge-test-case", "_id": "gone"}}]


def test_reindex_builds_a_new_index_then_swaps_the_alias_atomically_and_drops_the_old(conn):
    old = "casebridge-test-case-v20240101000000000000"
    conn.responses = [("GET", "/_alias/casebridge-test-case", 200, {old: {"aliases": {"casebridge-test-case": {}}}})]
    index = make_index(conn)
    count = index.reindex(DocKind.CASE, [SearchDoc(doc_id="CB-1", kind=DocKind.CASE, title="x")])
    assert count == 1
    new = "casebridge-test-case-v20250101000000000000"
    order = [(r["method"], r["path"]) for r in conn.requests]
    assert order.index(("PUT", f"/{new}")) < order.index(("POST", "/_bulk")) < order.index(("POST", "/_aliases"))
    assert order.index(("POST", "/_aliases")) < order.index(("DELETE", f"/{old}"))
    [create] = sent(conn, "PUT", f"/{new}")
    assert create["body"] in (None, {})  # no alias until it is full
    [bulk] = sent(conn, "POST", "/_bulk")
    assert bulk["body"][0] == {"index": {"_index": new, "_id": "CB-1"}}
    [aliases] = sent(conn, "POST", "/_aliases")
    assert aliases["body"] == {
        "actions": [
            {"remove": {"index": old, "alias": "casebridge-test-case"}},
            {"add": {"index": new, "alias": "casebridge-test-case", "is_write_index": True}},
        ]
    }


def test_search_sends_one_named_multi_match_per_word_with_field_boosts(conn):
    index = make_index(conn)
    index.search(SearchQuery(text="Refunds for my order", kinds=[DocKind.CASE], limit=5))
    [req] = sent(conn, "POST", "/casebridge-test-case/_search")
    body = req["body"]
    should = body["query"]["bool"]["should"]
    assert [c["multi_match"]["_name"] for c in should] == ["refunds", "for", "my", "order"]
    first = should[0]["multi_match"]
    assert first["fields"] == ["title^3", "keywords^2", "body"]
    assert first["query"] == "refunds" and first["type"] == "best_fields"
    assert should[1]["multi_match"]["boost"] < first["boost"]  # stop words weigh less
    assert body["query"]["bool"]["minimum_should_match"] == 1
    assert body["size"] == 5
    assert body["highlight"]["pre_tags"] == ["<em>"] and body["highlight"]["post_tags"] == ["</em>"]


def test_search_filters_and_excludes_become_bool_filter_and_must_not(conn):
    index = make_index(conn)
    index.search(
        SearchQuery(
            text="battery",
            kinds=[DocKind.CASE],
            filters={"status": ["open", "resolved"], "product": "phone"},
            exclude={"customer_id": "acme"},
            exclude_ids=["CB-1"],
        )
    )
    [req] = sent(conn, "POST", "/casebridge-test-case/_search")
    q = req["body"]["query"]["bool"]
    assert q["filter"] == [
        {"terms": {"fields.status": ["open", "resolved"]}},
        {"terms": {"fields.product": ["phone"]}},
    ]
    assert q["must_not"] == [{"terms": {"fields.customer_id": ["acme"]}}, {"ids": {"values": ["CB-1"]}}]


def test_a_multi_word_synonym_in_the_query_is_sent_whole(conn):
    make_index(conn).search(SearchQuery(text="I want my money back", kinds=[DocKind.CASE]))
    [req] = sent(conn, "POST", "/casebridge-test-case/_search")
    phrases = [c["multi_match"] for c in req["body"]["query"]["bool"]["should"] if c["multi_match"]["type"] == "phrase"]
    assert [p["query"] for p in phrases] == ["money back"]


def test_search_over_several_kinds_queries_their_aliases_and_reads_hits(conn):
    conn.responses = [
        (
            "POST",
            "/casebridge-test-article,casebridge-test-fix/_search",
            200,
            {
                "hits": {
                    "hits": [
                        {
                            "_id": "A-1",
                            "_score": 2.5,
                            "_source": {"doc_id": "A-1", "kind": "article", "title": "Refunds", "fields": {"x": "y"}},
                            "highlight": {"body": ["How <em>refunds</em> work"]},
                            "matched_queries": ["refund", "slow"],
                        }
                    ]
                }
            },
        )
    ]
    hits = make_index(conn).search(SearchQuery(text="slow refund", kinds=[DocKind.ARTICLE, DocKind.FIX]))
    assert len(hits) == 1
    hit = hits[0]
    assert (hit.doc_id, hit.kind, hit.score) == ("A-1", DocKind.ARTICLE, 2.5)
    assert hit.snippet == "How <em>refunds</em> work"
    assert hit.matched_terms == ["slow", "refund"]  # in query order
    assert hit.fields == {"x": "y"}


def test_get_of_a_missing_document_is_none(conn):
    conn.responses = [("GET", "/casebridge-test-case/_doc/nope", 404, {"found": False})]
    assert make_index(conn).get(DocKind.CASE, "nope") is None


def test_basic_auth_comes_from_the_url_and_is_not_left_in_the_host():
    client = build_client("https://admin:secret@search.local:9200")
    [connection] = client.transport.connection_pool.connections
    assert connection.host == "https://search.local:9200"
    assert connection.headers["authorization"] == "Basic " + base64.b64encode(b"admin:secret").decode()


def test_sigv4_signs_with_the_configured_service():
    from botocore.credentials import Credentials

    client = build_client(
        "https://search-domain.us-east-1.es.amazonaws.com",
        sigv4_service="aoss",
        region="eu-west-1",
        credentials=Credentials("AKID", "SECRET", "TOKEN"),
    )
    [connection] = client.transport.connection_pool.connections
    auth = connection.session.auth
    assert auth.service == "aoss"
    assert auth.signer.region == "eu-west-1"
