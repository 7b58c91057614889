"""Use cases of notice records: drafts, approval, pause/resume/cancel, the audience snapshot and the
dispatches (``NoticeService``, also the ``NoticeSource`` delivery asks: ``contract.py``), what
customers see (portal banners, the phone menu), and opt-outs (``OptOutService``).

Ports (``ports.py``) come in through the constructors; delivery's lifecycle comes in as a
callable returning the ``NoticeWorkflow`` (the container wires the two halves both ways).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from functions.cases.models import Actor, ActorType
from functions.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, VersionConflict
from functions.core.timeutil import iso, utcnow
from functions.notify import audience as aud
from functions.notify import rules
from functions.notify.contract import Dispatch, DispatchKind, DispatchRecord, NoticeSignal
from functions.notify.models import (
    FINAL,
    AudienceCounts,
    AudiencePreview,
    AudienceSpec,
    Notice,
    NoticeChannel,
    NoticeEvent,
    NoticeEventKind,
    NoticeIn,
    NoticePage,
    NoticePatch,
    NoticeQuery,
    NoticeStatus,
    NoticeView,
    PhoneMessage,
    PublicNotice,
)
from functions.notify.ports import (
    AudienceSource,
    Contacts,
    NoticeStorePort,
    NoticeWorkflow,
    ProblemLookup,
    SnapshotSink,
)
from functions.problems.models import Problem, ProblemStatus

S = NoticeStatus
SYSTEM = Actor(type=ActorType.SYSTEM, id="notices")
# (changes to the notice, [(event kind, event fields)]) or None: nothing to change
Change = tuple[dict[str, Any], list[tuple[NoticeEventKind, dict[str, Any]]]] | None


class NoticeService:
    def __init__(
        self,
        store: NoticeStorePort,
        problems: ProblemLookup,
        audience_source: AudienceSource,
        sink: SnapshotSink,
        workflow: Callable[[], NoticeWorkflow],
        contacts: Contacts,
        *,
        batch_size: int = 1000,
        preview_customers: int = 2000,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.problems = problems
        self.source = audience_source
        self.sink = sink
        self.workflow = workflow
        self.contacts = contacts
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
        build: Callable[[Notice, datetime], Change],
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
        rules.check_notifiable(problem)
        return problem

    # -- reads -------------------------------------------------------------
    def get(self, notice_id: str) -> Notice:
        return self.store.get(notice_id)

    def view(self, notice_id: str) -> NoticeView:
        notice = self.store.get(notice_id)
        return NoticeView(**notice.model_dump(), timeline=self.store.timeline(notice_id))

    def list_notices(self, q: NoticeQuery) -> NoticePage:
        return self.store.page(q)

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
        rules.check_audience(notice.audience)
        members = aud.iter_members(notice.problem_id, notice.audience, notice.channels, self.source)
        counts, out, complete = aud.preview(members, sample, self.preview_customers)
        return AudiencePreview(notice_id=notice_id, snapshot=False, counts=counts, sample=out, complete=complete)

    # -- writes ------------------------------------------------------------
    def create(self, problem_id: str, data: NoticeIn, actor: Actor) -> Notice:
        problem = self._problem_open(problem_id)
        spec = data.audience
        if spec is None:
            cases = self.source.linked_cases(problem_id)
            spec = AudienceSpec(segment=rules.default_segment(problem, cases))
        now = self.clock()
        notice = Notice(
            notice_id=f"NT-{self.store.next_number()}",
            problem_id=problem_id,
            channels=list(dict.fromkeys(data.channels)),
            audience=spec,
            texts=data.texts or rules.default_texts(problem),
            interval_seconds=data.interval_seconds,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        self.store.create(notice, [self._event(notice.notice_id, NoticeEventKind.CREATED, actor, now)])
        return notice

    def update(self, notice_id: str, patch: NoticePatch, actor: Actor, if_match: int | None = None) -> Notice:
        expected = if_match if if_match is not None else patch.version

        def build(n: Notice, now: datetime) -> Change:
            updates, changes = rules.patch_changes(n, patch)
            if not updates:
                return None
            return updates, [(NoticeEventKind.CHANGED, {"changes": changes})]

        return self._save(notice_id, build, actor, expected)

    def approve(self, notice_id: str, actor: Actor, if_match: int | None = None) -> Notice:
        """Mark the notice active (its channels and audience are fixed from now) and start its
        lifecycle. The audience snapshot is taken by the lifecycle's first job
        (``next_dispatch``), not in this request: walking a large install base takes longer than
        an API request may. Until then ``audience_count`` is None. When the lifecycle cannot be
        started the notice goes back to draft (START_FAILED in its timeline) and the error is raised."""
        notice = self.store.get(notice_id)
        if if_match is not None and if_match != notice.version:
            raise VersionConflict("notice", notice_id, if_match, notice.version)
        rules.check_transition(notice.status, S.ACTIVE)
        if notice.status != S.DRAFT:
            raise InvalidTransition(notice.status.value, S.ACTIVE.value, [])
        self._problem_open(notice.problem_id)
        rules.check_audience(notice.audience)

        def activate(n: Notice, now: datetime) -> Change:
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
        manifest, counts = aud.snapshot(notice_id, notice.problem_id, members, self.sink, self.batch_size, self.clock())

        def record(n: Notice, now: datetime) -> Change:
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
        def build(n: Notice, now: datetime) -> Change:
            rules.check_transition(n.status, to)
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
        """The agent's update text goes out now (UPDATE_NOW), once. The flag: False when the
        lifecycle was busy sending (the signal is queued for its next wait)."""

        def build(n: Notice, now: datetime) -> Change:
            if n.status != S.ACTIVE:
                raise Conflict(f"notice {notice_id} is {n.status.value}: updates are sent for active notices")
            return {"pending_update": text}, [(NoticeEventKind.UPDATE_REQUESTED, {})]

        notice = self._save(notice_id, build, actor, if_match)
        return notice, self.workflow().signal(notice_id, NoticeSignal.UPDATE_NOW)

    # -- the problem changed (Container.problem_reactions) -----------------
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

    def dispatches(self, notice_id: str) -> list[DispatchRecord]:
        return list(self.store.get(notice_id).dispatches)

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
            if not rules.may_dispatch(notice, kind):
                return None
            if notice.audience_count is None:
                notice = self.take_snapshot(notice_id)
            now = self.clock()
            problem = self.problems.get(notice.problem_id)
            subject, body, sms = rules.dispatch_texts(notice, problem, kind)
            dispatch = Dispatch(
                notice_id=notice_id,
                problem_id=notice.problem_id,
                seq=notice.last_seq + 1,
                kind=kind,
                subject=subject,
                body=body,
                sms_text=sms,
                created_at=now,
                translations=rules.dispatch_translations(notice, problem, kind),
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

    def public_active(self) -> list[PublicNotice]:
        """The known issues anyone may see (the help center): active notices shown on the portal
        channel, most recently updated first."""
        notices = [n for n in self.store.with_status(S.ACTIVE) if NoticeChannel.PORTAL in n.channels]
        return self.public_views(sorted(notices, key=lambda n: n.updated_at, reverse=True))

    def banners(self, customer_id: str | None, email: str | None = None) -> list[PublicNotice]:
        """The portal's banners for the holder of a link: a customer, or the customer of the
        address a case link names (Forbidden when the address belongs to no known customer)."""
        if not customer_id:
            ref = self.contacts.contact_by_email(email) if email else None
            if ref is None:
                raise Forbidden("this link does not belong to a known customer")
            customer_id = ref.customer_id
        return self.public_views(self.for_customer(customer_id))

    def phone_message(self, caller: str | None, product: str | None) -> PhoneMessage:
        """What the phone menu announces: the latest notice (with the phone channel) of the
        caller's customer, else of the product; none when nothing is running."""
        ref = self.contacts.contact_by_phone(caller) if caller else None
        notices = [n for n in self.for_customer(ref.customer_id) if NoticeChannel.PHONE in n.channels] if ref else []
        if not notices and product:
            notices = self.for_product(product, None, None, NoticeChannel.PHONE)
        if not notices:
            return PhoneMessage(known_caller=ref is not None)
        [view] = self.public_views(notices[:1])
        return PhoneMessage(
            notice_id=view.notice_id, message=f"{view.title}. {view.body}", known_caller=ref is not None
        )


