"""The email intake: received mail -> a case interaction, a suppression or a quarantine.

``EmailIntake`` receives its ports (``ports.py``): the case service, the customer directory, the
mail store, the inbound log, the mailer, a clock. The SQS handler, the agents' routes and
``casebridge mail`` ask the container for it.

Order of work, so that nothing received is lost and a redelivery is harmless:
raw stored in S3 -> parsed -> loop-safety check -> duplicate check (Message-ID pointer)
-> thread or open a case (pointers written in the same transaction) -> acknowledgement
-> inbound log. Anything that goes wrong and is not an infrastructure failure quarantines the
mail with its reason; infrastructure failures (``retryable``, or ``Unavailable``) propagate so
the queue retries that record (then its DLQ).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from functions.cases.models import Actor, ActorType, Attachment, CaseContext, Channel, EventKind, Message
from functions.channels.email import rules
from functions.channels.email.compose import compose
from functions.channels.email.models import (
    InboundPage,
    InboundRecord,
    IngestOutcome,
    Outcome,
    ParsedMail,
    StoredAttachmentOut,
)
from functions.channels.email.parse import parse_mail
from functions.channels.email.ports import CasePort, ContactDirectory, InboundLogPort, Mailer, MailStorePort
from functions.core.errors import Conflict, Duplicate, NotFound, Unavailable
from functions.core.logs import logger
from functions.core.timeutil import utcnow

SYSTEM = Actor(type=ActorType.SYSTEM, id="email-intake")


@dataclass
class IntakeConfig:
    support_address: str
    support_name: str
    mail_domain: str
    case_prefix: str
    max_attachment_bytes: int
    max_total_attachment_bytes: int
    inbound_prefix: str = "inbound/"
    send_acknowledgements: bool = True
    own_addresses: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.own_addresses = {a.lower() for a in {self.support_address, *self.own_addresses}}


def _no_link(case_id: str, contact: str | None) -> str | None:
    return None


class EmailIntake:
    """The email channel's use cases: ingest a raw mail or a queue message, replay the quarantine,
    read the inbound log."""

    def __init__(
        self,
        cases: CasePort,
        mail: MailStorePort,
        log: InboundLogPort,
        mailer: Mailer,
        config: IntakeConfig,
        *,
        directory: ContactDirectory | None = None,
        portal_link: Callable[[str, str | None], str | None] = _no_link,
        retryable: Callable[[BaseException], bool] = lambda exc: False,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.cases = cases
        self.mail = mail
        self.log = log
        self.mailer = mailer
        self.config = config
        self.directory = directory
        self.portal_link = portal_link
        self.retryable = retryable
        self.clock = clock

    # -- reads ----------------------------------------------------------------------------
    def inbound(self, outcome: Outcome | None = None, limit: int = 50, cursor: str | None = None) -> InboundPage:
        """The inbound log, newest first (every mail received, or those with one outcome)."""
        return self.log.list(outcome, limit=limit, cursor=cursor)

    # -- one raw mail ---------------------------------------------------------------------
    def ingest_raw(self, raw: bytes, source_key: str | None = None, *, source: str | None = None) -> IngestOutcome:
        """Turn one raw RFC 5322 mail into a case interaction (or a logged suppression/quarantine).

        ``source_key`` is the key of the raw mail in the mail bucket when it is already there
        (SES S3 action); otherwise the raw bytes are stored first.
        """
        inbound_id = rules.inbound_id_for(raw)
        previous = self.log.find(inbound_id)
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
        raw_key = source_key or self.mail.put_raw(raw)
        attempts = (previous.attempts + 1) if previous else 1
        parsed: ParsedMail | None = None
        try:
            parsed = parse_mail(raw)
            outcome = self._process(parsed, raw, raw_key, inbound_id)
        except Exception as exc:  # noqa: BLE001 - quarantine anything that is not an infrastructure failure
            if isinstance(exc, Unavailable) or self.retryable(exc):
                raise
            logger().exception("email intake failed; quarantined", extra={"inbound_id": inbound_id})
            return self.quarantine(
                raw,
                f"processing failed: {type(exc).__name__}: {str(exc)[:300]}",
                inbound_id=inbound_id,
                source=source,
                raw_key=raw_key,
                parsed=parsed,
                attempts=attempts,
            )
        self.log.put(
            InboundRecord(
                inbound_id=inbound_id,
                received_at=self.clock(),
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
        self,
        data: bytes,
        reason: str,
        *,
        inbound_id: str | None = None,
        source: str | None = None,
        raw_key: str | None = None,
        parsed: ParsedMail | None = None,
        suffix: str = ".eml",
        attempts: int = 1,
    ) -> IngestOutcome:
        """Keep what could not be processed, with its reason, where agents can see and replay it."""
        inbound_id = inbound_id or rules.inbound_id_for(data)
        qkey = self.mail.quarantine(inbound_id, data, suffix)
        from_email = parsed.from_.email if parsed and parsed.from_ else None
        subject = parsed.subject if parsed else None
        self.log.put(
            InboundRecord(
                inbound_id=inbound_id,
                received_at=self.clock(),
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

    # -- queue messages and replays -------------------------------------------------------
    def ingest_queue_body(self, body: str) -> list[IngestOutcome]:
        """One inbound-mail queue message (SNS/SES/S3 wrapped) -> the outcome of each mail in it.

        A body that cannot be understood is quarantined as JSON with the reason; an S3 object
        that does not exist likewise. Infrastructure failures propagate (the queue retries).
        """
        from functions.channels.email import events  # noqa: PLC0415 - the queue path only

        outcomes: list[IngestOutcome] = []
        data = body.encode("utf-8", errors="surrogateescape")
        for item in events.unwrap(body, self.config.inbound_prefix):
            if isinstance(item, events.Unreadable):
                outcomes.append(self._quarantine_record(data, f"unreadable queue message: {item.reason}", "sqs"))
            elif isinstance(item, events.RawContent):
                outcomes.append(self.ingest_raw(item.raw, None, source=item.origin))
            else:
                try:
                    raw = self.mail.get(item.bucket, item.key)
                except NotFound:
                    reason = f"raw mail not found at s3://{item.bucket}/{item.key}"
                    outcomes.append(self._quarantine_record(data, reason, item.origin))
                    continue
                own = item.bucket == self.mail.mail_bucket
                location = f"s3://{item.bucket}/{item.key}"
                outcomes.append(self.ingest_raw(raw, item.key if own else None, source=location))
        return outcomes

    def _quarantine_record(self, data: bytes, reason: str, source: str) -> IngestOutcome:
        return self.quarantine(data, reason, inbound_id=rules.record_id_for(data), suffix=".json", source=source)

    def replay(self, inbound_id: str) -> list[IngestOutcome]:
        """Run a quarantined mail (or queue message) through intake again. NotFound for an unknown
        id, Conflict for a mail that is not quarantined."""
        record = self.log.get(inbound_id)
        if record.outcome != Outcome.QUARANTINED or not record.quarantine_key:
            raise Conflict(f"inbound mail {inbound_id} is {record.outcome.value}, not quarantined; nothing to replay")
        data = self.mail.get(self.mail.mail_bucket, record.quarantine_key)
        if not record.quarantine_key.endswith(".json"):
            return [self.ingest_raw(data, record.raw_s3_key, source=f"replay:{inbound_id}")]
        outcomes = self.ingest_queue_body(data.decode("utf-8", errors="surrogateescape"))
        if all(o.inbound_id != inbound_id for o in outcomes):
            # The queue message was read this time: its mails have entries of their own, so the
            # message's entry leaves the quarantine (it is quarantined again, under its id, if not).
            done = ", ".join(f"{o.inbound_id} {o.outcome.value}" for o in outcomes)
            self.log.put(
                record.model_copy(
                    update={
                        "outcome": Outcome.SUPPRESSED,
                        "reason": f"replayed: {done}",
                        "attempts": record.attempts + 1,
                    }
                )
            )
        return outcomes

    # -- the steps ------------------------------------------------------------------------
    def _process(self, parsed: ParsedMail, raw: bytes, raw_key: str, inbound_id: str) -> IngestOutcome:
        cfg = self.config
        key = rules.message_key(parsed, raw)
        base = {
            "inbound_id": inbound_id,
            "from_email": parsed.from_.email if parsed.from_ else None,
            "subject": parsed.subject,
            "message_id": key,
            "raw_s3_key": raw_key,
        }

        # 1. loop safety: bounces and auto-replies never open cases nor get answers
        suppressed = rules.suppression(parsed, cfg.own_addresses)
        if suppressed is not None:
            case_id = None
            if suppressed.kind == "bounce":
                case_id = self._record_bounce(parsed, inbound_id)
            return IngestOutcome(
                **base, outcome=Outcome.SUPPRESSED, case=case_id, reason=f"{suppressed.kind}: {suppressed.reason}"
            )

        # 2. exactly once: a Message-ID we already hold is the same interaction
        known = self.cases.find_case_for_message_ids([key])
        if known:
            return IngestOutcome(**base, outcome=Outcome.SUPPRESSED, case=known, reason=rules.DUPLICATE_REASON)

        # 3. threading
        sender = self._sender(parsed)
        decision = rules.decide_thread(self._candidates(parsed), sender)
        attachments, stored = self._store_attachments(parsed, inbound_id)
        message = rules.inbound_message(parsed, raw_key, attachments, key)
        actor = Actor(
            type=ActorType.CUSTOMER,
            id=sender.email if sender else None,
            name=parsed.from_.name if parsed.from_ else None,
        )

        if decision.action == "thread" and decision.case_id:
            try:
                self.cases.add_inbound(decision.case_id, message, actor, pointers=[key])
                return IngestOutcome(
                    **base,
                    outcome=Outcome.THREADED,
                    case=decision.case_id,
                    reason=f"reply matched by {decision.via}",
                    attachments=stored,
                )
            except Duplicate:
                return self._duplicate(base, key)
            except Conflict:  # closed between lookup and write: open a follow-up instead
                decision = rules.ThreadDecision("follow_up", decision.case_id, decision.claimed, decision.via)

        context = CaseContext(
            related_case=decision.case_id if decision.action == "follow_up" else None,
            forwarded_from=rules.forwarded_from(parsed),
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
            case = self.cases.open_case(
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
            return self._duplicate(base, key)
        reason = "new case"
        if decision.action == "follow_up":
            reason = f"follow-up of closed case {decision.case_id}"
        elif decision.claimed:
            reason = f"new case: sender may not join {', '.join(decision.claimed)}"
        acknowledged = False
        refusal = (
            rules.ack_refusal(parsed, cfg.own_addresses) if cfg.send_acknowledgements else "acknowledgements disabled"
        )
        if refusal is None:
            acknowledged = self._acknowledge(case.case_id, parsed, key)
        else:
            reason += f"; no acknowledgement: {refusal}"
        return IngestOutcome(
            **base,
            outcome=Outcome.CREATED,
            case=case.case_id,
            reason=reason,
            acknowledged=acknowledged,
            attachments=stored,
        )

    def _duplicate(self, base: dict[str, Any], key: str) -> IngestOutcome:
        return IngestOutcome(
            **base,
            outcome=Outcome.SUPPRESSED,
            case=self.cases.find_case_for_message_ids([key]),
            reason=rules.DUPLICATE_REASON,
        )

    def _sender(self, parsed: ParsedMail) -> rules.Sender | None:
        if not parsed.from_ or not parsed.sender_valid:
            return None
        email = parsed.from_.email
        contact_customer = domain_customer = None
        if self.directory is not None:
            contact = self.directory.contact_by_email(email)
            contact_customer = contact.customer_id if contact else None
            sender = rules.Sender(email=email)
            if not sender.public_domain:
                domain_customer = self.directory.customer_by_domain(sender.domain)
        return rules.Sender(email=email, contact_customer_id=contact_customer, domain_customer_id=domain_customer)

    def _candidates(self, parsed: ParsedMail) -> list[rules.Candidate]:
        out: list[rules.Candidate] = []
        seen: set[str] = set()
        refs = rules.reference_ids(parsed)
        by_ref = self.cases.find_case_for_message_ids(refs) if refs else None
        tokens = rules.case_tokens(parsed.subject, self.config.case_prefix)
        for case_id, via in [(by_ref, "reference"), *((t, "subject") for t in tokens)]:
            if not case_id or case_id in seen:
                continue
            seen.add(case_id)
            try:
                # A case merged into another: the mail goes where the conversation went on.
                out.append(rules.Candidate(self.cases.surviving(case_id), via))  # type: ignore[arg-type]
            except NotFound:
                continue
        return out

    def _store_attachments(
        self, parsed: ParsedMail, inbound_id: str
    ) -> tuple[list[Attachment], list[StoredAttachmentOut]]:
        cfg = self.config
        total = 0
        records: list[Attachment] = []
        out: list[StoredAttachmentOut] = []
        for index, att in enumerate(parsed.attachments, start=1):
            md5 = hashlib.md5(att.data, usedforsecurity=False).hexdigest()
            skipped = rules.attachment_skip_reason(
                att.size, total, cfg.max_attachment_bytes, cfg.max_total_attachment_bytes
            )
            key = None
            if skipped is None:
                total += att.size
                key = self.mail.put_attachment(inbound_id, index, att.filename, att.data, att.content_type)
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

    def _record_bounce(self, parsed: ParsedMail, inbound_id: str) -> str | None:
        """A bounce of one of our mails goes on that case's timeline as DELIVERY_FAILED."""
        ids = rules.bounced_message_ids(parsed)
        case_id = self.cases.find_case_for_message_ids(ids) if ids else None
        if not case_id:
            return None
        self.cases.add_event(
            case_id,
            EventKind.DELIVERY_FAILED,
            SYSTEM,
            body="A mail to the customer could not be delivered.",
            data={"inbound_id": inbound_id, "bounced_message_ids": ids[:5], **rules.bounce_summary(parsed)},
            visibility="internal",
        )
        return case_id

    def _acknowledge(self, case_id: str, parsed: ParsedMail, key: str) -> bool:
        cfg = self.config
        assert parsed.from_ is not None
        link = self.portal_link(case_id, parsed.from_.email)
        body = rules.acknowledgement_text(case_id, parsed.from_.name, link)
        answerable = not rules.is_hash_key(key)
        mail = compose(
            from_address=cfg.support_address,
            from_name=cfg.support_name,
            to=parsed.from_.email,
            subject=rules.reply_subject(case_id, parsed.subject),
            body=body,
            mail_domain=cfg.mail_domain,
            in_reply_to=key if answerable else None,
            references=rules.references_header([*parsed.references, key]) if answerable else None,
            auto_submitted="auto-replied",
        )
        try:
            sent = self.mailer.send(mail)
        except Exception as exc:  # noqa: BLE001 - the case exists; record the failure instead of retrying the intake
            logger().warning("acknowledgement failed", extra={"case_id": case_id, "error_type": type(exc).__name__})
            self.cases.add_event(
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
        self.cases.add_event(case_id, EventKind.AUTO_REPLY, SYSTEM, body=body, message=message, pointers=pointers)
        return True
