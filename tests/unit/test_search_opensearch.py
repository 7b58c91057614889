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


def make_index(conn, versions=("20250101000000000000", "20250202000000000000"), **options) -> OpenSearchIndex:
    client = build_client("http://search.local:9200", connection_class=conn)
    it = iter(versions)
    return OpenSearchIndex(client, prefix="casebridge-test", synonyms=SYNONYMS, version=lambda: next(it), **options)


def sent(conn, method: str, path_prefix: str) -> list[dict[str, Any]]:
    return [r for r in conn.requests if r["method"] == method and r["path"].startswith(path_prefix)]


def test_first_write_creates_the_template_and_the_first_index_behind_the_alias(conn):
    conn.responses = [("HEAD", "/_alias/casebridge-test-case", 404, {})]
    index = make_index(conn)
    index.upsert([SearchDoc(doc_id="CB-1", kind=DocKind.CASE, title="t")])
    [template] = sent(conn, "PUT", "/_index_template/casebridge-test-case")
    assert template["body"]["index_patterns"] == ["casebridge-test-case-v*"]
    # a fixed name: two writers that find no alias at once create one index, not two
    [create] = sent(conn, "PUT", "/casebridge-test-case-v0")
    assert create["body"] == {"aliases": {"casebridge-test-case": {"is_write_index": True}}}


def test_a_writer_that_loses_the_race_to_create_the_first_index_carries_on(conn):
    conn.responses = [
        ("HEAD", "/_alias/casebridge-test-case", 404, {}),
        ("PUT", "/casebridge-test-case-v0", 400, {"error": {"type": "resource_already_exists_exception"}}),
    ]
    make_index(conn).upsert([SearchDoc(doc_id="CB-1", kind=DocKind.CASE, title="t")])
    assert sent(conn, "POST", "/_bulk")


def test_the_template_analyses_text_as_the_embedded_engine_does(conn):
    conn.responses = [("HEAD", "/_alias/", 404, {})]
    make_index(conn).ensure(DocKind.ARTICLE)
    [template] = sent(conn, "PUT", "/_index_template/")
    settings = template["body"]["template"]["settings"]
    analysis = settings["analysis"]
    assert analysis["tokenizer"]["casebridge_words"] == {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}
    assert analysis["filter"]["casebridge_stemmer"] == {"type": "stemmer", "language": "porter2"}
    assert analysis["filter"]["casebridge_long"] == {"type": "length", "max": 39}
    assert analysis["analyzer"]["casebridge_english"]["filter"] == [
        "lowercase",
        "casebridge_long",
        "casebridge_stemmer",
    ]
    # no stop words removed, no synonyms in the index: both are the query planner's (as embedded)
    assert "stop" not in json.dumps(analysis) and "synonym" not in json.dumps(analysis)
    assert settings["index"] == {"number_of_shards": 1, "number_of_replicas": 1}


def test_a_single_node_domain_gets_no_replica(conn):
    conn.responses = [("HEAD", "/_alias/", 404, {})]
    client = build_client("http://search.local:9200", connection_class=conn)
    OpenSearchIndex(client, prefix="casebridge-test", replicas=0).ensure(DocKind.CASE)
    [template] = sent(conn, "PUT", "/_index_template/")
    assert template["body"]["template"]["settings"]["index"]["number_of_replicas"] == 0


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


def _termvectors(total: int, df: dict[str, int]) -> dict:
    field = {"field_statistics": {"doc_count": total}, "terms": {t: {"doc_freq": n} for t, n in df.items()}}
    return {"found": True, "term_vectors": {"title": field, "body": field, "keywords": field}}


def test_search_asks_the_index_for_term_frequencies_then_sends_one_dis_max_of_stems_per_term(conn):
    conn.responses = [("POST", "/casebridge-test-case/_termvectors", 200, _termvectors(10, {"refund": 3, "slow": 1}))]
    make_index(conn).search(SearchQuery(text="Slow refund", kinds=[DocKind.CASE]))
    [tv] = sent(conn, "POST", "/casebridge-test-case/_termvectors")
    assert tv["body"]["doc"]["body"] == "slow refund reimburs" and tv["body"]["term_statistics"] is True
    assert tv["body"]["per_field_analyzer"] == {"title": "whitespace", "keywords": "whitespace", "body": "whitespace"}
    [search] = sent(conn, "POST", "/casebridge-test-case/_search")
    should = search["body"]["query"]["bool"]["should"]
    terms = {q["dis_max"]["queries"][0]["term"]["title"]["value"] for q in should}
    assert terms == {"slow", "refund", "reimburs"}  # the synonym too, stemmed, at half weight
    refund = next(q for q in should if q["dis_max"]["queries"][0]["term"]["title"]["value"] == "refund")
    assert refund["dis_max"]["queries"] == [
        {"term": {"title": {"value": "refund", "boost": 3.0}}},
        {"term": {"keywords": {"value": "refund", "boost": 2.0}}},
        {"term": {"body": {"value": "refund", "boost": 1.0}}},
    ]
    assert refund["dis_max"]["tie_breaker"] == 0.3