class OptOutService:
    """A contact's choices about notices: the unsubscribe link, SMS STOP/START replies."""

    def __init__(self, contacts: Contacts, languages: Callable[[str, str], str | None] | None = None) -> None:
        """``languages(customer_id, contact_id)``: the contact's stored language, None when unknown."""
        self.contacts = contacts
        self.languages = languages

    def language(self, customer_id: str, contact_id: str) -> str | None:
        """The language a contact's pages speak (the unsubscribe and preference pages), if stored."""
        if self.languages is None:
            return None
        try:
            return self.languages(customer_id, contact_id)
        except NotFound:
            return None

    def unsubscribe(self, customer_id: str, contact_id: str) -> bool:
        """Opt the contact (of a verified unsubscribe link) out of notice mail. True when recorded
        (idempotent); False for a contact the directory no longer has."""
        return self.contacts.set_contact_channels(customer_id, contact_id, email_opt_out=True)

    def sms_reply(self, phone: str, text: str) -> str | None:
        """Apply a STOP/START reply from ``phone``; returns the action taken ("stop" / "start"), or None."""
        action = rules.sms_keyword(text)
        if action is None or not phone:
            return None
        ref = self.contacts.contact_by_phone(phone)
        if ref is None:
            return None
        self.contacts.set_contact_channels(ref.customer_id, ref.contact_id, sms_opt_in=(action == "start"))
        return action
