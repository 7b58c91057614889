"""In-memory fakes of the proactive-notice ports (functions/notify/ports.py,
functions/notify/delivery/ports.py), behaving as the production parts do where it matters:

* ``FakeNoticeStore``: conditional create (``Duplicate``), versioned save with its events and a
  new dispatch at once or not at all (``VersionConflict``), ordered timeline, memberships.
* ``FakeProblems``: the problem lookup (``NotFound``).
* ``FakeDirectory``: the audience source (linked cases, customers and contacts, install base
  page by page) and the contacts port (by email, by phone, opt-outs).
* ``FakeAudienceFiles``: the ``notices`` bucket: the snapshot sink the records part writes
  (batch files, manifest, memberships) and the audience reader delivery reads.
* ``FakeDeliveryStore``: claims written once only, outcome marks, releases only by the claim that
  holds them, dispatches kept from the first write, counters, prepared answers, the waiting
  lifecycle (a token, or signals queued in order), SMS subscriptions, the topic-full marker.
* ``FakeEmailSender`` / ``FakeSmsSender``: record what they are asked, answer as SES / SNS would
  through the adapters (``SendOutcome``), and can throttle or refuse chosen messages or calls.
  The SMS sender delivers a topic message only to a phone subscribed for its contact.

The Step Functions side is ``tests/fakes/workflows.py:FakeWorkflow``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from functions.cases.models import Case
from functions.core.errors import Duplicate, NotFound, VersionConflict
from functions.customers.models import ContactRef
from functions.notify.contract import AudienceManifest, Dispatch, Recipient, batch_key
from functions.notify.delivery.models import (
    DeliveryRecord,
    DeliveryStatus,
    NoticeMail,
    SenderThrottled,
    SendOutcome,
    SendStatus,
    TopicFull,
    TopicSms,
)
from functions.notify.models import DirectoryEntry, Notice, NoticeEvent, NoticePage, NoticeQuery, NoticeStatus
from functions.problems.models import Problem

# -- records ------------------------------------------------------------------------------------


class FakeNoticeStore:
    def __init__(self) -> None:
        self.notices: dict[str, Notice] = {}
        self.events: dict[str, list[NoticeEvent]] = {}
        self.texts: dict[tuple[str, int], Dispatch] = {}
        self.members: dict[str, dict[str, str]] = {}  # customer_id -> {notice_id: problem_id}
        self._numbers = itertools.count(100001)
        self.saves = 0  # successful saves (a test counts writes with it)

    def next_number(self) -> int:
        return next(self._numbers)

    def get(self, notice_id: str) -> Notice:
        if notice_id not in self.notices:
            raise NotFound("notice", notice_id)
        return self.notices[notice_id].model_copy(deep=True)

    def get_many(self, notice_ids: list[str]) -> list[Notice]:
        return [self.get(n) for n in dict.fromkeys(notice_ids) if n in self.notices]

    def of_problem(self, problem_id: str) -> list[Notice]:
        found = [n for n in self.notices.values() if n.problem_id == problem_id]
        return [n.model_copy(deep=True) for n in sorted(found, key=lambda n: (n.created_at, n.notice_id))]

    def with_status(self, status: NoticeStatus) -> list[Notice]:
        found = [n for n in self.notices.values() if n.status == status]
        return [n.model_copy(deep=True) for n in sorted(found, key=lambda n: (n.updated_at, n.notice_id))]

    def page(self, q: NoticeQuery) -> NoticePage:
        """As the store: by problem newest created first (filtered by status), by status most
        recently changed first, else newest created first; the cursor is the last item's sort key."""
        if q.problem_id is None and q.status is not None:
            key: Callable[[Notice], str] = lambda n: f"{n.updated_at.isoformat()}#{n.notice_id}"  # noqa: E731
        else:
            key = lambda n: f"{n.created_at.isoformat()}#{n.notice_id}"  # noqa: E731
        found = sorted(
            (
                n
                for n in self.notices.values()
                if (q.problem_id is None or n.problem_id == q.problem_id) and (q.status is None or n.status == q.status)
            ),
            key=key,
            reverse=True,
        )
        rest = [n for n in found if q.cursor is None or key(n) < q.cursor]
        page = rest[: q.limit]
        more = len(rest) > q.limit
        return NoticePage(items=[n.model_copy(deep=True) for n in page], next_cursor=key(page[-1]) if more else None)

    def timeline(self, notice_id: str) -> list[NoticeEvent]:
        return sorted(self.events.get(notice_id, []), key=lambda e: e.event_id)

    def dispatch(self, notice_id: str, seq: int) -> Dispatch | None:
        return self.texts.get((notice_id, seq))

    def dispatches(self, refs: list[tuple[str, int]]) -> dict[tuple[str, int], Dispatch]:
        return {ref: self.texts[ref] for ref in refs if ref in self.texts}

    def memberships(self, customer_id: str) -> list[str]:
        return sorted(self.members.get(customer_id, {}))

    def create(self, notice: Notice, events: list[NoticeEvent]) -> None:
        if notice.notice_id in self.notices:
            raise Duplicate(f"notice {notice.notice_id} already exists")
        self.notices[notice.notice_id] = notice.model_copy(deep=True)
        self.events.setdefault(notice.notice_id, []).extend(events)

    def save(
        self, notice: Notice, expected_version: int, events: list[NoticeEvent], dispatch: Dispatch | None = None
    ) -> None:
        current = self.notices.get(notice.notice_id)
        new_dispatch = dispatch is None or (dispatch.notice_id, dispatch.seq) not in self.texts
        if current is None or current.version != expected_version or not new_dispatch:
            raise VersionConflict("notice", notice.notice_id, expected_version, current.version if current else None)
        self.notices[notice.notice_id] = notice.model_copy(deep=True)
        self.events.setdefault(notice.notice_id, []).extend(events)
        if dispatch is not None:
            self.texts[(dispatch.notice_id, dispatch.seq)] = dispatch
        self.saves += 1

    def add_members(self, notice_id: str, problem_id: str, customer_ids: list[str]) -> None:
        for customer_id in customer_ids:
            self.members.setdefault(customer_id, {})[notice_id] = problem_id


