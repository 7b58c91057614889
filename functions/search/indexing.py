"""From DynamoDB items to search documents: mappers, and the stream batch logic. Pure.

A domain with searchable items says, for each item type, how an item becomes a ``SearchDoc`` (or
``None`` when the item must not be searchable, e.g. a retired article) and which document an item
stands for (so a removed or no-longer-searchable item is deleted from the index). It exports them
as ``MAPPERS`` in its ``search_docs`` module (``functions.cases.search_docs``,
``functions.knowledge.search_docs``, ``functions.selfservice.search_docs``)::

    MAPPERS = (Mapper("article", to_doc=article_doc, doc_key=article_doc_key),)

The composition root collects them into one ``Mappers`` (``container().search_mappers``); the
stream indexer, the reindex, the CLI, the test fakes and the benches receive that collection.
Nothing registers itself and nothing is looked up by module name.

Items are matched by their ``type`` attribute first, then by the prefix of their ``PK``.
``index_records`` is what the stream handler runs (through ``functions.search.service``): the same
function in Lambda and on the local stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from functions.core.logs import logger
from functions.search.port import DocKind, SearchDoc, SearchIndex

ToDoc = Callable[[Mapping[str, Any]], SearchDoc | None]
DocKey = Callable[[Mapping[str, Any]], tuple[DocKind, str] | None]


@dataclass(frozen=True)
class Mapper:
    """How the items of one type become search documents."""

    item_type: str
    to_doc: ToDoc
    doc_key: DocKey
    pk_prefix: str | None = None


class Mappers:
    """Every domain's mappers, by item type (then by ``PK`` prefix). Two mappers for one item type
    (or one prefix) are a wiring mistake and refused."""

    def __init__(self, mappers: Iterable[Mapper]) -> None:
        self._by_type: dict[str, Mapper] = {}
        self._by_prefix: dict[str, Mapper] = {}
        for mapper in mappers:
            if mapper.item_type in self._by_type:
                raise ValueError(f"two search mappers for item type {mapper.item_type!r}")
            self._by_type[mapper.item_type] = mapper
            if mapper.pk_prefix:
                if mapper.pk_prefix in self._by_prefix:
                    raise ValueError(f"two search mappers for PK prefix {mapper.pk_prefix!r}")
                self._by_prefix[mapper.pk_prefix] = mapper

    def __iter__(self) -> Iterator[Mapper]:
        return iter(self._by_type.values())

    def __len__(self) -> int:
        return len(self._by_type)

    def item_types(self) -> list[str]:
        return list(self._by_type)

    def for_item(self, item: Mapping[str, Any]) -> Mapper | None:
        """The mapper of an item; None for items nobody indexes."""
        found = self._by_type.get(str(item.get("type", "")))
        if found is not None:
            return found
        pk = str(item.get("PK", ""))
        for prefix, mapper in self._by_prefix.items():
            if pk.startswith(prefix):
                return mapper
        return None

    def to_doc(self, item: Mapping[str, Any]) -> SearchDoc | None:
        """The item's search document; None when nobody indexes it or it is not searchable."""
        mapper = self.for_item(item)
        return mapper.to_doc(item) if mapper is not None else None


# ---------------------------------------------------------------------------- stream records
@dataclass(frozen=True)
class Change:
    """What one stream record asks of the index."""

    sequence: str
    upsert: SearchDoc | None = None
    delete: tuple[DocKind, str] | None = None


