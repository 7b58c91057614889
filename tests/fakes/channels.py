"""In-memory fakes of the ports of the channels (email, web, chat) and of the portal.

Each behaves as its store does (tests/contract/test_channel_stores.py runs the same tests on the
fake and on the store over moto): the same domain errors (NotFound, Conflict, Duplicate,
VersionConflict), ordering, pagination with cursors, TTLs (``expires_at``, and ``expire(now)``
drops what DynamoDB's TTL would).

* ``FakeMailStore``: raw mail, quarantine and attachments (``ports.MailStorePort`` of email)
* ``FakeInboundLog``: the inbound mail log (``InboundLogPort``)
* ``FakeHeldSubmissions``, ``FakeLinkRequestLog``: the web form's and the portal's logs
* ``FakeChatStore``: chat sessions and turns (``ChatStorePort``)
* ``FakeDirectory``: contacts and mail domains of customers (``ContactDirectory``)
* ``InMemoryCaseStore``: the case store under the real ``CaseService`` (until the cases domain's
  own in-memory store lands in tests/fakes/cases.py; the two are to be unified then)
* ``FakeIdempotency``: functions.core.idempotency's ``IdempotencyPort``
* ``FakeClock``: a clock that moves only when told

``install_channel_fakes()`` puts all of them (and ``tests/fakes/mail.py:FakeMailer``) into a fresh
container, so that use-case tests run the real services with their real wiring on fakes.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.cases.models import Case, CasePage, CaseQuery, CaseStatus, TimelineEvent
from functions.channels.chat.models import ChatMessage, ChatSession, Role
from functions.channels.email.models import InboundPage, InboundRecord, Outcome
from functions.core import resources
from functions.core.errors import Conflict, Duplicate, NotFound, VersionConflict
from functions.core.idempotency import Claim, InProgress, KeyReused, Replay
from functions.core.timeutil import iso
from functions.customers.models import ContactRef, Customer

# -- helpers ------------------------------------------------------------------------------


def _cursor(value: Any) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode() if value is not None else None


def _uncursor(cursor: str | None) -> Any:
    return json.loads(base64.urlsafe_b64decode(cursor.encode())) if cursor else None


def _iso(at: datetime) -> str:
    return iso(at)


def _epoch(at: datetime, seconds: int) -> int:
    return int((at + timedelta(seconds=seconds)).timestamp())


@dataclass
class FakeClock:
    """``clock()`` answers ``now``; ``advance(...)`` moves it."""

    now: datetime = field(default_factory=lambda: datetime(2026, 1, 2, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


# -- email: mail store and inbound log -----------------------------------------------------


class FakeMailStore:
    """Objects by (bucket, key), as the two buckets hold them; ``get`` of a missing one is NotFound."""

    def __init__(self, mail_bucket: str = "mail", attachments_bucket: str = "attachments") -> None:
        self.mail_bucket = mail_bucket
        self.attachments_bucket = attachments_bucket
        self.objects: dict[tuple[str, str], bytes] = {}
        self.content_types: dict[tuple[str, str], str] = {}

    def put(self, bucket: str, key: str, data: bytes) -> None:
        """Put an object as another writer would (SES's S3 action)."""
        self.objects[(bucket, key)] = bytes(data)

    def put_raw(self, raw: bytes) -> str:
        from functions.channels.email.rules import sha256

        key = f"{resources.INBOUND_PREFIX}{sha256(raw)}.eml"
        self.objects[(self.mail_bucket, key)] = bytes(raw)
        self.content_types[(self.mail_bucket, key)] = "message/rfc822"
        return key

    def get(self, bucket: str, key: str) -> bytes:
        try:
            return self.objects[(bucket, key)]
        except KeyError:
            raise NotFound("mail object", f"s3://{bucket}/{key}") from None

    def quarantine(self, inbound_id: str, data: bytes, suffix: str = ".eml") -> str:
        key = f"{resources.QUARANTINE_PREFIX}{inbound_id}{suffix}"
        self.objects[(self.mail_bucket, key)] = bytes(data)
        return key

    def put_attachment(self, inbound_id: str, index: int, filename: str, data: bytes, content_type: str) -> str:
        from functions.channels.email.store import _safe_key_part

        key = f"email/{inbound_id}/{index:02d}-{_safe_key_part(filename)}"
        self.objects[(self.attachments_bucket, key)] = bytes(data)
        self.content_types[(self.attachments_bucket, key)] = content_type
        return key

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        return sorted(k for b, k in self.objects if b == bucket and k.startswith(prefix))


class FakeInboundLog:
    """One record per inbound id (a put replaces it); listed newest first, by outcome or all."""

    def __init__(self) -> None:
        self.records: dict[str, InboundRecord] = {}
        self.acks: dict[str, str] = {}  # message key -> sending / sent / failed

    def put(self, record: InboundRecord) -> None:
        self.records[record.inbound_id] = record.model_copy(deep=True)

    def find(self, inbound_id: str) -> InboundRecord | None:
        record = self.records.get(inbound_id)
        return record.model_copy(deep=True) if record else None

    def get(self, inbound_id: str) -> InboundRecord:
        record = self.find(inbound_id)
        if record is None:
            raise NotFound("inbound mail", inbound_id)
        return record

    def ack_due(self, key: str) -> None:
        self.acks.setdefault(key, "due")

    def claim_ack(self, key: str) -> bool:
        if self.acks.get(key) in ("sending", "sent"):
            return False
        self.acks[key] = "sending"
        return True

    def ack_done(self, key: str, *, sent: bool, skipped: bool = False) -> None:
        self.acks[key] = "sent" if sent else "skipped" if skipped else "failed"

    def ack_state(self, key: str) -> str | None:
        return self.acks.get(key)

    def list(self, outcome: Outcome | None = None, limit: int = 50, cursor: str | None = None) -> InboundPage:
        rows = sorted(
            ((f"{_iso(r.received_at)}#{r.inbound_id}", r) for r in self.records.values()),
            key=lambda row: row[0],
            reverse=True,
        )
        rows = [row for row in rows if outcome is None or row[1].outcome == outcome]
        after = _uncursor(cursor)
        if after is not None:
            rows = [row for row in rows if row[0] < after]
        page = rows[:limit]
        more = len(rows) > limit
        return InboundPage(
            items=[r.model_copy(deep=True) for _, r in page], next_cursor=_cursor(page[-1][0]) if more else None
        )


# -- web form and portal logs -----------------------------------------------------------------


class _DayLog:
    """Items by day, oldest first, each with a TTL (``expires_at``) as the stores write them."""

    def __init__(self, retention_seconds: int) -> None:
        self.retention_seconds = retention_seconds
        self.items: list[dict[str, Any]] = []

    def _add(self, at: datetime, item: dict[str, Any]) -> str:
        stamp = _iso(at)
        sk = f"{stamp}#{secrets.token_hex(4)}"
        self.items.append(
            {"day": stamp[:10], "sk": sk, "at": stamp, **item, "expires_at": _epoch(at, self.retention_seconds)}
        )
        return sk

    def on_day(self, day: str) -> list[dict[str, Any]]:
        rows = sorted((i for i in self.items if i["day"] == day), key=lambda i: i["sk"])
        return [{k: v for k, v in i.items() if k not in ("day", "sk")} for i in rows]

    def expire(self, now: datetime) -> None:
        self.items = [i for i in self.items if i["expires_at"] > now.timestamp()]


class FakeHeldSubmissions(_DayLog):
    def __init__(self, retention_seconds: int = 30 * 24 * 3600) -> None:
        super().__init__(retention_seconds)

    def record(self, *, at: datetime, reason: str, form: dict[str, Any]) -> str:
        return self._add(at, {"type": "web_held", "reason": reason, "form": json.loads(json.dumps(form))})


class FakeLinkRequestLog(_DayLog):
    def __init__(self, retention_seconds: int = 30 * 24 * 3600) -> None:
        super().__init__(retention_seconds)

    def record(self, *, at: datetime, case_id: str, email_sha256: str, matched: bool, delivery: str) -> None:
        self._add(
            at,
            {
                "type": "portal_link_request",
                "case_id": case_id,
                "email_sha256": email_sha256,
                "matched": matched,
                "delivery": delivery,
            },
        )


# -- chat -------------------------------------------------------------------------------------


class FakeChatStore:
    """Sessions and their turns as ``ChatStore`` keeps them: seqs without gaps, one turn per
    (role, client message id), ended sessions take no turns, TTLs on turns and ended sessions."""

    def __init__(self, retention_seconds: int = 90 * 24 * 3600) -> None:
        self.retention_seconds = retention_seconds
        self.sessions: dict[str, ChatSession] = {}
        self.turns: dict[str, dict[int, ChatMessage]] = {}
        self.client_ids: dict[tuple[str, str, str], int] = {}
        self.expires_at: dict[tuple[str, int], int] = {}  # (session, seq or 0 for the session) -> epoch

    def twin(self) -> FakeChatStore:
        """Another handle on the same data (as a second ChatStore on the same table)."""
        other = FakeChatStore(self.retention_seconds)
        other.sessions, other.turns, other.client_ids, other.expires_at = (
            self.sessions,
            self.turns,
            self.client_ids,
            self.expires_at,
        )
        return other

    # -- sessions ----------------------------------------------------------
    def create(self, session: ChatSession) -> None:
        if session.session_id in self.sessions:
            raise Conflict(f"chat session {session.session_id} already exists")
        self.sessions[session.session_id] = session.model_copy(deep=True)
        self.turns[session.session_id] = {}

    def find(self, session_id: str) -> ChatSession | None:
        session = self.sessions.get(session_id)
        return session.model_copy(deep=True) if session else None

    def get(self, session_id: str) -> ChatSession:
        session = self.find(session_id)
        if session is None:
            raise NotFound("chat session", session_id)
        return session

    def _waiting(self, status: str) -> list[ChatSession]:
        """The sessions a GSI1 partition holds: active ones, or ended ones without their transcript or
        with their transcript mail still due (pending, or claimed and not settled)."""
        if status == "active":
            rows = [s for s in self.sessions.values() if s.status == "active"]
        else:
            rows = [
                s
                for s in self.sessions.values()
                if s.status == "ended" and (not s.transcript_recorded or s.transcript_mail in ("pending", "sending"))
            ]
        return sorted(rows, key=lambda s: f"{_iso(s.created_at)}#{s.session_id}")

    def active(self, limit: int = 50, cursor: str | None = None) -> tuple[list[ChatSession], str | None]:
        rows = self._waiting("active")
        after = _uncursor(cursor)
        if after is not None:
            rows = [s for s in rows if f"{_iso(s.created_at)}#{s.session_id}" > after]
        page = rows[:limit]
        last = f"{_iso(page[-1].created_at)}#{page[-1].session_id}" if len(page) == limit and page else None
        return [s.model_copy(deep=True) for s in page], _cursor(last)

    def idle_since(self, cutoff: datetime, limit: int = 200) -> list[ChatSession]:
        rows = [
            s
            for s in self._waiting("active")
            if s.created_at < cutoff and (s.last_message_at is None or s.last_message_at < cutoff)
        ]
        return [s.model_copy(deep=True) for s in rows[:limit]]

    def ending(self, limit: int = 200) -> list[ChatSession]:
        return [s.model_copy(deep=True) for s in self._waiting("ending")[:limit]]

    def end(self, session_id: str, *, by: Role, reason: str | None, at: datetime) -> tuple[ChatSession, bool]:
        session = self.get(session_id)
        if session.status != "active":
            return session, False
        ended = session.model_copy(
            update={"status": "ended", "ended_at": at, "ended_by": by, "end_reason": reason, "updated_at": at}
        )
        self.sessions[session_id] = ended
        self.expires_at[(session_id, 0)] = _epoch(at, self.retention_seconds)
        return ended.model_copy(deep=True), True

    def end_idle(self, session_id: str, *, seen_seq: int, text: str, at: datetime) -> ChatSession | None:
        session = self.sessions.get(session_id)
        if session is None or session.status != "active" or session.last_seq != seen_seq:
            return None
        seq = seen_seq + 1
        self.turns[session_id][seq] = ChatMessage(
            session_id=session_id, seq=seq, client_message_id="idle-end", role="system", text=text, at=at
        )
        self.expires_at[(session_id, seq)] = _epoch(at, self.retention_seconds)
        self.sessions[session_id] = session.model_copy(
            update={
                "status": "ended",
                "ended_at": at,
                "ended_by": "system",
                "end_reason": text,
                "updated_at": at,
                "last_seq": seq,
                "last_message_at": at,
            }
        )
        self.expires_at[(session_id, 0)] = _epoch(at, self.retention_seconds)
        return self.get(session_id)

    def mark_transcript_recorded(self, session_id: str, *, mail_due: bool = False) -> None:
        session = self.sessions.get(session_id)
        if session is None:
            raise NotFound("chat session", session_id)  # the store's update is conditional on the item
        update: dict[str, Any] = {"transcript_recorded": True}
        if mail_due and session.transcript_mail is None:
            update["transcript_mail"] = "pending"
        self.sessions[session_id] = session.model_copy(update=update)

    def claim_transcript_mail(self, session_id: str, at: datetime) -> int | None:
        session = self.sessions.get(session_id)
        if session is None or session.transcript_mail != "pending":
            return None
        attempts = session.transcript_mail_attempts + 1
        self.sessions[session_id] = session.model_copy(
            update={
                "transcript_mail": "sending",
                "transcript_mail_claimed_at": at,
                "transcript_mail_attempts": attempts,
            }
        )
        return attempts

    def settle_transcript_mail(self, session_id: str, state: str) -> None:
        session = self.sessions.get(session_id)
        if session is None or session.transcript_mail != "sending":
            return
        self.sessions[session_id] = session.model_copy(
            update={"transcript_mail": state, "transcript_mailed": state == "sent"}
        )

    def typing(self, session_id: str, role: Role, at: datetime) -> bool:
        session = self.sessions.get(session_id)
        if session is None or session.status != "active":
            return False
        self.sessions[session_id] = session.model_copy(update={f"{role}_typing_at": at})
        return True

    # -- turns -------------------------------------------------------------
    def append(
        self,
        session_id: str,
        *,
        role: Role,
        client_message_id: str,
        text: str,
        at: datetime,
        author_id: str | None = None,
        author_name: str | None = None,
        max_messages: int = 2000,
    ) -> tuple[ChatMessage, bool]:
        earlier = self.client_ids.get((session_id, role, client_message_id))
        if earlier is not None and earlier in self.turns.get(session_id, {}):
            return self.turns[session_id][earlier].model_copy(deep=True), False
        self.get(session_id)  # NotFound; as in the store, a rival turn may land between this read and the write
        current = self.sessions[session_id]
        if current.status != "active":
            raise Conflict(f"chat session {session_id} has ended; start a new one")
        if current.last_seq >= max_messages:
            raise Conflict(f"chat session {session_id} is full ({max_messages} messages); start a new one")
        seq = current.last_seq + 1
        message = ChatMessage(
            session_id=session_id,
            seq=seq,
            client_message_id=client_message_id,
            role=role,
            author_id=author_id,
            author_name=author_name,
            text=text,
            at=at,
        )
        self.turns[session_id][seq] = message
        self.client_ids[(session_id, role, client_message_id)] = seq
        self.expires_at[(session_id, seq)] = _epoch(at, self.retention_seconds)
        self.sessions[session_id] = current.model_copy(
            update={"last_seq": seq, "last_message_at": at, "updated_at": at}
        )
        return message.model_copy(deep=True), True

    def messages(self, session_id: str, after: int = 0, limit: int = 100) -> list[ChatMessage]:
        turns = self.turns.get(session_id, {})
        return [turns[s].model_copy(deep=True) for s in sorted(turns) if s > after][:limit]

    def all_messages(self, session_id: str, page_size: int = 200) -> list[ChatMessage]:
        out: list[ChatMessage] = []
        while True:
            page = self.messages(session_id, after=out[-1].seq if out else 0, limit=page_size)
            out += page
            if len(page) < page_size:
                return out

    def expire(self, now: datetime) -> None:
        """What DynamoDB's TTL does: drop turns and ended sessions whose ``expires_at`` has passed."""
        for (sid, seq), when in list(self.expires_at.items()):
            if when > now.timestamp():
                continue
            del self.expires_at[(sid, seq)]
            if seq == 0:
                self.sessions.pop(sid, None)
            else:
                self.turns.get(sid, {}).pop(seq, None)
                for ident, s in list(self.client_ids.items()):
                    if ident[0] == sid and s == seq:
                        del self.client_ids[ident]


# -- customers and cases ----------------------------------------------------------------------


@dataclass
class FakeDirectory:
    """Contacts by address and customers by mail domain (the customer store's directory part)."""

    contacts: dict[str, ContactRef] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)

    def get(self, customer_id: str) -> Customer:
        if customer_id not in self.customers:
            raise NotFound("customer", customer_id)
        return self.customers[customer_id]

    def add_contact(
        self, customer_id: str, email: str, name: str | None = None, language: str | None = None
    ) -> ContactRef:
        ref = ContactRef(
            customer_id=customer_id,
            contact_id=f"ct_{len(self.contacts) + 1}",
            email=email,
            name=name,
            language=language,
        )
        self.contacts[email.lower()] = ref
        return ref

    def contact_by_email(self, email: str) -> ContactRef | None:
        return self.contacts.get(email.lower())

    def customer_by_domain(self, domain: str) -> str | None:
        return self.domains.get(domain.lower())


