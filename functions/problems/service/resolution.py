"""A problem's fix: the root cause and permanent fix recorded, the problem resolved with its linked
cases (each customer told the fix through the case's channel), the fix put into the knowledge base."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from functions.cases.models import Actor, CaseStatus, CaseUpdate, ReplyIn
from functions.core.errors import Conflict, InvalidInput, InvalidTransition, NotFound, VersionConflict
from functions.core.logs import logger
from functions.problems import rules
from functions.problems.models import Problem, ProblemEventKind, ProblemStatus, ResolveResult, SkippedCase
from functions.problems.ports import Cases, KnowledgeSync, ProblemStore
from functions.problems.service.changes import Change, ProblemWriter, event

S = ProblemStatus


class ProblemResolution:
    def __init__(
        self,
        store: ProblemStore,
        cases: Cases,
        knowledge: KnowledgeSync | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.cases = cases
        self.knowledge = knowledge
        self.writer = ProblemWriter(store, clock)

    def record_fix(self, problem_id: str, root_cause: str, fix: str, actor: Actor | str) -> Problem:
        """The department's root cause and permanent fix; the problem moves to fix in progress."""
        actor = rules.as_actor(actor)

        def build(problem: Problem, now: datetime) -> Change:
            if problem.status in rules.FINAL or problem.status == S.CANDIDATE:
                raise InvalidTransition(problem.status.value, S.FIX_IN_PROGRESS.value, [])
            out = Change(updates={"root_cause": root_cause, "permanent_fix": fix})
            changes = {
                "root_cause": {"from": problem.root_cause, "to": root_cause},
                "permanent_fix": {"from": problem.permanent_fix, "to": fix},
            }
            if problem.status in rules.FIX_FROM:
                out.updates.update(rules.status_updates(problem, S.FIX_IN_PROGRESS, now))
                changes["status"] = {"from": problem.status.value, "to": S.FIX_IN_PROGRESS.value}
            out.events.append(event(problem_id, ProblemEventKind.FIX_RECORDED, actor, now, changes=changes))
            return out

        updated, _ = self.writer.apply(problem_id, None, build)
        return updated

    def resolve(
        self,
        problem_id: str,
        fix_note: str | None = None,
        resolve_cases: bool = True,
        actor: Actor | str = rules.SYSTEM,
        if_match: int | None = None,
    ) -> ResolveResult:
        """Resolve the problem; with ``resolve_cases``, reply to every linked case with the fix note
        (default: the recorded permanent fix) through the case's channel and resolve it. Closed or
        already resolved cases are skipped and reported."""
        actor = rules.as_actor(actor)
        problem = self.store.get(problem_id)
        if if_match is not None and if_match != problem.version:
            raise VersionConflict("problem", problem_id, if_match, problem.version)
        rules.check_transition(problem.status, S.RESOLVED)
        if problem.status == S.RESOLVED:
            raise InvalidTransition(
                problem.status.value, S.RESOLVED.value, sorted(s.value for s in rules.TRANSITIONS[S.RESOLVED])
            )
        note = fix_note or problem.permanent_fix
        if resolve_cases and not note:
            raise InvalidInput(
                "a fix note is needed to tell the customers (or record the permanent fix first)",
                fields=[
                    {"field": "fix_note", "message": "required: the problem has no permanent fix", "type": "missing"}
                ],
            )
        result = ResolveResult(problem=problem)
        if resolve_cases and note:
            self._resolve_cases(problem_id, note, actor, result)

        def build(current: Problem, now: datetime) -> Change:
            out = Change(updates=rules.status_updates(current, S.RESOLVED, now))
            if fix_note and not current.permanent_fix:
                out.updates["permanent_fix"] = fix_note
            out.events.append(
                event(
                    problem_id,
                    ProblemEventKind.RESOLVED,
                    actor,
                    now,
                    body=note,
                    changes={"status": {"from": current.status.value, "to": S.RESOLVED.value}},
                    data={
                        "resolved_cases": result.resolved_cases,
                        "skipped_cases": [s.model_dump() for s in result.skipped_cases],
                        "not_informed": [s.model_dump() for s in result.not_informed],
                    },
                )
            )
            return out

        result.problem, _ = self.writer.apply(problem_id, None, build)
        return result

    def _resolve_cases(self, problem_id: str, note: str, actor: Actor, result: ResolveResult) -> None:
        for link in self.store.links(problem_id):
            try:
                case = self.cases.get(link.case_id)
            except NotFound:
                result.skipped_cases.append(SkippedCase(case_id=link.case_id, reason="case not found"))
                continue
            if case.status == CaseStatus.CLOSED:
                result.skipped_cases.append(SkippedCase(case_id=case.case_id, reason="closed"))
                continue
            if case.status == CaseStatus.RESOLVED:
                result.skipped_cases.append(SkippedCase(case_id=case.case_id, reason="already resolved"))
                continue
            try:
                self.cases.reply(case.case_id, actor, ReplyIn(body=note, status_after=CaseStatus.RESOLVED))
                result.resolved_cases.append(case.case_id)
                continue
            except Conflict as exc:
                reason = exc.message
            except Exception as exc:  # noqa: BLE001 - one failed delivery must not stop the others
                logger().exception("problem fix reply failed", extra={"case_id": case.case_id})
                result.skipped_cases.append(
                    SkippedCase(case_id=case.case_id, reason=f"reply failed: {type(exc).__name__}")
                )
                continue
            # No channel to reply through: resolve with the fix as the comment, and say so.
            try:
                self.cases.update(
                    case.case_id, actor, CaseUpdate(status=CaseStatus.RESOLVED, comment=f"problem {problem_id}: {note}")
                )
            except Conflict as exc:
                result.skipped_cases.append(SkippedCase(case_id=case.case_id, reason=exc.message))
                continue
            result.resolved_cases.append(case.case_id)
            result.not_informed.append(SkippedCase(case_id=case.case_id, reason=reason))

    def update_knowledge(self, problem_id: str, actor: Actor | str = rules.SYSTEM) -> str | None:
        """Put the permanent fix in the knowledge base, and say so on the problem's timeline.

        The article is the problem's own (``article_id``), else the one its linked cases produced or
        were helped by most, else a new one. The department is not a knowledge reviewer, so the fix
        goes through review like any agent's change: a published article keeps serving its current
        version while the fix waits in review; a new article is written as a draft and submitted
        for review (agents see it at once; customers once a reviewer publishes it).
        Returns the article id (None: no knowledge base wired, or no fix yet). Idempotent."""
        actor = rules.as_actor(actor)
        problem = self.store.get(problem_id)
        if self.knowledge is None or not problem.permanent_fix:
            return None
        article_id = problem.article_id
        if article_id:
            try:
                if self.knowledge.resolution(article_id) == problem.permanent_fix:
                    return article_id  # done already (a retried job)
            except NotFound:
                article_id = None
        links = self.store.links(problem_id)
        article_id = article_id or self._article_of_cases([link.case_id for link in links])
        done = self.knowledge.put_fix(problem, article_id, [link.case_id for link in links], rules.author(actor))

        def build(current: Problem, now: datetime) -> Change:
            return Change(
                updates={"article_id": done.article_id},
                events=[
                    event(
                        problem_id,
                        ProblemEventKind.KNOWLEDGE_UPDATED,
                        actor,
                        now,
                        body=f"knowledge article {done.article_id} {done.action} with the permanent fix",
                        data={
                            "article_id": done.article_id,
                            "action": done.action,
                            "article_status": done.article_status,
                            "version": done.version,
                        },
                    )
                ],
            )

        self.writer.apply(problem_id, None, build)
        return done.article_id

    def _article_of_cases(self, case_ids: list[str]) -> str | None:
        """The article the linked cases point to most (drafted from them, or helped them)."""
        timelines = []
        for case_id in case_ids[: rules.ARTICLE_SCAN_CASES]:
            try:
                timelines.append(self.cases.view(case_id).timeline)
            except NotFound:
                continue
        return rules.article_of_timelines(timelines)
