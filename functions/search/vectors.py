"""The vectors of one kind's embedded index, on disk beside its Tantivy index, cheap to open.

Exact search over 100,000 vectors re-read from Tantivy's stored documents took 16.5 s to open (and
again after every commit); one matrix product over them alone took about 90 ms on this project's
shared machines. This store opens by reading its id lines and mapping files (1.2 s at 100,000,
under heavy load) and answers from an HNSW graph (usearch); docs/language.md has the figures.

Files in ``<kind index>/vectors/``, one generation at a time (``CURRENT`` names it, the model and
dimension, and how many rows the graph covers):

* ``<gen>.f32``: the rows, ``dim`` little-endian float32 each, only ever appended (memory-mapped);
* ``<gen>.ids``: one line per row, ``+doc_id<TAB>{meta}`` (the document's vector and what a query by
  meaning needs of it without reading the text index: its title and filter fields, JSON) or
  ``-doc_id`` (deleted; its row is zeros), written after the row's vector, so a complete line always
  has its row. The last line of a ``doc_id`` wins: an update appends a row, a delete a tombstone.
  ``nearest`` returns each row's meta (parsed on first use; None where a writer gave none), so a
  query filters its candidates on the rows' own fields (``FORMAT`` 2; a generation of format 1,
  without meta, is not read: the engine rebuilds the store from the text index);
* ``<gen>-<rows>.usearch``: an HNSW graph (usearch, cosine, f16) over the rows before ``<rows>``
  whose keys are row numbers, opened as a memory-mapped view. Rows after it (at most ``DELTA_ROWS``)
  are searched exactly; hits on rows no longer live (updated, deleted) are dropped.

Writers append under the kind's Tantivy writer lock (one writer across processes, after the text
commit). When more than ``DELTA_ROWS`` rows are past the graph, the writer loads the graph, removes
the rows no longer live, adds the new ones and saves it under its new row count (renamed into
place; readers still mapping the old file keep it until they look again). A rebuild
(``replace``) writes a new generation and builds its graph at once. Readers read only the lines
added since they last looked.

Dead rows stay in the row file until the next rebuild (``casebridge search reindex``).
numpy and usearch are imported on first use (cold start).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

FORMAT = 2  # 2: each id line carries its row's meta (title, filter fields)
DELTA_ROWS = 2_000  # rows searched exactly past the graph before the writer folds them in
# The graph's knobs, by bench/vector_recall.py (docs/language.md "Speed at scale"): the similar-case
# query asks for 62 rows, so usearch searches at least that wide whatever ef says; recall@10 against
# exact search is 0.998 on MiniLM vectors of banking77 at ef 64 and 128, recall@50 0.995 / 0.998; on
# the 100,000-case word-vector stand-in 0.977 / 0.983 (recall@50 0.975 / 0.990) for 0.8 / 1.4 ms
# p50 a search. Connectivity 32 gained at most 0.003 of recall. 128 and 16 kept.
CONNECTIVITY = 16
EXPANSION_ADD = 128
EXPANSION_SEARCH = 128


def _onnxruntime_first() -> None:
    """Where onnxruntime is installed, import it before usearch: the other order crashes the process
    when onnxruntime is imported later (a clash of their native libraries: usearch 2.26.6,
    onnxruntime 1.31.1; tests/integration/test_embedder.py holds it)."""
    from importlib.util import find_spec  # noqa: PLC0415

    if "onnxruntime" not in sys.modules and find_spec("onnxruntime") is not None:
        import onnxruntime  # noqa: F401, PLC0415


def _np() -> Any:
    import numpy as np  # noqa: PLC0415 - heavy: first use only

    return np


def new_graph(dim: int, *, connectivity: int = CONNECTIVITY, expansion_search: int = EXPANSION_SEARCH) -> Any:
    """An empty HNSW graph as the store builds it (bench/vector_recall.py varies the two knobs)."""
    _onnxruntime_first()
    from usearch.index import Index  # noqa: PLC0415 - native module: first use only

    return Index(
        ndim=dim,
        metric="cos",
        dtype="f16",
        connectivity=connectivity,
        expansion_add=EXPANSION_ADD,
        expansion_search=expansion_search,
    )


# (doc_id, vector or None for a delete[, meta: a JSON-able mapping, e.g. the title and filter fields])
Entry = tuple[str, Sequence[float] | None] | tuple[str, Sequence[float] | None, Mapping[str, Any] | None]


class VectorStore:
    """One kind's vectors: ``append`` / ``replace`` (writers, under the index's writer lock) and
    ``nearest`` (readers, any process)."""

    def __init__(self, directory: Path, model_id: str, dim: int, *, delta_rows: int = DELTA_ROWS) -> None:
        self.directory = directory
        self.model_id = model_id
        self.dim = dim
        self.delta_rows = delta_rows
        self._lock = threading.Lock()
        self._meta_stamp: tuple[int, int, int] | None = None
        self._meta_cache: dict[str, Any] = {}
        self._reset(None)

    @classmethod
    def current(cls, directory: Path) -> VectorStore | None:
        """The store in ``directory`` of whatever model its current generation is (a writer without an
        embedder deletes its documents' rows there), or None."""
        try:
            meta = json.loads((directory / "CURRENT").read_text())
        except (FileNotFoundError, ValueError):
            return None
        if meta.get("format") != FORMAT:
            return None
        return cls(directory, str(meta["model"]), int(meta["dim"]))

    # ------------------------------------------------------------------ files
    def _meta(self) -> tuple[int, int] | None:
        """(generation in use, rows its graph covers), or None (no vectors yet, or another model's);
        ``CURRENT`` is read again only when it has changed (one stat a query)."""
        path = self.directory / "CURRENT"
        try:
            st = path.stat()
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
            if stamp != self._meta_stamp:
                self._meta_cache, self._meta_stamp = json.loads(path.read_text()), stamp
        except (FileNotFoundError, ValueError):
            return None
        meta = self._meta_cache
        if meta.get("model") != self.model_id or meta.get("dim") != self.dim or meta.get("format") != FORMAT:
            return None
        return int(meta["gen"]), int(meta.get("graph_rows", 0))

    def _current(self) -> int | None:
        meta = self._meta()
        return meta[0] if meta else None

    def exists(self) -> bool:
        """A generation of this format is current (of any model: another model's is not rebuilt from the text index)."""
        try:
            return json.loads((self.directory / "CURRENT").read_text()).get("format") == FORMAT
        except (FileNotFoundError, ValueError):
            return False

    def _paths(self, gen: int) -> tuple[Path, Path]:
        return self.directory / f"{gen}.f32", self.directory / f"{gen}.ids"

    def _graph_path(self, gen: int, rows: int) -> Path:
        return self.directory / f"{gen}-{rows}.usearch"

    # ------------------------------------------------------------------ reading
    def _reset(self, gen: int | None) -> None:
        self._gen = gen
        self._offset = 0  # bytes of the ids file read
        self._ids: list[str] = []  # doc_id of each row
        self._raw_meta: list[str] = []  # each row's meta as written (JSON; "" for none)
        self._parsed: dict[int, dict[str, Any] | None] = {}  # row -> meta, parsed on first use
        self._row_of: dict[str, int] = {}  # live doc_id -> its row
        self._live: Any = _np().zeros(0, dtype=bool)
        self._matrix: Any = None
        self._graph: Any = None
        self._graph_rows = 0
        self._graph_file: Path | None = None

    def _refresh(self) -> None:
        """Take in what writers added since the last look (a new generation: start again)."""
        np = _np()
        meta = self._meta()
        gen, graph_rows = meta if meta else (None, 0)
        if gen != self._gen:
            self._reset(gen)
        if gen is None:
            return
        vec_path, ids_path = self._paths(gen)
        try:
            if ids_path.stat().st_size <= self._offset:
                tail = b""
            else:
                with ids_path.open("rb") as fh:
                    fh.seek(self._offset)
                    tail = fh.read()
        except FileNotFoundError:
            return
        end = tail.rfind(b"\n") + 1
        if end:
            self._offset += end
            start = len(self._ids)
            lines = tail[: end - 1].decode("utf-8").split("\n")  # not splitlines: ids may hold U+2028
            live = np.zeros(start + len(lines), dtype=bool)
            live[:start] = self._live
            for row, line in enumerate(lines, start):
                doc_id, _, raw = line[1:].partition("\t")
                old = self._row_of.pop(doc_id, None)
                if old is not None:
                    live[old] = False
                if line[0] == "+":
                    self._row_of[doc_id] = row
                    live[row] = True
                self._ids.append(doc_id)
                self._raw_meta.append(raw)
            self._live = live
            self._matrix = np.memmap(vec_path, dtype="<f4", mode="r", shape=(len(self._ids), self.dim))
        graph_file = self._graph_path(gen, graph_rows)
        if graph_rows and graph_file != self._graph_file:
            graph = new_graph(self.dim)
            try:
                graph.view(str(graph_file))
            except (OSError, RuntimeError, ValueError):  # a writer folded it away meanwhile: next look
                return
            self._graph, self._graph_rows, self._graph_file = graph, graph_rows, graph_file

    def mark(self) -> tuple[int | None, int]:
        """Changes whenever writers have appended or rebuilt since (readers of the text index reload then)."""
        with self._lock:
            self._refresh()
            return (self._gen, len(self._ids))

    def count(self) -> int:
        """Live vectors (as of the writers' last append)."""
        with self._lock:
            self._refresh()
            return len(self._row_of)

    def vector(self, doc_id: str) -> Any:
        """The live vector of ``doc_id`` (a float32 array of ``dim``), or None where it has none."""
        with self._lock:
            self._refresh()
            row = self._row_of.get(doc_id)
            if row is None:
                return None
            return _np().array(self._matrix[row], dtype=_np().float32)

    def nearest(self, query: Sequence[float], wanted: int) -> Iterator[tuple[str, float]]:
        """Live documents by cosine to ``query``, best first: ``(doc_id, score)`` (``rows`` without the meta)."""
        for doc_id, score, _ in self.rows(query, wanted):
            yield doc_id, score

    def _meta_of(self, row: int, raw: Sequence[str]) -> dict[str, Any] | None:
        if row in self._parsed:
            return self._parsed[row]
        meta = json.loads(raw[row]) if raw[row] else None
        self._parsed[row] = meta
        return meta

    def rows(self, query: Sequence[float], wanted: int) -> Iterator[tuple[str, float, dict[str, Any] | None]]:
        """Live documents by cosine to ``query``, best first: ``(doc_id, score, meta)``. Lazy: callers
        that filter take what they need; past the first ``wanted`` the search is widened (x4 each time)."""
        np = _np()
        with self._lock:
            self._refresh()
            if self._gen is None or not self._row_of:
                return
            ids, live, matrix, raw = self._ids, self._live, self._matrix, self._raw_meta
            graph, graph_rows = self._graph, self._graph_rows
        q = np.asarray(query, dtype=np.float32)
        n = len(ids)
        delta = np.arange(graph_rows if graph is not None else 0, n)
        delta = delta[live[delta]]
        delta_scores = matrix[delta] @ q if len(delta) else np.zeros(0, dtype=np.float32)
        seen: set[int] = set()
        count = max(1, wanted)
        while True:
            rows: list[int] = []
            scores: list[float] = []
            if graph is not None and len(graph):
                dead = max(0, len(graph) - int(live[:graph_rows].sum()))  # in the graph, no longer live
                found = graph.search(q, min(count + dead, len(graph)))
                for key, distance in zip(found.keys, found.distances, strict=True):
                    if live[int(key)]:
                        rows.append(int(key))
                        scores.append(1.0 - float(distance))
            if len(delta):
                top = delta_scores.argsort()[::-1][:count]
                rows.extend(int(delta[i]) for i in top)
                scores.extend(float(delta_scores[i]) for i in top)
            order = sorted(range(len(rows)), key=lambda i: -scores[i])
            for i in order:
                if rows[i] not in seen:
                    seen.add(rows[i])
                    yield ids[rows[i]], scores[i], self._meta_of(rows[i], raw)
            exhausted = (graph is None or count >= len(graph)) and count >= len(delta)
            if exhausted or len(seen) >= len(self._row_of):
                return
            count *= 4

    # ------------------------------------------------------------------ writing (under the writer lock)
    def append(self, entries: Sequence[Entry]) -> None:
        """Vectors of documents written (``None``: the document is deleted), in order, each with its
        meta where given (``(doc_id, vector, meta)``)."""
        if not entries:
            return
        np = _np()
        gen = self._current()
        if gen is None:
            self.replace([])
            gen = self._current()
            assert gen is not None
        vec_path, ids_path = self._paths(gen)
        rows = np.zeros((len(entries), self.dim), dtype="<f4")
        lines = []
        for i, entry in enumerate(entries):
            doc_id, vector = entry[0], entry[1]
            _check_id(doc_id)
            if vector is not None:
                rows[i] = np.asarray(vector, dtype=np.float32)
                lines.append(f"+{doc_id}{_meta_text(entry)}\n")
            else:
                lines.append(f"-{doc_id}\n")
        with vec_path.open("ab") as fh:
            fh.write(rows.tobytes())
            fh.flush()
            os.fsync(fh.fileno())
        with ids_path.open("a", encoding="utf-8") as fh:
            fh.write("".join(lines))
        with self._lock:
            self._refresh()
            past = len(self._ids) - self._graph_rows
        if past > self.delta_rows:
            self._fold(gen)

    def replace(self, entries: Sequence[Entry]) -> None:
        """A new generation holding exactly ``entries`` (a rebuild), its graph built at once."""
        np = _np()
        self.directory.mkdir(parents=True, exist_ok=True)
        old = self._current()
        gen = (old or 0) + 1
        while any(self.directory.glob(f"{gen}.*")) or any(self.directory.glob(f"{gen}-*")):
            gen += 1
        vec_path, ids_path = self._paths(gen)
        unique = list({entry[0]: entry for entry in entries}.values())
        for entry in unique:
            _check_id(entry[0])
        matrix = np.asarray([entry[1] for entry in unique], dtype="<f4").reshape(len(unique), self.dim)
        matrix.tofile(vec_path)
        ids_path.write_text("".join(f"+{entry[0]}{_meta_text(entry)}\n" for entry in unique), encoding="utf-8")
        if unique:
            graph = new_graph(self.dim)
            graph.add(np.arange(len(unique), dtype=np.uint64), matrix)
            self._save(graph, gen, len(unique))
        self._write_current(gen, len(unique))
        self._remove_other_generations(gen)

    def _fold(self, gen: int) -> None:
        """Fold the rows past the graph into it (and drop the rows no longer live from it)."""
        np = _np()
        with self._lock:
            ids, live, matrix, graph_file, graph_rows = (
                self._ids,
                self._live,
                self._matrix,
                self._graph_file,
                self._graph_rows,
            )
        graph = new_graph(self.dim)
        if graph_file is not None:
            graph.load(str(graph_file))
            dead = np.flatnonzero(~live[:graph_rows]).astype(np.uint64)
            present = dead[np.asarray(graph.contains(dead), dtype=bool)] if len(dead) else dead
            if len(present):
                graph.remove(present)
        new = np.arange(graph_rows, len(ids))
        new = new[live[new]]
        if len(new):
            graph.add(new.astype(np.uint64), np.ascontiguousarray(matrix[new]))
        self._save(graph, gen, len(ids))
        self._write_current(gen, len(ids))
        if graph_file is not None:
            graph_file.unlink(missing_ok=True)

    def _save(self, graph: Any, gen: int, rows: int) -> None:
        final = self.directory / f"{gen}-{rows}.usearch"
        tmp = self.directory / f".{gen}-{rows}.usearch.tmp"
        graph.save(str(tmp))
        os.replace(tmp, final)

    def _write_current(self, gen: int, graph_rows: int) -> None:
        tmp = self.directory / ".CURRENT.tmp"
        tmp.write_text(
            json.dumps(
                {"gen": gen, "model": self.model_id, "dim": self.dim, "graph_rows": graph_rows, "format": FORMAT}
            )
        )
        os.replace(tmp, self.directory / "CURRENT")

    def _remove_other_generations(self, keep: int) -> None:
        for path in self.directory.iterdir():
            head = path.name.split(".", 1)[0].split("-", 1)[0]
            if head.isdigit() and int(head) != keep:
                path.unlink(missing_ok=True)


def _check_id(doc_id: str) -> None:
    if not doc_id or "\n" in doc_id or "\r" in doc_id or "\t" in doc_id:
        raise ValueError(f"a document id for the vector store has no line break or tab and is not empty: {doc_id!r}")


def _meta_text(entry: Entry) -> str:
    """The id line's meta part: a tab and the meta as one line of JSON ("" without meta)."""
    meta = entry[2] if len(entry) > 2 else None  # noqa: PLR2004
    return "\t" + json.dumps(meta, separators=(",", ":")) if meta is not None else ""
