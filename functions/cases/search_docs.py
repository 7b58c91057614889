"""Case record (the #META item) -> search document. Pure; the stream indexer and the reindex call it
through ``MAPPERS``, which the composition root collects (``container().search_mappers``).

Fields the queries filter on: status, customer_id, product, model, category, channel, priority,
language, tags, and ``public_answer`` ("true" only for the self-service copies of solved cases,
which functions.selfservice.search_docs maps; a case document itself is always "false" unless
tagged ``public-answer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from functions.search.indexing import Mapper
from functions.search.port import DocKind, SearchDoc

FIELDS = ("status", "customer_id", "product", "model", "category", "channel", "priority", "language")


def case_to_doc(item: Mapping[str, Any]) -> SearchDoc | None:
    """A case's meta item as a ``case`` document: subject, description, tags, filterable fields."""
    if item.get("SK") != "#META" or not item.get("case_id"):
        return None
    tags = [str(t) for t in item.get("tags") or []]
    fields: dict[str, str | list[str]] = {}
    for key in FIELDS:
        value = item.get(key)
        if value not in (None, ""):
            fields[key] = str(value)
    if tags:
        fields["tags"] = tags
    fields["public_answer"] = "true" if "public-answer" in tags else "false"
    return SearchDoc(
        doc_id=str(item["case_id"]),
        kind=DocKind.CASE,
        title=str(item.get("subject") or ""),
        body=str(item.get("description") or ""),
        keywords=tags,
        fields=fields,
        updated_at=item.get("updated_at"),
    )


def case_doc_key(item: Mapping[str, Any]) -> tuple[DocKind, str] | None:
    if item.get("SK") != "#META" or not item.get("case_id"):
        return None
    return DocKind.CASE, str(item["case_id"])


MAPPERS = (Mapper("case", to_doc=case_to_doc, doc_key=case_doc_key),)
