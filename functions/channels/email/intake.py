"""The one email intake use case: ``ingest_raw(raw, source_key, services)``.

Both the SQS event handler and ``casebridge mail ingest`` call it. Its ports come in
``IntakeServices``; ``default_services()`` wires the production adapters.

Order of work, so that nothing received is lost and a redelivery is harmless:
raw stored in S3 -> parsed -> loop-safety check -> duplicate check (Message-ID pointer)
-> thread or open a case (pointers written in the same transaction) -> acknowledgement
-> inbound log. Anything that is not an AWS failure and still goes wrong quarantines the
mail with its reason; AWS failures propagate so the queue retries (then the DLQ).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.cases.models import Actor, ActorType, Attachment, CaseContext, Channel, EventKind, Message
from functions.cases.ports import ContactDirectory
from functions.cases.service import CaseService
from functions.channels.email import logic
from functions.channels.email.mailer import Mailer, compose
from functions.channels.email.models import (
    InboundRecord,
    IngestOutcome,
    Outcome,
    ParsedMail,
    StoredAttachmentOut,
)
from functions.channels.email.parse import parse_mail
from functions.channels.email.store import InboundLog, MailStore, inbound_id_for, sha256
from functions.core.errors import Conflict, Duplicate, NotFound
from functions.core.logs import logger
from functions.core.timeutil import utcnow

SYSTEM = Actor(type=ActorType.SYSTEM, id="email-intake")


@dataclass
class IntakeConfig:
    support_address: str
    support_name: str
    mail_domain: str
    case_prefix: str
    public_base_url: str
    max_attachment_bytes: int
    max_total_attachment_bytes: int
    send_acknowledgements: bool = True
    own_addresses: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.own_addresses = {a.lower() for a in {self.support_address, *self.own_addresses}}


@dataclass
class IntakeServices:
    cases: CaseService
    directory: ContactDirectory | None
    mail: MailStore
    log: InboundLog
    mailer: Mailer
    config: IntakeConfig
    portal_link: Callable[[str, str | None], str | None] = lambda case_id, contact: None
    clock: Callable[[], datetime] = utcnow


def is_infrastructure_error(exc: BaseException) -> bool:
    """AWS/network failures: retry (SQS redelivers, then the DLQ) instead of quarantining."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, (BotoCoreError, ClientError))


def message_key(parsed: ParsedMail | None, raw: bytes) -> str:
    """The pointer key of a mail: its Message-ID, or a hash of its bytes when it has none."""
    if parsed is not None and parsed.message_id:
        return parsed.message_id
    return f"sha256:{sha256(raw)}"


# -- the use case ---------------------------------------------------------------------


def ingest_raw(
    raw: bytes, source_key: str | None, services: IntakeServices, *, source: str | None = None
) -> IngestOutcome:
    """Turn one raw RFC 5322 mail into a case interaction (or a logged suppression/quarantine).

    ``source_key`` is the key of the raw mail in the mail bucket when it is already there
    (SES S3 action); otherwise the raw bytes are stored first.
    """
    inbound_id = inbound_id_for(raw)
    previous = services.log.find(inbound_id)
    if previous is not None and previous.outcome != Outcome.QUARANTINED:
        # The very same bytes again (queue redelivery, replay of a handled mail).
        return IngestOutcome(
            inbound_id=inbound_id,
            outcome=Outcome.SUPPRESSED,
            case=previous.case_id,
            reason=f"duplicate: the same mail was already received ({previous.outcome.value})",
            from_email=previous.from_email,
            subject=previous.subject,
            message_id=previous.message_id,
            raw_s3_key=previous.raw_s3_key,
        )
    raw_key = source_key or services.mail.put_raw(raw)
    attempts = (previous.attempts + 1) if previous else 1
    parsed: ParsedMail | None = None
    try:
        parsed = parse_mail(raw)
        outcome = _process(parsed, raw, raw_key, inbound_id, services)
    except Exception as exc:  # noqa: BLE001 - quarantine anything that is not an AWS failure
        if is_infrastructure_error(exc):
            raise
        logger().exception("email intake failed; quarantined", extra={"inbound_id": inbound_id})
        return quarantine(
            raw,
            f"processing failed: {type(exc).__name__}: {str(exc)[:300]}",
            services,
            inbound_id=inbound_id,
            source=source,
            raw_key=raw_key,
            parsed=parsed,
            attempts=attempts,
        )
    services.log.put(
        InboundRecord(
            inbound_id=inbound_id,
            received_at=services.clock(),
            outcome=outcome.outcome,
            reason=outcome.reason,
            case_id=outcome.case,
            message_id=outcome.message_id,
            from_email=outcome.from_email,
            subject=outcome.subject,
            source=source,
            raw_s3_key=raw_key,
            attempts=attempts,
        )
    )
    logger().info(
        "email received",
        extra={"inbound_id": inbound_id, "outcome": outcome.outcome.value, "case_id": outcome.case},
    )
    return outcome