class InMemoryCaseStore:
    """The case store's contract in memory: cases with versions, timelines in event-id order with
    cursors, message pointers claimed atomically with the write (Duplicate, nothing written),
    optimistic saves (VersionConflict)."""

    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.events: dict[str, dict[str, TimelineEvent]] = {}
        self.pointers: dict[str, str] = {}
        self.counter = 0

    def next_number(self) -> int:
        self.counter += 1
        return 100000 + self.counter

    # -- reads -------------------------------------------------------------
    def get(self, case_id: str) -> Case:
        if case_id not in self.cases:
            raise NotFound("case", case_id)
        return self.cases[case_id].model_copy(deep=True)

    def get_many(self, case_ids: list[str]) -> dict[str, Case]:
        return {c: self.cases[c].model_copy(deep=True) for c in case_ids if c in self.cases}

    def timeline(
        self, case_id: str, limit: int = 200, cursor: str | None = None
    ) -> tuple[list[TimelineEvent], str | None]:
        ids = sorted(self.events.get(case_id, {}))
        after = _uncursor(cursor)
        if after is not None:
            ids = [i for i in ids if i > after]
        page = ids[:limit]
        more = len(page) == limit and page
        return [self.events[case_id][i].model_copy(deep=True) for i in page], _cursor(page[-1]) if more else None

    def event(self, case_id: str, event_id: str) -> TimelineEvent:
        try:
            return self.events[case_id][event_id].model_copy(deep=True)
        except KeyError:
            raise NotFound("timeline event", event_id) from None

    def find_by_pointers(self, keys: list[str]) -> str | None:
        for key in [k for k in dict.fromkeys(keys) if k][:100]:
            if key in self.pointers:
                return self.pointers[key]
        return None

    def query(self, q: CaseQuery, now: datetime | None = None) -> CasePage:
        from functions.cases.rules import matches  # noqa: PLC0415

        rows = sorted(self.cases.values(), key=lambda c: (_iso(c.updated_at), c.case_id), reverse=True)
        rows = [c for c in rows if matches(c, q, now or datetime.now(UTC))]
        after = _uncursor(q.cursor)
        if after is not None:
            rows = [c for c in rows if [_iso(c.updated_at), c.case_id] < after]
        page = rows[: q.limit]
        last = [_iso(page[-1].updated_at), page[-1].case_id] if len(page) == q.limit and page else None
        return CasePage(items=[c.model_copy(deep=True) for c in page], next_cursor=_cursor(last))

    def resolved_before(self, cutoff: datetime, limit: int = 500) -> list[Case]:
        rows = [
            c
            for c in self.cases.values()
            if c.status == CaseStatus.RESOLVED and c.resolved_at is not None and c.resolved_at < cutoff
        ]
        return [c.model_copy(deep=True) for c in sorted(rows, key=lambda c: c.updated_at)[:limit]]

    # -- writes ------------------------------------------------------------
    def _claimable(self, case_id: str, pointers: Iterable[str]) -> list[str]:
        keys = list(dict.fromkeys(pointers))
        taken = [p for p in keys if p in self.pointers]
        if taken:
            raise Duplicate(f"message already recorded on case {self.find_by_pointers(taken) or case_id}")
        return keys

    def _write(self, case: Case, events: list[TimelineEvent], pointers: list[str]) -> None:
        self.cases[case.case_id] = case.model_copy(deep=True)
        timeline = self.events.setdefault(case.case_id, {})
        for e in events:
            timeline[e.event_id] = e.model_copy(deep=True)
        for p in pointers:
            self.pointers[p] = case.case_id

    def create(self, case: Case, events: list[TimelineEvent], pointers: list[str]) -> None:
        keys = self._claimable(case.case_id, pointers)
        if case.case_id in self.cases:
            raise Duplicate(f"case {case.case_id} already exists")
        self._write(case, events, keys)

    def save(
        self, case: Case, expected_version: int, events: list[TimelineEvent], pointers: list[str] | None = None
    ) -> None:
        keys = self._claimable(case.case_id, pointers or [])
        current = self.cases.get(case.case_id)
        if current is None or current.version != expected_version:
            raise VersionConflict("case", case.case_id, expected_version, current.version if current else None)
        self._write(case, events, keys)

    def add_pointers(self, case_id: str, pointers: list[str]) -> None:
        for p in dict.fromkeys(pointers):
            self.pointers.setdefault(p, case_id)


