"""Knowledge use cases: write, version, review, publish, retire, fix, draft from a case, feedback.

Decisions:
* Every edit makes a new version and puts the article back to ``draft``; the published version
  (``published_version``) stays served to customers and to search until a reviewer publishes
  a newer one. ``latest_version`` is the optimistic lock (the ETag): an edit or a review action
  that names an older version answers 409, so a reviewer never publishes a version unseen.
* The permanent fix (problem management) adds a version whose resolution is the fix and keeps
  the workaround, marked superseded. A published article stays published (republished with the
  fix) when the caller is a reviewer; otherwise the fixed version waits in review. See rules.py.
* Drafting from a case scrubs every field (scrub.py) with what the case knows about its people.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from functions.cases.models import Actor, ActorType, Case, CaseView, EventKind, TimelineEvent
from functions.core.errors import InvalidInput, NotFound
from functions.core.logs import logger
from functions.core.timeutil import utcnow
from functions.knowledge import rules
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
    Environment,
    FeedbackIn,
    PermanentFixIn,
    TransitionIn,
    VersionList,
    VersionSummary,
    Visibility,
)
from functions.knowledge.rules import Action
from functions.knowledge.scrub import KnownPII, Scrubber
from functions.knowledge.store import ArticleStore
from functions.search.port import DocKind, SearchIndex, SearchQuery


class CaseReader(Protocol):
    """The part of CaseService knowledge uses."""

    def get(self, case_id: str) -> Case: ...
    def view(
        self, case_id: str, *, public_only: bool = False, limit: int = 200, cursor: str | None = None
    ) -> CaseView: ...
    @property
    def add_event(self) -> Callable[..., TimelineEvent]: ...


class CustomerReader(Protocol):
    def get(self, customer_id: str) -> Any: ...


_LABELS = {
    "cause": re.compile(r"^\s*(?:root\s*cause|cause|ursache)\s*:\s*", re.I),
    "workaround": re.compile(r"^\s*(?:workaround|work-around|temporary fix)\s*:\s*", re.I),
    "resolution": re.compile(r"^\s*(?:resolution|fix|solution|solved by|lösung)\s*:\s*", re.I),
}
_QUOTE_START = re.compile(
    r"^(?:On .{0,200} wrote:|-{2,}\s*Original Message\s*-{2,}|Am .{0,200} schrieb .{0,200}:)\s*$", re.I
)


def strip_quoted(text: str) -> str:
    """The new part of a reply: without '>' lines and what follows 'On ... wrote:'."""
    out: list[str] = []
    for line in (text or "").splitlines():
        if _QUOTE_START.match(line.strip()):
            break
        if line.lstrip().startswith(">"):
            continue
        out.append(line)
    return "\n".join(out).strip()


def split_notes(notes: list[str]) -> dict[str, list[str]]:
    """Agents' notes by KCS field: 'Cause: ...', 'Workaround: ...', 'Fix: ...'; the rest under 'other'."""
    parts: dict[str, list[str]] = {"cause": [], "workaround": [], "resolution": [], "other": []}
    for note in notes:
        current = "other"
        buffer: list[str] = []
        for line in note.splitlines():
            label = next((k for k, rx in _LABELS.items() if rx.match(line)), None)
            if label is not None:
                if buffer and "\n".join(buffer).strip():
                    parts[current].append("\n".join(buffer).strip())
                current, buffer = label, [_LABELS[label].sub("", line, count=1)]
            else:
                buffer.append(line)
        if buffer and "\n".join(buffer).strip():
            parts[current].append("\n".join(buffer).strip())
    return parts


def names_from_address(email: str) -> tuple[list[str], str | None]:
    """'anna.schmidt@nordwerk.example' -> (['anna schmidt'], 'nordwerk'); public mail domains name nobody."""
    from functions.core.validators import PUBLIC_MAIL_DOMAINS  # noqa: PLC0415

    local, _, domain = email.lower().rpartition("@")
    parts = [p for p in re.split(r"[._-]+", local) if p]
    names = [" ".join(parts)] if 2 <= len(parts) <= 3 and all(p.isalpha() and len(p) >= 2 for p in parts) else []
    label = domain.split(".")[0] if domain and domain not in PUBLIC_MAIL_DOMAINS else ""
    return names, (label if len(label) >= 4 else None)