class FakeProblems:
    """The problem lookup notices use."""

    def __init__(self, *problems: Problem) -> None:
        self.problems = {p.problem_id: p for p in problems}

    def add(self, problem: Problem) -> Problem:
        self.problems[problem.problem_id] = problem
        return problem

    def get(self, problem_id: str) -> Problem:
        if problem_id not in self.problems:
            raise NotFound("problem", problem_id)
        return self.problems[problem_id]


@dataclass
class FakeCustomer:
    name: str | None = None
    language: str | None = None
    contacts: list[dict[str, Any]] = field(default_factory=list)
    assets: list[dict[str, Any]] = field(default_factory=list)  # {"product", "model", "batch", "region", "tier"}


class FakeDirectory:
    """The customer directory, install base and problems' linked cases, as notices read them.

    ``owner_pages`` serves the product's assets ``page_size`` at a time (ordered by model, batch,
    customer), narrowed to the model (and batch) when given, as the install-base index does."""

    def __init__(self, page_size: int = 1000) -> None:
        self.customers: dict[str, FakeCustomer] = {}
        self.cases: dict[str, list[Case]] = {}  # problem_id -> linked cases
        self.message_ids: dict[str, str] = {}  # case_id -> last email Message-ID
        self.page_size = page_size
        self.pages_served = 0
        self.reads: dict[str, int] = {}  # customer_id -> directory reads

    def add(self, customer_id: str, **customer: Any) -> FakeCustomer:
        self.customers[customer_id] = FakeCustomer(**customer)
        return self.customers[customer_id]

    def link(self, problem_id: str, *cases: Case) -> None:
        self.cases.setdefault(problem_id, []).extend(cases)

    # -- AudienceSource ---------------------------------------------------------------------------
    def linked_cases(self, problem_id: str) -> list[Case]:
        return list(self.cases.get(problem_id, []))

    def directory_entry(self, customer_id: str) -> DirectoryEntry | None:
        self.reads[customer_id] = self.reads.get(customer_id, 0) + 1
        c = self.customers.get(customer_id)
        if c is None:
            return None
        contacts = sorted((dict(ct) for ct in c.contacts), key=lambda ct: str(ct["contact_id"]))
        return DirectoryEntry(name=c.name, language=c.language, contacts=contacts)

    def owner_pages(self, product: str, model: str | None, batch: str | None) -> Iterator[list[dict[str, Any]]]:
        assets = sorted(
            (
                {"customer_id": cid, **a}
                for cid, c in self.customers.items()
                for a in c.assets
                if a.get("product") == product
                and (model is None or a.get("model") == model)
                and (batch is None or a.get("batch") == batch)
            ),
            key=lambda a: (str(a.get("model")), str(a.get("batch")), a["customer_id"]),
        )
        for start in range(0, len(assets), self.page_size):
            self.pages_served += 1
            yield assets[start : start + self.page_size]

    def last_message_id(self, case_id: str) -> str | None:
        return self.message_ids.get(case_id)

    def customer_of_email(self, email: str) -> str | None:
        ref = self.contact_by_email(email)
        return ref.customer_id if ref else None

    # -- Contacts ---------------------------------------------------------------------------------
    def _contact(self, match: Callable[[dict[str, Any]], bool]) -> ContactRef | None:
        for cid, c in self.customers.items():
            for ct in c.contacts:
                if match(ct):
                    return ContactRef(
                        customer_id=cid,
                        contact_id=str(ct["contact_id"]),
                        email=ct.get("email"),
                        phone=ct.get("phone"),
                        name=ct.get("name"),
                        language=ct.get("language"),
                    )
        return None

    def contact_by_email(self, email: str) -> ContactRef | None:
        return self._contact(lambda ct: str(ct.get("email") or "").lower() == email.lower())

    def contact_by_phone(self, phone: str) -> ContactRef | None:
        return self._contact(lambda ct: ct.get("phone") == phone)

    def set_contact_channels(
        self, customer_id: str, contact_id: str, *, email_opt_out: bool | None = None, sms_opt_in: bool | None = None
    ) -> bool:
        c = self.customers.get(customer_id)
        contact = next((ct for ct in c.contacts if ct["contact_id"] == contact_id), None) if c else None
        if contact is None:
            return False
        if email_opt_out is not None:
            contact["email_opt_out"] = email_opt_out
        if sms_opt_in is not None:
            contact["sms_opt_in"] = sms_opt_in
        return True

    def contact(self, customer_id: str, contact_id: str) -> dict[str, Any]:
        return next(ct for ct in self.customers[customer_id].contacts if ct["contact_id"] == contact_id)


