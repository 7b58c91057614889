"""Who a notice reaches: the currently affected, then the likely affected, de-duplicated, opted-out removed.

The audience is a stream (``iter_members``): affected contacts from the problem's root-cause cases
first (with the case and the Message-ID to thread the mail to), then owners from the install base
page by page (``owner_pages``), so it holds for hundreds of thousands of customers without loading
them at once; only the set of contact and customer ids seen is kept, for de-duplication.

Channel rules per contact: email unless ``email_opt_out``; SMS only with ``sms_opt_in``; a contact
left with neither (for the notice's channels) is not a recipient. Portal and phone reach customers,
not contacts: every customer in the audience gets a membership (banners, phone menu).

Pure: it reads through the ``AudienceSource`` port and writes through the ``SnapshotSink`` port
(``ports.py``) it is given; times come in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.notify.contract import AudienceManifest, Recipient
from functions.notify.models import (
    AudienceCounts,
    AudienceSpec,
    DirectoryEntry,
    NoticeChannel,
    SampleRecipient,
)
from functions.notify.ports import AudienceSource, SnapshotSink


@dataclass
class Member:
    """One customer of the audience and its reachable contacts (possibly none: portal/phone only)."""

    customer_id: str
    name: str | None
    affected: bool
    recipients: list[Recipient] = field(default_factory=list)


def reachable(contact: dict[str, Any], channels: set[NoticeChannel]) -> tuple[str | None, str | None]:
    email = contact.get("email") if NoticeChannel.EMAIL in channels and not contact.get("email_opt_out") else None
    phone = contact.get("phone") if NoticeChannel.SMS in channels and contact.get("sms_opt_in") else None
    return email or None, phone or None


def _recipient(
    customer_id: str, contact: dict[str, Any], profile: DirectoryEntry, channels: set[NoticeChannel], **extra: Any
) -> Recipient | None:
    email, phone = reachable(contact, channels)
    if not email and not phone:
        return None
    return Recipient(
        customer_id=customer_id,
        contact_id=str(contact["contact_id"]),
        email=email,
        phone=phone,
        language=contact.get("language") or profile.language or "en",
        name=contact.get("name") or profile.name,
        **extra,
    )


def _affected(problem_id: str, channels: set[NoticeChannel], source: AudienceSource) -> Iterator[Member]:
    from functions.customers.models import contact_id_for  # noqa: PLC0415

    directory: dict[str, DirectoryEntry] = {}  # one read per customer
    for case in sorted(source.linked_cases(problem_id), key=lambda c: c.case_id):
        customer_id = case.customer_id or (source.customer_of_email(case.contact_email) if case.contact_email else None)
        profile = DirectoryEntry()
        contact: dict[str, Any] | None = None
        if customer_id:
            if customer_id not in directory:
                directory[customer_id] = source.directory_entry(customer_id) or DirectoryEntry()
            profile = directory[customer_id]
            contacts = profile.contacts
            email = (case.contact_email or "").lower()
            contact = next((c for c in contacts if case.contact_id and c.get("contact_id") == case.contact_id), None)
            contact = contact or next((c for c in contacts if email and (c.get("email") or "").lower() == email), None)
        if contact is None and (case.contact_email or case.contact_phone):
            # a contact we do not know in the directory: reachable by mail (they wrote to us), never by SMS
            contact = {
                "contact_id": case.contact_id
                or contact_id_for(customer_id or "", case.contact_email, case.contact_phone),
                "email": case.contact_email,
                "name": case.contact_name,
                "language": case.language,
            }
        member = Member(customer_id=customer_id or "", name=profile.name or case.contact_name, affected=True)
        if contact is not None:
            recipient = _recipient(
                customer_id or "",
                contact,
                profile,
                channels,
                affected=True,
                case_id=case.case_id,
                thread_message_id=source.last_message_id(case.case_id) if contact.get("email") else None,
            )
            if recipient is not None:
                member.recipients.append(recipient)
        yield member


def _owner_queries(spec: AudienceSpec) -> Iterator[tuple[str, str | None, str | None]]:
    seg = spec.segment
    for product in seg.product:
        models: list[str | None] = list(seg.model) or [None]
        for model in models:
            if model and len(seg.batch) == 1:
                yield product, model, seg.batch[0]
            else:
                yield product, model, None


def _likely(spec: AudienceSpec, channels: set[NoticeChannel], source: AudienceSource) -> Iterator[Member]:
    seen: set[str] = set()
    for product, model, batch in _owner_queries(spec):
        for page in source.owner_pages(product, model, batch):
            for asset in page:
                customer_id = str(asset.get("customer_id") or "")
                if not customer_id or customer_id in seen or not spec.segment.matches_asset(asset):
                    continue
                seen.add(customer_id)
                profile = source.directory_entry(customer_id)
                if profile is None:
                    continue  # a stale asset of a removed customer
                member = Member(customer_id=customer_id, name=profile.name, affected=False)
                for contact in profile.contacts:
                    recipient = _recipient(customer_id, contact, profile, channels, affected=False)
                    if recipient is not None:
                        member.recipients.append(recipient)
                yield member


def iter_members(
    problem_id: str, spec: AudienceSpec, channels: Iterable[NoticeChannel], source: AudienceSource
) -> Iterator[Member]:
    """Affected first, then likely; every contact at most once (the first time it is met)."""
    chans = set(channels)
    seen_contacts: set[str] = set()
    streams: list[Iterator[Member]] = []
    if spec.include_affected:
        streams.append(_affected(problem_id, chans, source))
    if spec.include_likely and not spec.segment.is_empty():
        streams.append(_likely(spec, chans, source))
    for stream in streams:
        for member in stream:
            fresh = [r for r in member.recipients if r.contact_id not in seen_contacts]
            seen_contacts.update(r.contact_id for r in fresh)
            member.recipients = fresh
            yield member


def mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    return phone[:3] + "*" * max(0, len(phone) - 6) + phone[-3:]


@dataclass
class Tally:
    counts: AudienceCounts = field(default_factory=AudienceCounts)
    customers: set[str] = field(default_factory=set)

    def add(self, member: Member) -> None:
        if member.customer_id and member.customer_id not in self.customers:
            self.customers.add(member.customer_id)
        c = self.counts
        for r in member.recipients:
            c.recipients += 1
            c.affected += r.affected
            c.likely += not r.affected
            c.email += r.email is not None
            c.sms += r.phone is not None
        c.customers = len(self.customers)


def preview(
    members: Iterable[Member], sample: int, max_customers: int | None = None
) -> tuple[AudienceCounts, list[SampleRecipient], bool]:
    """Counts, a masked sample, and whether every member was counted: the walk stops before the
    member that would make more than ``max_customers`` customers. Computes, never sends nor writes."""
    tally = Tally()
    out: list[SampleRecipient] = []
    for member in members:
        new = bool(member.customer_id) and member.customer_id not in tally.customers
        if max_customers is not None and new and len(tally.customers) >= max_customers:
            return tally.counts, out, False
        tally.add(member)
        for r in member.recipients:
            if len(out) < sample:
                out.append(
                    SampleRecipient(
                        customer_id=r.customer_id,
                        name=r.name,
                        email=mask_email(r.email),
                        phone=mask_phone(r.phone),
                        affected=r.affected,
                        case_id=r.case_id,
                    )
                )
    return tally.counts, out, True


def snapshot(
    notice_id: str, problem_id: str, members: Iterable[Member], sink: SnapshotSink, batch_size: int, now: datetime
) -> tuple[AudienceManifest, AudienceCounts]:
    """Write the batches, the memberships and the manifest (last: its presence means complete),
    made at ``now``.

    Recipients are buffered by (language, email?, SMS?) and a batch file holds one such kind
    only, so that delivery fills every bulk call (50 mails of one template, 10 SMS); what is
    left of each kind at the end is written together. Memory holds at most one partial batch
    per kind.
    """
    tally = Tally()
    buffers: dict[tuple[str, bool, bool], list[str]] = {}
    keys: list[str] = []
    pending_members: list[str] = []

    def flush_members() -> None:
        if pending_members:
            sink.add_members(notice_id, problem_id, pending_members)
            pending_members.clear()

    for member in members:
        new_customer = bool(member.customer_id) and member.customer_id not in tally.customers
        tally.add(member)
        if new_customer:
            pending_members.append(member.customer_id)
            if len(pending_members) >= 500:
                flush_members()
        for r in member.recipients:
            kind = (r.language, r.email is not None, r.phone is not None)
            lines = buffers.setdefault(kind, [])
            lines.append(r.model_dump_json(exclude_none=True))
            if len(lines) >= batch_size:
                keys.append(sink.put_batch(notice_id, len(keys), lines))
                buffers[kind] = []
    # what is left of each kind (less than a batch each) goes out together, kind after kind
    rest = [line for kind in sorted(buffers) for line in buffers[kind]]
    for start in range(0, len(rest), batch_size):
        keys.append(sink.put_batch(notice_id, len(keys), rest[start : start + batch_size]))
    flush_members()
    c = tally.counts
    manifest = AudienceManifest(
        notice_id=notice_id,
        count=c.recipients,
        email_count=c.email,
        sms_count=c.sms,
        batch_size=batch_size,
        batches=keys,
        created_at=now,
    )
    sink.put_manifest(manifest)
    return manifest, c
