"""Article record (the #META item) -> search document. Pure; the stream indexer and the reindex call
it through ``MAPPERS``, which the composition root collects (``container().search_mappers``).

Fields the queries filter on:
  status      the article's lifecycle status (of its latest version)
  published   "true" while a version is published (the served content is that version)
  visibility  of the served content
  audience    "public" only for published external articles: the one filter customer search uses
              over every kind (articles, public answers, automated fixes)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from functions.search.indexing import Mapper
from functions.search.port import DocKind, SearchDoc

PUBLIC = "public"
AGENTS = "agents"


def article_doc(item: Mapping[str, Any]) -> SearchDoc | None:
    """The served content of an article; None (deleted from the index) once it is retired."""
    if item.get("type") != "article" or item.get("SK", "#META") != "#META":
        return None
    from functions.knowledge.store import article_from_item  # noqa: PLC0415

    article = article_from_item(dict(item))
    if article.status.value == "retired":
        return None
    served = article.served
    published = article.published_version is not None
    external = served.visibility.value == "external"
    fields: dict[str, str | list[str]] = {
        "status": article.status.value,
        "published": "true" if published else "false",
        "visibility": served.visibility.value,
        "audience": PUBLIC if published and external else AGENTS,
        "version": str(article.published_version or article.latest_version),
    }
    if served.environment.product:
        fields["product"] = served.environment.product
    if served.environment.model:
        fields["model"] = served.environment.model
    return SearchDoc(
        doc_id=article.article_id,
        kind=DocKind.ARTICLE,
        title=served.title,
        body=served.search_text(),
        keywords=list(served.keywords),
        fields=fields,
        updated_at=article.updated_at,
    )


def article_doc_key(item: Mapping[str, Any]) -> tuple[DocKind, str] | None:
    if item.get("type") != "article" or item.get("SK", "#META") != "#META" or not item.get("article_id"):
        return None
    return DocKind.ARTICLE, str(item["article_id"])


MAPPERS = (Mapper("article", to_doc=article_doc, doc_key=article_doc_key),)