def test_a_long_case_is_cut_to_the_same_capped_term_set_as_the_embedded_engine_within_the_clause_limit(conn):
    from functions.search.analysis import analyze
    from functions.search.opensearch import clause_count
    from functions.search.query import MAX_QUERY_WORDS, plan, select_terms, stem_weights

    words = [f"word{i}x" for i in range(700)]  # a 4,000-character case, every word distinct
    text = " ".join(words)[:4000]
    stems = analyze(text)
    df = {s: (i % 97) + 1 for i, s in enumerate(stems)}
    df["word1x"] = 900  # in more than half of the 1,000 documents: dropped, as embedded drops it
    conn.responses = [("POST", "/casebridge-test-case/_termvectors", 200, _termvectors(1000, df))]
    make_index(conn).search(SearchQuery(text=text, kinds=[DocKind.CASE]))

    [search] = sent(conn, "POST", "/casebridge-test-case/_search")
    sent_terms = {
        q["dis_max"]["queries"][0]["term"]["title"]["value"] for q in search["body"]["query"]["bool"]["should"]
    }
    from functions.search.analysis import stem

    expected = select_terms(stem_weights(plan(text, SYNONYMS), stem), 1000, lambda s: df.get(s, 0))
    assert sent_terms == set(expected) and len(sent_terms) == MAX_QUERY_WORDS
    assert "word1x" not in sent_terms
    assert clause_count(search["body"]) <= 1024


def test_search_filters_and_excludes_become_bool_filter_and_must_not(conn):
    conn.responses = [("POST", "/casebridge-test-case/_termvectors", 200, _termvectors(3, {"battery": 3}))]
    make_index(conn).search(
        SearchQuery(
            text="battery",
            kinds=[DocKind.CASE],
            filters={"status": ["open", "resolved"], "product": "phone"},
            exclude={"customer_id": "acme"},
            exclude_ids=["CB-9"],
        )
    )
    [search] = sent(conn, "POST", "/casebridge-test-case/_search")
    bool_query = search["body"]["query"]["bool"]
    assert bool_query["filter"] == [
        {"terms": {"fields.status": ["open", "resolved"]}},
        {"terms": {"fields.product": ["phone"]}},
    ]
    assert bool_query["must_not"] == [{"terms": {"fields.customer_id": ["acme"]}}, {"ids": {"values": ["CB-9"]}}]


def test_a_multi_word_synonym_in_the_query_adds_its_target(conn):
    conn.responses = [("POST", "/casebridge-test-case/_termvectors", 200, _termvectors(3, {}))]
    make_index(conn).search(SearchQuery(text="I want my money back", kinds=[DocKind.CASE]))
    [search] = sent(conn, "POST", "/casebridge-test-case/_search")
    terms = {q["dis_max"]["queries"][0]["term"]["title"]["value"] for q in search["body"]["query"]["bool"]["should"]}
    assert {"money", "back", "refund"} <= terms


def test_a_kind_with_no_index_yet_finds_nothing_and_creates_nothing(conn):
    conn.responses = [
        ("POST", "/casebridge-test-case/_termvectors", 404, {"error": {"type": "index_not_found_exception"}}),
        ("GET", "/casebridge-test-case/_count", 200, {"count": 0}),
    ]
    index = make_index(conn)
    assert index.search(SearchQuery(text="battery", kinds=[DocKind.CASE])) == []
    assert index.count(DocKind.CASE) == 0
    assert not [r for r in conn.requests if r["method"] == "PUT"]


