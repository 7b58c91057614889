"""The embedded engine's vector store (functions.search.vectors): appended rows, an HNSW graph, reopened cheaply."""

from __future__ import annotations

import math
from importlib.util import find_spec

import pytest

from functions.search.embedded import EmbeddedIndex
from functions.search.port import DocKind, SearchDoc, SearchQuery
from functions.search.vectors import VectorStore
from tests.fakes.search import ConceptEmbedder

# not importorskip: usearch imported before onnxruntime crashes the process (functions.search.vectors)
pytestmark = pytest.mark.skipif(
    find_spec("usearch") is None,
    reason="usearch (requirements-dev.txt: the embedded engine's vector store) not installed",
)

DIM = 8


def _unit(axis: int, tilt: float = 0.0) -> list[float]:
    """A unit vector near ``axis`` (tilted towards the next axis by ``tilt``)."""
    v = [0.0] * DIM
    v[axis % DIM] = 1.0
    v[(axis + 1) % DIM] = tilt
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]


def _store(tmp_path, **kw) -> VectorStore:
    return VectorStore(tmp_path / "vectors", "test-model", DIM, **kw)


def _ids(store: VectorStore, query: list[float], n: int = 100) -> list[str]:
    return [doc_id for doc_id, _ in store.nearest(query, n)]


def test_appended_vectors_come_back_nearest_first_and_after_reopening(tmp_path):
    store = _store(tmp_path)
    store.append([("a", _unit(0)), ("b", _unit(0, 0.5)), ("c", _unit(3))])

    assert _ids(store, _unit(0)) == ["a", "b", "c"]
    reopened = _store(tmp_path)
    assert _ids(reopened, _unit(0)) == ["a", "b", "c"]
    assert reopened.count() == 3


def test_an_updated_vector_replaces_the_old_one_and_a_deleted_one_is_never_returned(tmp_path):
    store = _store(tmp_path)
    reader = _store(tmp_path)  # another process's view: reads only what was appended since
    store.append([("a", _unit(0)), ("b", _unit(1)), ("c", _unit(2))])
    assert _ids(reader, _unit(0))[0] == "a"

    store.append([("a", _unit(5)), ("b", None)])

    for view in (store, reader, _store(tmp_path)):
        assert _ids(view, _unit(0)) == ["c", "a"] or _ids(view, _unit(0)) == ["a", "c"]
        assert "b" not in _ids(view, _unit(1))
        assert _ids(view, _unit(5))[0] == "a"
        assert view.count() == 2


def test_past_the_delta_rows_are_folded_into_the_graph_and_updates_and_deletes_still_hold(tmp_path):
    store = _store(tmp_path, delta_rows=5)
    store.append([(f"d{i}", _unit(i % DIM, i / 100)) for i in range(12)])
    graphs = list((tmp_path / "vectors").glob("*.usearch"))
    assert len(graphs) == 1  # folded: 12 rows > 5

    store.append([("d0", _unit(4, 0.01)), ("d8", None)])  # rows past the graph again
    store.append([(f"e{i}", _unit(7, 0.3)) for i in range(6)])  # folded again, d0's old row dropped

    for view in (store, _store(tmp_path, delta_rows=5)):
        ids = _ids(view, _unit(0))
        assert "d8" not in ids
        assert len(ids) == len(set(ids)) == 17
        assert _ids(view, _unit(4, 0.01))[0] == "d0"
    assert len(list((tmp_path / "vectors").glob("*.usearch"))) == 1


def test_nearest_reads_lazily_and_widens_when_the_caller_wants_more(tmp_path):
    store = _store(tmp_path, delta_rows=3)
    store.append([(f"d{i}", _unit(i % DIM, i / 50)) for i in range(40)])

    first = store.nearest(_unit(0), 2)
    got = [next(first) for _ in range(2)]
    rest = list(first)

    assert len(got) + len(rest) == 40
    assert len({d for d, _ in got + rest}) == 40
    scores = [s for _, s in got]
    assert scores == sorted(scores, reverse=True)


def test_replace_holds_exactly_its_entries_and_leaves_no_older_files(tmp_path):
    store = _store(tmp_path, delta_rows=2)
    store.append([(f"d{i}", _unit(i)) for i in range(6)])

    store.replace([("x", _unit(1)), ("y", _unit(2))])

    assert sorted(_ids(store, _unit(1))) == ["x", "y"]
    assert sorted(_ids(_store(tmp_path), _unit(1))) == ["x", "y"]
    names = sorted(p.name for p in (tmp_path / "vectors").iterdir())
    assert all(n == "CURRENT" or n.split(".")[0].split("-")[0] == names[0].split(".")[0].split("-")[0] for n in names)