class FakeAudienceFiles:
    """The ``notices`` bucket: audience batch files and manifests under the contract's keys.

    As the records' ``SnapshotSink`` it also records memberships (into ``notices``, the notice
    store, when given); as delivery's ``AudienceReader`` it reads back what was written. Reading a
    manifest that was never written raises ``LookupError`` (S3: NoSuchKey)."""

    def __init__(self, notices: FakeNoticeStore | None = None) -> None:
        self.files: dict[str, list[str]] = {}
        self.manifests: dict[str, AudienceManifest] = {}
        self.members: list[str] = []
        self.notices = notices

    # -- SnapshotSink -----------------------------------------------------------------------------
    def put_batch(self, notice_id: str, batch: int, lines: list[str]) -> str:
        key = batch_key(notice_id, batch)
        self.files[key] = list(lines)
        return key

    def put_manifest(self, manifest: AudienceManifest) -> None:
        self.manifests[manifest.notice_id] = manifest

    def add_members(self, notice_id: str, problem_id: str, customer_ids: list[str]) -> None:
        self.members += customer_ids
        if self.notices is not None:
            self.notices.add_members(notice_id, problem_id, customer_ids)

    # -- AudienceReader ---------------------------------------------------------------------------
    def manifest(self, notice_id: str) -> AudienceManifest:
        if notice_id not in self.manifests:
            raise LookupError(f"no audience manifest for {notice_id}")
        return self.manifests[notice_id]

    def recipients(self, key: str) -> Iterator[Recipient]:
        for line in self.files[key]:
            yield Recipient.model_validate_json(line)

    # -- for tests --------------------------------------------------------------------------------
    def write(self, notice_id: str, recipients: list[Recipient], batch_size: int = 20) -> list[str]:
        """A snapshot of ``recipients`` in files of ``batch_size``, as the records part writes one."""
        keys = [
            self.put_batch(notice_id, b, [r.model_dump_json(exclude_none=True) for r in recipients[i : i + batch_size]])
            for b, i in enumerate(range(0, len(recipients), batch_size))
        ]
        self.put_manifest(
            AudienceManifest(
                notice_id=notice_id,
                count=len(recipients),
                email_count=sum(1 for r in recipients if r.email),
                sms_count=sum(1 for r in recipients if r.phone),
                batch_size=batch_size,
                batches=keys,
                created_at=datetime.now(UTC),
            )
        )
        return keys

    def lines(self, notice_id: str) -> list[Recipient]:
        return [r for key in self.manifest(notice_id).batches for r in self.recipients(key)]