def test_search_over_several_kinds_queries_each_alias_and_reads_hits(conn):
    hit = {
        "_id": "A-1",
        "_score": 2.5,
        "_source": {
            "doc_id": "A-1",
            "kind": "article",
            "title": "Refunds",
            "body": "Slow to arrive.",
            "fields": {"x": "y"},
        },
        "highlight": {"body": ["How <em>refunds</em> work"]},
    }
    conn.responses = [
        ("POST", "/casebridge-test-article/_termvectors", 200, _termvectors(5, {"refund": 1, "slow": 1})),
        ("POST", "/casebridge-test-fix/_termvectors", 200, _termvectors(5, {})),
        ("POST", "/casebridge-test-article/_search", 200, {"hits": {"hits": [hit]}}),
        ("POST", "/casebridge-test-fix/_search", 200, {"hits": {"hits": []}}),
    ]
    hits = make_index(conn).search(SearchQuery(text="slow refund", kinds=[DocKind.ARTICLE, DocKind.FIX]))
    [hit_] = hits
    assert (hit_.doc_id, hit_.kind, hit_.score) == ("A-1", DocKind.ARTICLE, 2.5)
    assert hit_.snippet == "How <em>refunds</em> work"
    assert hit_.matched_terms == ["slow", "refund"]  # in query order, from the document's text
    assert hit_.fields == {"x": "y"}


def test_a_hit_without_a_highlight_gets_the_start_of_its_text_as_snippet(conn):
    hit = {
        "_id": "F-1",
        "_score": 1.0,
        "_source": {"doc_id": "F-1", "kind": "fix", "title": "Resend <invoice>", "body": ""},
    }
    conn.responses = [
        ("POST", "/casebridge-test-fix/_termvectors", 200, _termvectors(5, {"invoic": 1})),
        ("POST", "/casebridge-test-fix/_search", 200, {"hits": {"hits": [hit]}}),
    ]
    [found] = make_index(conn).search(SearchQuery(text="invoice", kinds=[DocKind.FIX]))
    assert found.snippet == "Resend &lt;invoice&gt;"


# ------------------------------------------------------------------------------ bulk loading
def _bulk_answer(statuses: list[int]) -> dict:
    return {"errors": True, "items": [{"index": {"_id": str(i), "status": s}} for i, s in enumerate(statuses)]}


class Scripted(RecordingConnection):
    """Answers successive bulk requests from a list (then plain success)."""

    bulk_answers: list[tuple[int, Any]] = []

    def perform_request(self, method, url, params=None, body=None, timeout=None, ignore=(), headers=None):
        if url.endswith("/_bulk") and self.bulk_answers:
            status, answer = self.bulk_answers.pop(0)
            text = body.decode() if isinstance(body, bytes) else body
            self.requests.append(
                {"method": method, "path": url, "body": [json.loads(x) for x in text.split("\n") if x]}
            )
            if status >= 400:
                self._raise_error(status, json.dumps(answer))
            return status, {}, json.dumps(answer)
        return super().perform_request(method, url, params, body, timeout, ignore, headers)


def _scripted_index(answers: list[tuple[int, Any]]) -> tuple[OpenSearchIndex, list[float]]:
    Scripted.requests, Scripted.responses, Scripted.bulk_answers = [], [], answers
    slept: list[float] = []
    client = build_client("http://search.local:9200", connection_class=Scripted)
    return OpenSearchIndex(client, prefix="casebridge-test", synonyms=SYNONYMS, sleep=slept.append), slept


def test_operations_refused_with_429_are_sent_again_alone_after_a_pause():
    index, slept = _scripted_index([(200, _bulk_answer([201, 429, 201]))])
    docs = [SearchDoc(doc_id=f"CB-{i}", kind=DocKind.CASE, title="t") for i in range(3)]
    index.upsert(docs)
    bulks = [r for r in Scripted.requests if r["path"].endswith("/_bulk")]
    assert len(bulks) == 2 and len(slept) == 1
    assert bulks[1]["body"][0] == {"index": {"_index": "casebridge-test-case", "_id": "CB-1"}}
    assert len(bulks[1]["body"]) == 2  # only the refused one


def test_a_whole_bulk_refused_with_429_is_retried_and_gives_up_after_its_attempts():
    from functions.search.opensearch import BULK_ATTEMPTS

    index, slept = _scripted_index([(429, {"error": "es_rejected_execution_exception"})] * BULK_ATTEMPTS)
    with pytest.raises(Exception, match="429|rejected"):
        index.upsert([SearchDoc(doc_id="CB-1", kind=DocKind.CASE, title="t")])
    assert len(slept) == BULK_ATTEMPTS - 1


