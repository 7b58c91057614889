"""An in-memory article store: the ``ArticleStorePort`` of functions/knowledge/ports.py, behaving as
the DynamoDB store (functions/knowledge/store.py) does.

* Article numbers come from a counter (1001, 1002, ...); versions are immutable and listed newest
  first; a version number written twice is refused.
* ``save`` replaces the record only if its latest version and status are still those of
  ``expected`` (``VersionConflict`` naming the current latest version, nothing written otherwise).
* ``list_articles`` pages by the record's last change, newest first (by status when asked), by
  cursor; a bad cursor is an ``InvalidInput``.
* ``link_case`` adds a case once (and at most ``MAX_LINKED_CASES``); counters add up; feedback is kept.
* What goes in and comes out are copies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from functions.core.dynamo import decode_cursor, encode_cursor
from functions.core.errors import Duplicate, NotFound, VersionConflict
from functions.knowledge.models import Article, ArticlePage, ArticleQuery, ArticleStats, ArticleVersion
from functions.knowledge.store import MAX_LINKED_CASES

_TIME = TypeAdapter(datetime)


def _order(article: Article) -> str:
    return f"{_TIME.dump_python(article.updated_at, mode='json')}#{article.article_id}"


class FakeArticleStore:
    def __init__(self, start: int = 1000) -> None:
        self.start = start
        self.counter = 0
        self.articles: dict[str, Article] = {}
        self.article_versions: dict[str, dict[int, ArticleVersion]] = {}
        self.counters: dict[str, ArticleStats] = {}
        self.feedback: dict[str, list[dict[str, Any]]] = {}

    def next_number(self) -> int:
        self.counter += 1
        return self.start + self.counter

    # -- reads -------------------------------------------------------------
    def get(self, article_id: str) -> Article:
        found = self.articles.get(article_id)
        if found is None:
            raise NotFound("article", article_id)
        return found.model_copy(deep=True)

    def version(self, article_id: str, version: int) -> ArticleVersion:
        found = self.article_versions.get(article_id, {}).get(version)
        if found is None:
            raise NotFound("article version", f"{article_id} v{version}")
        return found.model_copy(deep=True)

    def versions(self, article_id: str, limit: int = 200) -> list[ArticleVersion]:
        found = self.article_versions.get(article_id, {})
        return [found[n].model_copy(deep=True) for n in sorted(found, reverse=True)[:limit]]

    def stats(self, article_id: str) -> ArticleStats:
        return self.counters.get(article_id, ArticleStats()).model_copy()

    def list_articles(self, q: ArticleQuery) -> ArticlePage:
        found = [a for a in self.articles.values() if q.status is None or a.status == q.status]
        found.sort(key=_order, reverse=True)
        start = decode_cursor(q.cursor)
        if start:
            found = [a for a in found if _order(a) < str(start.get("after", ""))]
        page = found[: q.limit]
        next_cursor = encode_cursor({"after": _order(page[-1])}) if len(found) > q.limit and page else None
        return ArticlePage(items=[a.model_copy(deep=True) for a in page], next_cursor=next_cursor)

    # -- writes ------------------------------------------------------------
    def create(self, article: Article, version: ArticleVersion) -> None:
        if article.article_id in self.articles:
            raise Duplicate(f"article {article.article_id} already exists")
        self.articles[article.article_id] = article.model_copy(deep=True)
        self.article_versions[article.article_id] = {version.version: version.model_copy(deep=True)}

    def save(self, article: Article, expected: Article, new_version: ArticleVersion | None = None) -> None:
        current = self.articles.get(article.article_id)
        known = self.article_versions.get(article.article_id, {})
        if (
            current is None
            or current.latest_version != expected.latest_version
            or current.status != expected.status
            or (new_version is not None and new_version.version in known)
        ):
            now = current.latest_version if current else None
            raise VersionConflict("article", article.article_id, expected.latest_version, now)
        self.articles[article.article_id] = article.model_copy(deep=True)
        if new_version is not None:
            known[new_version.version] = new_version.model_copy(deep=True)

    def link_case(self, article_id: str, relation: str, case_id: str, at: datetime) -> bool:
        attr = {"source": "source_cases", "helped": "helped_cases"}[relation]
        article = self.articles.get(article_id)
        if article is None:
            raise NotFound("article", article_id)
        cases: list[str] = getattr(article, attr)
        if case_id in cases or len(cases) >= MAX_LINKED_CASES:
            return False
        cases.append(case_id)
        return True

    def count(self, article_id: str, **deltas: int) -> ArticleStats:
        stats = self.counters.get(article_id, ArticleStats())
        updated = stats.model_copy(update={k: getattr(stats, k) + v for k, v in deltas.items()})
        self.counters[article_id] = updated
        return updated.model_copy()

    def add_feedback(self, article_id: str, at: datetime, data: dict[str, Any]) -> None:
        self.feedback.setdefault(article_id, []).append({"at": at, **data})
