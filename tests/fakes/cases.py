"""An in-memory case store: the ``CaseStorePort`` of functions/cases/ports.py, behaving as the
DynamoDB store (functions/cases/store.py) does.

* Case numbers come from a counter (100001, 100002, ...).
* ``create`` and ``save`` are all-or-nothing, like the DynamoDB transaction: a message-id pointer
  that is known already (whichever case it points at) is a ``Duplicate`` and nothing is written;
  of two claims of one pointer exactly one wins. ``save`` checks the version (``VersionConflict``
  naming the current version; ``None`` for a case that does not exist).
* Timelines are ordered by event id (time, then position, then random), paginated by cursor;
  ``query`` pages cases in the order of the index the real store would read (most recently
  updated first; a customer's cases most recently created first), with the same filters.
* Cursors are opaque strings; one that is not a cursor is an ``InvalidInput`` (400).
* What goes in and comes out are copies: a caller changing a returned case changes nothing stored.

``FakeReplyChannel`` is a ``ReplyChannel`` that keeps what it delivers.

Tests read ``cases``, ``events`` and ``pointers`` directly when they need to see what was written.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from functions.cases import rules
from functions.cases.models import (
    Actor,
    Case,
    CasePage,
    CaseQuery,
    CaseStatus,
    Channel,
    Message,
    QueueSort,
    TimelineEvent,
)
from functions.core.dynamo import decode_cursor, encode_cursor
from functions.core.errors import Duplicate, NotFound, VersionConflict
from functions.core.timeutil import iso, utcnow

_TIME = TypeAdapter(datetime)


def _dump_time(value: datetime) -> str:
    """A datetime as the store's items hold it (pydantic's JSON form, what the index keys are made of)."""
    return str(_TIME.dump_python(value, mode="json"))


class FakeCaseStore:
    def __init__(self, start: int = 100000) -> None:
        self.start = start
        self.counter = 0
        self.cases: dict[str, Case] = {}
        self.events: dict[str, dict[str, TimelineEvent]] = {}  # case id -> event id -> event
        self.pointers: dict[str, dict[str, str]] = {}  # message id -> {"case_id", "event_id"?}
        self._lock = threading.Lock()

    # -- numbers -----------------------------------------------------------
    def next_number(self) -> int:
        with self._lock:
            self.counter += 1
            return self.start + self.counter

    # -- reads -------------------------------------------------------------
    def get(self, case_id: str) -> Case:
        case = self.cases.get(case_id)
        if case is None:
            raise NotFound("case", case_id)
        return case.model_copy(deep=True)

    def timeline(
        self, case_id: str, limit: int = 200, cursor: str | None = None
    ) -> tuple[list[TimelineEvent], str | None]:
        start = decode_cursor(cursor)
        after = str(start.get("event_id", "")) if start else ""
        events = sorted(self.events.get(case_id, {}).values(), key=lambda e: e.event_id)
        events = [e for e in events if e.event_id > after]
        page = events[:limit]
        more = len(events) > limit
        next_cursor = encode_cursor({"case_id": case_id, "event_id": page[-1].event_id}) if more and page else None
        return [e.model_copy(deep=True) for e in page], next_cursor

    def sla_checks_due(self, now: datetime, limit: int = 500) -> list[str]:
        due = [c for c in self.cases.values() if c.sla is not None and c.sla.next_check and c.sla.next_check <= now]
        due.sort(key=lambda c: (iso(c.sla.next_check), c.case_id))  # type: ignore[union-attr, arg-type]
        return [c.case_id for c in due[:limit]]

    def get_many(self, case_ids: list[str]) -> dict[str, Case]:
        return {c: self.cases[c].model_copy(deep=True) for c in case_ids if c in self.cases}

    def event(self, case_id: str, event_id: str) -> TimelineEvent:
        found = self.events.get(case_id, {}).get(event_id)
        if found is None:
            raise NotFound("timeline event", event_id)
        return found.model_copy(deep=True)

    def find_by_pointers(self, keys: list[str]) -> str | None:
        for key in [k for k in dict.fromkeys(keys) if k][:100]:
            if key in self.pointers:
                return self.pointers[key]["case_id"]
        return None

    def query(self, q: CaseQuery, now: datetime | None = None) -> CasePage:
        now = now or utcnow()
        sort = q.sort or QueueSort.UPDATED
        # The index the real store reads decides the order of the views sorted by update.
        by_created = bool(q.customer_id and not (q.assignee and q.assignee != "none") and not q.status)
        wanted = [c for c in self.cases.values() if rules.matches(c, q, now)]
        start = decode_cursor(q.cursor)
        after = str(start.get("after", "")) if start else ""
        if sort in (QueueSort.UPDATED, QueueSort.OLDEST_UPDATE) or (by_created and sort == QueueSort.CREATED):
            ascending = sort == QueueSort.OLDEST_UPDATE

            def index_key(case: Case) -> str:
                return f"{_dump_time(case.created_at if by_created else case.updated_at)}#{case.case_id}"

            ordered = sorted(wanted, key=index_key, reverse=not ascending)
            if after:
                ordered = [c for c in ordered if (index_key(c) > after if ascending else index_key(c) < after)]
            page = ordered[: q.limit]
            more = len(ordered) > q.limit
            next_cursor = encode_cursor({"after": index_key(page[-1])}) if more and page else None
            total = len(ordered) if not after and not more else None
        else:
            ordered = sorted(wanted, key=lambda c: rules.sort_key(c, sort))
            total = len(ordered)
            if after:
                ordered = [c for c in ordered if "\x1f".join(rules.sort_key(c, sort)) > after]
            page = ordered[: q.limit]
            more = len(ordered) > q.limit
            next_cursor = encode_cursor({"after": "\x1f".join(rules.sort_key(page[-1], sort))}) if more else None
        return CasePage(items=[c.model_copy(deep=True) for c in page], next_cursor=next_cursor, total_estimate=total)

    def resolved_before(self, cutoff: datetime, limit: int = 500) -> list[Case]:
        found = [
            c
            for c in self.cases.values()
            if c.status == CaseStatus.RESOLVED
            and _dump_time(c.updated_at) < iso(cutoff)
            and c.resolved_at is not None
            and _dump_time(c.resolved_at) < iso(cutoff)
        ]
        found.sort(key=lambda c: f"{_dump_time(c.updated_at)}#{c.case_id}")
        return [c.model_copy(deep=True) for c in found[:limit]]

    # -- writes ------------------------------------------------------------
    def create(self, case: Case, events: list[TimelineEvent], pointers: list[str]) -> None:
        with self._lock:
            self._check_pointers(case.case_id, pointers)
            if case.case_id in self.cases:
                raise Duplicate(f"case {case.case_id} already exists")
            self._write(case, events, pointers)

    def save(
        self, case: Case, expected_version: int, events: list[TimelineEvent], pointers: list[str] | None = None
    ) -> None:
        with self._lock:
            self._check_pointers(case.case_id, pointers or [])
            current = self.cases.get(case.case_id)
            if current is None or current.version != expected_version:
                raise VersionConflict("case", case.case_id, expected_version, current.version if current else None)
            self._write(case, events, pointers or [])

    def add_pointers(self, case_id: str, pointers: list[str]) -> None:
        with self._lock:
            for key in dict.fromkeys(pointers):
                self.pointers.setdefault(key, {"case_id": case_id})

    # -- helpers -----------------------------------------------------------
    def _check_pointers(self, case_id: str, pointers: list[str]) -> None:
        if any(p in self.pointers for p in pointers):
            raise Duplicate(f"message already recorded on case {self.find_by_pointers(pointers) or case_id}")

    def _write(self, case: Case, events: list[TimelineEvent], pointers: list[str]) -> None:
        self.cases[case.case_id] = case.model_copy(deep=True)
        timeline = self.events.setdefault(case.case_id, {})
        for event in events:
            timeline[event.event_id] = event.model_copy(deep=True)
        first_event_id = events[0].event_id if events else None
        for key in dict.fromkeys(pointers):
            pointer: dict[str, Any] = {"case_id": case.case_id}
            if first_event_id:
                pointer["event_id"] = first_event_id
            self.pointers[key] = pointer


class FakeReplyChannel:
    """A ``ReplyChannel`` (functions/cases/ports.py) that keeps what it is asked to deliver and
    answers the message as sent on ``channel`` (each with its own message id); ``fail_with`` makes
    the next deliveries raise it."""

    def __init__(self, channel: Channel = Channel.EMAIL, fail_with: Exception | None = None) -> None:
        self.channel = channel
        self.fail_with = fail_with
        self.sent: list[tuple[str, str, Actor, list[TimelineEvent]]] = []  # (case id, body, agent, thread)

    def send_reply(self, case: Case, body: str, agent: Actor, thread: list[TimelineEvent]) -> Message:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((case.case_id, body, agent, thread))
        return Message(
            channel=self.channel,
            direction="out",
            body_text=body,
            message_id=f"<reply-{len(self.sent)}@fake.example>",
            to=[case.contact_email] if case.contact_email else [],
        )