def quarantine(
    data: bytes,
    reason: str,
    services: IntakeServices,
    *,
    inbound_id: str | None = None,
    source: str | None = None,
    raw_key: str | None = None,
    parsed: ParsedMail | None = None,
    suffix: str = ".eml",
    attempts: int = 1,
) -> IngestOutcome:
    """Keep what could not be processed, with its reason, where agents can see and replay it."""
    inbound_id = inbound_id or inbound_id_for(data)
    qkey = services.mail.quarantine(inbound_id, data, suffix)
    from_email = parsed.from_.email if parsed and parsed.from_ else None
    subject = parsed.subject if parsed else None
    services.log.put(
        InboundRecord(
            inbound_id=inbound_id,
            received_at=services.clock(),
            outcome=Outcome.QUARANTINED,
            reason=reason,
            message_id=parsed.message_id if parsed else None,
            from_email=from_email,
            subject=subject,
            source=source,
            raw_s3_key=raw_key,
            quarantine_key=qkey,
            attempts=attempts,
        )
    )
    logger().warning("email quarantined", extra={"inbound_id": inbound_id})
    return IngestOutcome(
        inbound_id=inbound_id,
        outcome=Outcome.QUARANTINED,
        reason=reason,
        from_email=from_email,
        subject=subject,
        message_id=parsed.message_id if parsed else None,
        raw_s3_key=raw_key,
    )