# -- idempotency ------------------------------------------------------------------------------


class FakeIdempotency:
    """Claims by (scope, key): a repeat with the same fingerprint replays the stored result, with
    another fingerprint is KeyReused; a claim still running is InProgress."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], dict[str, Any]] = {}

    def claim(self, scope: str, key: str, fingerprint: str, *, wait_seconds: float = 0.0) -> Claim | Replay:
        record = self.records.get((scope, key))
        if record is not None:
            if record["fingerprint"] != fingerprint:
                raise KeyReused(f"{key} was already used for a different request")
            if record["state"] == "done":
                return Replay(record["result"])
            raise InProgress(f"a request with {key} is still running; retry shortly")
        claim = Claim(scope=scope, key=key, owner=secrets.token_hex(8), fingerprint=fingerprint)
        self.records[(scope, key)] = {"fingerprint": fingerprint, "state": "in_progress", "owner": claim.owner}
        return claim

    def complete(self, claim: Claim, result: dict[str, Any]) -> bool:
        record = self.records.get((claim.scope, claim.key))
        if record is None or record["owner"] != claim.owner:
            return False
        record.update(state="done", result=json.loads(json.dumps(result)))
        return True

    def release(self, claim: Claim) -> None:
        record = self.records.get((claim.scope, claim.key))
        if record is not None and record["owner"] == claim.owner and record["state"] == "in_progress":
            del self.records[(claim.scope, claim.key)]


# -- all of them in a container -------------------------------------------------------------


class FakeRateCounters:
    """The contact form's rate counters (``store.RateCounters``): counts per key and window."""

    def __init__(self) -> None:
        self.hits: dict[tuple[str, str], int] = {}

    def hit(self, key: str, window: str, ttl_seconds: int) -> int:
        self.hits[(key, window)] = self.hits.get((key, window), 0) + 1
        return self.hits[(key, window)]

    def peek(self, key: str, window: str) -> int:
        return self.hits.get((key, window), 0)


