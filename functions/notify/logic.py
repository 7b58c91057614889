"""Notice rules: drafts, approval (snapshot + workflow start), pause/resume/cancel, dispatches.

``NoticeService`` is also the ``NoticeSource`` delivery calls (functions/notify/contract.py).
Ports: the notice store, a problem lookup, the audience source/sink and the workflow, all passed in.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from functions.cases.models import Actor, ActorType
from functions.core.errors import Conflict, InvalidInput, InvalidTransition, VersionConflict
from functions.core.timeutil import iso, utcnow
from functions.notify import audience as aud
from functions.notify.contract import Dispatch, DispatchKind, NoticeSignal, NoticeWorkflow
from functions.notify.models import (
    FINAL,
    AudienceCounts,
    AudiencePreview,
    AudienceSpec,
    DispatchRecord,
    Notice,
    NoticeChannel,
    NoticeEvent,
    NoticeEventKind,
    NoticeIn,
    NoticePatch,
    NoticeStatus,
    NoticeTexts,
    NoticeView,
    PublicNotice,
    Segment,
)
from functions.problems.models import Problem, ProblemStatus

S = NoticeStatus
# A notice can be written for a confirmed problem that is not yet resolved.
NOTIFIABLE = frozenset({ProblemStatus.CONFIRMED, ProblemStatus.ROOT_CAUSE_ANALYSIS, ProblemStatus.FIX_IN_PROGRESS})
TRANSITIONS: dict[NoticeStatus, frozenset[NoticeStatus]] = {
    S.DRAFT: frozenset({S.ACTIVE, S.CANCELLED, S.STOPPED}),
    S.ACTIVE: frozenset({S.PAUSED, S.CANCELLED, S.COMPLETED, S.STOPPED}),
    S.PAUSED: frozenset({S.ACTIVE, S.CANCELLED, S.COMPLETED, S.STOPPED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.STOPPED: frozenset(),
}
SEGMENT_ATTRIBUTES = ("product", "model", "batch", "region", "tier")


def check_transition(from_: NoticeStatus, to: NoticeStatus) -> None:
    if to not in TRANSITIONS[from_]:
        raise InvalidTransition(from_.value, to.value, sorted(s.value for s in TRANSITIONS[from_]))


class ProblemLookup(Protocol):
    def get(self, problem_id: str) -> Problem: ...


class NoticeStorePort(Protocol):
    def next_number(self) -> int: ...
    def get(self, notice_id: str) -> Notice: ...
    def get_many(self, notice_ids: list[str]) -> list[Notice]: ...
    def of_problem(self, problem_id: str) -> list[Notice]: ...
    def with_status(self, status: NoticeStatus) -> list[Notice]: ...
    def timeline(self, notice_id: str) -> list[NoticeEvent]: ...
    def dispatch(self, notice_id: str, seq: int) -> Dispatch | None: ...
    def dispatches(self, refs: list[tuple[str, int]]) -> dict[tuple[str, int], Dispatch]: ...
    def memberships(self, customer_id: str) -> list[str]: ...
    def create(self, notice: Notice, events: list[NoticeEvent]) -> None: ...
    def save(
        self, notice: Notice, expected_version: int, events: list[NoticeEvent], dispatch: Dispatch | None = None
    ) -> None: ...


class SnapshotReader(Protocol):
    def manifest(self, notice_id: str) -> Any: ...


SYSTEM = Actor(type=ActorType.SYSTEM, id="notices")


def default_segment(problem: Problem, cases: list[Any]) -> Segment:
    """The problem's product (else its cases' products) narrowed by detection's common thread."""
    values: dict[str, list[str]] = {a: [] for a in SEGMENT_ATTRIBUTES}
    if problem.product:
        values["product"].append(problem.product)
    else:
        values["product"] += sorted({c.product for c in cases if getattr(c, "product", None)})
    for item in (problem.evidence or {}).get("common_thread") or []:
        attribute, value = item.get("attribute"), item.get("value")
        if attribute in values and isinstance(value, str) and value not in values[attribute]:
            values[attribute].append(value)
    return Segment.model_validate(values)


def default_texts(problem: Problem) -> NoticeTexts:
    body = f"We are aware of an issue: {problem.title}.\n\nOur team is working on it."
    if problem.workaround:
        body += f"\n\nIn the meantime: {problem.workaround}"
    sms = f"Known issue: {problem.title}"[:160]
    return NoticeTexts(subject=f"Known issue: {problem.title}"[:200], body=body, sms_text=sms)


