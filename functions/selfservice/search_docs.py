"""Fix and public-answer items -> search documents. Pure; the stream indexer and the reindex call them
through ``MAPPERS``, which the composition root collects (``container().search_mappers``).

Customer search asks every kind at once with one filter, ``audience == "public"``: enabled
fixes, public answers and (functions.knowledge.search_docs) published external articles carry
it; nothing else does. Public answers are case documents (kind ``case``) with their own ids
(``A...``, never a case number) and ``public_answer == "true"``, so similar-case search for
agents leaves them out and the real case document (with the unscrubbed text) is never served
to customers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from functions.search.indexing import Mapper
from functions.search.port import DocKind, SearchDoc

PUBLIC = "public"


def fix_doc(item: Mapping[str, Any]) -> SearchDoc | None:
    if item.get("type") != "fix":
        return None
    from functions.selfservice.store import fix_from_item  # noqa: PLC0415

    fix = fix_from_item(dict(item))
    return SearchDoc(
        doc_id=fix.fix_id,
        kind=DocKind.FIX,
        title=fix.title,
        body="\n".join([fix.description, *fix.phrases]),
        keywords=[i.replace("_", " ") for i in fix.intents],
        fields={
            "audience": PUBLIC if fix.enabled else "agents",
            "enabled": "true" if fix.enabled else "false",
            "intents": list(fix.intents),
        },
        updated_at=fix.updated_at,
    )


def answer_doc(item: Mapping[str, Any]) -> SearchDoc | None:
    if item.get("type") != "public_answer":
        return None
    from functions.selfservice.store import answer_from_item  # noqa: PLC0415

    answer = answer_from_item(dict(item))
    fields: dict[str, str | list[str]] = {"audience": PUBLIC, "public_answer": "true", "status": "resolved"}
    if answer.product:
        fields["product"] = answer.product
    return SearchDoc(
        doc_id=answer.answer_id,
        kind=DocKind.CASE,
        title=answer.title,
        body=f"{answer.question}\n\n{answer.answer}",
        fields=fields,
        updated_at=answer.updated_at,
    )


def fix_doc_key(item: Mapping[str, Any]) -> tuple[DocKind, str] | None:
    return (DocKind.FIX, str(item["fix_id"])) if item.get("type") == "fix" and item.get("fix_id") else None


def answer_doc_key(item: Mapping[str, Any]) -> tuple[DocKind, str] | None:
    if item.get("type") == "public_answer" and item.get("answer_id"):
        return DocKind.CASE, str(item["answer_id"])
    return None


MAPPERS = (
    Mapper("fix", to_doc=fix_doc, doc_key=fix_doc_key),
    Mapper("public_answer", to_doc=answer_doc, doc_key=answer_doc_key),
)