class FakeAudience:
    """The audience source and the snapshot sink in one, as the container's ``notice_audience``
    is: reads from ``directory``, writes the files to ``files``."""

    def __init__(self, directory: FakeDirectory, files: FakeAudienceFiles) -> None:
        self.directory, self.files = directory, files

    def linked_cases(self, problem_id: str) -> list[Case]:
        return self.directory.linked_cases(problem_id)

    def directory_entry(self, customer_id: str) -> DirectoryEntry | None:
        return self.directory.directory_entry(customer_id)

    def owner_pages(self, product: str, model: str | None, batch: str | None) -> Iterator[list[dict[str, Any]]]:
        return self.directory.owner_pages(product, model, batch)

    def last_message_id(self, case_id: str) -> str | None:
        return self.directory.last_message_id(case_id)

    def customer_of_email(self, email: str) -> str | None:
        return self.directory.customer_of_email(email)

    def put_batch(self, notice_id: str, batch: int, lines: list[str]) -> str:
        return self.files.put_batch(notice_id, batch, lines)

    def put_manifest(self, manifest: AudienceManifest) -> None:
        self.files.put_manifest(manifest)

    def add_members(self, notice_id: str, problem_id: str, customer_ids: list[str]) -> None:
        self.files.add_members(notice_id, problem_id, customer_ids)


def notice_parts(**parts: Any) -> dict[str, Any]:
    """Every part of proactive notices as an in-memory fake, for ``Container.override``: the
    records and delivery services are then the real ones, wired as in production."""
    from tests.fakes.workflows import FakeWorkflow

    store = parts.pop("notice_store", None) or FakeNoticeStore()
    directory = parts.pop("customer_store", None) or FakeDirectory()
    files = parts.pop("notice_audience_files", None) or FakeAudienceFiles(store)
    return {
        "notice_store": store,
        "problem_store": parts.pop("problem_store", None) or FakeProblems(),
        "customer_store": directory,
        "notice_audience": FakeAudience(directory, files),
        "notice_audience_files": files,
        "delivery_store": parts.pop("delivery_store", None) or FakeDeliveryStore(),
        "notice_email_sender": parts.pop("notice_email_sender", None) or FakeEmailSender(),
        "notice_sms_sender": parts.pop("notice_sms_sender", None) or FakeSmsSender(),
        "notice_workflow": parts.pop("notice_workflow", None) or FakeWorkflow(),
        **parts,
    }


# -- delivery -----------------------------------------------------------------------------------


def _sk(record: DeliveryRecord) -> str:
    return f"{record.channel.value}#{record.contact_id}"


