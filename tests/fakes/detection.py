"""In-memory fakes of detection's ports (functions/problems/detection/ports.py)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.core.errors import Conflict
from functions.problems.detection.detector import SegmentBase
from functions.problems.detection.store import base_from_json, base_to_json


@dataclass
class _Document:
    blob: bytes | None = None
    generation: int = 0  # what S3's ETag is to the real store


class MemoryStateStore:
    """The ``StateStore`` port in memory: the state kept as the gzipped JSON document the S3 store
    writes (so it must be JSON). Like ``S3StateStore``, a save refuses (``Conflict``) to overwrite
    a document written since this handle's ``load`` (or, with nothing loaded, any document);
    ``writer()`` gives another handle on the same document (another process)."""

    def __init__(self, document: _Document | None = None) -> None:
        self._document = document or _Document()
        self._loaded: int | None = None

    @property
    def blob(self) -> bytes | None:
        return self._document.blob

    def writer(self) -> MemoryStateStore:
        return MemoryStateStore(self._document)

    def load(self) -> dict[str, Any] | None:
        doc = self._document
        self._loaded = doc.generation if doc.blob is not None else None
        return None if doc.blob is None else json.loads(gzip.decompress(doc.blob))  # type: ignore[no-any-return]

    def save(self, state: dict[str, Any]) -> None:
        doc = self._document
        if doc.blob is not None and self._loaded != doc.generation:
            raise Conflict("the detection state was written by another writer meanwhile")
        doc.blob = gzip.compress(json.dumps(state, separators=(",", ":")).encode())
        doc.generation += 1
        self._loaded = doc.generation


class FakeSegmentBaseStore:
    """The ``SegmentBaseStore`` port: the stored JSON document, as the S3 store keeps it."""

    def __init__(self) -> None:
        self.document: dict[str, Any] | None = None
        self.saves = 0

    def load(self) -> tuple[SegmentBase, datetime] | None:
        return None if self.document is None else base_from_json(json.loads(json.dumps(self.document)))

    def save(self, base: SegmentBase, counted_at: datetime) -> None:
        self.document = json.loads(json.dumps(base_to_json(base, counted_at)))
        self.saves += 1


@dataclass
class FakeCustomerBase:
    """The ``CustomerBase`` port: customer rows given by the test."""

    customers: list[dict[str, Any]] = field(default_factory=list)

    def rows(self) -> Iterator[dict[str, Any]]:
        yield from self.customers