def _process(parsed: ParsedMail, raw: bytes, raw_key: str, inbound_id: str, services: IntakeServices) -> IngestOutcome:
    cfg = services.config
    key = message_key(parsed, raw)
    base = {
        "inbound_id": inbound_id,
        "from_email": parsed.from_.email if parsed.from_ else None,
        "subject": parsed.subject,
        "message_id": key,
        "raw_s3_key": raw_key,
    }

    # 1. loop safety: bounces and auto-replies never open cases nor get answers
    suppressed = logic.suppression(parsed, cfg.own_addresses)
    if suppressed is not None:
        case_id = None
        if suppressed.kind == "bounce":
            case_id = _record_bounce(parsed, inbound_id, services)
        return IngestOutcome(
            **base, outcome=Outcome.SUPPRESSED, case=case_id, reason=f"{suppressed.kind}: {suppressed.reason}"
        )

    # 2. exactly once: a Message-ID we already hold is the same interaction
    known = services.cases.find_case_for_message_ids([key])
    if known:
        return IngestOutcome(**base, outcome=Outcome.SUPPRESSED, case=known, reason=DUPLICATE_REASON)

    # 3. threading
    sender = _sender(parsed, services)
    candidates = _candidates(parsed, services)
    decision = logic.decide_thread(candidates, sender)
    attachments, stored = _store_attachments(parsed, inbound_id, services)
    message = _message(parsed, raw_key, attachments, key)
    actor = Actor(
        type=ActorType.CUSTOMER, id=sender.email if sender else None, name=parsed.from_.name if parsed.from_ else None
    )

    if decision.action == "thread" and decision.case_id:
        try:
            services.cases.add_inbound(decision.case_id, message, actor, pointers=[key])
            return IngestOutcome(
                **base,
                outcome=Outcome.THREADED,
                case=decision.case_id,
                reason=f"reply matched by {decision.via}",
                attachments=stored,
            )
        except Duplicate:
            return _duplicate(base, key, services)
        except Conflict:  # closed between lookup and write: open a follow-up instead
            decision = logic.ThreadDecision("follow_up", decision.case_id, decision.claimed, decision.via)

    context = CaseContext(
        related_case=decision.case_id if decision.action == "follow_up" else None,
        forwarded_from=logic.forwarded_from(parsed),
    )
    notes: list[str] = []
    if decision.action == "follow_up":
        notes.append(f"Follow-up of closed case {decision.case_id}: the customer replied to it.")
    if decision.claimed:
        notes.append(
            "This mail refers to case(s) "
            + ", ".join(decision.claimed)
            + " but the sender is neither that case's contact nor of the same organisation, so it opened a new case."
        )
    extra = [(EventKind.NOTE, {"body": n, "visibility": "internal"}) for n in notes]
    try:
        case = services.cases.open_case(
            subject=parsed.subject or "(no subject)",
            channel=Channel.EMAIL,
            actor=actor,
            message=message,
            contact_email=parsed.from_.email if parsed.from_ and parsed.sender_valid else None,
            contact_name=parsed.from_.name if parsed.from_ else None,
            context=context,
            pointers=[key],
            extra_events=extra,
        )
    except Duplicate:
        return _duplicate(base, key, services)
    reason = "new case"
    if decision.action == "follow_up":
        reason = f"follow-up of closed case {decision.case_id}"
    elif decision.claimed:
        reason = f"new case: sender may not join {', '.join(decision.claimed)}"
    acknowledged = False
    refusal = logic.ack_refusal(parsed, cfg.own_addresses) if cfg.send_acknowledgements else "acknowledgements disabled"
    if refusal is None:
        acknowledged = _acknowledge(case.case_id, parsed, key, services)
    else:
        reason += f"; no acknowledgement: {refusal}"
    return IngestOutcome(
        **base, outcome=Outcome.CREATED, case=case.case_id, reason=reason, acknowledged=acknowledged, attachments=stored
    )


DUPLICATE_REASON = "duplicate: this Message-ID is already recorded on the case (one interaction)"


def _duplicate(base: dict[str, Any], key: str, services: IntakeServices) -> IngestOutcome:
    return IngestOutcome(
        **base,
        outcome=Outcome.SUPPRESSED,
        case=services.cases.find_case_for_message_ids([key]),
        reason=DUPLICATE_REASON,
    )


def _sender(parsed: ParsedMail, services: IntakeServices) -> logic.Sender | None:
    if not parsed.from_ or not parsed.sender_valid:
        return None
    email = parsed.from_.email
    contact_customer = domain_customer = None
    if services.directory is not None:
        contact = services.directory.contact_by_email(email)
        contact_customer = contact.customer_id if contact else None
        sender = logic.Sender(email=email)
        if not sender.public_domain:
            domain_customer = services.directory.customer_by_domain(sender.domain)
    return logic.Sender(email=email, contact_customer_id=contact_customer, domain_customer_id=domain_customer)


def _candidates(parsed: ParsedMail, services: IntakeServices) -> list[logic.Candidate]:
    out: list[logic.Candidate] = []
    seen: set[str] = set()
    refs = logic.reference_ids(parsed)
    by_ref = services.cases.find_case_for_message_ids(refs) if refs else None
    tokens = logic.case_tokens(parsed.subject, services.config.case_prefix)
    for case_id, via in [(by_ref, "reference"), *((t, "subject") for t in tokens)]:
        if not case_id or case_id in seen:
            continue
        seen.add(case_id)
        try:
            out.append(logic.Candidate(services.cases.get(case_id), via))  # type: ignore[arg-type]
        except NotFound:
            continue
    return out