class FakeDeliveryStore:
    def __init__(self) -> None:
        self.records: dict[tuple[str, int, int], dict[str, DeliveryRecord]] = {}
        self.dispatch_items: dict[tuple[str, int], dict[str, Any]] = {}
        self.prepared_items: dict[tuple[str, str], dict[str, Any]] = {}
        self.waits: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, str]] = {}  # contact_id -> {"phone", "arn"}
        self.full: dict[str, dict[str, Any]] = {}  # topic arn -> {"code", "at", "expires_at"}

    # -- delivery records -------------------------------------------------------------------------
    def _batch(self, record: DeliveryRecord) -> dict[str, DeliveryRecord]:
        return self.records.setdefault((record.notice_id, record.seq, record.batch), {})

    def existing(self, notice_id: str, seq: int, batch: int) -> dict[str, dict[str, Any]]:
        found = self.records.get((notice_id, seq, batch), {})
        return {sk: {"SK": sk, "status": r.status.value, "claim": r.claim} for sk, r in found.items()}

    def claim(self, records: list[DeliveryRecord]) -> list[DeliveryRecord]:
        claimed = []
        for record in records:
            batch = self._batch(record)
            if _sk(record) not in batch:
                batch[_sk(record)] = record
                claimed.append(record)
        return claimed

    def mark(self, records: Iterable[DeliveryRecord]) -> None:
        for record in records:
            self._batch(record)[_sk(record)] = record

    def release(self, records: Iterable[DeliveryRecord]) -> None:
        for record in records:
            batch = self._batch(record)
            held = batch.get(_sk(record))
            if held is not None and held.claim == record.claim:
                del batch[_sk(record)]

    def claimed_not_sent(self, notice_id: str, seq: int, batches: int) -> Iterator[DeliveryRecord]:
        for batch in range(batches):
            for record in self.records.get((notice_id, seq, batch), {}).values():
                if record.status is DeliveryStatus.CLAIMED:
                    yield record

    def record(self, notice_id: str, seq: int, batch: int, sk: str) -> DeliveryRecord | None:
        return self.records.get((notice_id, seq, batch), {}).get(sk)

    def all_records(self) -> list[DeliveryRecord]:
        return [r for batch in self.records.values() for r in batch.values()]

    # -- dispatches -------------------------------------------------------------------------------
    def put_dispatch(self, dispatch: Dispatch, batches: int) -> None:
        item = self.dispatch_items.get((dispatch.notice_id, dispatch.seq))
        if item is not None and "dispatch" in item:
            return  # a redelivered prepare job: the dispatch and its counters stay
        self.dispatch_items[(dispatch.notice_id, dispatch.seq)] = {
            **(item or {}),
            "dispatch": dispatch,
            "batches": batches,
        }

    def dispatch(self, notice_id: str, seq: int) -> Dispatch:
        item = self.dispatch_items.get((notice_id, seq))
        if item is None or "dispatch" not in item:
            raise NotFound("notice dispatch", f"{notice_id}#{seq}")
        return item["dispatch"]  # type: ignore[no-any-return]

    def add_counts(self, notice_id: str, seq: int, counts: dict[str, int]) -> None:
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return
        item = self.dispatch_items.setdefault((notice_id, seq), {})  # DynamoDB's ADD makes the item
        for k, v in counts.items():
            item[k] = item.get(k, 0) + v

    def batch_done(self, notice_id: str, seq: int, batch: int) -> None:
        item = self.dispatch_items.setdefault((notice_id, seq), {})
        item["done_batches"] = item.get("done_batches", set()) | {batch}

    def counts(self, notice_id: str, seq: int) -> dict[str, int]:
        from functions.notify.delivery.rules import COUNTS

        item = self.dispatch_items.get((notice_id, seq), {})
        done = {"batches_done": len(item.get("done_batches", ()))}
        return {k: int(item.get(k, 0)) for k in COUNTS} | done

    def all_counts(self, notice_id: str) -> dict[int, dict[str, int]]:
        return {seq: self.counts(n, seq) for n, seq in sorted(self.dispatch_items) if n == notice_id}

    def prepared(self, notice_id: str, marker: str) -> dict[str, Any] | None:
        return self.prepared_items.get((notice_id, marker))

    def put_prepared(self, notice_id: str, marker: str, result: dict[str, Any], expires_at: int) -> None:
        self.prepared_items[(notice_id, marker)] = dict(result)

    # -- the waiting lifecycle --------------------------------------------------------------------
    def put_waiting(
        self, notice_id: str, task_token: str, *, paused: bool, execution: str | None, now: str
    ) -> str | None:
        item = self.waits.setdefault(notice_id, {})
        if item.get("pending"):
            return str(item["pending"].pop(0))
        item.update({"task_token": task_token, "paused": paused, "at": now})
        if execution:
            item["execution"] = execution
        return None

    def take_waiting(self, notice_id: str, signal: str | None = None) -> dict[str, Any] | None:
        item = self.waits.setdefault(notice_id, {})
        if "task_token" in item:
            old = dict(item)
            for key in ("task_token", "paused", "execution", "at"):
                item.pop(key, None)
            return old
        if signal is not None:
            item.setdefault("pending", []).append(signal)
        return None

    # -- SMS subscriptions ------------------------------------------------------------------------
    def subscribed(self, contact_ids: list[str]) -> dict[str, str]:
        return {c: self.subscriptions[c]["phone"] for c in contact_ids if c in self.subscriptions}

    def put_subscription(self, contact_id: str, phone: str, arn: str) -> None:
        self.subscriptions[contact_id] = {"phone": phone, "arn": arn}

    def drop_subscription(self, contact_id: str) -> str | None:
        sub = self.subscriptions.pop(contact_id, None)
        return sub["arn"] if sub else None

    def topic_full(self, topic_arn: str, now: int) -> bool:
        item = self.full.get(topic_arn)
        return item is not None and int(item["expires_at"]) > now

    def put_topic_full(self, topic_arn: str, code: str, at: str, expires_at: int) -> None:
        self.full[topic_arn] = {"code": code, "at": at, "expires_at": expires_at}


