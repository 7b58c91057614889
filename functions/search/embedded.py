"""The embedded search engine: Tantivy (Rust, through its official Python bindings), on disk.

Used by default on the local stack and wherever no OpenSearch endpoint is configured.

* One index directory per kind under ``directory`` (``<dir>/<kind>-v<SCHEMA_VERSION>``), so one
  query can span kinds and each hit says its kind.
* Text fields use Tantivy's ``en_stem`` analyzer (words, lower case, Snowball English stemmer), so
  "refunds" finds "refund". Query words are expanded with the deployment's synonym file.
* Filters: every ``SearchDoc.fields`` value is indexed as an exact term ``key=value`` in one
  raw-tokenized field; filters are MUST clauses, excludes MUST_NOT.
* Writes: one writer per index at a time. A write batch takes Tantivy's writer lock (a lock file,
  so other processes wait their turn: the local stack's stream indexer and ``casebridge search
  reindex`` can run together), applies deletes and adds, commits, and lets the lock go. Readers
  reload on commit (this process at once; others when Tantivy sees the new commit).
* Reindex replaces a kind's documents in one commit (no empty index in between); the reconcile
  pass that follows holds the writer lock from reading the index to its commit
  (functions.search.reindex).
* Vectors (hybrid search): with an ``Embedder``, every document written gets its vector (title and
  body, ``functions.search.port.embedding_text``), computed on write (the stream indexer and
  rebuilds are the only writers: never in a request) and stored beside its text in the same
  Tantivy document (float16 bytes), and appended, after the text's commit and under the same
  writer lock, to the kind's vector store beside the index (``functions.search.vectors``: rows
  memory-mapped, an HNSW graph, cheap to open at 100,000 documents), each row with its document's
  title and filter fields (the row's meta). A delete appends a tombstone; a process without an
  embedder that writes a document deletes its row (a row never keeps fields older than its text).
  Queries with a ``vector_weight`` embed the query's own text (or, ``SearchQuery.like``, read the
  vector stored for the document they are like: ``GET /cases/{id}/similar`` embeds nothing), take
  the nearest live rows from the
  store and keep those whose meta passes the query's filters (``functions.search.query.
  passes_filters``, as Tantivy's term filters do): no stored document is read for the candidates;
  none under the query's ``min_similarity``, and lexical hits far by meaning are dropped as
  ``functions.search.query.drop_far_lexical`` says), then fuse the lexical and vector rankings
  (``functions.search.query.fuse``); only the hits returned that were found by meaning alone are
  read from Tantivy (snippet, matched words). An index written before the vector store existed (or
  whose store has no meta, format 1) gets its store from the stored documents the first time it is
  searched by meaning.
* ``tantivy``, numpy and usearch are imported on first use, never at module import (cold start).
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, cast

from functions.search.analysis import STOP_WORDS, Synonyms, load_synonyms
from functions.search.port import (
    DocKind,
    DocRef,
    Embedder,
    Reconciled,
    SearchDoc,
    SearchHit,
    SearchQuery,
    embedding_text,
)
from functions.search.query import (
    FIELD_BOOSTS,
    VECTOR_CANDIDATES,
    Term,
    drop_far_lexical,
    fuse,
    passes_filters,
    plan,
    rerank_by_consensus,
    select_terms,
    stem_weights,
)
from functions.search.vectors import Entry, VectorStore

SCHEMA_VERSION = 2  # 2: the vector field
TEXT_FIELDS = ("title", "keywords", "body")
SNIPPET_CHARS = 160
WRITER_HEAP_BYTES = 32_000_000
LOCK_WAIT_SECONDS = 30.0
_SEP = "="


@lru_cache(maxsize=1)
def _tantivy() -> Any:
    import tantivy  # noqa: PLC0415 - heavy native module: first use only

    return tantivy


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    """The analyzer of Tantivy's ``en_stem`` (simple tokenizer, long-token cut, lower case, English stemmer)."""
    t = _tantivy()
    return (
        t.TextAnalyzerBuilder(t.Tokenizer.simple())
        .filter(t.Filter.remove_long(40))
        .filter(t.Filter.lowercase())
        .filter(t.Filter.stemmer("english"))
        .build()
    )


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    tokens = _analyzer().analyze(word)
    return tokens[0] if tokens else ""


