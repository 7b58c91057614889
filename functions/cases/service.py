"""Case use cases: open, add interactions, change, reply, close resolved cases. Receives its ports
(functions.cases.ports) in its constructor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from functions.cases import rules
from functions.cases.models import (
    Actor,
    ActorType,
    Attachment,
    AttachmentLink,
    Case,
    CaseContext,
    CasePage,
    CaseQuery,
    CaseStatus,
    CaseUpdate,
    CaseView,
    Channel,
    EventKind,
    Message,
    Priority,
    QueueSort,
    ReplyIn,
    TimelineEvent,
    new_event_id,
)
from functions.cases.ports import (
    AttachmentLinks,
    CaseRouter,
    CaseSearch,
    CaseStorePort,
    ContactDirectory,
    IdempotencyPort,
    ReplyChannel,
    SlaClock,
)
from functions.core.errors import Conflict, InvalidInput, NotFound, NotStored, VersionConflict
from functions.core.timeutil import iso, utcnow
from functions.customers.models import ContactRef, Customer
from functions.triage.models import TriageSuggestion


class CaseService:
    MAX_RETRIES = 5
    MAX_MERGE_HOPS = 10

    def __init__(
        self,
        store: CaseStorePort,
        directory: ContactDirectory | None = None,
        reply_channels: dict[Channel, ReplyChannel] | None = None,
        clock: Callable[[], datetime] = utcnow,
        number_prefix: str = "CB",
        idempotency: IdempotencyPort | None = None,
        auto_close_after: timedelta = timedelta(days=7),
        router: CaseRouter | None = None,
        search: Callable[[], CaseSearch] | None = None,
        sla: SlaClock | None = None,
        attachment_links: AttachmentLinks | None = None,
    ) -> None:
        self.sla = sla
        self.attachment_links = attachment_links
        self.search = search  # built on first text search (the engine is heavy to import)
        self.idempotency = idempotency
        self.router = router
        self.store = store
        self.directory = directory
        self.reply_channels = reply_channels or {}
        self.clock = clock
        self.number_prefix = number_prefix
        self.auto_close_after = auto_close_after

    # -- helpers -----------------------------------------------------------
    def _event(
        self,
        case_id: str,
        kind: EventKind,
        actor: Actor,
        at: datetime,
        *,
        body: str | None = None,
        message: Message | None = None,
        changes: dict[str, dict[str, Any]] | None = None,
        data: dict[str, Any] | None = None,
        visibility: str = "public",
        seq: int = 0,
    ) -> TimelineEvent:
        return TimelineEvent(
            event_id=new_event_id(iso(at), seq),
            case_id=case_id,
            at=at,
            kind=kind,
            actor=actor,
            body=body,
            message=message,
            changes=changes,
            data=data,
            visibility=visibility,  # type: ignore[arg-type]
        )

    def resolve_contact(self, email: str | None) -> ContactRef | None:
        if not email or self.directory is None:
            return None
        return self.directory.contact_by_email(email)

    def _customer(self, customer_id: str | None) -> Customer | None:
        """The case's customer (its name for search, its tier for the SLA); None when unknown."""
        if not customer_id or self.directory is None:
            return None
        try:
            return self.directory.get(customer_id)
        except NotFound:
            return None

    # -- reads -------------------------------------------------------------
    def get(self, case_id: str) -> Case:
        return self.store.get(case_id)

    def view(self, case_id: str, *, public_only: bool = False, limit: int = 200, cursor: str | None = None) -> CaseView:
        case = self._with_state(self.store.get(case_id), self.clock())
        events, next_cursor = self.store.timeline(case_id, limit=limit, cursor=cursor)
        if public_only:
            events = [e for e in events if e.visibility == "public"]
        return CaseView(**case.model_dump(), timeline=events, timeline_cursor=next_cursor)

    def list_cases(self, q: CaseQuery) -> CasePage:
        """A queue view. Without ``q`` from DynamoDB, the source of truth (read after write: a case an
        agent just changed leaves or joins the view at once), through its indexes; with ``q`` through
        the search index, the only one that searches text, which follows the table's stream a second
        or two behind: its hits are read again from DynamoDB and filtered on what they hold now."""
        now = self.clock()
        q = q.resolved(now)
        page = self._text_page(q, now) if q.q else self.store.query(q, now)
        return page.model_copy(update={"items": [self._with_state(c, now) for c in page.items]})

    TEXT_HITS = 100  # the best matches a text search reads; an agent narrows the words beyond that

    def _text_page(self, q: CaseQuery, now: datetime) -> CasePage:
        from functions.search.port import DocKind, SearchQuery  # noqa: PLC0415

        number = rules.case_number(q.q or "", self.number_prefix)
        if number is not None:  # a case number: the case itself, read from the table
            exact = [c for c in self.store.get_many([number]).values() if rules.matches(c, q, now)]
            if exact:
                return CasePage(items=exact, total_estimate=1)
        if self.search is None:
            raise Conflict("text search is not configured")
        filters: dict[str, str | list[str]] = {}
        if q.status:
            filters["status"] = [s.value for s in q.status]
        if q.assignee and q.assignee != rules.UNASSIGNED:
            filters["assignee"] = q.assignee
        for name, value in (("group_id", q.group_id), ("customer_id", q.customer_id), ("product", q.product)):
            if value:
                filters[name] = value
        for name, enum_value in (("channel", q.channel), ("priority", q.priority)):
            if enum_value is not None:
                filters[name] = enum_value.value
        if q.tag:
            filters["tags"] = q.tag[0]  # the others are checked on the case itself
        hits = self.search().search(
            SearchQuery(text=q.q or "", kinds=[DocKind.CASE], filters=filters, limit=self.TEXT_HITS, highlight=False)
        )
        found = self.store.get_many([h.doc_id for h in hits])
        ranked = [found[h.doc_id] for h in hits if h.doc_id in found and rules.matches(found[h.doc_id], q, now)]
        if q.sort is not None:
            ranked.sort(key=lambda c: rules.sort_key(c, q.sort or QueueSort.UPDATED))
        start = rules.cursor_offset(q.cursor)
        page = ranked[start : start + q.limit]
        more = start + q.limit < len(ranked)
        return CasePage(
            items=page, next_cursor=rules.offset_cursor(start + q.limit) if more else None, total_estimate=len(ranked)
        )

    def _advance(
        self,
        case: Case,
        at: datetime,
        *,
        priority: Priority | None = None,
        status: CaseStatus | None = None,
        responded: bool = False,
    ) -> Any:
        """The case's SLA clock after a change (priority, status, the first reply)."""
        if self.sla is None or case.sla is None:
            return case.sla
        return self.sla.advance(
            case.sla,
            at=at,
            priority=priority.value if priority is not None else None,
            status=status.value if status is not None and status != case.status else None,
            responded=responded,
        )

    def check_slas(self, now: datetime | None = None, limit: int = 500) -> list[str]:
        """Record the SLA warnings and breaches due at ``now`` (default: the clock) on the cases whose
        next check has come (each once: the clock keeps what it announced, saved with the events).
        Returns the ids of the cases that got an event."""
        if self.sla is None:
            return []
        now = now or self.clock()
        touched = []
        for case_id in self.store.sla_checks_due(now, limit):
            if self.check_sla(case_id, now):
                touched.append(case_id)
        return touched

    def check_sla(self, case_id: str, now: datetime) -> list[TimelineEvent]:
        """One case's SLA check at ``now``: its internal ``sla_warning`` / ``sla_breached`` events."""
        system = Actor(type=ActorType.SYSTEM, id="sla")
        for _ in range(self.MAX_RETRIES):
            case = self.store.get(case_id)
            if self.sla is None or case.sla is None:
                return []
            clock, found = self.sla.check(case.sla, now)
            if clock == case.sla:
                return []
            events = [
                self._event(
                    case_id,
                    EventKind.SLA_BREACHED if e.kind == "breach" else EventKind.SLA_WARNING,
                    system,
                    now,
                    body=rules.sla_event_text(e.kind, e.metric.value, e.due),
                    data={"metric": e.metric.value, "due": e.due.isoformat()},
                    visibility="internal",
                    seq=i,
                )
                for i, e in enumerate(found)
            ]
            # The check changes the clock, not the case's activity: updated_at stays.
            updated = case.model_copy(update={"sla": clock, "version": case.version + 1})
            try:
                self.store.save(updated, case.version, events)
            except VersionConflict:
                continue
            return events
        raise Conflict(f"case {case_id} is too busy; try again")

    def attachment_link(self, case_id: str, attachment_id: str) -> AttachmentLink:
        """A short-lived link to one of the case's attachments. NotFound for an unknown case or
        attachment; NotStored (a 404 saying why) for one intake skipped (too large)."""
        self.store.get(case_id)
        found: Attachment | None = None
        cursor: str | None = None
        while True:
            events, cursor = self.store.timeline(case_id, limit=200, cursor=cursor)
            for event in events:
                for attachment in event.message.attachments if event.message else []:
                    if attachment.attachment_id == attachment_id and (found is None or attachment.s3_key):
                        found = attachment
            if not cursor:
                break
        if found is None:
            raise NotFound("attachment", attachment_id)
        if not found.s3_key or self.attachment_links is None:
            raise NotStored("attachment", attachment_id, found.skipped_reason or "its content was not kept")
        url, expires_at = self.attachment_links.download_url(
            found.s3_key, content_type=found.content_type, at=self.clock()
        )
        return AttachmentLink(
            url=url,
            expires_at=expires_at,
            filename=found.filename,
            content_type=found.content_type,
            size=found.size,
        )

    def _with_state(self, case: Case, now: datetime) -> Case:
        return case.model_copy(update={"sla_state": rules.sla_state(case, now)})

    def find_case_for_message_ids(self, ids: list[str]) -> str | None:
        """The case these message ids belong to; for a case merged into another, the surviving one
        (a pointer written before the merge moved it still threads a reply into the right case)."""
        found = self.store.find_by_pointers(ids)
        return self.surviving(found).case_id if found else None

    def surviving(self, case_id: str) -> Case:
        """The case itself, or, when it was merged, the case it was merged into (followed through
        merges of merges). NotFound for an unknown case."""
        case = self.store.get(case_id)
        for _ in range(self.MAX_MERGE_HOPS):
            if not case.merged_into:
                return case
            try:
                case = self.store.get(case.merged_into)
            except NotFound:
                return case
        return case

    # -- intake ------------------------------------------------------------
    def open_case(
        self,
        *,
        subject: str,
        channel: Channel,
        actor: Actor,
        message: Message | None = None,
        description: str = "",
        contact_email: str | None = None,
        contact_name: str | None = None,
        contact_phone: str | None = None,
        customer_id: str | None = None,
        priority: Priority = Priority.NORMAL,
        category: str | None = None,
        product: str | None = None,
        model: str | None = None,
        batch: str | None = None,
        language: str | None = None,
        context: CaseContext | None = None,
        pointers: list[str] | None = None,
        extra_events: list[tuple[EventKind, dict[str, Any]]] | None = None,
        declared_language: str | None = None,
    ) -> Case:
        """Open a new case. Raises Duplicate (and writes nothing) if a pointer is known. The case's
        language: ``language``, else the known contact's, else ``declared_language`` (what the
        message itself says it is written in)."""
        now = self.clock()
        contact = self.resolve_contact(contact_email)
        if contact is not None:
            customer_id = customer_id or contact.customer_id
        elif contact_email and self.directory is not None and customer_id is None:
            from functions.core.validators import PUBLIC_MAIL_DOMAINS, email_domain  # noqa: PLC0415

            domain = email_domain(contact_email)
            if domain not in PUBLIC_MAIL_DOMAINS:
                customer_id = self.directory.customer_by_domain(domain)
        customer = self._customer(customer_id)
        case_id = f"{self.number_prefix}-{self.store.next_number()}"
        case = Case(
            case_id=case_id,
            subject=subject[:998],
            description=description or (message.body_text if message else ""),
            channel=channel,
            status=CaseStatus.NEW,
            priority=priority,
            category=category,
            product=product,
            model=model,
            batch=batch,
            customer_id=customer_id,
            customer_name=customer.name if customer else None,
            contact_id=contact.contact_id if contact else None,
            contact_email=contact_email,
            contact_name=contact_name or (contact.name if contact else None),
            contact_phone=contact_phone or (contact.phone if contact else None),
            language=language or (contact.language if contact else None) or declared_language,
            context=context or CaseContext(),
            created_at=now,
            updated_at=now,
            last_inbound_at=now if message and message.direction == "in" else None,
            interaction_count=1 if message else 0,
            sla=self.sla.clock_for(
                priority=priority.value,
                tier=customer.tier.value if customer else None,
                channel=channel.value,
                at=now,
            )
            if self.sla is not None
            else None,
        )
        events = [self._event(case_id, EventKind.CREATED, actor, now, data={"channel": channel.value})]
        if message is not None:
            kind = EventKind.MESSAGE_IN if message.direction == "in" else EventKind.MESSAGE_OUT
            events.append(self._event(case_id, kind, actor, now, message=message, body=message.body_text, seq=1))
        for kind, payload in extra_events or []:
            events.append(self._event(case_id, kind, actor, now, seq=len(events), **payload))
        # Routed in the same write that creates the case: no window in which an agent could take it
        # first, and a redelivered message (a known pointer: Duplicate) writes nothing, routing included.
        routed = self.router.route_case(case) if self.router is not None else None
        if routed is not None:
            case = case.model_copy(update={"group_id": routed.group_id, "assignee": routed.assignee})
            changes = {"group_id": {"from": None, "to": routed.group_id}}
            if routed.assignee:
                changes["assignee"] = {"from": None, "to": routed.assignee}
            events.append(
                self._event(
                    case_id,
                    EventKind.FIELDS_CHANGED,
                    Actor(type=ActorType.SYSTEM, id="assignment"),
                    now,
                    changes=changes,
                    body=f"assignment rule {routed.rule_id}",
                    data={"rule_id": routed.rule_id},
                    visibility="internal",
                    seq=len(events),
                )
            )
        self.store.create(case, events, pointers or [])
        return case

    def add_inbound(
        self, case_id: str, message: Message, actor: Actor, pointers: list[str] | None = None
    ) -> tuple[Case, TimelineEvent]:
        """A customer's message on an existing case. Re-opens a case waiting on the customer."""
        for _ in range(self.MAX_RETRIES):
            case = self.store.get(case_id)
            if not rules.accepts_messages(case.status):
                raise Conflict(f"case {case_id} is closed")
            now = self.clock()
            expected = case.version
            new_status = rules.status_after_customer_message(case.status)
            events = [self._event(case_id, EventKind.MESSAGE_IN, actor, now, message=message, body=message.body_text)]
            if new_status != case.status:
                events.append(
                    self._event(
                        case_id,
                        EventKind.STATUS_CHANGED,
                        Actor(type=ActorType.SYSTEM, id="intake"),
                        now,
                        changes={"status": {"from": case.status.value, "to": new_status.value}},
                        body="the customer wrote again",
                        seq=1,
                    )
                )
            updated = case.model_copy(
                update={
                    "status": new_status,
                    "updated_at": now,
                    "last_inbound_at": now,
                    "interaction_count": case.interaction_count + 1,
                    "message_text": rules.with_message(case.message_text, message.body_text),
                    "version": expected + 1,
                    "resolved_at": None if new_status == CaseStatus.OPEN else case.resolved_at,
                    "sla": self._advance(case, now, status=new_status),
                }
            )
            try:
                self.store.save(updated, expected, events, pointers)
            except VersionConflict:
                continue
            return updated, events[0]
        raise Conflict(f"case {case_id} is too busy; try again")

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
    ) -> TimelineEvent:
        for _ in range(self.MAX_RETRIES):
            case = self.store.get(case_id)
            now = self.clock()
            event = self._event(case_id, kind, actor, now, body=body, message=message, data=data, visibility=visibility)
            updated = case.model_copy(
                update={
                    "updated_at": now,
                    "version": case.version + 1,
                    "interaction_count": case.interaction_count + (1 if counts_as_interaction else 0),
                }
            )
            try:
                self.store.save(updated, case.version, [event], pointers)
            except VersionConflict:
                continue
            return event
        raise Conflict(f"case {case_id} is too busy; try again")

    # -- agents ------------------------------------------------------------
    def add_note(self, case_id: str, agent: Actor, body: str) -> TimelineEvent:
        return self.add_event(case_id, EventKind.NOTE, agent, body=body, visibility="internal")

    def set_problem(self, case_id: str, problem_id: str | None, actor: Actor, *, body: str | None = None) -> Case:
        """Record the problem the case is linked to (``None``: unlinked), with an internal event on its
        timeline. The problems domain owns the link itself; this keeps the case's copy in step.
        Unchanged: nothing is written. NotFound for an unknown case."""
        for _ in range(self.MAX_RETRIES):
            case = self.store.get(case_id)
            if case.problem_id == problem_id:
                return case
            now = self.clock()
            default = f"linked to problem {problem_id}" if problem_id else f"unlinked from problem {case.problem_id}"
            event = self._event(
                case_id,
                EventKind.FIELDS_CHANGED,
                actor,
                now,
                body=body or default,
                changes={"problem_id": {"from": case.problem_id, "to": problem_id}},
                visibility="internal",
            )
            updated = case.model_copy(update={"problem_id": problem_id, "updated_at": now, "version": case.version + 1})
            try:
                self.store.save(updated, case.version, [event])
            except VersionConflict:
                continue
            return updated
        raise Conflict(f"case {case_id} is too busy; try again")

    def update(self, case_id: str, agent: Actor, change: CaseUpdate, if_match: int | None = None) -> Case:
        expected = change.version if change.version is not None else if_match
        case = self.store.get(case_id)
        if expected is not None and expected != case.version:
            raise VersionConflict("case", case_id, expected, case.version)
        expected = case.version
        now = self.clock()
        changes: dict[str, dict[str, Any]] = {}
        updates: dict[str, Any] = {}
        if change.status is not None and change.status != case.status:
            rules.check_transition(case.status, change.status)
            changes["status"] = {"from": case.status.value, "to": change.status.value}
            updates["status"] = change.status
            if change.status == CaseStatus.RESOLVED:
                updates["resolved_at"] = now
            elif change.status == CaseStatus.CLOSED:
                updates["closed_at"] = now
            elif case.status == CaseStatus.RESOLVED:
                updates["resolved_at"] = None
        if change.unassign and change.assignee:
            raise InvalidInput("give either assignee or unassign, not both")
        new_assignee = None if change.unassign else (change.assignee if change.assignee is not None else case.assignee)
        if new_assignee != case.assignee:
            changes["assignee"] = {"from": case.assignee, "to": new_assignee}
            updates["assignee"] = new_assignee
        for fld in ("priority", "category", "group_id", "product", "model", "batch", "tags"):
            value = getattr(change, fld)
            if value is not None and value != getattr(case, fld):
                old = getattr(case, fld)
                changes[fld] = {
                    "from": old.value if hasattr(old, "value") else old,
                    "to": value.value if hasattr(value, "value") else value,
                }
                updates[fld] = value
        confirmed = rules.triage_confirmations(case, change.triage_confirm or [])
        if confirmed:
            updates["triage"] = confirmed[1]
        if not changes and not confirmed:
            return case
        corrections = rules.triage_corrections(case, changes)
        if corrections != case.triage_corrections:
            updates["triage_corrections"] = corrections  # the agent's word over triage's: training data
        # Anything but a bare status move takes a brand-new case out of "new".
        if case.status == CaseStatus.NEW and "status" not in changes and "assignee" in changes:
            changes["status"] = {"from": CaseStatus.NEW.value, "to": CaseStatus.OPEN.value}
            updates["status"] = CaseStatus.OPEN
        updates.update(updated_at=now, version=expected + 1)
        updates["sla"] = self._advance(
            case,
            now,
            priority=updates.get("priority"),
            status=updates.get("status"),
        )
        updated = case.model_copy(update=updates)
        events = []
        if "status" in changes:
            events.append(
                self._event(
                    case_id,
                    EventKind.STATUS_CHANGED,
                    agent,
                    now,
                    changes={"status": changes["status"]},
                    body=change.comment,
                )
            )
        other = {k: v for k, v in changes.items() if k != "status"}
        if other:
            events.append(
                self._event(
                    case_id,
                    EventKind.FIELDS_CHANGED,
                    agent,
                    now,
                    changes=other,
                    body=change.comment,
                    data={"triage_corrections": corrections} if "triage_corrections" in updates else None,
                    visibility="internal",
                    seq=len(events),
                )
            )
        if confirmed:
            events.append(
                self._event(
                    case_id,
                    EventKind.FIELDS_CHANGED,
                    agent,
                    now,
                    body=confirmed[0],
                    data={"triage_confirmed": list(change.triage_confirm or [])},
                    visibility="internal",
                    seq=len(events),
                )
            )
        self.store.save(updated, expected, events)
        return updated

    def record_triage(self, case_id: str, suggestion: TriageSuggestion) -> Case:
        """Keep triage's suggestion on a case and set its applied fields, each only where the case
        has no value of its own yet (a category or group set when it opened stays; a priority other
        than normal stays), with an internal event by "triage" saying what it set. Once per case: a
        case that has a suggestion is returned unchanged."""
        for _ in range(self.MAX_RETRIES):
            case = self.store.get(case_id)
            if case.triage is not None:
                return case
            now = self.clock()
            own = {"category": case.category, "group_id": case.group_id}
            if case.priority != Priority.NORMAL:
                own["priority"] = case.priority.value
            changes: dict[str, dict[str, Any]] = {}
            fields: dict[str, Any] = {}
            kept = suggestion
            for name, case_field in rules.TRIAGE_FIELDS.items():
                s = getattr(suggestion, name)
                if s is None or not s.applied:
                    continue
                if own.get(case_field) is not None or (name == "priority" and s.value not in Priority):
                    kept = kept.model_copy(update={name: s.model_copy(update={"applied": False})})
                    continue
                old = getattr(case, case_field)
                if s.value != (old.value if hasattr(old, "value") else old):
                    changes[case_field] = {"from": old.value if hasattr(old, "value") else old, "to": s.value}
                    fields[case_field] = Priority(s.value) if name == "priority" else s.value
            updates: dict[str, Any] = {"triage": kept, "version": case.version + 1, **fields}
            events = []
            if changes:
                updates["updated_at"] = now
                updates["sla"] = self._advance(case, now, priority=fields.get("priority"))
                said = ", ".join(
                    f"{name} {getattr(kept, name).value} ({getattr(kept, name).confidence:.0%})"
                    for name, case_field in rules.TRIAGE_FIELDS.items()
                    if case_field in changes
                )
                events.append(
                    self._event(
                        case_id,
                        EventKind.FIELDS_CHANGED,
                        Actor(type=ActorType.SYSTEM, id="triage", name="triage"),
                        now,
                        body=f"Triage set {said}",
                        changes=changes,
                        data={"triage_model": kept.model_version},
                        visibility="internal",
                    )
                )
            updated = case.model_copy(update=updates)
            try:
                self.store.save(updated, case.version, events)
            except VersionConflict:
                continue
            return updated
        raise Conflict(f"case {case_id} is too busy; try again")

    def close_resolved(self, now: datetime | None = None, limit: int = 500) -> list[str]:
        """Close the cases resolved more than ``auto_close_after`` before ``now`` (default: the
        clock) that nobody reopened. Returns the closed ids."""
        return self.close_resolved_before((now or self.clock()) - self.auto_close_after, limit=limit)

    def close_resolved_before(self, cutoff: datetime, limit: int = 500) -> list[str]:
        """Close cases resolved before ``cutoff`` that nobody reopened. Returns the closed ids."""
        system = Actor(type=ActorType.SYSTEM, id="auto-close")
        closed: list[str] = []
        for case in self.store.resolved_before(cutoff, limit=limit):
            try:
                self.update(
                    case.case_id,
                    system,
                    CaseUpdate(status=CaseStatus.CLOSED, comment="closed automatically: resolved and no reply since"),
                    if_match=case.version,
                )
            except (VersionConflict, Conflict):
                continue  # touched meanwhile (customer wrote, agent reopened): leave it
            closed.append(case.case_id)
        return closed

    def reply(self, case_id: str, agent: Actor, reply: ReplyIn) -> TimelineEvent:
        """Send an agent's reply through the case's channel and record it."""
        message = self._send_reply(case_id, agent, reply)
        return self._record_reply(case_id, agent, reply, message)

    def reply_once(
        self, case_id: str, agent: Actor, reply: ReplyIn, idempotency_key: str | None
    ) -> tuple[TimelineEvent, bool]:
        """``reply`` made safe to retry: returns (event, replayed).

        The key is claimed (scope ``reply:{case_id}``) before anything is sent; a repeat with the
        same key and body returns the recorded event without sending again (see
        functions.core.idempotency for the guarantee and its crash window). If sending fails the
        key is released; if recording fails after sending, the claim is kept (a retry gets 409
        until it is stale) because the customer has the message already.
        """
        if idempotency_key is None or self.idempotency is None:
            return self.reply(case_id, agent, reply), False
        from functions.core.idempotency import Replay, fingerprint  # noqa: PLC0415

        # Only what the agent sent: an omitted status_after means something else than an explicit one.
        request = reply.model_dump(mode="json", exclude_unset=True)
        outcome = self.idempotency.claim(f"reply:{case_id}", idempotency_key, fingerprint(request))
        if isinstance(outcome, Replay):
            return self.store.event(case_id, str(outcome.result["event_id"])), True
        try:
            message = self._send_reply(case_id, agent, reply)
        except Exception:
            self.idempotency.release(outcome)
            raise
        event = self._record_reply(case_id, agent, reply, message)
        self.idempotency.complete(outcome, {"event_id": event.event_id})
        return event, False

    def _send_reply(self, case_id: str, agent: Actor, reply: ReplyIn) -> Message:
        case = self.store.get(case_id)
        if case.status == CaseStatus.CLOSED:
            raise Conflict(f"case {case_id} is closed; open a follow-up case instead")
        explicit = "status_after" in reply.model_fields_set
        # An omitted status_after on a chat case depends on whether the session is live, which only
        # the delivery tells (see _record_reply); an explicit one is checked before anything is sent.
        if (
            reply.status_after is not None
            and reply.status_after != case.status
            and (explicit or case.channel != Channel.CHAT)
        ):
            rules.check_transition(case.status, reply.status_after)
        sender = self.reply_channels.get(case.channel) or self.reply_channels.get(Channel.EMAIL)
        if sender is None or (case.channel != Channel.CHAT and not case.contact_email):
            raise Conflict(f"case {case_id} has no channel to reply through (no contact address)")
        thread, _ = self.store.timeline(case_id, limit=200)
        return sender.send_reply(case, reply.body, agent, thread)

    def _record_reply(self, case_id: str, agent: Actor, reply: ReplyIn, message: Message) -> TimelineEvent:
        pointers = [message.message_id] if message.message_id else []
        pointers += [str(p) for p in message.meta.get("extra_message_ids", [])]
        target = rules.status_after_reply(reply, message)
        for _ in range(self.MAX_RETRIES):
            case = self.store.get(case_id)
            now = self.clock()
            events = [self._event(case_id, EventKind.MESSAGE_OUT, agent, now, message=message, body=message.body_text)]
            updates: dict[str, Any] = {
                "updated_at": now,
                "version": case.version + 1,
                "interaction_count": case.interaction_count + 1,
                "first_response_at": case.first_response_at or now,
                "message_text": rules.with_message(case.message_text, message.body_text),
            }
            if target is not None and target != case.status and target in rules.TRANSITIONS[case.status]:
                events.append(
                    self._event(
                        case_id,
                        EventKind.STATUS_CHANGED,
                        agent,
                        now,
                        changes={"status": {"from": case.status.value, "to": target.value}},
                        seq=1,
                    )
                )
                updates["status"] = target
                if target == CaseStatus.RESOLVED:
                    updates["resolved_at"] = now
            elif case.status == CaseStatus.NEW:
                events.append(
                    self._event(
                        case_id,
                        EventKind.STATUS_CHANGED,
                        agent,
                        now,
                        changes={"status": {"from": "new", "to": "open"}},
                        seq=1,
                    )
                )
                updates["status"] = CaseStatus.OPEN
            updates["sla"] = self._advance(case, now, status=updates.get("status"), responded=True)
            try:
                self.store.save(case.model_copy(update=updates), case.version, events, pointers)
            except VersionConflict:
                continue
            return events[0]
        raise Conflict(f"case {case_id} is too busy; try again")
