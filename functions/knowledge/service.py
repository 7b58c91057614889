"""Knowledge use cases: write, version, review, publish, retire, fix, draft from a case, feedback.

Decisions:
* Every edit makes a new version and puts the article back to ``draft``; the published version
  (``published_version``) stays served to customers and to search until a reviewer publishes
  a newer one. ``latest_version`` is the optimistic lock (the ETag): an edit or a review action
  that names an older version answers 409, so a reviewer never publishes a version unseen.
* The permanent fix (problem management) adds a version whose resolution is the fix and keeps
  the workaround, marked superseded. A published article stays published (republished with the
  fix) when the caller is a reviewer; otherwise the fixed version waits in review. See rules.py.
* Drafting from a case scrubs every field (scrub.py) with what the case knows about its people
  (drafting.py).
* Similar cases and suggested articles come from the search index (similar_cases.py).
* The help center's static pages (pages.py) follow what customers are served: when a transition or
  a permanent fix changes it, the article's pages (every language) and the sitemap are rewritten
  in the help-site bucket (``site``), a retired article's pages say so. Best effort: the article's
  change stands if the bucket refuses (logged); ``rebuild_site`` rewrites everything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from functions.cases.models import Actor, ActorType, CaseView, EventKind
from functions.core.errors import InvalidInput, NotFound
from functions.core.logs import logger
from functions.core.timeutil import utcnow
from functions.knowledge import drafting, rules, similar_cases
from functions.knowledge.models import (
    Article,
    ArticleContent,
    ArticleEdit,
    ArticleIn,
    ArticlePage,
    ArticleQuery,
    ArticleStats,
    ArticleStatus,
    ArticleVersion,
    ArticleView,
    CustomerArticle,
    DraftFromCase,
    DraftFromCaseIn,
    DuplicateCandidate,
    FeedbackIn,
    PermanentFixIn,
    SimilarCases,
    SimilarQuery,
    TransitionIn,
    VersionList,
    VersionSummary,
)
from functions.knowledge.ports import ArticleStorePort, CaseReader, CustomerReader, HelpSiteStore
from functions.knowledge.rules import Action
from functions.knowledge.scrub import Scrubber
from functions.search.port import DocKind, SearchIndex, SearchQuery


class KnowledgeService:
    def __init__(
        self,
        store: ArticleStorePort,
        *,
        search: SearchIndex | None = None,
        cases: CaseReader | None = None,
        customers: CustomerReader | None = None,
        reviewer_roles: frozenset[str] = frozenset({"reviewer", "reviewers"}),
        clock: Callable[[], datetime] = utcnow,
        id_prefix: str = "KB",
        site: HelpSiteStore | None = None,
        site_url: str = "",
    ) -> None:
        self.site = site
        self.site_url = site_url
        self.store = store
        self.search = search
        self.cases = cases
        self.customers = customers
        self.reviewer_roles = reviewer_roles
        self.clock = clock
        self.id_prefix = id_prefix

    def is_reviewer(self, roles: frozenset[str]) -> bool:
        return bool(roles & self.reviewer_roles)

    # -- reads -------------------------------------------------------------
    def get(self, article_id: str) -> Article:
        return self.store.get(article_id)

    def view(self, article_id: str, version: int | None = None, *, count_view: bool = False) -> ArticleView:
        article = self.store.get(article_id)
        number = version or article.latest_version
        if number > article.latest_version:
            raise NotFound("article version", f"{article_id} v{number}")
        content = self.store.version(article_id, number).content
        stats = self.store.count(article_id, agent_views=1) if count_view else self.store.stats(article_id)
        return ArticleView(**article.model_dump(), content=content, content_version=number, stats=stats)

    def list_articles(self, q: ArticleQuery) -> ArticlePage:
        return self.store.list_articles(q)

    def versions(self, article_id: str) -> VersionList:
        article = self.store.get(article_id)
        items = [
            VersionSummary(
                version=v.version,
                title=v.content.title,
                created_at=v.created_at,
                created_by=v.created_by,
                note=v.note,
                published=v.version == article.published_version and article.status != ArticleStatus.RETIRED,
            )
            for v in self.store.versions(article_id)
        ]
        return VersionList(article_id=article_id, items=items)

    def customer_article(self, article_id: str) -> CustomerArticle:
        """The published external version, or NotFound (drafts and internal articles do not exist for customers)."""
        try:
            article = self.store.get(article_id)
        except NotFound:
            raise NotFound("article", article_id) from None
        if not rules.served_to_customers(article):
            raise NotFound("article", article_id)
        self.store.count(article_id, views=1)
        return self._customer_view(article)

    @staticmethod
    def _customer_view(article: Article) -> CustomerArticle:
        served = article.served
        return CustomerArticle(
            article_id=article.article_id,
            version=article.published_version,
            title=served.title,
            symptoms=served.symptoms,
            environment=served.environment,
            cause=served.cause,
            resolution=served.resolution,
            workaround=served.workaround,
            workaround_superseded=served.workaround_superseded,
            keywords=served.keywords,
            updated_at=article.published_at or article.updated_at,
        )

    # -- writes ------------------------------------------------------------
    def create(self, author: str, data: ArticleIn) -> ArticleView:
        now = self.clock()
        article_id = f"{self.id_prefix}-{self.store.next_number()}"
        content = ArticleContent.model_validate(data.model_dump(exclude={"source_cases", "note"}))
        article = Article(
            article_id=article_id,
            status=ArticleStatus.DRAFT,
            latest_version=1,
            title=content.title,
            visibility=content.visibility,
            source_cases=list(dict.fromkeys(data.source_cases)),
            created_at=now,
            updated_at=now,
            created_by=author,
            updated_by=author,
            served=content,
        )
        version = ArticleVersion(
            article_id=article_id, version=1, content=content, created_at=now, created_by=author, note=data.note
        )
        self.store.create(article, version)
        logger().info("article created", extra={"article_id": article_id})
        return ArticleView(**article.model_dump(), content=content, content_version=1)

    def _expect(self, article: Article, given: int | None) -> None:
        from functions.core.errors import VersionConflict  # noqa: PLC0415

        if given is not None and given != article.latest_version:
            raise VersionConflict("article", article.article_id, given, article.latest_version)

    def _new_version(
        self,
        article: Article,
        content: ArticleContent,
        author: str,
        status: ArticleStatus,
        *,
        note: str | None = None,
        problem_id: str | None = None,
    ) -> ArticleView:
        now = self.clock()
        number = article.latest_version + 1
        version = ArticleVersion(
            article_id=article.article_id,
            version=number,
            content=content,
            created_at=now,
            created_by=author,
            note=note,
            problem_id=problem_id,
        )
        updates: dict[str, Any] = {
            "status": status,
            "latest_version": number,
            "title": content.title,
            "visibility": content.visibility,
            "updated_at": now,
            "updated_by": author,
        }
        if status == ArticleStatus.PUBLISHED:
            updates.update(published_version=number, published_at=now, published_by=author, served=content)
        elif article.published_version is None:
            updates["served"] = content  # nothing published yet: search serves the latest draft (to agents)
        if problem_id and problem_id not in article.problem_ids:
            updates["problem_ids"] = [*article.problem_ids, problem_id]
        updated = article.model_copy(update=updates)
        self.store.save(updated, article, version)
        return ArticleView(**updated.model_dump(), content=content, content_version=number)

    def edit(self, article_id: str, author: str, change: ArticleEdit, if_match: int | None = None) -> ArticleView:
        article = self.store.get(article_id)
        given = change.version if change.version is not None else if_match
        if given is None:
            raise InvalidInput(
                "send the version you edited (body 'version' or If-Match)",
                fields=[{"field": "version", "message": "required for edits", "type": "missing"}],
            )
        self._expect(article, given)
        status = rules.status_after_edit(article.status)
        latest = self.store.version(article_id, article.latest_version).content
        patch = change.model_dump(exclude={"version", "note"}, exclude_none=True)
        if not patch:
            raise InvalidInput("nothing to change")
        content = ArticleContent.model_validate({**latest.model_dump(), **patch})
        return self._new_version(article, content, author, status, note=change.note)

    def transition(
        self,
        article_id: str,
        actor: str,
        roles: frozenset[str],
        action: Action,
        data: TransitionIn,
        if_match: int | None = None,
    ) -> ArticleView:
        article = self.store.get(article_id)
        rules.check_actor(action, self.is_reviewer(roles))
        self._expect(article, data.version if data.version is not None else if_match)
        to = rules.target(action, article.status)
        now = self.clock()
        updates: dict[str, Any] = {"status": to, "updated_at": now, "updated_by": actor}
        if action == Action.PUBLISH:
            content = self.store.version(article_id, article.latest_version).content
            updates.update(
                published_version=article.latest_version, published_at=now, published_by=actor, served=content
            )
        elif action == Action.RETIRE:
            updates["retired_at"] = now
        updated = article.model_copy(update=updates)
        self.store.save(updated, article)
        logger().info("article transition", extra={"article_id": article_id, "action": action.value, "to": to.value})
        self._site_follows(article, updated)
        content = self.store.version(article_id, updated.latest_version).content
        return ArticleView(
            **updated.model_dump(),
            content=content,
            content_version=updated.latest_version,
            stats=self.store.stats(article_id),
        )

    def permanent_fix(
        self, article_id: str, actor: str, roles: frozenset[str], fix: PermanentFixIn, if_match: int | None = None
    ) -> ArticleView:
        article = self.store.get(article_id)
        self._expect(article, fix.version if fix.version is not None else if_match)
        status = rules.status_after_permanent_fix(article.status, self.is_reviewer(roles))
        latest = self.store.version(article_id, article.latest_version).content
        content = latest.model_copy(
            update={
                "cause": fix.root_cause,
                "resolution": fix.fix,
                "workaround_superseded": bool(latest.workaround) or latest.workaround_superseded,
            }
        )
        if not latest.workaround and latest.resolution and latest.resolution != fix.fix:
            # the old resolution was the workaround in effect: keep it, marked superseded
            content = content.model_copy(update={"workaround": latest.resolution, "workaround_superseded": True})
        note = f"permanent fix{f' from problem {fix.problem_id}' if fix.problem_id else ''}"
        view = self._new_version(article, content, actor, status, note=note, problem_id=fix.problem_id)
        self._site_follows(article, self.store.get(article_id))
        return view

    # -- the help center's static pages ------------------------------------------
    def _site_follows(self, before: Article, after: Article) -> None:
        """Rewrite the article's pages and the sitemap when what customers are served changed."""
        if self.site is None:
            return
        was, now = rules.served_to_customers(before), rules.served_to_customers(after)
        if not was and not now:
            return
        if was and now and before.published_version == after.published_version:
            return
        try:
            self._write_pages(after, served=now)
            self._write_sitemap()
        except Exception as exc:  # noqa: BLE001 - the article's change stands; rebuild_site repairs the pages
            logger().warning(
                "help site not updated", extra={"article_id": after.article_id, "error_type": type(exc).__name__}
            )

    def _write_pages(self, article: Article, *, served: bool) -> None:
        from functions.core.i18n import LANGUAGES  # noqa: PLC0415
        from functions.knowledge import pages  # noqa: PLC0415

        assert self.site is not None
        for lang in LANGUAGES:
            if served:
                body = pages.article_page(self._customer_view(article), lang, self.site_url)
            else:
                body = pages.retired_page(article.article_id, None, lang)
            self.site.put(pages.page_key(lang, article.article_id), body, "text/html; charset=utf-8")

    def _served_articles(self) -> list[Article]:
        served: list[Article] = []
        cursor: str | None = None
        for _ in range(500):  # 100,000 articles at most
            page = self.store.list_articles(ArticleQuery(status=ArticleStatus.PUBLISHED, limit=200, cursor=cursor))
            served += [a for a in page.items if rules.served_to_customers(a)]
            cursor = page.next_cursor
            if not cursor:
                break
        return served

    def _write_sitemap(self, articles: list[Article] | None = None) -> None:
        from functions.knowledge import pages  # noqa: PLC0415

        assert self.site is not None
        served = self._served_articles() if articles is None else articles
        entries = sorted(((a.article_id, a.published_at or a.updated_at) for a in served), key=lambda e: e[0])
        self.site.put(pages.SITEMAP_KEY, pages.sitemap(entries, self.site_url), "application/xml")
        self.site.put(pages.ROBOTS_KEY, pages.robots(self.site_url), "text/plain; charset=utf-8")

    def rebuild_site(self, retired: list[str] | None = None) -> int:
        """Write every served article's pages, the sitemap and robots.txt (and the retired pages of
        ``retired``); the number of articles written."""
        if self.site is None:
            return 0
        served = self._served_articles()
        for article in served:
            self._write_pages(article, served=True)
        for article_id in retired or []:
            try:
                self._write_pages(self.store.get(article_id), served=False)
            except NotFound:
                continue
        self._write_sitemap(served)
        return len(served)

    # -- links, feedback ---------------------------------------------------------
    def link_helped(self, article_id: str, agent: str, case_id: str) -> Article:
        if self.cases is not None:
            self.cases.get(case_id)  # NotFound for an unknown case
        added = self.store.link_case(article_id, "helped", case_id, self.clock())
        if added and self.cases is not None:
            article = self.store.get(article_id)
            self.cases.add_event(
                case_id,
                EventKind.NOTE,
                Actor(type=ActorType.AGENT, id=agent),
                body=f"Knowledge article {article_id} helped: {article.title}",
                data={"knowledge": {"article_id": article_id, "relation": "helped"}},
                visibility="internal",
            )
        return self.store.get(article_id)

    def feedback(self, article_id: str, data: FeedbackIn, *, customer: bool) -> ArticleStats:
        if customer:
            self._require_public(article_id)
        else:
            self.store.get(article_id)
        comment = Scrubber().text(data.comment) if data.comment else None
        self.store.add_feedback(
            article_id,
            self.clock(),
            {
                "helpful": data.helpful,
                "comment": comment,
                "case_id": data.case_id if not customer else None,
                "session_id": data.session_id,
                "source": "customer" if customer else "agent",
            },
        )
        return self.store.count(article_id, **({"helpful_yes": 1} if data.helpful else {"helpful_no": 1}))

    def _require_public(self, article_id: str) -> Article:
        try:
            article = self.store.get(article_id)
        except NotFound:
            raise NotFound("article", article_id) from None
        if not rules.served_to_customers(article):
            raise NotFound("article", article_id)
        return article

    # -- from a case ---------------------------------------------------------------
    def duplicates(self, content: ArticleContent, exclude: list[str] | None = None) -> list[DuplicateCandidate] | None:
        """Existing (not retired) articles that look like ``content``; None when search is unavailable."""
        if self.search is None:
            return None
        query = SearchQuery(
            text=f"{content.title}\n{content.symptoms}"[:2000],
            kinds=[DocKind.ARTICLE],
            exclude={"status": "retired"},
            exclude_ids=exclude or [],
            limit=5,
            highlight=False,
        )
        try:
            hits = self.search.search(query)
        except Exception as exc:  # noqa: BLE001 - drafting must not fail because search is down
            logger().warning("duplicate check failed", extra={"error_type": type(exc).__name__})
            return None
        return [
            DuplicateCandidate(
                article_id=h.doc_id,
                title=h.title,
                score=round(h.score, 4),
                status=str(h.fields.get("status")) if h.fields.get("status") else None,
                matched_terms=h.matched_terms,
            )
            for h in hits
        ]

    def case_view(self, case_id: str) -> CaseView:
        if self.cases is None:
            raise NotFound("case", case_id)
        view = self.cases.view(case_id, limit=200)
        events = list(view.timeline)
        cursor = view.timeline_cursor
        for _ in range(20):  # long cases: read the whole timeline (bounded)
            if not cursor:
                break
            page = self.cases.view(case_id, limit=200, cursor=cursor)
            events += page.timeline
            cursor = page.timeline_cursor
        return view.model_copy(update={"timeline": events, "timeline_cursor": None})

    def scrubber_for(self, view: CaseView) -> Scrubber:
        customer = None
        if view.customer_id and self.customers is not None:
            try:
                customer = self.customers.get(view.customer_id)
            except NotFound:
                customer = None
        return Scrubber(drafting.known_pii(view, customer))

    def draft_from_case(self, case_id: str, agent: str, options: DraftFromCaseIn) -> DraftFromCase:
        view = self.case_view(case_id)
        content, removed = drafting.draft_content(view, options, self.scrubber_for(view))
        duplicates = self.duplicates(content)
        created = self.create(
            agent,
            ArticleIn(**content.model_dump(), source_cases=[case_id], note=f"drafted from case {case_id}"),
        )
        if self.cases is not None:
            self.cases.add_event(
                case_id,
                EventKind.NOTE,
                Actor(type=ActorType.AGENT, id=agent),
                body=f"Knowledge article {created.article_id} drafted from this case: {created.title}",
                data={"knowledge": {"article_id": created.article_id, "relation": "source"}},
                visibility="internal",
            )
        return DraftFromCase(
            article=created,
            duplicates=duplicates or [],
            duplicates_checked=duplicates is not None,
            removed=dict(removed),
        )

    # -- similar cases -------------------------------------------------------------
    def similar(self, case_id: str, q: SimilarQuery) -> SimilarCases:
        """Other customers' most similar cases and suggested published articles (NotFound for an unknown case)."""
        if self.cases is None:
            raise NotFound("case", case_id)
        case = self.cases.get(case_id)
        if self.search is None:
            return SimilarCases(case_id=case.case_id, cases=[], articles=[])
        hits = self.search.search(similar_cases.case_query(case, q.limit))
        articles = self.search.search(similar_cases.article_query(case, q.articles)) if q.articles else []
        return SimilarCases(
            case_id=case.case_id,
            cases=similar_cases.similar_cases(case, hits, q.limit),
            articles=similar_cases.suggested_articles(articles),
        )