def test_vectors_of_another_model_are_not_read(tmp_path):
    _store(tmp_path).append([("a", _unit(0))])

    other = VectorStore(tmp_path / "vectors", "another-model", DIM)

    assert list(other.nearest(_unit(0), 5)) == []


def test_a_document_id_with_a_line_break_is_refused(tmp_path):
    with pytest.raises(ValueError, match="line break"):
        _store(tmp_path).append([("a\nb", _unit(0))])
    with pytest.raises(ValueError, match="tab"):
        _store(tmp_path).append([("a\tb", _unit(0))])


def _rows(store: VectorStore, query: list[float], n: int = 100) -> dict[str, dict | None]:
    return {doc_id: meta for doc_id, _, meta in store.rows(query, n)}


def test_each_row_carries_its_meta_and_an_updated_documents_old_row_and_meta_never_come_back(tmp_path):
    store = _store(tmp_path, delta_rows=3)
    reader = _store(tmp_path, delta_rows=3)
    store.append([(f"d{i}", _unit(i), {"title": f"T{i}", "fields": {"status": "open"}}) for i in range(5)])
    assert _rows(reader, _unit(0))["d0"] == {"title": "T0", "fields": {"status": "open"}}

    store.append([("d0", _unit(0, 0.01), {"title": "T0", "fields": {"status": "closed"}}), ("d1", None)])
    store.append([(f"e{i}", _unit(6), {"title": "E", "fields": {"status": "open"}}) for i in range(4)])  # folded

    for view in (store, reader, _store(tmp_path)):
        rows = list(view.rows(_unit(0), 100))
        assert [doc_id for doc_id, _, _ in rows].count("d0") == 1  # the old row (open) is not returned
        assert _rows(view, _unit(0))["d0"] == {"title": "T0", "fields": {"status": "closed"}}
        assert "d1" not in _rows(view, _unit(1))


def test_replace_keeps_the_meta_and_a_row_written_without_meta_has_none(tmp_path):
    store = _store(tmp_path)
    store.replace([("x", _unit(1), {"title": "X\u2028line", "fields": {"customer_id": ["a", "b"]}}), ("y", _unit(2))])

    rows = _rows(_store(tmp_path), _unit(1))
    assert rows == {"x": {"title": "X\u2028line", "fields": {"customer_id": ["a", "b"]}}, "y": None}


def test_a_store_of_the_format_without_meta_is_not_read(tmp_path):
    import json

    store = _store(tmp_path)
    store.append([("a", _unit(0), {"title": "A", "fields": {}})])
    current = tmp_path / "vectors" / "CURRENT"
    meta = json.loads(current.read_text())
    del meta["format"]
    current.write_text(json.dumps(meta))

    reopened = _store(tmp_path)
    assert not reopened.exists()
    assert list(reopened.rows(_unit(0), 5)) == []


# ------------------------------------------------------------------ through the embedded engine
CONCEPTS = {"wifi": "network", "wireless": "network", "internet": "network"}


def _case(doc_id: str, title: str, **fields: str) -> SearchDoc:
    return SearchDoc(doc_id=doc_id, kind=DocKind.CASE, title=title, fields=dict(fields))


def _by_meaning(engine: EmbeddedIndex, text: str, **kw) -> list[str]:
    q = SearchQuery(text=text, kinds=[DocKind.CASE], vector_weight=1.0, lexical_weight=0.0, **kw)
    return [h.doc_id for h in engine.search(q)]


def test_the_engine_keeps_vectors_beside_the_index_and_a_new_engine_reads_them(tmp_path):
    embedder = ConceptEmbedder(CONCEPTS)
    EmbeddedIndex(tmp_path / "ix", synonyms=None, embedder=embedder).upsert(
        [_case("CB-1", "Wifi disconnects"), _case("CB-2", "Printer jams")]
    )

    assert (tmp_path / "ix" / "case-v2" / "vectors" / "CURRENT").exists()
    assert _by_meaning(EmbeddedIndex(tmp_path / "ix", synonyms=None, embedder=embedder), "internet")[0] == "CB-1"


def test_by_meaning_the_engine_returns_only_documents_it_holds_that_pass_the_filters(tmp_path):
    engine = EmbeddedIndex(tmp_path / "ix", synonyms=None, embedder=ConceptEmbedder(CONCEPTS))
    engine.upsert(
        [
            _case("CB-1", "Wifi disconnects", customer_id="acme"),
            _case("CB-2", "Wireless drops", customer_id="globex"),
            _case("CB-3", "Internet slow", customer_id="initech"),
        ]
    )
    engine.delete(DocKind.CASE, ["CB-3"])
    engine.upsert([_case("CB-2", "Printer jams", customer_id="globex")])  # updated: no longer about the network

    assert _by_meaning(engine, "wifi", limit=1) == ["CB-1"]
    assert _by_meaning(engine, "wifi", exclude={"customer_id": "acme"}, limit=1) == ["CB-2"]  # only by its new text
    assert "CB-3" not in _by_meaning(engine, "wifi")
    assert _by_meaning(engine, "wifi", filters={"customer_id": "globex"}) == ["CB-2"]