def analyze(text: str) -> list[str]:
    return list(_analyzer().analyze(text))


def _schema() -> Any:
    t = _tantivy()
    b = t.SchemaBuilder()
    b.add_text_field("doc_id", stored=True, tokenizer_name="raw")
    for name in TEXT_FIELDS:
        b.add_text_field(name, stored=True, tokenizer_name="en_stem")
    b.add_text_field("filters", stored=False, tokenizer_name="raw", index_option="basic")
    b.add_bytes_field("source", stored=True)
    b.add_bytes_field("vector", stored=True)  # float16, little-endian; absent without an embedder
    return b.build()


def _filter_terms(key: str, value: str | list[str]) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [f"{key}{_SEP}{v}" for v in values]


class _KindIndex:
    """One kind's Tantivy index and its write lock."""

    def __init__(self, path: Path) -> None:
        t = _tantivy()
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.schema = _schema()
        self.index = t.Index(self.schema, path=str(path), reuse=True)
        self.lock = threading.Lock()
        self._stores: dict[tuple[str, int], VectorStore] = {}
        self.vectors_seen: tuple[int | None, int] = (None, 0)
        self._store_lock = threading.Lock()

    def vector_store(self, embedder: Embedder) -> VectorStore:
        """The kind's vectors of ``embedder``'s model (``functions.search.vectors``); an index written
        before the store existed gets it from its stored vectors, once."""
        key = (embedder.model_id, embedder.dim)
        store = self._stores.get(key)
        if store is None:
            with self._store_lock:
                store = self._stores.get(key)
                if store is None:
                    store = VectorStore(self.path / "vectors", embedder.model_id, embedder.dim)
                    if not store.exists() and self.index.searcher().num_docs:
                        with self.writing(after=lambda: store.replace(list(self._stored_vectors()))):
                            pass
                    self._stores[key] = store
        return store

    def _stored_vectors(self) -> Iterator[tuple[str, Any, dict[str, Any]]]:
        """(doc_id, vector, meta) of every document stored with a vector (the slow path: every document read)."""
        import numpy as np  # noqa: PLC0415

        t = _tantivy()
        self.index.reload()
        searcher = self.index.searcher()
        if not searcher.num_docs:
            return
        for _, address in searcher.search(t.Query.all_query(), searcher.num_docs).hits:
            stored = searcher.doc(address)
            raw = stored.get_first("vector")
            if raw:
                doc = SearchDoc.model_validate_json(stored.get_first("source"))
                yield doc.doc_id, np.frombuffer(raw, dtype="<f2").astype(np.float32), _vector_meta(doc)

    @contextmanager
    def writing(self, after: Callable[[], None] | None = None) -> Iterator[Any]:
        """This index's writer, held (lock taken) for the block: committed at the end, rolled back on
        error; ``after`` runs once the commit has landed, still holding the lock (the vector store)."""
        with self.lock:
            writer = self._writer()
            try:
                yield writer
                writer.commit()
                if after is not None:
                    after()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()  # also gives the writer lock back
            self.index.reload()

    def write(self, deletes: Sequence[str], adds: Sequence[Any], after: Callable[[], None] | None = None) -> None:
        with self.writing(after) as writer:
            for doc_id in deletes:
                writer.delete_documents_by_term("doc_id", doc_id)
            for doc in adds:
                writer.add_document(doc)

    def replace(self, adds: Sequence[Any], after: Callable[[], None] | None = None) -> None:
        """Every document replaced by ``adds`` in one commit: readers see the old set until then."""
        with self.writing(after) as writer:
            writer.delete_all_documents()
            for doc in adds:
                writer.add_document(doc)

    def all_docs(self) -> dict[str, SearchDoc]:
        """Every stored document, by id (as of the last commit)."""
        t = _tantivy()
        self.index.reload()
        searcher = self.index.searcher()
        if searcher.num_docs == 0:
            return {}
        found = searcher.search(t.Query.all_query(), searcher.num_docs).hits
        docs = (SearchDoc.model_validate_json(searcher.doc(address).get_first("source")) for _, address in found)
        return {doc.doc_id: doc for doc in docs}

    def _writer(self) -> Any:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        delay = 0.01
        while True:
            try:
                return self.index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
            except ValueError as exc:  # another process holds the writer lock
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)