# -- senders ------------------------------------------------------------------------------------

RETRY = SendOutcome(SendStatus.RETRY)


@dataclass
class BulkCall:
    template: str
    dispatch: Dispatch
    mails: list[NoticeMail]


class FakeEmailSender:
    """Answers each mail SENT, unless told otherwise:

    * ``outcomes[address]``: the answer for that address, once (then it is sent normally);
    * ``throttle_calls``: the next n calls are throttled (every mail RETRY);
    * ``throttle(call_number)``: decides per call whether it is throttled;
    * ``fail_with``: every call raises it (a failure that is not throttling)."""

    def __init__(
        self,
        outcomes: dict[str, SendOutcome] | None = None,
        *,
        throttle_calls: int = 0,
        throttle: Callable[[int], bool] | None = None,
        fail_with: Exception | None = None,
    ) -> None:
        self.outcomes = dict(outcomes or {})
        self.throttle_calls = throttle_calls
        self.throttle = throttle
        self.fail_with = fail_with
        self.calls: list[BulkCall] = []
        self.sent: list[tuple[BulkCall, NoticeMail]] = []

    def send_bulk(self, template: str, dispatch: Dispatch, mails: list[NoticeMail]) -> list[SendOutcome]:
        call = BulkCall(template, dispatch, list(mails))
        self.calls.append(call)
        if self.fail_with is not None:
            raise self.fail_with
        if self.throttle_calls > 0 or (self.throttle is not None and self.throttle(len(self.calls))):
            self.throttle_calls = max(0, self.throttle_calls - 1)
            return [RETRY] * len(mails)
        out = []
        for mail in mails:
            outcome = self.outcomes.pop(mail.to, None)
            if outcome is None:
                outcome = SendOutcome(SendStatus.SENT, provider_id=f"m-{len(self.sent) + 1}")
            if outcome.status is SendStatus.SENT:
                self.sent.append((call, mail))
            out.append(outcome)
        return out

    def received(self) -> dict[str, int]:
        """Mails sent per address."""
        out: dict[str, int] = {}
        for _, mail in self.sent:
            out[mail.to] = out.get(mail.to, 0) + 1
        return out

    def to(self, address: str) -> list[tuple[BulkCall, NoticeMail]]:
        return [(c, m) for c, m in self.sent if m.to == address]