def known_pii(view: CaseView, customer: Any | None = None) -> KnownPII:
    """Everything the case knows about the people in it."""
    names = [view.contact_name or ""]
    emails = [view.contact_email or ""]
    phones = [view.contact_phone or ""]
    for event in view.timeline:
        if event.actor.type == ActorType.AGENT:
            names += [event.actor.name or "", event.actor.id or ""]
        elif event.actor.type == ActorType.CUSTOMER:
            names.append(event.actor.name or "")
        if event.message is not None:
            names.append(event.message.from_name or "")
            emails += [event.message.from_address or "", *event.message.to, *event.message.cc]
    handoff = view.context.handoff
    if handoff is not None:
        names.append(handoff.customer.name or "")
        emails.append(handoff.customer.email or "")
        phones.append(handoff.customer.phone or "")
    organisations = [view.customer_id or ""]
    if customer is not None:
        organisations.append(getattr(customer, "name", "") or "")
        for contact in getattr(customer, "contacts", []) or []:
            names.append(getattr(contact, "name", "") or "")
            emails.append(getattr(contact, "email", "") or "")
            phones.append(getattr(contact, "phone", "") or "")
    support = {e.lower() for e in emails if e and e.lower().startswith(("support@", "noreply@", "no-reply@"))}
    for email in (e for e in emails if e and e.lower() not in support):
        names_, organisation = names_from_address(email)
        names += names_
        organisations.append(organisation or "")
    return KnownPII(
        names=tuple(n for n in names if n),
        emails=tuple(e for e in emails if e and e.lower() not in support),
        phones=tuple(p for p in phones if p),
        organisations=tuple(o for o in organisations if o),
    )


class KnowledgeService:
    def __init__(
        self,
        store: ArticleStore,
        *,
        search: SearchIndex | None = None,
        cases: CaseReader | None = None,
        customers: CustomerReader | None = None,
        reviewer_roles: frozenset[str] = frozenset({"reviewer", "reviewers"}),
        clock: Callable[[], datetime] = utcnow,
        id_prefix: str = "KB",
    ) -> None:
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
        served = article.served
        if (
            article.published_version is None
            or article.status == ArticleStatus.RETIRED
            or served.visibility != Visibility.EXTERNAL
        ):
            raise NotFound("article", article_id)
        self.store.count(article_id, views=1)
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
        return self._new_version(article, content, actor, status, note=note, problem_id=fix.problem_id)

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
        if (
            article.published_version is None
            or article.status == ArticleStatus.RETIRED
            or article.served.visibility != Visibility.EXTERNAL
        ):
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
        return Scrubber(known_pii(view, customer))

    def draft_from_case(self, case_id: str, agent: str, options: DraftFromCaseIn) -> DraftFromCase:
        view = self.case_view(case_id)
        scrubber = self.scrubber_for(view)
        removed: Counter[str] = Counter()

        def clean(text: str | None) -> str:
            result = scrubber.scrub(text or "")
            removed.update(result.removed)
            return result.text.strip()

        agent_notes = [
            e.body or ""
            for e in view.timeline
            if e.kind == EventKind.NOTE and e.actor.type == ActorType.AGENT and not (e.data or {}).get("knowledge")
        ]
        replies = [
            e
            for e in view.timeline
            if e.kind == EventKind.MESSAGE_OUT and e.actor.type == ActorType.AGENT and (e.body or e.message)
        ]
        last_reply = ""
        if replies:
            last = replies[-1]
            last_reply = strip_quoted(last.body or (last.message.body_text if last.message else ""))
        notes = split_notes(agent_notes)
        first_in = next((e for e in view.timeline if e.kind == EventKind.MESSAGE_IN and e.body), None)
        symptoms = view.description or (strip_quoted(first_in.body or "") if first_in else "")
        resolution_parts = notes["resolution"] or ([last_reply] if last_reply else [])
        if notes["resolution"] and last_reply:
            resolution_parts.append(f"Reply to the customer:\n{last_reply}")
        if notes["other"]:
            resolution_parts.append("Notes from the case:\n" + "\n".join(f"- {n}" for n in notes["other"]))
        keywords = [clean(k) for k in [*options.keywords, *(view.tags or []), view.category or ""] if k]
        content = ArticleContent(
            title=(clean(options.title or view.subject) or "Untitled")[:200],
            symptoms=clean(symptoms)[:20_000],
            environment=Environment(product=view.product, model=view.model),
            cause=clean("\n\n".join(notes["cause"]))[:20_000],
            resolution=clean("\n\n".join(resolution_parts))[:20_000],
            workaround=clean("\n\n".join(notes["workaround"]))[:20_000],
            keywords=[k[:60] for k in dict.fromkeys(keywords) if k][:30],
            visibility=options.visibility,
        )
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