def update_body(problem: Problem) -> str:
    status = problem.status.value.replace("_", " ")
    body = f"Update on {problem.title}: status {status}."
    if problem.workaround:
        body += f"\n\nWorkaround: {problem.workaround}"
    return body


class NoticeService:
    def __init__(
        self,
        store: NoticeStorePort,
        problems: ProblemLookup,
        audience_source: aud.AudienceSource,
        sink: aud.SnapshotSink,
        workflow: Callable[[], NoticeWorkflow],
        *,
        snapshots: SnapshotReader | None = None,
        batch_size: int = 1000,
        preview_customers: int = 2000,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.problems = problems
        self.source = audience_source
        self.sink = sink
        self.workflow = workflow
        self.snapshots = snapshots
        self.batch_size = batch_size
        self.preview_customers = preview_customers
        self.clock = clock

    # -- helpers -----------------------------------------------------------
    def _event(
        self, notice_id: str, kind: NoticeEventKind, actor: Actor, now: datetime, seq: int = 0, **extra: Any
    ) -> NoticeEvent:
        return NoticeEvent(
            event_id=f"{iso(now)}#{seq:03d}{secrets.token_hex(4)}",
            notice_id=notice_id,
            at=now,
            kind=kind,
            actor=actor,
            **extra,
        )

    def _save(
        self,
        notice_id: str,
        build: Callable[[Notice, datetime], tuple[dict[str, Any], list[tuple[NoticeEventKind, dict[str, Any]]]] | None],
        actor: Actor,
        if_match: int | None,
        *,
        attempts: int = 1,
    ) -> Notice:
        for attempt in range(attempts):
            notice = self.store.get(notice_id)
            if if_match is not None and if_match != notice.version:
                raise VersionConflict("notice", notice_id, if_match, notice.version)
            now = self.clock()
            change = build(notice, now)
            if change is None:
                return notice
            updates, event_specs = change
            new = notice.model_copy(update={**updates, "updated_at": now, "version": notice.version + 1})
            new = Notice.model_validate(new.model_dump())
            events = [
                self._event(notice_id, kind, actor, now, i, **extra) for i, (kind, extra) in enumerate(event_specs)
            ]
            try:
                self.store.save(new, notice.version, events)
            except VersionConflict:
                if attempt + 1 >= attempts:
                    raise
                continue
            return new
        raise AssertionError("unreachable")

    def _problem_open(self, problem_id: str) -> Problem:
        problem = self.problems.get(problem_id)
        if problem.status not in NOTIFIABLE:
            raise Conflict(
                f"problem {problem_id} is {problem.status.value}: notices are for confirmed, unresolved problems"
            )
        return problem

    # -- reads -------------------------------------------------------------
    def get(self, notice_id: str) -> Notice:
        return self.store.get(notice_id)

    def view(self, notice_id: str) -> NoticeView:
        notice = self.store.get(notice_id)
        return NoticeView(**notice.model_dump(), timeline=self.store.timeline(notice_id))

    def of_problem(self, problem_id: str) -> list[Notice]:
        self.problems.get(problem_id)
        return self.store.of_problem(problem_id)

    def preview(self, notice_id: str, sample: int) -> AudiencePreview:
        """Counts and a masked sample. Before the snapshot it is computed now (nothing is sent or
        written), over at most ``preview_customers`` customers: past that, ``complete`` is False
        and the counts are lower bounds."""
        notice = self.store.get(notice_id)
        if notice.status != S.DRAFT and notice.audience_count is not None:
            counts = AudienceCounts(
                recipients=notice.audience_count,
                email=notice.email_count or 0,
                sms=notice.sms_count or 0,
                customers=notice.customer_count or 0,
            )
            return AudiencePreview(notice_id=notice_id, snapshot=True, counts=counts)
        self._check_audience(notice.audience)
        members = aud.iter_members(notice.problem_id, notice.audience, notice.channels, self.source)
        counts, out, complete = aud.preview(members, sample, self.preview_customers)
        return AudiencePreview(notice_id=notice_id, snapshot=False, counts=counts, sample=out, complete=complete)

    @staticmethod
    def _check_audience(spec: AudienceSpec) -> None:
        if spec.include_likely and spec.segment.is_empty():
            raise InvalidInput(
                "a likely-affected audience needs at least one product in the segment",
                fields=[{"field": "audience.segment.product", "message": "required", "type": "missing"}],
            )

    # -- writes ------------------------------------------------------------
    def create(self, problem_id: str, data: NoticeIn, actor: Actor) -> Notice:
        problem = self._problem_open(problem_id)
        spec = data.audience
        if spec is None:
            cases = self.source.linked_cases(problem_id)
            spec = AudienceSpec(segment=default_segment(problem, cases))
        now = self.clock()
        notice = Notice(
            notice_id=f"NT-{self.store.next_number()}",
            problem_id=problem_id,
            channels=list(dict.fromkeys(data.channels)),
            audience=spec,
            texts=data.texts or default_texts(problem),
            interval_seconds=data.interval_seconds,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        self.store.create(notice, [self._event(notice.notice_id, NoticeEventKind.CREATED, actor, now)])
        return notice

    def update(self, notice_id: str, patch: NoticePatch, actor: Actor, if_match: int | None = None) -> Notice:
        expected = if_match if if_match is not None else patch.version

        def build(n: Notice, now: datetime) -> Any:
            if n.status in FINAL:
                raise Conflict(f"notice {notice_id} is {n.status.value}: it can no longer change")
            fields = patch.model_dump(exclude_unset=True, exclude={"version"})
            if n.status != S.DRAFT and ({"channels", "audience"} & fields.keys()):
                raise Conflict("channels and audience are fixed once the notice is approved")
            changes = {}
            updates: dict[str, Any] = {}
            for key in fields:
                new_value = getattr(patch, key)
                old_value = getattr(n, key)
                if new_value != old_value:
                    updates[key] = new_value
                    changes[key] = {
                        "from": old_value.model_dump(mode="json")
                        if hasattr(old_value, "model_dump")
                        else _plain(old_value),
                        "to": new_value.model_dump(mode="json")
                        if hasattr(new_value, "model_dump")
                        else _plain(new_value),
                    }
            if not updates:
                return None
            return updates, [(NoticeEventKind.CHANGED, {"changes": changes})]

        return self._save(notice_id, build, actor, expected)

    def approve(self, notice_id: str, actor: Actor, if_match: int | None = None) -> Notice:
        """Mark the notice active (its channels and audience are fixed from now) and start its
        lifecycle. The audience snapshot is taken by the lifecycle's first job
        (``next_dispatch``), not in this request: walking a large install base takes longer than
        an API request may. Until then ``audience_count`` is None."""
        notice = self.store.get(notice_id)
        if if_match is not None and if_match != notice.version:
            raise VersionConflict("notice", notice_id, if_match, notice.version)
        check_transition(notice.status, S.ACTIVE)
        if notice.status != S.DRAFT:
            raise InvalidTransition(notice.status.value, S.ACTIVE.value, [])
        self._problem_open(notice.problem_id)
        self._check_audience(notice.audience)

        def activate(n: Notice, now: datetime) -> Any:
            if n.status != S.DRAFT or n.version != notice.version:
                raise VersionConflict("notice", notice_id, notice.version, n.version)
            return (
                {"status": S.ACTIVE, "approved_by": actor, "approved_at": now},
                [(NoticeEventKind.APPROVED, {})],
            )

        active = self._save(notice_id, activate, actor, None)
        try:
            arn = self.workflow().start(notice_id)
        except Exception as exc:
            error = type(exc).__name__
            self._save(
                notice_id,
                lambda n, now: (
                    {"status": S.DRAFT},
                    [(NoticeEventKind.START_FAILED, {"data": {"error": error}})],
                ),
                SYSTEM,
                None,
                attempts=3,
            )
            raise
        return (
            self._save(notice_id, lambda n, now: ({"execution_arn": arn}, []), SYSTEM, None, attempts=3)
            if arn
            else active
        )

    def take_snapshot(self, notice_id: str) -> Notice:
        """Write the approved notice's audience snapshot (batch files, memberships, manifest last)
        and record its counts. Runs in the lifecycle's first job; asked again (a redelivered job,
        or counts lost to a failure after the files were written) it writes the same files again:
        the audience is read anew, and the manifest, written last, says the snapshot is whole."""
        notice = self.store.get(notice_id)
        if notice.audience_count is not None:
            return notice
        members = aud.iter_members(notice.problem_id, notice.audience, notice.channels, self.source)
        manifest, counts = aud.snapshot(notice_id, notice.problem_id, members, self.sink, self.batch_size)

        def record(n: Notice, now: datetime) -> Any:
            if n.audience_count is not None:
                return None
            data = {"recipients": counts.recipients, "email": counts.email, "sms": counts.sms}
            return (
                {
                    "audience_count": manifest.count,
                    "email_count": manifest.email_count,
                    "sms_count": manifest.sms_count,
                    "customer_count": counts.customers,
                },
                [(NoticeEventKind.SNAPSHOT, {"data": data})],
            )

        return self._save(notice_id, record, SYSTEM, None, attempts=5)

    def _transition(
        self, notice_id: str, to: NoticeStatus, kind: NoticeEventKind, actor: Actor, if_match: int | None
    ) -> Notice:
        def build(n: Notice, now: datetime) -> Any:
            check_transition(n.status, to)
            return {"status": to}, [(kind, {"changes": {"status": {"from": n.status.value, "to": to.value}}})]

        return self._save(notice_id, build, actor, if_match)

    def pause(self, notice_id: str, actor: Actor, if_match: int | None = None) -> Notice:
        notice = self._transition(notice_id, S.PAUSED, NoticeEventKind.PAUSED, actor, if_match)
        self.workflow().signal(notice_id, NoticeSignal.PAUSED)
        return notice

    def resume(self, notice_id: str, actor: Actor, if_match: int | None = None) -> Notice:
        current = self.store.get(notice_id)
        if current.status == S.PAUSED:
            self._problem_open(current.problem_id)
        notice = self._transition(notice_id, S.ACTIVE, NoticeEventKind.RESUMED, actor, if_match)
        self.workflow().signal(notice_id, NoticeSignal.RESUMED)
        return notice

    def cancel(self, notice_id: str, actor: Actor, if_match: int | None = None) -> Notice:
        was = self.store.get(notice_id).status
        notice = self._transition(notice_id, S.CANCELLED, NoticeEventKind.CANCELLED, actor, if_match)
        if was != S.DRAFT:
            self.workflow().signal(notice_id, NoticeSignal.CANCELLED)
        return notice

    def update_now(self, notice_id: str, text: str, actor: Actor, if_match: int | None = None) -> tuple[Notice, bool]:
        """The agent's update text goes out now (UPDATE_NOW), once."""

        def build(n: Notice, now: datetime) -> Any:
            if n.status != S.ACTIVE:
                raise Conflict(f"notice {notice_id} is {n.status.value}: updates are sent for active notices")
            return {"pending_update": text}, [(NoticeEventKind.UPDATE_REQUESTED, {})]

        notice = self._save(notice_id, build, actor, if_match)
        return notice, self.workflow().signal(notice_id, NoticeSignal.UPDATE_NOW)

    # -- the problem changed (functions/notify/reactions.py) ---------------
    def on_problem_status(self, problem_id: str, new_status: str) -> list[str]:
        """resolved -> RESOLVED to running notices; dismissed/closed -> notices stopped. Returns ids signalled."""
        touched: list[str] = []
        for notice in self.store.of_problem(problem_id):
            if new_status == ProblemStatus.RESOLVED and notice.status in (S.ACTIVE, S.PAUSED):
                self.workflow().signal(notice.notice_id, NoticeSignal.RESOLVED)
                touched.append(notice.notice_id)
            elif new_status in (ProblemStatus.DISMISSED, ProblemStatus.CLOSED) and notice.status not in FINAL:
                was = notice.status
                self._transition(notice.notice_id, S.STOPPED, NoticeEventKind.STOPPED, SYSTEM, None)
                if was != S.DRAFT:
                    self.workflow().signal(notice.notice_id, NoticeSignal.STOPPED)
                touched.append(notice.notice_id)
        return touched

    # -- NoticeSource (delivery) -------------------------------------------
    def interval_seconds(self, notice_id: str) -> int:
        return self.store.get(notice_id).interval_seconds

    def next_dispatch(self, notice_id: str, kind: DispatchKind) -> Dispatch | None:
        """Record and return the next dispatch; None when the notice is paused, cancelled or done.

        The initial and the resolution dispatch are made once: asked again (a retried task), the
        recorded one is returned, so delivery's per-recipient records keep it exactly-once. The
        resolution is sent from a paused notice too (customers should learn of the fix) and
        completes the notice."""
        for _ in range(5):
            notice = self.store.get(notice_id)
            if kind in (DispatchKind.INITIAL, DispatchKind.RESOLUTION):
                done = next((d for d in notice.dispatches if d.kind == kind), None)
                if done is not None:
                    return self.store.dispatch(notice_id, done.seq)
            allowed = (S.ACTIVE, S.PAUSED) if kind == DispatchKind.RESOLUTION else (S.ACTIVE,)
            if notice.status not in allowed:
                return None
            if kind != DispatchKind.INITIAL and not any(d.kind == DispatchKind.INITIAL for d in notice.dispatches):
                return None  # nothing was announced yet: no update or resolution of it
            if notice.audience_count is None:
                notice = self.take_snapshot(notice_id)
            now = self.clock()
            problem = self.problems.get(notice.problem_id)
            subject, body, sms = self._texts(notice, problem, kind)
            dispatch = Dispatch(
                notice_id=notice_id,
                problem_id=notice.problem_id,
                seq=notice.last_seq + 1,
                kind=kind,
                subject=subject,
                body=body,
                sms_text=sms,
                created_at=now,
            )
            updates: dict[str, Any] = {
                "dispatches": [*notice.dispatches, DispatchRecord(seq=dispatch.seq, kind=kind, at=now)],
                "updated_at": now,
                "version": notice.version + 1,
            }
            if kind == DispatchKind.UPDATE and notice.pending_update:
                updates["pending_update"] = None
            events = [
                self._event(
                    notice_id,
                    NoticeEventKind.DISPATCHED,
                    SYSTEM,
                    now,
                    0,
                    data={"seq": dispatch.seq, "kind": kind.value},
                )
            ]
            if kind == DispatchKind.RESOLUTION:
                updates["status"] = S.COMPLETED
                events.append(self._event(notice_id, NoticeEventKind.COMPLETED, SYSTEM, now, 1))
            new = Notice.model_validate(notice.model_copy(update=updates).model_dump())
            try:
                self.store.save(new, notice.version, events, dispatch)
            except Conflict:
                continue  # changed meanwhile (an agent, a concurrent call): read again
            return dispatch
        raise Conflict(f"notice {notice_id} kept changing; try again")

    @staticmethod
    def _texts(notice: Notice, problem: Problem, kind: DispatchKind) -> tuple[str, str, str]:
        t = notice.texts
        if kind == DispatchKind.INITIAL:
            return t.subject, t.body, t.sms_text
        if kind == DispatchKind.UPDATE:
            body = notice.pending_update or t.update_text or update_body(problem)
            return f"Update: {t.subject}"[:200], body, _short(f"Update: {body}")
        fix = t.resolution_text or problem.permanent_fix or "The issue has been fixed."
        body = f"Resolved: {problem.title}.\n\n{fix}"
        return f"Resolved: {t.subject}"[:200], body, _short(f"Resolved: {fix}")

    # -- customers' views --------------------------------------------------
    def public_views(self, notices: list[Notice]) -> list[PublicNotice]:
        """What customers see of each notice: the texts of its last dispatch (one batch read for
        all of them), or its draft texts before the first."""
        refs = [(n.notice_id, n.dispatches[-1].seq) for n in notices if n.dispatches]
        sent = self.store.dispatches(refs) if refs else {}
        out = []
        for notice in notices:
            dispatch = sent.get((notice.notice_id, notice.dispatches[-1].seq)) if notice.dispatches else None
            out.append(
                PublicNotice(
                    notice_id=notice.notice_id,
                    problem_id=notice.problem_id,
                    title=dispatch.subject if dispatch else notice.texts.subject,
                    body=dispatch.body if dispatch else notice.texts.body,
                    updated_at=dispatch.created_at if dispatch else notice.updated_at,
                )
            )
        return out

    def for_customer(self, customer_id: str) -> list[Notice]:
        """Active notices whose snapshot holds the customer (one Query + one BatchGetItem)."""
        ids = self.store.memberships(customer_id)
        notices = self.store.get_many(ids) if ids else []
        return sorted((n for n in notices if n.status == S.ACTIVE), key=lambda n: n.updated_at, reverse=True)

    def for_product(
        self, product: str, model: str | None, batch: str | None, channel: NoticeChannel = NoticeChannel.PORTAL
    ) -> list[Notice]:
        notices = self.store.with_status(S.ACTIVE)
        chosen = [
            n for n in notices if channel in n.channels and n.audience.segment.matches_product(product, model, batch)
        ]
        return sorted(chosen, key=lambda n: n.updated_at, reverse=True)


def _short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return getattr(value, "value", value)