class FakeSmsSender:
    """The notices topic and direct SMS. A topic message reaches the phone subscribed for its
    contact (``delivered``), or nobody when none is (``lost``), as the topic's filter policies do.

    * ``subscription_limit``: Subscribe raises ``TopicFull`` once that many subscriptions exist;
    * ``retry_ids`` / ``refuse_ids``: the next topic message to those contacts answers RETRY /
      FAILED ("InvalidParameter"), once each;
    * ``throttle_direct``: the next n direct SMS answer RETRY; ``refuse_phones``: numbers refused
      for good (FAILED "InvalidParameter");
    * ``throttle(operation, call_number)``: decides per call ("subscribe", "publish_batch",
      "publish_direct") whether it is throttled."""

    topic = "arn:aws:sns:us-east-1:123456789012:casebridge-test-sms-notices"

    def __init__(
        self,
        *,
        subscription_limit: int | None = None,
        retry_ids: Iterable[str] = (),
        refuse_ids: Iterable[str] = (),
        throttle_direct: int = 0,
        refuse_phones: Iterable[str] = (),
        throttle: Callable[[str, int], bool] | None = None,
    ) -> None:
        self.subscription_limit = subscription_limit
        self.retry_ids = set(retry_ids)
        self.refuse_ids = set(refuse_ids)
        self.throttle_direct = throttle_direct
        self.refuse_phones = set(refuse_phones)
        self.throttle = throttle
        self.subscriptions: dict[str, tuple[str, str]] = {}  # arn -> (contact_id, phone)
        self.unsubscribed: list[str] = []
        self.calls: dict[str, int] = {"subscribe": 0, "publish_batch": 0, "publish_direct": 0}
        self.published: list[TopicSms] = []  # accepted by the topic
        self.delivered: list[tuple[str, str, str]] = []  # (phone, contact_id, text) through the topic
        self.lost: list[TopicSms] = []  # accepted, but no subscription matched
        self.direct: list[tuple[str, str]] = []  # (phone, text)
        self._arns = itertools.count(1)

    def _throttled(self, operation: str) -> bool:
        self.calls[operation] += 1
        return self.throttle is not None and self.throttle(operation, self.calls[operation])

    def subscribe(self, contact_id: str, phone: str) -> str:
        if self._throttled("subscribe"):
            raise SenderThrottled("Throttled")
        for arn, existing in self.subscriptions.items():
            if existing == (contact_id, phone):
                return arn  # as SNS: the same endpoint with the same filter policy is the same subscription
        if self.subscription_limit is not None and len(self.subscriptions) >= self.subscription_limit:
            raise TopicFull("FilterPolicyLimitExceeded")
        arn = f"{self.topic}:sub-{next(self._arns)}"
        self.subscriptions[arn] = (contact_id, phone)
        return arn

    def unsubscribe(self, subscription_arn: str | None) -> None:
        if subscription_arn:
            self.unsubscribed.append(subscription_arn)
            self.subscriptions.pop(subscription_arn, None)

    def subscribed(self) -> list[str]:
        return sorted(c for c, _ in self.subscriptions.values())

    def publish_batch(self, messages: list[TopicSms]) -> list[SendOutcome]:
        assert len(messages) <= 10, "SNS PublishBatch takes 10 entries"
        if self._throttled("publish_batch"):
            return [RETRY] * len(messages)
        out = []
        for m in messages:
            if m.contact_id in self.retry_ids:
                self.retry_ids.discard(m.contact_id)
                out.append(RETRY)
                continue
            if m.contact_id in self.refuse_ids:
                self.refuse_ids.discard(m.contact_id)
                out.append(SendOutcome(SendStatus.FAILED, error="InvalidParameter"))
                continue
            self.published.append(m)
            phones = [phone for contact, phone in self.subscriptions.values() if contact == m.contact_id]
            if not phones:
                self.lost.append(m)
            self.delivered += [(phone, m.contact_id, m.text) for phone in phones]
            out.append(SendOutcome(SendStatus.SENT, provider_id=f"s-{len(self.published)}"))
        return out

    def publish_direct(self, phone: str, text: str) -> SendOutcome:
        if self._throttled("publish_direct") or self.throttle_direct > 0:
            self.throttle_direct = max(0, self.throttle_direct - 1)
            return RETRY
        if phone in self.refuse_phones:
            return SendOutcome(SendStatus.FAILED, error="InvalidParameter")
        self.direct.append((phone, text))
        return SendOutcome(SendStatus.SENT, provider_id=f"d-{phone}")

    def received(self) -> dict[str, int]:
        """SMS received per phone, through the topic or directly."""
        out: dict[str, int] = {}
        for phone in [p for p, _, _ in self.delivered] + [p for p, _ in self.direct]:
            out[phone] = out.get(phone, 0) + 1
        return out
