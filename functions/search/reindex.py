"""Rebuild search indexes from the table: every item a registered mapper turns into a document."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from functions.search.indexing import mapper_for
from functions.search.port import DocKind, SearchDoc, SearchIndex

BATCH = 1000


def scan_items(table: Any) -> Iterator[dict[str, Any]]:
    """Every item of the table (paginated scan), as plain JSON types."""
    from functions.core.dynamo import from_item  # noqa: PLC0415

    kwargs: dict[str, Any] = {}
    while True:
        resp = table.scan(**kwargs)
        for item in resp.get("Items", []):
            yield from_item(item)
        if not resp.get("LastEvaluatedKey"):
            return
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def documents(items: Iterable[Mapping[str, Any]], kinds: Sequence[DocKind]) -> dict[DocKind, list[SearchDoc]]:
    out: dict[DocKind, list[SearchDoc]] = {k: [] for k in kinds}
    for item in items:
        mapper = mapper_for(item)
        if mapper is None:
            continue
        doc = mapper.to_doc(item)
        if doc is not None and doc.kind in out:
            out[doc.kind].append(doc)
    return out


def rebuild(index: SearchIndex, items: Iterable[Mapping[str, Any]], kinds: Sequence[DocKind]) -> dict[str, int]:
    """Replace the given kinds' indexes with the documents of ``items``; returns counts per kind.

    An engine with aliases (OpenSearch: ``reindex``) builds a new index and swaps it in, so
    searches keep working meanwhile; the embedded engine empties the index and loads it again.
    """
    docs = documents(items, kinds)
    counts: dict[str, int] = {}
    for kind in kinds:
        group = docs[kind]
        swap = getattr(index, "reindex", None)
        if callable(swap):
            swap(kind, group)
        else:
            index.recreate(kind)
            for i in range(0, len(group), BATCH):
                index.upsert(group[i : i + BATCH])
        index.refresh()
        counts[kind.value] = index.count(kind)
    return counts