def _store_attachments(
    parsed: ParsedMail, inbound_id: str, services: IntakeServices
) -> tuple[list[Attachment], list[StoredAttachmentOut]]:
    cfg = services.config
    total = 0
    records: list[Attachment] = []
    out: list[StoredAttachmentOut] = []
    for index, att in enumerate(parsed.attachments, start=1):
        md5 = hashlib.md5(att.data, usedforsecurity=False).hexdigest()
        skipped = None
        if att.size > cfg.max_attachment_bytes:
            skipped = f"larger than {cfg.max_attachment_bytes} bytes; kept only in the raw mail"
        elif total + att.size > cfg.max_total_attachment_bytes:
            skipped = f"attachments exceed {cfg.max_total_attachment_bytes} bytes in total; kept only in the raw mail"
        key = None
        if skipped is None:
            total += att.size
            key = services.mail.put_attachment(inbound_id, index, att.filename, att.data, att.content_type)
        records.append(
            Attachment(
                filename=att.filename,
                content_type=att.content_type,
                size=att.size,
                md5=md5,
                s3_key=key,
                skipped_reason=skipped,
            )
        )
        out.append(
            StoredAttachmentOut(
                filename=att.filename, md5=md5, size=att.size, content_type=att.content_type, skipped_reason=skipped
            )
        )
    return records, out


def _message(parsed: ParsedMail, raw_key: str, attachments: list[Attachment], key: str) -> Message:
    meta: dict[str, Any] = {"content_type": parsed.content_type, "body_source": parsed.body_source}
    if parsed.new_text:
        meta["new_text"] = parsed.new_text
    if parsed.references:
        meta["references"] = parsed.references[-20:]
    if parsed.in_reply_to:
        meta["in_reply_to"] = parsed.in_reply_to
    if parsed.defects:
        meta["defects"] = sorted(set(parsed.defects))
    return Message(
        channel=Channel.EMAIL,
        direction="in",
        body_text=parsed.body_text[:100_000],
        subject=parsed.subject,
        message_id=key,
        from_address=parsed.from_.email if parsed.from_ else None,
        from_name=parsed.from_.name if parsed.from_ else None,
        to=[a.email for a in parsed.to][:50],
        cc=[a.email for a in parsed.cc][:50],
        raw_s3_key=raw_key,
        attachments=attachments,
        meta=meta,
    )


def _record_bounce(parsed: ParsedMail, inbound_id: str, services: IntakeServices) -> str | None:
    """A bounce of one of our mails goes on that case's timeline as DELIVERY_FAILED."""
    ids = logic.bounced_message_ids(parsed)
    case_id = services.cases.find_case_for_message_ids(ids) if ids else None
    if not case_id:
        return None
    services.cases.add_event(
        case_id,
        EventKind.DELIVERY_FAILED,
        SYSTEM,
        body="A mail to the customer could not be delivered.",
        data={"inbound_id": inbound_id, "bounced_message_ids": ids[:5], **logic.bounce_summary(parsed)},
        visibility="internal",
    )
    return case_id


def acknowledgement_text(case_id: str, name: str | None, link: str | None) -> str:
    lines = [
        f"Hello {name}," if name else "Hello,",
        "",
        f"thank you for your message. We have opened case {case_id} for it",
    ]
    lines[-1] += " and will get back to you as soon as we can."
    if link:
        lines += ["", "You can follow your case here:", link]
    lines += ["", f"Please keep [{case_id}] in the subject if you write to us about this case.", ""]
    return "\n".join(lines)