class EmbeddedIndex:
    """``SearchIndex`` on Tantivy indexes under ``directory``."""

    def __init__(
        self, directory: str | Path, synonyms: Synonyms | None = None, embedder: Embedder | None = None
    ) -> None:
        self.directory = Path(directory)
        self.synonyms = synonyms if synonyms is not None else load_synonyms()
        self.embedder = embedder
        self._kinds: dict[DocKind, _KindIndex] = {}
        self._open_lock = threading.Lock()

    # ------------------------------------------------------------------ plumbing
    def _kind(self, kind: DocKind) -> _KindIndex:
        ix = self._kinds.get(kind)
        if ix is None:
            with self._open_lock:
                ix = self._kinds.get(kind)
                if ix is None:
                    ix = _KindIndex(self.directory / f"{kind.value}-v{SCHEMA_VERSION}")
                    self._kinds[kind] = ix
        return ix

    def _documents(self, docs: Sequence[SearchDoc]) -> tuple[list[Any], list[Entry]]:
        """Tantivy documents, each with its vector when the engine has an embedder (one batch), and
        the (doc_id, vector, meta) entries for the vector store (without an embedder: a delete of
        each, so no row keeps filter fields older than the text's)."""
        if self.embedder is None or not docs:
            return [self._document(d) for d in docs], [(d.doc_id, None) for d in docs]
        vectors = self.embedder.embed([embedding_text(d) for d in docs])
        entries: list[Entry] = [(d.doc_id, v, _vector_meta(d)) for d, v in zip(docs, vectors, strict=True)]
        return [self._document(d, v) for d, v in zip(docs, vectors, strict=True)], entries

    def _append_vectors(self, kind: DocKind, written: Sequence[Entry]) -> Callable[[], None] | None:
        """What to run after a commit: the vectors written (None: deleted) appended to the kind's store
        (``written`` is read when it runs). Called before the kind's writer lock is taken. Without an
        embedder, the documents written are deleted from the store there is (whatever its model):
        their rows' meta would no longer be their text's, and a query by meaning trusts it."""
        if self.embedder is not None:
            store: VectorStore | None = self._kind(kind).vector_store(self.embedder)
        else:
            store = VectorStore.current(self._kind(kind).path / "vectors")
        if store is None:
            return None
        return lambda: store.append(written)

    def _document(self, doc: SearchDoc, vector: Sequence[float] | None = None) -> Any:
        t = _tantivy()
        d = t.Document()
        d.add_text("doc_id", doc.doc_id)
        d.add_text("title", doc.title)
        d.add_text("body", doc.body)
        for kw in doc.keywords:
            d.add_text("keywords", kw)
        for key, value in doc.fields.items():
            for term in _filter_terms(key, value):
                d.add_text("filters", term)
        d.add_bytes("source", doc.model_dump_json().encode())
        if vector is not None:
            import numpy as np  # noqa: PLC0415

            d.add_bytes("vector", np.asarray(vector, dtype="<f2").tobytes())
        return d

    # ------------------------------------------------------------------ writes
    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        by_kind: dict[DocKind, list[SearchDoc]] = {}
        for doc in docs:
            by_kind.setdefault(doc.kind, []).append(doc)
        for kind, group in by_kind.items():
            adds, vectors = self._documents(group)
            self._kind(kind).write([d.doc_id for d in group], adds, self._append_vectors(kind, vectors))

    def delete(self, kind: DocKind, doc_ids: Sequence[str]) -> None:
        if doc_ids:
            self._kind(kind).write(list(doc_ids), [], self._append_vectors(kind, [(i, None) for i in doc_ids]))

    def recreate(self, kind: DocKind) -> None:
        self.reindex(kind, [])

    def reindex(self, kind: DocKind, docs: Iterable[SearchDoc]) -> int:
        """Replace a kind's documents in one commit (searches see the old ones until it lands)."""
        adds, vectors = self._documents(list({d.doc_id: d for d in docs}.values()))
        ix = self._kind(kind)
        after = None
        store = (
            ix.vector_store(self.embedder) if self.embedder is not None else VectorStore.current(ix.path / "vectors")
        )
        if store is not None:  # without an embedder: emptied (no row keeps meta older than its text)
            after = lambda: store.replace([e for e in vectors if e[1] is not None])  # noqa: E731
        ix.replace(adds, after)
        return len(adds)

    def reconcile(
        self, kinds: Sequence[DocKind], read: Callable[[], Mapping[DocKind, Sequence[SearchDoc]]]
    ) -> dict[DocKind, Reconciled]:
        """Write what differs from ``read()``, holding the kinds' writer locks from reading the
        index to the commit: no stream write lands in between, and those waiting land after."""
        from functions.search.reindex import differences  # noqa: PLC0415

        ordered = sorted(set(kinds), key=list(DocKind).index)  # one order: no lock-order deadlock
        out: dict[DocKind, Reconciled] = {}
        written: dict[DocKind, list[Entry]] = {kind: [] for kind in ordered}
        # the stores are opened before any lock is taken (opening one may write it); the lists fill below
        afters = {kind: self._append_vectors(kind, written[kind]) for kind in ordered}
        with ExitStack() as stack:
            writers = {kind: stack.enter_context(self._kind(kind).writing(afters[kind])) for kind in ordered}
            noted = {kind: self._kind(kind).all_docs() for kind in ordered}
            fresh = read()
            for kind in ordered:
                writes, deletes = differences(noted[kind], fresh.get(kind, ()))
                writer = writers[kind]
                for doc_id in [*deletes, *(d.doc_id for d in writes)]:
                    writer.delete_documents_by_term("doc_id", doc_id)
                tdocs, vectors = self._documents(writes)
                for tdoc in tdocs:
                    writer.add_document(tdoc)
                written[kind].extend([*((doc_id, None) for doc_id in deletes), *vectors])
                out[kind] = Reconciled(upserted=len(writes), deleted=len(deletes))
        return out

    def refresh(self) -> None:
        for ix in self._kinds.values():
            ix.index.reload()

    # ------------------------------------------------------------------ reads
    def count(self, kind: DocKind) -> int:
        return int(self._kind(kind).index.searcher().num_docs)

    def get(self, kind: DocKind, doc_id: str) -> SearchDoc | None:
        t = _tantivy()
        ix = self._kind(kind)
        searcher = ix.index.searcher()
        hits = searcher.search(t.Query.term_query(ix.schema, "doc_id", doc_id), 1).hits
        if not hits:
            return None
        return SearchDoc.model_validate_json(searcher.doc(hits[0][1]).get_first("source"))

    def search(self, query: SearchQuery) -> list[SearchHit]:
        terms = plan(query.text, self.synonyms)
        hybrid = self.embedder is not None and query.vector_weight > 0 and bool(query.text.strip())
        if not terms and not hybrid:
            return []
        wanted = max(query.limit, query.candidates)
        hits: list[SearchHit] = []
        snippets: dict[tuple[DocKind, str], Callable[[], str]] = {}  # lexical hits' snippets, made for those returned
        for kind in dict.fromkeys(query.kinds):
            if terms:
                hits.extend(self._search_kind(self._kind(kind), kind, query, terms, wanted, snippets))
        hits.sort(key=lambda h: -h.score)
        hits = hits[:wanted]
        if hybrid:
            assert self.embedder is not None
            qvec = self._like_vector(query.like) if query.like is not None else None
            if qvec is None:
                qvec = self.embedder.embed([query.text])[0]
            near: list[SearchHit] = []
            near_docs: dict[tuple[DocKind, str], SearchDoc] = {}
            complete: set[DocKind] = set()  # kinds whose list the floor cut short: all above it are there
            k = max(wanted, VECTOR_CANDIDATES)
            for kind in dict.fromkeys(query.kinds):
                found = self._nearest(self._kind(kind), kind, query, qvec, k, near_docs)
                if query.min_similarity is not None and len(found) < k:
                    complete.add(kind)
                near.extend(found)
            near.sort(key=lambda h: -h.score)
            hits = drop_far_lexical(hits, near, complete, query)
            lexical_ids = {(h.kind, h.doc_id) for h in hits}
            hits = fuse(hits, near, query.lexical_weight, query.vector_weight, limit=wanted)
        if query.consensus_field:
            hits = rerank_by_consensus(hits, query.consensus_field, query.consensus_weight)
        hits = hits[: query.limit]
        if snippets:
            hits = [
                h.model_copy(update={"snippet": snippets[(h.kind, h.doc_id)]()})
                if (h.kind, h.doc_id) in snippets
                else h
                for h in hits
            ]
        if hybrid:
            # found by meaning alone: snippet and matched words for the hits returned (their text is
            # read from the index now; the vector side needed only the store's meta)
            alone = [h for h in hits if (h.kind, h.doc_id) not in lexical_ids and (h.kind, h.doc_id) not in near_docs]
            for kind in dict.fromkeys(h.kind for h in alone):
                near_docs.update(self._stored(kind, [h.doc_id for h in alone if h.kind == kind]))
            hits = [h if (h.kind, h.doc_id) in lexical_ids else _described(h, query, near_docs) for h in hits]
        return hits

    def _like_vector(self, ref: DocRef) -> Sequence[float] | None:
        """The vector stored for ``ref`` by this engine's model (None: not indexed with one)."""
        assert self.embedder is not None
        store = self._kind(ref.kind).vector_store(self.embedder)
        vector = store.vector(ref.doc_id)
        return None if vector is None else cast(Sequence[float], vector)

    def _search_kind(
        self,
        ix: _KindIndex,
        kind: DocKind,
        query: SearchQuery,
        terms: list[Term],
        limit: int,
        snippets: dict[tuple[DocKind, str], Callable[[], str]] | None = None,
    ) -> list[SearchHit]:
        """The lexical hits of one kind; with ``snippets``, each hit's snippet is left to the caller
        (made by ``snippets[(kind, doc_id)]()``, for the hits it returns), else made here."""
        t = _tantivy()
        searcher = ix.index.searcher()
        total = searcher.num_docs
        if total == 0:
            return []
        stems = self._select(searcher, terms, total)
        if not stems:
            return []
        schema = ix.schema
        should = []
        for s, weight in stems.items():
            per_field = [
                t.Query.boost_query(t.Query.term_query(schema, f, s, index_option="freq"), boost * weight)
                for f, boost in FIELD_BOOSTS.items()
            ]
            should.append((t.Occur.Should, t.Query.disjunction_max_query(per_field, tie_breaker=0.3)))
        text_query = t.Query.boolean_query(should)
        clauses = [(t.Occur.Must, text_query), *self._filter_clauses(schema, query)]
        if query.exclude_ids:
            clauses.append((t.Occur.MustNot, t.Query.term_set_query(schema, "doc_id", list(query.exclude_ids))))
        final = t.Query.boolean_query(clauses) if len(clauses) > 1 else text_query
        found = searcher.search(final, limit).hits
        if not found:
            return []
        generators: dict[str, Any] = {}

        def snippet(stored: Any, doc: SearchDoc) -> str:
            if not generators:
                generators.update(
                    {f: self._snippet_generator(searcher, text_query, schema, f) for f in ("body", "title")}
                )
            return self._snippet(generators, stored, doc)

        word_stems = {term.word: stem(term.word) for term in terms}
        out: list[SearchHit] = []
        for score, address in found:
            stored = searcher.doc(address)
            doc = SearchDoc.model_validate_json(stored.get_first("source"))
            doc_stems = set(analyze(" ".join((doc.title, doc.body, *doc.keywords))))
            if query.highlight and snippets is not None:
                snippets[(kind, doc.doc_id)] = partial(snippet, stored, doc)
            out.append(
                SearchHit(
                    doc_id=doc.doc_id,
                    kind=kind,
                    score=float(score),
                    title=doc.title,
                    snippet=snippet(stored, doc) if query.highlight and snippets is None else "",
                    matched_terms=[w for w, s in word_stems.items() if s and s in doc_stems and w not in STOP_WORDS],
                    fields=dict(doc.fields),
                )
            )
        return out

    def _nearest(
        self,
        ix: _KindIndex,
        kind: DocKind,
        query: SearchQuery,
        qvec: Sequence[float],
        limit: int,
        found: dict[tuple[DocKind, str], SearchDoc] | None = None,
    ) -> list[SearchHit]:
        """The ``limit`` live documents nearest ``qvec`` (the vector store's ranking) whose row's meta
        passes the query's filters (a row without meta, which the engine does not write: checked by
        Tantivy a batch at a time); none below the query's ``min_similarity`` (the store's ranking
        is best first: it stops there)."""
        assert self.embedder is not None
        excluded = set(query.exclude_ids)
        floor = query.min_similarity
        out: list[SearchHit] = []
        batch: list[tuple[str, float]] = []
        # a quarter more than wanted: a few candidates filtered out do not cost a second, larger round
        size = limit + limit // 4 + len(excluded)
        store = ix.vector_store(self.embedder)
        mark = store.mark()
        if mark != ix.vectors_seen:  # vectors another process wrote: its text commit landed before them
            ix.index.reload()
            ix.vectors_seen = mark
        for doc_id, score, meta in store.rows(qvec, size):
            if floor is not None and score < floor:
                break
            if doc_id in excluded:
                continue
            if meta is not None:  # the row's own title and fields, as of its text's commit
                fields = meta.get("fields") or {}
                if passes_filters(fields, query):
                    out.append(
                        SearchHit.model_construct(
                            doc_id=doc_id,
                            kind=kind,
                            score=score,
                            title=meta.get("title", ""),
                            snippet="",
                            matched_terms=[],
                            fields=dict(fields),
                            similarity=score,
                        )
                    )
                    if len(out) >= limit:
                        break
                continue
            batch.append((doc_id, score))  # a row written without meta: checked against the index
            if len(batch) >= size:
                out.extend(self._held(ix, kind, query, batch, found))
                batch = []
                if len(out) >= limit:
                    break
                size *= 4  # filters left too few: look further
        if batch:
            out.extend(self._held(ix, kind, query, batch, found))
        if batch or len(out) > limit:
            out.sort(key=lambda h: -h.score)  # rows with and without meta, interleaved again
        return out[:limit]

    def _held(
        self,
        ix: _KindIndex,
        kind: DocKind,
        query: SearchQuery,
        candidates: Sequence[tuple[str, float]],
        found: dict[tuple[DocKind, str], SearchDoc] | None,
    ) -> list[SearchHit]:
        """The candidates (doc_id, score), in order, that the index holds and the query's filters pass."""
        t = _tantivy()
        schema = ix.schema
        searcher = ix.index.searcher()
        ids = [doc_id for doc_id, _ in candidates]
        clauses = [(t.Occur.Must, t.Query.term_set_query(schema, "doc_id", ids)), *self._filter_clauses(schema, query)]
        docs: dict[str, SearchDoc] = {}
        for _, address in searcher.search(t.Query.boolean_query(clauses), len(ids)).hits:
            doc = SearchDoc.model_validate_json(searcher.doc(address).get_first("source"))
            docs[doc.doc_id] = doc
        out: list[SearchHit] = []
        for doc_id, score in candidates:
            held = docs.get(doc_id)
            if held is None:
                continue
            # model_construct: the values are a validated document's (a query builds dozens of these)
            out.append(
                SearchHit.model_construct(
                    doc_id=doc_id,
                    kind=kind,
                    score=score,
                    title=held.title,
                    snippet="",
                    matched_terms=[],
                    fields=dict(held.fields),
                    similarity=score,
                )
            )
            if found is not None:
                found[(kind, doc_id)] = held
        return out

    def _stored(self, kind: DocKind, doc_ids: Sequence[str]) -> dict[tuple[DocKind, str], SearchDoc]:
        """The stored documents of ``doc_ids`` the index holds (one term-set query)."""
        t = _tantivy()
        ix = self._kind(kind)
        searcher = ix.index.searcher()
        query = t.Query.term_set_query(ix.schema, "doc_id", list(doc_ids))
        out: dict[tuple[DocKind, str], SearchDoc] = {}
        for _, address in searcher.search(query, len(doc_ids)).hits:
            doc = SearchDoc.model_validate_json(searcher.doc(address).get_first("source"))
            out[(kind, doc.doc_id)] = doc
        return out

    def _filter_clauses(self, schema: Any, query: SearchQuery) -> list[tuple[Any, Any]]:
        t = _tantivy()
        clauses = [(t.Occur.Must, self._any_of(schema, key, value)) for key, value in query.filters.items()]
        clauses += [(t.Occur.MustNot, self._any_of(schema, key, value)) for key, value in query.exclude.items()]
        return clauses

    def _select(self, searcher: Any, terms: list[Term], total: int) -> dict[str, float]:
        """Stems to search for, with weights (functions.search.query.select_terms, as OpenSearch does)."""
        return select_terms(
            stem_weights(terms, stem), total, lambda s: max(searcher.doc_freq(f, s) for f in TEXT_FIELDS)
        )

    @staticmethod
    def _any_of(schema: Any, key: str, value: str | list[str]) -> Any:
        t = _tantivy()
        return t.Query.term_set_query(schema, "filters", _filter_terms(key, value))

    @staticmethod
    def _snippet_generator(searcher: Any, query: Any, schema: Any, field: str) -> Any:
        t = _tantivy()
        gen = t.SnippetGenerator.create(searcher, query, schema, field)
        gen.set_max_num_chars(SNIPPET_CHARS)
        return gen

    @staticmethod
    def _snippet(generators: dict[str, Any], stored: Any, doc: SearchDoc) -> str:
        for field in ("body", "title"):
            snippet = generators[field].snippet_from_doc(stored)
            ranges = snippet.highlighted()
            if not ranges:
                continue
            raw = snippet.fragment().encode("utf-8")  # highlight ranges: byte offsets in the fragment
            parts: list[str] = []
            pos = 0
            for r in sorted(ranges, key=lambda r: r.start):
                parts.append(html.escape(raw[pos : r.start].decode("utf-8", errors="ignore")))
                parts.append("<em>" + html.escape(raw[r.start : r.end].decode("utf-8", errors="ignore")) + "</em>")
                pos = r.end
            parts.append(html.escape(raw[pos:].decode("utf-8", errors="ignore")))
            return "".join(parts).strip()
        text = doc.body or doc.title
        return html.escape(text[:SNIPPET_CHARS])


def _vector_meta(doc: SearchDoc) -> dict[str, Any]:
    """What the vector store keeps of a document for a query by meaning: its title and filter fields."""
    return {"title": doc.title, "fields": doc.fields}


def _matched(text: str, doc: SearchDoc) -> list[str]:
    doc_stems = set(analyze(" ".join((doc.title, doc.body, *doc.keywords))))
    return [w for w in dict.fromkeys(t.word for t in plan(text, None)) if w not in STOP_WORDS and stem(w) in doc_stems]


def _described(hit: SearchHit, query: SearchQuery, docs: Mapping[tuple[DocKind, str], SearchDoc]) -> SearchHit:
    """A hit found by meaning alone, with the start of its text as snippet and the query words it has."""
    doc = docs.get((hit.kind, hit.doc_id))
    if doc is None:
        return hit
    snippet = html.escape((doc.body or doc.title)[:SNIPPET_CHARS]) if query.highlight else ""
    return hit.model_copy(update={"snippet": snippet, "matched_terms": _matched(query.text, doc)})