def _image(record: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    raw = (record.get("dynamodb") or {}).get(name)
    if not raw:
        return None
    from boto3.dynamodb.types import TypeDeserializer  # noqa: PLC0415 - boto3 only when records arrive

    from functions.core.dynamo import from_item  # noqa: PLC0415

    des = TypeDeserializer()
    return from_item({k: des.deserialize(v) for k, v in raw.items()})


def change_for(record: Mapping[str, Any], mappers: Mappers) -> Change | None:
    """The index change a DynamoDB stream record asks for; ``None`` for items nobody indexes.

    INSERT / MODIFY upsert the document of the new image, or delete the document it stands for
    when the mapper says the item is not searchable (any more). REMOVE deletes. Raises
    ``ValueError`` for a record that is not a DynamoDB stream record or that a mapper rejects.
    """
    event = record.get("eventName")
    sequence = str((record.get("dynamodb") or {}).get("SequenceNumber") or record.get("eventID") or "")
    if event not in ("INSERT", "MODIFY", "REMOVE"):
        raise ValueError(f"not a DynamoDB stream record (eventName={event!r})")
    new = _image(record, "NewImage")
    old = _image(record, "OldImage") or _image(record, "Keys")
    item = new if event != "REMOVE" and new is not None else old
    if item is None:
        raise ValueError("stream record has no image: the stream must use NEW_AND_OLD_IMAGES")
    mapper = mappers.for_item(item) or (mappers.for_item(old) if old else None)
    if mapper is None:
        return None
    if event != "REMOVE" and new is not None:
        doc = mapper.to_doc(new)
        if doc is not None:
            return Change(sequence, upsert=doc)
    key = mapper.doc_key(item) or (mapper.doc_key(old) if old else None)
    return Change(sequence, delete=key) if key else None


@dataclass
class IndexReport:
    upserted: int = 0
    deleted: int = 0
    ignored: int = 0
    failed_sequence: str | None = None  # the first record not applied; it and all after are retried

    def as_response(self) -> dict[str, Any]:
        failures = [{"itemIdentifier": self.failed_sequence}] if self.failed_sequence else []
        return {"batchItemFailures": failures}


def apply(index: SearchIndex, changes: Sequence[Change]) -> None:
    """Apply changes in order, as few engine calls as possible (runs of upserts, runs of deletes)."""
    pending_up: list[SearchDoc] = []
    pending_del: list[tuple[DocKind, str]] = []

    def flush_up() -> None:
        if pending_up:
            # the last version of a document in the run wins
            index.upsert(list({(d.kind, d.doc_id): d for d in pending_up}.values()))
            pending_up.clear()

    def flush_del() -> None:
        by_kind: dict[DocKind, list[str]] = {}
        for kind, doc_id in pending_del:
            by_kind.setdefault(kind, []).append(doc_id)
        for kind, ids in by_kind.items():
            index.delete(kind, ids)
        pending_del.clear()

    for change in changes:
        if change.upsert is not None:
            flush_del()
            pending_up.append(change.upsert)
        elif change.delete is not None:
            flush_up()
            pending_del.append(change.delete)
    flush_up()
    flush_del()


def index_records(index: SearchIndex, mappers: Mappers, records: Iterable[Mapping[str, Any]]) -> IndexReport:
    """Index a batch of DynamoDB stream records in order; never skips a record.

    All changes are applied in one go; if that fails, they are applied one record at a time and
    the first record that fails is reported (with every record after it, stream order) as the
    batch item failure: Lambda retries from there (bisecting, then sending a record that keeps
    failing to the on-failure destination); the local stack's pump retries the same way.
    """
    report = IndexReport()
    changes: list[Change] = []
    records = list(records)
    for record in records:
        sequence = str((record.get("dynamodb") or {}).get("SequenceNumber") or record.get("eventID") or "")
        try:
            change = change_for(record, mappers)
        except Exception:  # noqa: BLE001 - reported as this record's failure, never dropped
            logger().exception("search indexer: record not understood", extra={"sequence": sequence})
            report.failed_sequence = sequence
            break
        if change is None:
            report.ignored += 1
        else:
            changes.append(change)
    try:
        apply(index, changes)
    except Exception:  # noqa: BLE001 - fall back to one record at a time to find the culprit
        logger().warning("search indexer: batch failed; applying record by record", extra={"records": len(changes)})
        for change in changes:
            try:
                apply(index, [change])
            except Exception:  # noqa: BLE001
                logger().exception("search indexer: record failed", extra={"sequence": change.sequence})
                report.failed_sequence = change.sequence
                return report
            _count(report, change)
        return report
    for change in changes:
        _count(report, change)
    return report


def _count(report: IndexReport, change: Change) -> None:
    if change.upsert is not None:
        report.upserted += 1
    else:
        report.deleted += 1