@dataclass
class ChannelFakes:
    """The fakes a container was given (``install_channel_fakes``), to arrange and inspect."""

    container: Any
    case_store: InMemoryCaseStore
    directory: FakeDirectory
    mailer: Any  # tests.fakes.mail.FakeMailer
    mail: FakeMailStore
    inbound: FakeInboundLog
    held: FakeHeldSubmissions
    link_requests: FakeLinkRequestLog
    chat_store: FakeChatStore
    idempotency: FakeIdempotency
    clock: FakeClock
    rates: FakeRateCounters


def install_channel_fakes(settings: Any | None = None, **parts: Any) -> ChannelFakes:
    """A fresh process container whose stores, mailer, idempotency store and clock (the channels'
    and the portal's: set to now, moved by ``advance``) are the fakes above (``parts`` replace
    further parts); the services in it are the real ones."""
    from functions import composition
    from functions.core.settings import get_settings
    from tests.fakes.mail import FakeMailer

    s = settings or get_settings()
    fakes = ChannelFakes(
        container=None,
        case_store=InMemoryCaseStore(),
        directory=FakeDirectory(),
        mailer=FakeMailer(),
        mail=FakeMailStore(s.mail_bucket, s.attachments_bucket),
        inbound=FakeInboundLog(),
        held=FakeHeldSubmissions(),
        link_requests=FakeLinkRequestLog(),
        chat_store=FakeChatStore(),
        idempotency=FakeIdempotency(),
        clock=FakeClock(datetime.now(UTC)),
        rates=FakeRateCounters(),
    )
    fakes.container = composition.install(
        composition.Container(
            s,
            case_store=fakes.case_store,
            customer_store=fakes.directory,
            mailer=fakes.mailer,
            mail_store=fakes.mail,
            inbound_log=fakes.inbound,
            held_submissions=fakes.held,
            link_requests=fakes.link_requests,
            chat_store=fakes.chat_store,
            idempotency_store=fakes.idempotency,
            clock=fakes.clock,
            web_rates=fakes.rates,
            **(
                {"case_router": None, "sla": _empty_sla()} | parts
            ),  # no assignment rules, no SLA clock unless a test gives them
        )
    )
    return fakes


def _empty_sla() -> Any:
    """The SLA service over in-memory records with no policy (cases get no clock unless a test adds one)."""
    from functions.sla.models import Calendar, SlaPolicy
    from functions.sla.service import SlaService
    from tests.fakes.records import InMemoryRecords

    return SlaService(
        InMemoryRecords[Calendar]("sla_calendar", "calendar_id"), InMemoryRecords[SlaPolicy]("sla_policy", "policy_id")
    )
