"""What the knowledge service receives: its article store, the search index
(``functions.search.port.SearchIndex``), and what it needs of cases and customers.
``tests/fakes/knowledge.py`` implements the store in memory; the case service on
``tests/fakes/cases.py`` serves as ``CaseReader``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from functions.cases.models import Actor, Case, CaseView, EventKind, Message, TimelineEvent
from functions.customers.models import Customer
from functions.knowledge.models import Article, ArticlePage, ArticleQuery, ArticleStats, ArticleVersion


class ArticleStorePort(Protocol):
    """Articles, their immutable versions, counters and feedback."""

    def next_number(self) -> int: ...

    def get(self, article_id: str) -> Article:
        """The article record (consistent read); NotFound."""
        ...

    def version(self, article_id: str, version: int) -> ArticleVersion:
        """One version; NotFound."""
        ...

    def versions(self, article_id: str, limit: int = 200) -> list[ArticleVersion]:
        """The article's versions, newest first."""
        ...

    def stats(self, article_id: str) -> ArticleStats: ...

    def list_articles(self, q: ArticleQuery) -> ArticlePage:
        """Articles (of a status), most recently changed first, one page."""
        ...

    def create(self, article: Article, version: ArticleVersion) -> None:
        """Write a new article with its first version (Duplicate when the id exists)."""
        ...

    def save(self, article: Article, expected: Article, new_version: ArticleVersion | None = None) -> None:
        """Replace the record (with a new version) if nobody changed it since ``expected`` was read
        (same latest version and status); VersionConflict and nothing written otherwise."""
        ...

    def link_case(self, article_id: str, relation: str, case_id: str, at: datetime) -> bool:
        """Add the case to ``source_cases`` ("source") or ``helped_cases`` ("helped") once. False when
        it was there already (or the list is full); NotFound for an unknown article."""
        ...

    def count(self, article_id: str, **deltas: int) -> ArticleStats:
        """Add to the article's counters (views, agent_views, helpful_yes, helpful_no); the new counters."""
        ...

    def add_feedback(self, article_id: str, at: datetime, data: dict[str, Any]) -> None: ...


class CaseReader(Protocol):
    """The part of the case service knowledge uses."""

    def get(self, case_id: str) -> Case: ...

    def view(
        self, case_id: str, *, public_only: bool = False, limit: int = 200, cursor: str | None = None
    ) -> CaseView: ...

    def add_event(
        self,
        case_id: str,
        kind: EventKind,
        actor: Actor,
        *,
        body: str | None = None,
        message: Message | None = None,
        data: dict[str, Any] | None = None,
        visibility: str = "public",
        pointers: list[str] | None = None,
        counts_as_interaction: bool = False,
    ) -> TimelineEvent: ...


class CustomerReader(Protocol):
    def get(self, customer_id: str) -> Customer: ...


class HelpSiteStore(Protocol):
    """The help center's static files (the help-site bucket: ``store.HelpSiteBucket``)."""

    def put(self, key: str, body: str, content_type: str) -> None: ...
