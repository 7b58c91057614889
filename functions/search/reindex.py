"""Rebuild search indexes from the table, with no downtime and no lost stream writes. Pure: the
table's items come from a ``scan`` callable (``functions.search.store.TableItems.scan`` in
production), the documents from the mappers the composition root collects.

The stream indexer (functions.search.handlers) keeps writing while a rebuild runs. A plain
"scan, load a new index, swap" loses what it writes meanwhile: an update that reaches the old
index after the scan read its item is dropped at the swap, and an item deleted after the scan
read it comes back with the new index. So a rebuild is two passes:

1. **Load**: scan the table (consistent reads) and ``SearchIndex.reindex`` each kind: OpenSearch
   bulk-loads a new physical index and swaps the alias to it in one ``_aliases`` call; the
   embedded engine replaces the kind's documents in one Tantivy commit. Searches see the old
   documents until then.
2. **Reconcile**: once the new index is live (every stream write now lands in it), the engine
   notes what the index holds, scans the table again, and writes only the differences: documents
   missing or out of date are written, documents whose item is gone (or no longer searchable)
   are deleted. Each write is conditional on the index still holding what was noted (OpenSearch:
   ``if_seq_no``/``if_primary_term``, ``create`` for absent documents; embedded: the writer lock
   is held from noting to commit, so no stream write lands in between). A stream write that got
   there first is newer than the scan, so it wins (counted as ``superseded``); a stream write that
   comes later is newer still. Either way the last write of every document is its item's latest
   state: stream records of one item arrive in order, and every other write is conditional.

Why not the alternatives:

* Dual writes during the load (the indexer writing to the old and the new index while a marker
  says a rebuild runs) still needs the same reconcile: the bulk load races the stream writes to
  the new index (a scanned old state can land after a newer stream write; a deleted item can be
  re-created by the load). It also needs the indexer to read the marker (table read rights it
  does not have today, or a second alias whose absence a bulk write would auto-create).
* "Items whose ``updated_at`` is after the start": every mapped item has one (case, article, fix
  and public answer documents all carry ``updated_at``), but trusting it means trusting that every
  write that changes a document bumps it and that clocks agree within a margin. Comparing the
  documents themselves needs neither; the price is a second full scan and one read of the new
  index, which a rebuild (itself a full scan) can afford.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from functions.search.indexing import Mappers
from functions.search.port import DocKind, Reconciled, SearchDoc, SearchIndex

Scan = Callable[[], Iterable[Mapping[str, Any]]]


def documents(
    items: Iterable[Mapping[str, Any]], kinds: Sequence[DocKind], mappers: Mappers
) -> dict[DocKind, list[SearchDoc]]:
    """The search documents of ``items`` (through ``mappers``) of the given kinds."""
    out: dict[DocKind, list[SearchDoc]] = {k: [] for k in kinds}
    for item in items:
        doc = mappers.to_doc(item)
        if doc is not None and doc.kind in out:
            out[doc.kind].append(doc)
    return out


@dataclass
class Rebuilt:
    loaded: dict[str, int] = field(default_factory=dict)  # documents the load pass wrote, per kind
    reconciled: dict[str, Reconciled] = field(default_factory=dict)
    indexed: dict[str, int] = field(default_factory=dict)  # documents in the live index at the end

    def as_json(self) -> dict[str, Any]:
        return {
            "indexed": self.indexed,
            "loaded": self.loaded,
            "reconciled": {k: v.as_json() for k, v in self.reconciled.items()},
        }


def rebuild(index: SearchIndex, scan: Scan, kinds: Sequence[DocKind], mappers: Mappers) -> Rebuilt:
    """Rebuild the given kinds from ``scan()`` (called twice: load, then reconcile) through
    ``mappers``; see the module doc."""
    kinds = list(dict.fromkeys(kinds))
    report = Rebuilt()
    docs = documents(scan(), kinds, mappers)
    for kind in kinds:
        report.loaded[kind.value] = index.reindex(kind, docs.pop(kind))
    fixes = index.reconcile(kinds, lambda: documents(scan(), kinds, mappers))
    index.refresh()
    for kind in kinds:
        report.reconciled[kind.value] = fixes.get(kind, Reconciled())
        report.indexed[kind.value] = index.count(kind)
    return report


def differences(noted: Mapping[str, SearchDoc], fresh: Iterable[SearchDoc]) -> tuple[list[SearchDoc], list[str]]:
    """Documents to write (missing from ``noted`` or different) and ids to delete (not in ``fresh``)."""
    wanted = {doc.doc_id: doc for doc in fresh}
    writes = [
        doc
        for doc_id, doc in wanted.items()
        if (have := noted.get(doc_id)) is None or have.model_dump(mode="json") != doc.model_dump(mode="json")
    ]
    return writes, [doc_id for doc_id in noted if doc_id not in wanted]
