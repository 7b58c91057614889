"""Self-service use cases: customer search and suggestions, the fix catalogue, public answers, deflection.

Decisions:
* One query over three kinds with one filter (``audience == "public"``, see search_docs.py); the
  hits are filtered on that field again here, so an engine that ignored a filter still could not
  show customers an internal article or a case.
* A public answer is a separate, scrubbed copy of a solved case (resolved or closed), never the
  case itself; unmarking deletes the copy.
* Search and suggest record their own 'searched' / 'suggested' events when the client passes its
  session id (with the ids shown); clients post clicks, 'solved it' and 'opened case'.
* Query text in events is scrubbed of personal data (customers type addresses into search boxes).
* Known issues (active public notices, ``known_issues``) come first in a search they match
  (rules.notice_matches) and every one a customer is shown counts as a 'notice_viewed' deflection
  event; the help center's pages (pages.py) are rendered from what these methods return.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from functions.cases.models import Actor, ActorType, EventKind
from functions.core.errors import Conflict, InvalidInput, NotFound
from functions.core.logs import logger
from functions.core.timeutil import utcnow
from functions.knowledge.drafting import strip_quoted
from functions.knowledge.scrub import Scrubber
from functions.search.port import SearchHit, SearchIndex, SearchQuery
from functions.selfservice import rules
from functions.selfservice.catalogue import DEFAULT_FIXES
from functions.selfservice.models import (
    CustomerAnswer,
    DeflectionEvent,
    Fix,
    FixIn,
    FixPage,
    FixUpdate,
    PublicAnswer,
    PublicAnswerIn,
    PublicFix,
    SearchParams,
    SeedResult,
    SelfServiceHit,
    SelfServiceResults,
    Suggestion,
    Suggestions,
    SuggestParams,
    missing_fields,
)
from functions.selfservice.ports import (
    AnswerStorePort,
    CaseEvents,
    CaseKnowledge,
    EventStorePort,
    FixStorePort,
    KnownIssue,
    KnownIssues,
)


class SelfService:
    def __init__(
        self,
        *,
        search: SearchIndex | None,
        fixes: FixStorePort,
        answers: AnswerStorePort,
        events: EventStorePort,
        cases: CaseEvents | None = None,
        knowledge: CaseKnowledge | None = None,
        clock: Callable[[], datetime] = utcnow,
        max_events_per_post: int = 25,
        default_fixes: Sequence[Mapping[str, Any]] = DEFAULT_FIXES,
        known_issues: KnownIssues | None = None,
    ) -> None:
        self.known_issues_source = known_issues
        self.search_index = search
        self.fixes = fixes
        self.answers = answers
        self.events = events
        self.cases = cases
        self.knowledge = knowledge
        self.clock = clock
        self.max_events_per_post = max_events_per_post
        self.default_fixes = default_fixes
        self._query_scrubber = Scrubber()

    # -- customers: search ------------------------------------------------------------
    def _search(self, query: SearchQuery) -> list[SearchHit]:
        if self.search_index is None:
            return []
        return rules.public_hits(self.search_index.search(query))

    def search(self, params: SearchParams) -> SelfServiceResults:
        hits = self._search(rules.public_query(params.q, params.limit, highlight=True))
        results = [
            SelfServiceHit(
                kind=rules.KIND_NAMES[h.kind],
                id=h.doc_id,
                title=h.title,
                snippet=h.snippet,
                score=round(h.score, 4),
                url=rules.url_of(h),
            )
            for h in hits
        ]
        if params.session:
            self._auto_event(params.session, "searched", params.q, [r.id for r in results])
        return SelfServiceResults(query=params.q, results=results)

    def suggest(self, params: SuggestParams) -> Suggestions:
        text = params.q.strip()
        if len(text) < rules.SUGGEST_MIN_CHARS:
            return Suggestions(query=text, suggestions=[])
        hits = self._search(rules.public_query(text, rules.SUGGESTIONS, highlight=False))
        suggestions = [
            Suggestion(kind=rules.KIND_NAMES[h.kind], id=h.doc_id, title=h.title, url=rules.url_of(h)) for h in hits
        ]
        if params.session and suggestions:
            self._auto_event(params.session, "suggested", text, [s.id for s in suggestions])
        return Suggestions(query=text, suggestions=suggestions)

    def _auto_event(self, session: str, kind: str, query: str, shown: list[str]) -> None:
        event = DeflectionEvent(session_id=session, type=kind, query=self._query_scrubber.text(query))  # type: ignore[arg-type]
        try:
            self.events.record([event], self.clock(), source=f"server:{','.join(shown)[:900]}")
        except Exception as exc:  # noqa: BLE001 - the customer's search must not fail for analytics
            logger().warning("self-service event not recorded", extra={"error_type": type(exc).__name__})

    # -- customers: known issues --------------------------------------------------------
    def known_issues(self) -> list[KnownIssue]:
        """The active public notices, newest first ([] when the notices cannot be read: the help
        center still answers)."""
        if self.known_issues_source is None:
            return []
        try:
            return list(self.known_issues_source())
        except Exception as exc:  # noqa: BLE001 - a help page must not fail for its banner
            logger().warning("known issues not read", extra={"error_type": type(exc).__name__})
            return []

    def matching_issues(self, query: str, issues: list[KnownIssue] | None = None) -> list[KnownIssue]:
        issues = self.known_issues() if issues is None else issues
        return [n for n in issues if rules.notice_matches(query, n.title, n.body)]

    def notices_viewed(self, session: str | None, notice_ids: list[str], query: str | None = None) -> None:
        """Each known issue a customer was shown counts as a deflection ('notice_viewed')."""
        if not session or not notice_ids:
            return
        events = [
            DeflectionEvent(
                session_id=session,
                type="notice_viewed",
                result_kind="notice",
                result_id=notice_id,
                query=self._query_scrubber.text(query) if query else None,
            )
            for notice_id in notice_ids[: self.max_events_per_post]
        ]
        try:
            self.events.record(events, self.clock(), source="server:known-issues")
        except Exception as exc:  # noqa: BLE001 - analytics never fail the page
            logger().warning("self-service event not recorded", extra={"error_type": type(exc).__name__})

    def help_search(self, params: SearchParams) -> tuple[SelfServiceResults, list[KnownIssue]]:
        """The help center's search: the results and, above them, the known issues they match
        (both recorded as the session's events)."""
        results = self.search(params)
        issues = self.matching_issues(params.q)
        self.notices_viewed(params.session, [n.notice_id for n in issues], params.q)
        return results, issues

    def article_feedback(self, session: str | None, article_id: str, helped: bool) -> None:
        """'Did this help?' on an article page, as the deflection event ('solved_it' / 'not_helped')."""
        if not session:
            return
        event = DeflectionEvent(
            session_id=session,
            type="solved_it" if helped else "not_helped",
            result_kind="article",
            result_id=article_id,
        )
        self.record_events([event], source="help-center", max_events=1)

    # -- customers: open a result --------------------------------------------------------
    def customer_fix(self, fix_id: str) -> PublicFix:
        fix = self.fixes.get(fix_id)
        if not fix.enabled:
            raise NotFound("fix", fix_id)
        return PublicFix(
            fix_id=fix.fix_id,
            title=fix.title,
            description=fix.description,
            action=fix.action,
            requires_verification=fix.requires_verification,
        )

    def customer_answer(self, answer_id: str) -> CustomerAnswer:
        answer = self.answers.get(answer_id)
        return CustomerAnswer(
            answer_id=answer.answer_id,
            title=answer.title,
            question=answer.question,
            answer=answer.answer,
            product=answer.product,
            updated_at=answer.updated_at,
        )

    # -- deflection events ------------------------------------------------------------------
    def record_events(
        self, events: list[DeflectionEvent], source: str = "client", *, max_events: int | None = None
    ) -> int:
        """Record events (at most ``max_events``, default ``max_events_per_post``), all or none;
        query texts scrubbed."""
        max_events = self.max_events_per_post if max_events is None else max_events
        if len(events) > max_events:
            raise InvalidInput(
                f"at most {max_events} events per request",
                fields=[{"field": "events", "message": f"at most {max_events} items", "type": "too_long"}],
            )
        problems = [
            {"field": f"events.{i}.{name}", "message": f"required for '{e.type}' events", "type": "missing"}
            for i, e in enumerate(events)
            for name in missing_fields(e)
        ]
        if problems:
            raise InvalidInput("some events are missing fields their type needs", fields=problems)
        cleaned = [e.model_copy(update={"query": self._query_scrubber.text(e.query)}) if e.query else e for e in events]
        return self.events.record(cleaned, self.clock(), source=source)

    def session_events(self, session_id: str) -> list[dict[str, Any]]:
        events = self.events.session(session_id)
        for event in events:
            event.pop("expires_at", None)
        return events

    # -- agents: fix catalogue ----------------------------------------------------------------
    def list_fixes(self, limit: int = 100, cursor: str | None = None) -> FixPage:
        return self.fixes.list_fixes(limit, cursor)

    def get_fix(self, fix_id: str) -> Fix:
        return self.fixes.get(fix_id)

    def delete_fix(self, fix_id: str) -> None:
        self.fixes.delete(fix_id)

    def create_fix(self, data: FixIn, agent: str) -> Fix:
        now = self.clock()
        fix = Fix(**data.model_dump(), version=1, created_at=now, updated_at=now, updated_by=agent)
        self.fixes.create(fix)
        return fix

    def update_fix(self, fix_id: str, change: FixUpdate, agent: str, if_match: int | None = None) -> Fix:
        fix = self.fixes.get(fix_id)
        expected = change.version if change.version is not None else if_match
        if expected is None:
            raise InvalidInput(
                "send the version you edited (body 'version' or If-Match)",
                fields=[{"field": "version", "message": "required for edits", "type": "missing"}],
            )
        if expected != fix.version:
            from functions.core.errors import VersionConflict  # noqa: PLC0415

            raise VersionConflict("fix", fix_id, expected, fix.version)
        patch = change.model_dump(exclude={"version"}, exclude_none=True)
        updated = Fix.model_validate(
            {
                **fix.model_dump(),
                **patch,
                "version": fix.version + 1,
                "updated_at": self.clock(),
                "updated_by": agent,
            }
        )
        self.fixes.save(updated, fix.version)
        return updated

    def seed_fixes(self, agent: str) -> SeedResult:
        """Add the default fixes that are missing (idempotent)."""
        created, existing = [], []
        for raw in self.default_fixes:
            try:
                self.create_fix(FixIn.model_validate(raw), agent)
                created.append(raw["fix_id"])
            except Conflict:
                existing.append(raw["fix_id"])
        return SeedResult(created=created, existing=existing)

    # -- agents: public answers ---------------------------------------------------------------------
    def mark_public_answer(self, case_id: str, agent: str, data: PublicAnswerIn) -> PublicAnswer:
        """Publish a scrubbed copy of a solved case (knowledge gives the case's view and its scrubber)."""
        if self.knowledge is None:
            raise NotFound("case", case_id)
        view = self.knowledge.case_view(case_id)
        if view.status not in rules.SOLVED:
            raise Conflict(
                f"case {case_id} is {view.status.value}; only resolved or closed cases can be public answers"
            )
        scrubber = self.knowledge.scrubber_for(view)
        replies = [e for e in view.timeline if e.kind == EventKind.MESSAGE_OUT and e.actor.type == ActorType.AGENT]
        last_reply = strip_quoted(replies[-1].body or "") if replies else ""
        answer_text = data.answer if data.answer is not None else last_reply
        if not (answer_text or "").strip():
            raise InvalidInput(
                "the case has no agent reply to publish; write the answer",
                fields=[{"field": "answer", "message": "required: the case has no reply", "type": "missing"}],
            )
        removed: dict[str, int] = {}
        texts: dict[str, str] = {}
        for key, value in (
            ("title", data.title or view.subject),
            ("question", data.question if data.question is not None else view.description),
            ("answer", answer_text),
        ):
            result = scrubber.scrub(value)
            texts[key] = result.text.strip()
            for label, n in result.removed.items():
                removed[label] = removed.get(label, 0) + n
        now = self.clock()
        answer_id = rules.answer_id_for(case_id)
        previous = None
        try:
            previous = self.answers.get(answer_id)
        except NotFound:
            pass
        answer = PublicAnswer(
            answer_id=answer_id,
            case_id=case_id,
            title=texts["title"][:200] or "Answer",
            question=texts["question"],
            answer=texts["answer"],
            product=view.product,
            created_at=previous.created_at if previous else now,
            created_by=previous.created_by if previous else agent,
            updated_at=now,
            removed=removed,
        )
        self.answers.put(answer)
        if self.cases is not None and previous is None:
            self.cases.add_event(
                case_id,
                EventKind.NOTE,
                Actor(type=ActorType.AGENT, id=agent),
                body=f"Marked as a public answer ({answer_id}) for customer self-service",
                data={"public_answer": {"answer_id": answer_id, "marked": True}},
                visibility="internal",
            )
        return answer

    def public_answer_of(self, case_id: str) -> PublicAnswer:
        return self.answers.get(rules.answer_id_for(case_id))

    def unmark_public_answer(self, case_id: str, agent: str) -> None:
        answer_id = rules.answer_id_for(case_id)
        if not self.answers.delete(answer_id):
            raise NotFound("public answer of case", case_id)
        if self.cases is not None:
            self.cases.add_event(
                case_id,
                EventKind.NOTE,
                Actor(type=ActorType.AGENT, id=agent),
                body="No longer a public answer",
                data={"public_answer": {"answer_id": answer_id, "marked": False}},
                visibility="internal",
            )
