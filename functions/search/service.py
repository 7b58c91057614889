"""Keeping the search index in step with the table: stream batches and whole rebuilds.

The service receives the index (the ``SearchIndex`` port), every domain's mappers (one ``Mappers``
collection, built by the composition root) and a ``scan`` of the table's items.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from functions.search.indexing import IndexReport, Mappers, index_records
from functions.search.port import DocKind, SearchIndex
from functions.search.reindex import Rebuilt, Scan, rebuild


class SearchIndexing:
    def __init__(self, index: SearchIndex, mappers: Mappers, scan: Scan) -> None:
        self.index = index
        self.mappers = mappers
        self.scan = scan

    def index_stream(self, records: Iterable[Mapping[str, Any]]) -> IndexReport:
        """Apply a batch of DynamoDB stream records in order (see ``functions.search.indexing``)."""
        return index_records(self.index, self.mappers, records)

    def rebuild(self, kinds: Sequence[DocKind]) -> Rebuilt:
        """Rebuild the given kinds from the table with no downtime (see ``functions.search.reindex``)."""
        return rebuild(self.index, self.scan, kinds, self.mappers)
