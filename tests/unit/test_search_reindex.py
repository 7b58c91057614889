"""Rebuilding the index while the stream indexer keeps writing (functions.search.reindex).

Both engines: OpenSearch through a small in-memory cluster that speaks the REST calls the adapter
makes (aliases, bulk with ``if_seq_no``/``if_primary_term`` and ``create``, scroll), and the
embedded engine on a temp dir. The "table" is a dict; a change made while the reindex scans it
reaches the index the way the stream indexer's does (``index_records`` on a stream record).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer
from opensearchpy.connection import Connection

from functions.cases.search_docs import MAPPERS as CASE_MAPPERS
from functions.search.analysis import parse_synonyms
from functions.search.indexing import Mappers, index_records
from functions.search.opensearch import OpenSearchIndex, build_client
from functions.search.port import DocKind
from functions.search.reindex import rebuild

SYNONYMS = parse_synonyms("refund, reimbursement\n")
MAPPERS = Mappers(CASE_MAPPERS)


# ---------------------------------------------------------------------------- a tiny OpenSearch
class FakeCluster(Connection):
    """Just enough of the OpenSearch REST API for the adapter: indexes, aliases, bulk, scroll."""

    indexes: dict[str, dict[str, dict[str, Any]]] = {}  # index -> id -> {"source", "seq_no"}
    aliases: dict[str, list[str]] = {}  # alias -> indexes (the last is the write index)
    seq = 0
    scrolls: dict[str, list[dict[str, Any]]] = {}
    bulks: list[list[dict[str, Any]]] = []

    @classmethod
    def reset(cls) -> None:
        cls.indexes, cls.aliases, cls.seq, cls.scrolls, cls.bulks = {}, {}, 0, {}, []

    def perform_request(self, method, url, params=None, body=None, timeout=None, ignore=(), headers=None):
        text = body.decode() if isinstance(body, bytes) else body
        path = url.split("?")[0]
        status, answer = self._route(method, path, dict(params or {}), text)
        if status >= 400 and status not in ignore:
            self._raise_error(status, json.dumps(answer))
        return status, {}, json.dumps(answer)

    def _resolve(self, name: str) -> list[str]:
        return list(self.aliases.get(name, [name] if name in self.indexes else []))

    def _route(self, method: str, path: str, params: dict[str, Any], text: str | None) -> tuple[int, Any]:
        cls = type(self)
        if m := re.fullmatch(r"/_alias/([^/]+)", path):
            found = m.group(1) in cls.aliases
            if method == "HEAD":
                return (200 if found else 404), {}
            return 200, {i: {"aliases": {m.group(1): {}}} for i in cls.aliases.get(m.group(1), [])}
        if path.startswith("/_index_template/"):
            return 200, {"acknowledged": True}
        if path == "/_aliases":
            for action in json.loads(text or "{}")["actions"]:
                (op, spec), *_ = action.items()
                members = cls.aliases.setdefault(spec["alias"], [])
                if op == "remove":
                    members.remove(spec["index"])
                else:
                    members.append(spec["index"])
            return 200, {"acknowledged": True}
        if path == "/_bulk":
            return 200, self._bulk([json.loads(ln) for ln in (text or "").split("\n") if ln])
        if path == "/_search/scroll":
            if method == "DELETE":
                return 200, {"succeeded": True}
            scroll_id = json.loads(text or "{}")["scroll_id"]
            page, cls.scrolls[scroll_id] = cls.scrolls[scroll_id][:2], cls.scrolls[scroll_id][2:]
            return 200, {"_scroll_id": scroll_id, "hits": {"hits": page}}
        if m := re.fullmatch(r"/([^/_][^/]*)/_refresh", path):
            return 200, {}
        if m := re.fullmatch(r"/([^/_][^/]*)/_count", path):
            return 200, {"count": sum(len(cls.indexes[i]) for n in m.group(1).split(",") for i in self._resolve(n))}
        if m := re.fullmatch(r"/([^/_][^/]*)/_doc/([^/]+)", path):
            [index] = self._resolve(m.group(1))
            doc = cls.indexes[index].get(m.group(2))
            return (200, {"found": True, "_source": doc["source"]}) if doc else (404, {"found": False})
        if m := re.fullmatch(r"/([^/_][^/]*)/_search", path):
            hits = [
                {"_id": i, "_seq_no": d["seq_no"], "_primary_term": 1, "_source": d["source"]}
                for n in m.group(1).split(",")
                for index in self._resolve(n)
                for i, d in cls.indexes[index].items()
            ]
            if "scroll" not in params:
                return 200, {"hits": {"hits": []}}
            scroll_id = f"scroll-{len(cls.scrolls)}"
            cls.scrolls[scroll_id] = hits[2:]  # two hits a page: the adapter must follow the scroll
            return 200, {"_scroll_id": scroll_id, "hits": {"hits": hits[:2]}}
        if m := re.fullmatch(r"/([^/_][^/]*)", path):
            if method == "PUT":
                cls.indexes[m.group(1)] = {}
                for alias in json.loads(text or "{}").get("aliases", {}):
                    cls.aliases.setdefault(alias, []).append(m.group(1))
            elif method == "DELETE":
                del cls.indexes[m.group(1)]
            return 200, {"acknowledged": True}
        raise AssertionError(f"unexpected request {method} {path}")

    def _bulk(self, lines: list[dict[str, Any]]) -> dict[str, Any]:
        cls = type(self)
        cls.bulks.append(lines)
        items: list[dict[str, Any]] = []
        it = iter(lines)
        for action in it:
            (op, meta), *_ = action.items()
            index = cls.aliases[meta["_index"]][-1] if meta["_index"] in cls.aliases else meta["_index"]
            docs = cls.indexes[index]
            have = docs.get(meta["_id"])
            source = next(it) if op in ("index", "create") else None
            expected = meta.get("if_seq_no")
            if (op == "create" and have) or (expected is not None and (not have or have["seq_no"] != expected)):
                items.append({op: {"_id": meta["_id"], "status": 409, "error": {"type": "version_conflict"}}})
                continue
            if op == "delete":
                status = 200 if docs.pop(meta["_id"], None) else 404
            else:
                cls.seq += 1
                docs[meta["_id"]] = {"source": source, "seq_no": cls.seq}
                status = 201
            items.append({op: {"_id": meta["_id"], "status": status}})
        return {"errors": any(i[next(iter(i))]["status"] >= 300 for i in items), "items": items}


class Versions:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"{self.n:020d}"


@pytest.fixture(params=["opensearch", "embedded"])
def engine(request, tmp_path) -> Iterator[Any]:
    if request.param == "opensearch":
        FakeCluster.reset()
        client = build_client("http://search.local:9200", connection_class=FakeCluster)
        yield OpenSearchIndex(client, prefix="cb-test", synonyms=SYNONYMS, version=Versions())
    else:
        from functions.search.embedded import EmbeddedIndex

        yield EmbeddedIndex(tmp_path / "index", synonyms=SYNONYMS)


# ---------------------------------------------------------------------------- the table and its stream
def case_item(case_id: str, subject: str) -> dict[str, Any]:
    return {"PK": f"CASE#{case_id}", "SK": "#META", "type": "case", "case_id": case_id, "subject": subject}


def _image(item: dict[str, Any]) -> dict[str, Any]:
    ser = TypeSerializer()
    return {k: ser.serialize(v) for k, v in item.items()}


class Table:
    """Items by case id; every write also goes through the stream indexer into ``index``."""

    def __init__(self, index: Any, *items: dict[str, Any]) -> None:
        self.index = index
        self.items = {i["case_id"]: i for i in items}
        self.seq = 0

    def write(self, item: dict[str, Any]) -> None:
        old = self.items.get(item["case_id"])
        self.items[item["case_id"]] = item
        self._stream("MODIFY" if old else "INSERT", new=item, old=old)

    def remove(self, case_id: str) -> None:
        self._stream("REMOVE", new=None, old=self.items.pop(case_id))

    def _stream(self, event: str, new: dict[str, Any] | None, old: dict[str, Any] | None) -> None:
        self.seq += 1
        data: dict[str, Any] = {"SequenceNumber": str(self.seq), "Keys": _image({"PK": "x", "SK": "#META"})}
        if new:
            data["NewImage"] = _image(new)
        if old:
            data["OldImage"] = _image(old)
        report = index_records(self.index, MAPPERS, [{"eventName": event, "dynamodb": data}])
        assert report.failed_sequence is None

    def scan_with(self, during_load=None, during_reconcile=None):
        """A scan callable for ``rebuild``: the first call is the load, the second the reconcile.
        Each hook runs once, after the scan has read its first item."""
        hooks = iter([during_load, during_reconcile])

        def scan() -> Iterator[dict[str, Any]]:
            hook = next(hooks, None)
            for n, item in enumerate(list(self.items.values())):
                yield item
                if n == 0 and hook:
                    hook()

        return scan


def titles(index: Any) -> dict[str, str]:
    index.refresh()
    ids = [f"CB-{n}" for n in range(1, 10)]
    return {i: doc.title for i in ids if (doc := index.get(DocKind.CASE, i)) is not None}


# ---------------------------------------------------------------------------- behaviour
def test_an_item_updated_during_the_load_is_current_after_reindex(engine):
    table = Table(engine, case_item("CB-1", "Printer jams"), case_item("CB-2", "Router reboots"))
    table.write(case_item("CB-1", "Printer jams"))  # indexed before the reindex

    result = rebuild(
        engine,
        table.scan_with(during_load=lambda: table.write(case_item("CB-2", "Router reboots every night"))),
        [DocKind.CASE],
        MAPPERS,
    )

    assert titles(engine) == {"CB-1": "Printer jams", "CB-2": "Router reboots every night"}
    assert result.indexed == {"case": 2}
    assert result.reconciled["case"].upserted == 1


def test_an_item_deleted_during_the_load_is_gone_after_reindex(engine):
    table = Table(engine, case_item("CB-1", "Printer jams"), case_item("CB-2", "Router reboots"))

    result = rebuild(engine, table.scan_with(during_load=lambda: table.remove("CB-2")), [DocKind.CASE], MAPPERS)

    assert titles(engine) == {"CB-1": "Printer jams"}
    assert result.indexed == {"case": 1}
    assert result.reconciled["case"].deleted == 1


def test_an_item_created_during_the_load_is_indexed_after_reindex(engine):
    table = Table(engine, case_item("CB-1", "Printer jams"))

    rebuild(
        engine,
        table.scan_with(during_load=lambda: table.write(case_item("CB-3", "Fax is silent"))),
        [DocKind.CASE],
        MAPPERS,
    )

    assert titles(engine) == {"CB-1": "Printer jams", "CB-3": "Fax is silent"}


def test_a_quiet_reindex_loads_everything_and_reconciles_nothing(engine):
    table = Table(engine, case_item("CB-1", "Printer jams"), case_item("CB-2", "Router reboots"))

    result = rebuild(engine, table.scan_with(), [DocKind.CASE], MAPPERS)

    assert result.loaded == {"case": 2} and result.indexed == {"case": 2}
    assert result.reconciled["case"].as_json() == {"upserted": 0, "deleted": 0, "superseded": 0}


def test_documents_no_item_stands_for_are_dropped_by_reindex(engine):
    from functions.search.port import SearchDoc

    engine.upsert([SearchDoc(doc_id="CB-9", kind=DocKind.CASE, title="Deleted long ago")])
    table = Table(engine, case_item("CB-1", "Printer jams"))

    rebuild(engine, table.scan_with(), [DocKind.CASE], MAPPERS)

    assert titles(engine) == {"CB-1": "Printer jams"}


# ---------------------------------------------------------------------------- a stream write racing the reconcile
def _opensearch() -> OpenSearchIndex:
    FakeCluster.reset()
    client = build_client("http://search.local:9200", connection_class=FakeCluster)
    return OpenSearchIndex(client, prefix="cb-test", synonyms=SYNONYMS, version=Versions())


def test_opensearch_reconcile_never_overwrites_a_stream_write_newer_than_its_scan():
    engine = _opensearch()
    table = Table(engine, case_item("CB-1", "Printer jams"), case_item("CB-2", "Router reboots"))
    calls: list[int] = []

    def scan() -> Iterator[dict[str, Any]]:
        calls.append(1)
        items = list(table.items.values())
        yield items[0]
        if len(calls) == 1:  # the load read CB-1; CB-2 changes before it reads CB-2
            table.write(case_item("CB-2", "Router reboots daily"))
        yield from items[1:]
        if len(calls) == 2:  # the reconcile scan has read CB-2 "daily"; it changes again at once
            table.write(case_item("CB-2", "Router reboots hourly"))

    result = rebuild(engine, scan, [DocKind.CASE], MAPPERS)

    assert titles(engine)["CB-2"] == "Router reboots hourly"
    assert result.reconciled["case"].superseded == 1


def test_embedded_reconcile_holds_the_writer_lock_so_a_racing_stream_write_lands_after_it(tmp_path):
    from functions.search.embedded import EmbeddedIndex

    engine = EmbeddedIndex(tmp_path / "index", synonyms=SYNONYMS)
    elsewhere = EmbeddedIndex(tmp_path / "index", synonyms=SYNONYMS)  # the local stack's indexer, say
    table = Table(engine, case_item("CB-1", "Printer jams"), case_item("CB-2", "Router reboots"))
    racer: list[threading.Thread] = []

    def during_load() -> None:
        table.write(case_item("CB-2", "Router reboots daily"))  # the load then overwrites it

    def during_reconcile() -> None:  # the reconcile scan has read CB-2 "daily"
        table.items["CB-2"] = case_item("CB-2", "Router reboots hourly")
        stream = Table(elsewhere)
        stream.items = dict(table.items)
        racer.append(threading.Thread(target=stream.write, args=(case_item("CB-2", "Router reboots hourly"),)))
        racer[0].start()

    def scan_reading_cb2_first():
        hooks = iter([during_load, during_reconcile])

        def scan() -> Iterator[dict[str, Any]]:
            hook = next(hooks)
            items = sorted(table.items.values(), key=lambda i: i["case_id"] != "CB-1")
            yield items[0]
            hook()
            yield from items[1:]

        return scan

    rebuild(engine, scan_reading_cb2_first(), [DocKind.CASE], MAPPERS)
    racer[0].join(timeout=60)

    assert not racer[0].is_alive()
    assert titles(engine)["CB-2"] == "Router reboots hourly"


def test_opensearch_reconcile_writes_are_conditional_on_what_it_noted():
    engine = _opensearch()
    table = Table(engine, case_item("CB-1", "Printer jams"), case_item("CB-2", "Router reboots"))

    def during_load() -> None:
        table.write(case_item("CB-1", "Printer jams daily"))
        table.remove("CB-2")
        table.write(case_item("CB-3", "Fax is silent"))

    rebuild(engine, table.scan_with(during_load=during_load), [DocKind.CASE], MAPPERS)

    actions = [line for line in FakeCluster.bulks[-1] if set(line) <= {"index", "create", "delete"}]
    assert [(op, meta["_id"]) for a in actions for op, meta in a.items()] == [
        ("index", "CB-1"),
        ("create", "CB-3"),
        ("delete", "CB-2"),
    ]
    for conditional in (actions[0]["index"], actions[2]["delete"]):
        assert isinstance(conditional["if_seq_no"], int) and conditional["if_primary_term"] == 1
    assert actions[1]["create"] == {"_index": "cb-test-case", "_id": "CB-3"}