def test_an_index_written_before_the_vector_store_gets_it_from_its_stored_vectors(tmp_path):
    import shutil

    embedder = ConceptEmbedder(CONCEPTS)
    EmbeddedIndex(tmp_path / "ix", synonyms=None, embedder=embedder).upsert(
        [_case("CB-1", "Printer jams"), _case("CB-2", "Wifi disconnects")]
    )
    shutil.rmtree(tmp_path / "ix" / "case-v2" / "vectors")

    assert _by_meaning(EmbeddedIndex(tmp_path / "ix", synonyms=None, embedder=embedder), "wireless")[0] == "CB-2"


def test_by_meaning_a_closed_case_or_an_excluded_customer_never_comes_back_from_the_stores_rows(tmp_path):
    engine = EmbeddedIndex(tmp_path / "ix", synonyms=None, embedder=ConceptEmbedder(CONCEPTS))
    engine.upsert(
        [
            _case("CB-1", "Wifi disconnects", customer_id="acme", status="open"),
            _case("CB-2", "Wireless drops", customer_id="globex", status="open"),
            _case("CB-3", "Internet slow", customer_id="initech", status="open"),
        ]
    )
    engine.upsert([_case("CB-1", "Wifi disconnects", customer_id="acme", status="closed")])  # same text, closed

    hits = engine.search(
        SearchQuery(
            text="wifi", kinds=[DocKind.CASE], vector_weight=1.0, lexical_weight=0.0, filters={"status": "open"}
        )
    )
    assert sorted(h.doc_id for h in hits) == ["CB-2", "CB-3"]
    assert {h.fields["status"] for h in hits} == {"open"}  # the hit's fields are the row's own
    assert _by_meaning(engine, "wifi", exclude={"customer_id": ["globex", "initech"]}) == ["CB-1"]
    assert _by_meaning(engine, "wifi", filters={"status": "closed"}) == ["CB-1"]


def test_a_case_rewritten_by_a_process_without_an_embedder_loses_its_row_rather_than_keep_old_fields(tmp_path):
    embedder = ConceptEmbedder(CONCEPTS)
    with_model = EmbeddedIndex(tmp_path / "ix", synonyms=None, embedder=embedder)
    with_model.upsert(
        [_case("CB-1", "Wifi disconnects", status="open"), _case("CB-2", "Wireless drops", status="open")]
    )

    EmbeddedIndex(tmp_path / "ix", synonyms=None).upsert([_case("CB-1", "Wifi disconnects", status="closed")])

    assert _by_meaning(with_model, "wifi", filters={"status": "open"}) == ["CB-2"]
    assert _by_meaning(EmbeddedIndex(tmp_path / "ix", synonyms=None, embedder=embedder), "wifi") == ["CB-2"]


class _CountingIndex(EmbeddedIndex):
    """The engine, recording which stored documents it reads for hits found by meaning."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.read: list[str] = []

    def _stored(self, kind, doc_ids):  # noqa: ANN001, ANN202
        self.read.extend(doc_ids)
        return super()._stored(kind, doc_ids)

    def _held(self, ix, kind, query, candidates, found):  # noqa: ANN001, ANN202
        self.read.extend(doc_id for doc_id, _ in candidates)
        return super()._held(ix, kind, query, candidates, found)


def test_by_meaning_only_the_hits_returned_are_read_from_the_text_index_and_they_get_their_snippet(tmp_path):
    engine = _CountingIndex(tmp_path / "ix", synonyms=None, embedder=ConceptEmbedder(CONCEPTS))
    engine.upsert([_case(f"CB-{i}", f"Wifi disconnects {i}", customer_id=f"c{i % 3}") for i in range(30)])

    q = SearchQuery(text="wireless", kinds=[DocKind.CASE], vector_weight=1.0, lexical_weight=0.0, limit=3)
    hits = engine.search(q.model_copy(update={"exclude": {"customer_id": "c0"}}))

    assert len(hits) == 3
    assert sorted(engine.read) == sorted(h.doc_id for h in hits)  # not the 50 candidates
    assert all(h.snippet.startswith("Wifi disconnects") and h.fields["customer_id"] != "c0" for h in hits)
