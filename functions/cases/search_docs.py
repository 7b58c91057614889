"""Case record (the #META item) -> search document. Pure; the stream indexer and the reindex call it
through ``MAPPERS``, which the composition root collects (``container().search_mappers``).

Fields the queries filter on: status, customer_id, product, model, category, channel, priority,
language, assignee, group_id, tags, and ``public_answer`` ("true" only for the self-service copies of solved cases,
which functions.selfservice.search_docs maps; a case document itself is always "false" unless
tagged ``public-answer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from functions.search.indexing import Mapper
from functions.search.port import DocKind, SearchDoc

FIELDS = (
    "status",
    "customer_id",
    "product",
    "model",
    "category",
    "channel",
    "priority",
    "language",
    "assignee",
    "group_id",
)
# What else a queue search finds a case by (keywords: weighed above the body's words). The case
# number is not one: the case service reads a case number straight from the table.
FINDERS = ("contact_name", "contact_email", "customer_name")


def case_to_doc(item: Mapping[str, Any]) -> SearchDoc | None:
    """A case's meta item as a ``case`` document: subject; description and the later messages' text;
    tags, the contact's name and address, the customer's name as keywords; the filterable fields."""
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
    finders = [str(item[key]) for key in FINDERS if item.get(key)]
    body = "\n\n".join(str(item[key]) for key in ("description", "message_text") if item.get(key))
    return SearchDoc(
        doc_id=str(item["case_id"]),
        kind=DocKind.CASE,
        title=str(item.get("subject") or ""),
        body=body,
        keywords=[*tags, *finders],
        fields=fields,
        updated_at=item.get("updated_at"),
    )


def case_doc_key(item: Mapping[str, Any]) -> tuple[DocKind, str] | None:
    if item.get("SK") != "#META" or not item.get("case_id"):
        return None
    return DocKind.CASE, str(item["case_id"])


MAPPERS = (Mapper("case", to_doc=case_to_doc, doc_key=case_doc_key),)