def test_bulk_requests_stay_under_the_byte_limit(conn):
    docs = [SearchDoc(doc_id=f"CB-{i}", kind=DocKind.CASE, title="t", body="x" * 3000) for i in range(20)]
    make_index(conn, bulk_max_bytes=20_000).upsert(docs)
    bulks = sent(conn, "POST", "/_bulk")
    assert len(bulks) > 1
    assert all(len("".join(json.dumps(line) + "\n" for line in b["body"]).encode()) <= 20_000 for b in bulks)
    assert sum(len(b["body"]) for b in bulks) == 40


def test_a_failed_reindex_deletes_its_half_built_index_and_leaves_the_alias_alone():
    old = "casebridge-test-case-v20240101000000000000"
    index, _ = _scripted_index(
        [(200, {"errors": True, "items": [{"index": {"_id": "CB-1", "status": 400, "error": "mapping"}}]})]
    )
    Scripted.responses = [
        ("GET", "/_alias/casebridge-test-case", 200, {old: {"aliases": {"casebridge-test-case": {}}}})
    ]
    index._version = lambda: "20250101000000000000"
    with pytest.raises(SearchEngineError):
        index.reindex(DocKind.CASE, [SearchDoc(doc_id="CB-1", kind=DocKind.CASE, title="x")])
    methods = [(r["method"], r["path"]) for r in Scripted.requests]
    assert ("DELETE", "/casebridge-test-case-v20250101000000000000") in methods
    assert ("POST", "/_aliases") not in methods and ("DELETE", f"/{old}") not in methods


def test_the_client_never_resends_a_request_that_timed_out():
    client = build_client("http://search.local:9200")
    assert client.transport.retry_on_timeout is False


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


# ---------------------------------------------------------------------------- vectors (k-NN plugin)
def _embedding_index(conn) -> tuple[OpenSearchIndex, Any]:
    from tests.fakes.search import ConceptEmbedder

    embedder = ConceptEmbedder({"wifi": "network", "wireless": "network"}, dim=8)
    return make_index(conn, embedder=embedder), embedder


def test_with_an_embedder_the_template_maps_a_knn_vector_field_hnsw_on_lucene_with_cosine(conn):
    conn.responses = [("HEAD", "/_alias/casebridge-test-case", 404, {})]
    index, _ = _embedding_index(conn)
    index.upsert([SearchDoc(doc_id="CB-1", kind=DocKind.CASE, title="Wifi drops")])

    [template] = sent(conn, "PUT", "/_index_template/casebridge-test-case")
    settings = template["body"]["template"]["settings"]["index"]
    mapping = template["body"]["template"]["mappings"]
    assert settings["knn"] is True
    assert mapping["properties"]["vector"] == {
        "type": "knn_vector",
        "dimension": 8,
        "method": {
            "name": "hnsw",
            "space_type": "cosinesimil",
            "engine": "lucene",
            "parameters": {"m": 16, "ef_construction": 100},
        },
    }
    assert mapping["_source"] == {"excludes": ["vector"]}  # documents read back are the SearchDoc as written


def test_without_an_embedder_the_template_has_no_vector_field_and_knn_stays_off(conn):
    conn.responses = [("HEAD", "/_alias/casebridge-test-case", 404, {})]
    make_index(conn).upsert([SearchDoc(doc_id="CB-1", kind=DocKind.CASE, title="Wifi drops")])

    [template] = sent(conn, "PUT", "/_index_template/casebridge-test-case")
    assert "knn" not in template["body"]["template"]["settings"]["index"]
    assert "vector" not in template["body"]["template"]["mappings"]["properties"]


def test_each_written_document_carries_its_vector_computed_in_one_batch(conn):
    index, embedder = _embedding_index(conn)
    index.upsert(
        [
            SearchDoc(doc_id="CB-1", kind=DocKind.CASE, title="Wifi drops", body="every hour"),
            SearchDoc(doc_id="CB-2", kind=DocKind.CASE, title="Printer jams"),
        ]
    )

    [bulk] = sent(conn, "POST", "/_bulk")
    sources = bulk["body"][1::2]
    assert embedder.calls == [["Wifi drops\nevery hour", "Printer jams"]]
    assert [s["vector"] for s in sources] == embedder.embed(["Wifi drops\nevery hour", "Printer jams"])