def _acknowledge(case_id: str, parsed: ParsedMail, key: str, services: IntakeServices) -> bool:
    cfg = services.config
    assert parsed.from_ is not None
    link = services.portal_link(case_id, parsed.from_.email)
    body = acknowledgement_text(case_id, parsed.from_.name, link)
    refs = logic.references_header([*parsed.references, key]) if not key.startswith("sha256:") else None
    mail = compose(
        from_address=cfg.support_address,
        from_name=cfg.support_name,
        to=parsed.from_.email,
        subject=logic.reply_subject(case_id, parsed.subject),
        body=body,
        mail_domain=cfg.mail_domain,
        in_reply_to=key if not key.startswith("sha256:") else None,
        references=refs,
        auto_submitted="auto-replied",
    )
    try:
        sent = services.mailer.send(mail)
    except Exception as exc:  # noqa: BLE001 - the case exists; record the failure instead of retrying the intake
        logger().warning("acknowledgement failed", extra={"case_id": case_id, "error_type": type(exc).__name__})
        services.cases.add_event(
            case_id,
            EventKind.DELIVERY_FAILED,
            SYSTEM,
            body=f"The acknowledgement could not be sent ({type(exc).__name__}).",
            visibility="internal",
        )
        return False
    pointers = [sent.message_id] + ([sent.provider_message_id] if sent.provider_message_id else [])
    message = Message(
        channel=Channel.EMAIL,
        direction="out",
        body_text=body,
        subject=str(mail["Subject"]),
        message_id=sent.message_id,
        from_address=cfg.support_address,
        from_name=cfg.support_name,
        to=[parsed.from_.email],
        meta={"extra_message_ids": pointers[1:], "in_reply_to": key, "kind": "acknowledgement"},
    )
    services.cases.add_event(case_id, EventKind.AUTO_REPLY, SYSTEM, body=body, message=message, pointers=pointers)
    return True


# -- queue records and replays ----------------------------------------------------------


def ingest_queue_body(
    body: str, services: IntakeServices, *, bucket_whitelist: set[str] | None = None
) -> list[IngestOutcome]:
    """One inbound-mail queue message (SNS/SES/S3 wrapped) -> the outcome of each mail in it.

    A body that cannot be understood is quarantined as JSON with the reason; an S3 object
    that does not exist likewise. AWS failures propagate (the queue retries).
    """
    from functions.channels.email import events  # noqa: PLC0415
    from functions.core import resources  # noqa: PLC0415

    outcomes: list[IngestOutcome] = []
    data = body.encode("utf-8", errors="surrogateescape")
    for item in events.unwrap(body, resources.INBOUND_PREFIX):
        if isinstance(item, events.Unreadable):
            outcomes.append(
                quarantine(
                    data,
                    f"unreadable queue message: {item.reason}",
                    services,
                    inbound_id="rec_" + sha256(data)[:24],
                    suffix=".json",
                    source="sqs",
                )
            )
        elif isinstance(item, events.RawContent):
            outcomes.append(ingest_raw(item.raw, None, services, source=item.origin))
        else:
            try:
                raw = services.mail.get(item.bucket, item.key)
            except Exception as exc:  # noqa: BLE001
                code = getattr(exc, "response", {}).get("Error", {}).get("Code")
                if code not in ("NoSuchKey", "NoSuchBucket", "404"):
                    raise
                outcomes.append(
                    quarantine(
                        data,
                        f"raw mail not found at s3://{item.bucket}/{item.key} ({code})",
                        services,
                        inbound_id="rec_" + sha256(data)[:24],
                        suffix=".json",
                        source=item.origin,
                    )
                )
                continue
            own = item.bucket == services.mail.mail_bucket
            outcomes.append(
                ingest_raw(raw, item.key if own else None, services, source=f"s3://{item.bucket}/{item.key}")
            )
    return outcomes


def replay(inbound_id: str, services: IntakeServices) -> list[IngestOutcome]:
    """Run a quarantined mail (or queue message) through intake again."""
    record = services.log.get(inbound_id)
    if record.outcome != Outcome.QUARANTINED or not record.quarantine_key:
        raise Conflict(f"inbound mail {inbound_id} is {record.outcome.value}, not quarantined; nothing to replay")
    data = services.mail.get(services.mail.mail_bucket, record.quarantine_key)
    if record.quarantine_key.endswith(".json"):
        outcomes = ingest_queue_body(data.decode("utf-8", errors="surrogateescape"), services)
    else:
        outcomes = [ingest_raw(data, record.raw_s3_key, services, source=f"replay:{inbound_id}")]
    return outcomes