def test_a_hybrid_query_sends_a_knn_query_of_the_querys_vector_with_its_filters(conn):
    conn.responses = [("POST", "/casebridge-test-case/_termvectors", 200, _termvectors(3, {"wireless": 1}))]
    index, embedder = _embedding_index(conn)

    index.search(
        SearchQuery(
            text="wireless",
            kinds=[DocKind.CASE],
            filters={"status": "open"},
            exclude={"customer_id": "acme"},
            exclude_ids=["CB-9"],
            vector_weight=1.0,
        )
    )

    lexical, knn = sent(conn, "POST", "/casebridge-test-case/_search")
    assert "bool" in lexical["body"]["query"]
    assert knn["body"] == {
        "size": 50,
        "track_total_hits": False,
        "query": {
            "knn": {
                "vector": {
                    "vector": embedder.embed(["wireless"])[0],
                    "k": 50,
                    "filter": {
                        "bool": {
                            "filter": [{"terms": {"fields.status": ["open"]}}],
                            "must_not": [{"terms": {"fields.customer_id": ["acme"]}}, {"ids": {"values": ["CB-9"]}}],
                        }
                    },
                }
            }
        },
    }


def test_a_lexical_query_sends_no_knn_query_and_embeds_nothing(conn):
    conn.responses = [("POST", "/casebridge-test-case/_termvectors", 200, _termvectors(3, {"wireless": 1}))]
    index, embedder = _embedding_index(conn)

    index.search(SearchQuery(text="wireless", kinds=[DocKind.CASE]))

    assert len(sent(conn, "POST", "/casebridge-test-case/_search")) == 1
    assert embedder.calls == []


def test_knn_hits_are_fused_with_the_lexical_hits(conn):
    hit = {"_id": "CB-1", "_score": 1.0, "_source": {"doc_id": "CB-1", "kind": "case", "title": "Wifi drops"}}
    conn.responses = [
        ("POST", "/casebridge-test-case/_termvectors", 200, _termvectors(3, {"wireless": 1})),
        ("POST", "/casebridge-test-case/_search", 200, {"hits": {"hits": [hit]}}),
    ]
    index, _ = _embedding_index(conn)

    hits = index.search(SearchQuery(text="wireless", kinds=[DocKind.CASE], vector_weight=1.0))

    assert [h.doc_id for h in hits] == ["CB-1"]  # in both rankings: one hit
    assert hits[0].score == 1.0


def test_a_floor_becomes_the_knn_searchs_min_score_on_the_lucene_cosine_scale(conn):
    conn.responses = [("POST", "/casebridge-test-case/_termvectors", 200, _termvectors(3, {"wireless": 1}))]
    index, _ = _embedding_index(conn)

    index.search(SearchQuery(text="wireless", kinds=[DocKind.CASE], vector_weight=1.0, min_similarity=0.3))

    lexical, knn = sent(conn, "POST", "/casebridge-test-case/_search")
    assert knn["body"]["min_score"] == pytest.approx(0.65)  # (1 + 0.3) / 2
    assert "min_score" not in lexical["body"]


def test_knn_hits_under_the_floor_are_dropped_and_so_is_a_far_lexical_hit_of_one_word(conn):
    # the cluster answers both searches with this hit: lexically it has "wireless" of "wireless router";
    # by meaning it scores 0.6, i.e. cosine 0.2, under the floor (a cluster that ignored min_score)
    hit = {"_id": "CB-1", "_score": 0.6, "_source": {"doc_id": "CB-1", "kind": "case", "title": "Wireless plan"}}
    conn.responses = [
        ("POST", "/casebridge-test-case/_termvectors", 200, _termvectors(3, {"wireless": 1, "router": 0})),
        ("POST", "/casebridge-test-case/_search", 200, {"hits": {"hits": [hit]}}),
    ]
    index, _ = _embedding_index(conn)
    query = SearchQuery(text="wireless router", kinds=[DocKind.CASE], vector_weight=1.0, min_similarity=0.3)

    floor_only = index.search(query)
    both = index.search(query.model_copy(update={"far_lexical_min_words": 2}))
    no_floor = index.search(query.model_copy(update={"min_similarity": None, "far_lexical_min_words": 2}))

    assert [h.doc_id for h in floor_only] == ["CB-1"]  # the lexical hit alone
    assert both == []
    assert [h.doc_id for h in no_floor] == ["CB-1"]
