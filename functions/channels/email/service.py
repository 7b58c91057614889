"""The email intake: received mail -> a case interaction, a suppression or a quarantine.

``EmailIntake`` receives its ports (``ports.py``): the case service, the customer directory, the
mail store, the inbound log, the mailer, a clock. The SQS handler, the agents' routes and
``casebridge mail`` ask the container for it.

Order of work, so that nothing received is lost and a redelivery is harmless:
raw stored in S3 -> parsed -> receipt verdicts (virus: quarantined; spam: held for an agent)
-> loop-safety check -> duplicate check (Message-ID and content pointers) -> thread or open a
case (pointers written in the same transaction; a mail failing sender authentication joins no
existing case) -> acknowledgement (never to a null sender, a From-less or a failed-authentication
mail) -> inbound log. Anything that goes wrong and is not an infrastructure failure quarantines the
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
    MailVerdicts,
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
        ack_allowed: Callable[[str], bool] = lambda address: True,
        ack_retryable: Callable[[BaseException], bool] | None = None,
    ) -> None:
        # a failed acknowledgement worth sending again (throttling, 5xx): the mail's record is retried
        self.ack_retryable = ack_retryable or retryable
        self.ack_allowed = ack_allowed  # one more acknowledgement to this address, within its limit?
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
    def ingest_raw(
        self,
        raw: bytes,
        source_key: str | None = None,
        *,
        source: str | None = None,
        verdicts: MailVerdicts | None = None,
    ) -> IngestOutcome:
        """Turn one raw RFC 5322 mail into a case interaction (or a logged suppression/quarantine).

        ``source_key`` is the key of the raw mail in the mail bucket when it is already there
        (SES S3 action); otherwise the raw bytes are stored first. ``verdicts`` are the receipt
        verdicts that came with the mail (SES notification), recorded and acted on.
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
                verdicts=previous.verdicts,
            )
        raw_key = source_key or self.mail.put_raw(raw)
        attempts = (previous.attempts + 1) if previous else 1
        return self._ingest(raw, raw_key, inbound_id, source=source, verdicts=verdicts, attempts=attempts)

    def _ingest(
        self,
        raw: bytes,
        raw_key: str,
        inbound_id: str,
        *,
        source: str | None,
        verdicts: MailVerdicts | None,
        attempts: int,
        released: str | None = None,
    ) -> IngestOutcome:
        parsed: ParsedMail | None = None
        try:
            parsed = parse_mail(raw)
            virus = rules.virus_reason(verdicts)
            if virus is not None:
                return self.quarantine(
                    raw,
                    virus,
                    inbound_id=inbound_id,
                    source=source,
                    raw_key=raw_key,
                    parsed=parsed,
                    attempts=attempts,
                    verdicts=verdicts,
                )
            if rules.is_spam(verdicts) and not released:
                outcome = IngestOutcome(
                    inbound_id=inbound_id,
                    outcome=Outcome.SPAM,
                    reason="spam: the receipt spam scan failed this mail; an agent may release it",
                    from_email=parsed.from_.email if parsed.from_ else None,
                    subject=parsed.subject,
                    message_id=rules.message_key(parsed, raw),
                    raw_s3_key=raw_key,
                    verdicts=verdicts,
                )
            else:
                outcome = self._process(parsed, raw, raw_key, inbound_id, verdicts)
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
                verdicts=verdicts,
            )
        if released is not None:
            outcome = outcome.model_copy(
                update={
                    "flags": [*outcome.flags, "released"],
                    "reason": f"{outcome.reason}; released from spam by {released}",
                }
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
                verdicts=verdicts,
                flags=outcome.flags,
            )
        )
        logger().info(
            "email received",
            extra={"inbound_id": inbound_id, "outcome": outcome.outcome.value, "case_id": outcome.case},
        )
        return outcome

    def release(self, inbound_id: str, agent_id: str | None = None) -> IngestOutcome:
        """An agent releases a mail held as spam: it is ingested normally (threading, acknowledgement,
        authentication rules all apply); the log records the release. NotFound for an unknown id,
        Conflict for a mail that is not held as spam."""
        record = self.log.get(inbound_id)
        if record.outcome != Outcome.SPAM or not record.raw_s3_key:
            raise Conflict(f"inbound mail {inbound_id} is {record.outcome.value}, not held as spam; nothing to release")
        raw = self.mail.get(self.mail.mail_bucket, record.raw_s3_key)
        outcome = self._ingest(
            raw,
            record.raw_s3_key,
            inbound_id,
            source=record.source,
            verdicts=record.verdicts,
            attempts=record.attempts + 1,
            released=agent_id or "an agent",
        )
        logger().info("spam released by an agent", extra={"inbound_id": inbound_id, "agent": agent_id})
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
        verdicts: MailVerdicts | None = None,
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
                verdicts=verdicts,
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
            verdicts=verdicts,
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
                outcomes.append(self.ingest_raw(item.raw, None, source=item.origin, verdicts=item.verdicts))
            else:
                try:
                    raw = self.mail.get(item.bucket, item.key)
                except NotFound:
                    reason = f"raw mail not found at s3://{item.bucket}/{item.key}"
                    outcomes.append(self._quarantine_record(data, reason, item.origin))
                    continue
                own = item.bucket == self.mail.mail_bucket
                location = f"s3://{item.bucket}/{item.key}"
                outcomes.append(
                    self.ingest_raw(raw, item.key if own else None, source=location, verdicts=item.verdicts)
                )
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
            return [self.ingest_raw(data, record.raw_s3_key, source=f"replay:{inbound_id}", verdicts=record.verdicts)]
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
    def _process(
        self, parsed: ParsedMail, raw: bytes, raw_key: str, inbound_id: str, verdicts: MailVerdicts | None = None
    ) -> IngestOutcome:
        cfg = self.config
        key = rules.message_key(parsed, raw)
        auth_failure = rules.authentication_failure(verdicts)
        flags = ["authentication_failed"] if auth_failure else []
        base: dict[str, Any] = {
            "inbound_id": inbound_id,
            "from_email": parsed.from_.email if parsed.from_ else None,
            "subject": parsed.subject,
            "message_id": key,
            "raw_s3_key": raw_key,
            "verdicts": verdicts,
        }

        # 1. loop safety: bounces and auto-replies never open cases nor get answers
        suppressed = rules.suppression(parsed, cfg.own_addresses)
        if suppressed is not None:
            case_id = None
            if suppressed.kind == "bounce" and not auth_failure:
                case_id = self._record_bounce(parsed, inbound_id)
            return IngestOutcome(
                **base,
                outcome=Outcome.SUPPRESSED,
                case=case_id,
                reason=f"{suppressed.kind}: {suppressed.reason}",
                flags=flags,
            )

        # 2. exactly once: a Message-ID we already hold with the same content is the same interaction;
        #    with another content it is kept, flagged for an agent (never only in S3)
        content = rules.content_pointer(key, raw)
        pointers = [key, content]
        known = self.cases.find_case_for_message_ids([key])
        possible_duplicate_of: str | None = None
        if known:
            if rules.is_hash_key(key) or self.cases.find_case_for_message_ids([content]):
                again = IngestOutcome(**base, outcome=Outcome.SUPPRESSED, case=known, reason=rules.DUPLICATE_REASON)
                return self._ack_again(again, parsed, key)
            possible_duplicate_of = known
            pointers = [content]
            flags.append("possible_duplicate")

        # 3. threading (a mail failing sender authentication never joins an existing case)
        sender = self._sender(parsed)
        candidates = self._candidates(parsed, first=possible_duplicate_of)
        decision = rules.decide_thread(candidates, sender)
        if auth_failure:
            decision = rules.ThreadDecision("new", None, list(dict.fromkeys(c.case.case_id for c in candidates)))
        attachments, stored = self._store_attachments(parsed, inbound_id)
        message = rules.inbound_message(parsed, raw_key, attachments, key)
        message.meta["content_sha256"] = rules.content_hash(raw)
        if verdicts is not None:
            message.meta["verdicts"] = verdicts.model_dump(mode="json", exclude_none=True)
        if flags:
            message.meta["flags"] = list(flags)
        actor = Actor(
            type=ActorType.CUSTOMER,
            id=sender.email if sender and not auth_failure else None,
            name=parsed.from_.name if parsed.from_ else None,
        )
        duplicate_note = (
            f"This mail has the Message-ID {key} of a mail already on case {possible_duplicate_of} but another "
            "content: kept as a possible duplicate, for an agent to check."
            if possible_duplicate_of
            else None
        )

        if decision.action == "thread" and decision.case_id:
            try:
                self.cases.add_inbound(decision.case_id, message, actor, pointers=pointers)
                if duplicate_note:
                    self.cases.add_event(
                        decision.case_id, EventKind.NOTE, SYSTEM, body=duplicate_note, visibility="internal"
                    )
                return IngestOutcome(
                    **base,
                    outcome=Outcome.THREADED,
                    case=decision.case_id,
                    reason=f"reply matched by {decision.via}"
                    + ("; possible duplicate (same Message-ID, other content)" if possible_duplicate_of else ""),
                    attachments=stored,
                    flags=flags,
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
        if auth_failure:
            notes.append(
                f"Sender authentication failed ({auth_failure}): the From address may be forged. This mail "
                "joined no existing case, has no contact and got no acknowledgement."
            )
        if decision.action == "follow_up":
            notes.append(f"Follow-up of closed case {decision.case_id}: the customer replied to it.")
        if decision.claimed:
            why = (
                "but it failed sender authentication"
                if auth_failure
                else "but the sender is neither that case's contact nor of the same organisation"
            )
            notes.append(
                "This mail refers to case(s) " + ", ".join(decision.claimed) + f" {why}, so it opened a new case."
            )
        if duplicate_note:
            notes.append(duplicate_note)
        extra = [(EventKind.NOTE, {"body": n, "visibility": "internal"}) for n in notes]
        trusted_sender = parsed.from_ is not None and parsed.sender_valid and not auth_failure
        refusal = self._ack_refusal(parsed, verdicts, auth_failure)
        if refusal is None:  # decided before the case is opened: a later delivery sends what is due
            self.log.ack_due(key)
        try:
            case = self.cases.open_case(
                subject=parsed.subject or "(no subject)",
                channel=Channel.EMAIL,
                actor=actor,
                message=message,
                contact_email=parsed.from_.email if trusted_sender and parsed.from_ else None,
                contact_name=parsed.from_.name if trusted_sender and parsed.from_ else None,
                context=context,
                pointers=pointers,
                extra_events=extra,
                declared_language=rules.declared_language(parsed),
            )
        except Duplicate:
            return self._ack_again(self._duplicate(base, key), parsed, key)
        reason = "new case"
        if auth_failure:
            reason = f"new case: sender authentication failed ({auth_failure})"
        elif decision.action == "follow_up":
            reason = f"follow-up of closed case {decision.case_id}"
        elif decision.claimed:
            reason = f"new case: sender may not join {', '.join(decision.claimed)}"
        if possible_duplicate_of:
            reason += f"; possible duplicate of a mail on {possible_duplicate_of}"
        acknowledged = False
        # counted once the case is open (a delivery that failed before does not use up the limit)
        if refusal is None and parsed.from_ is not None and not self.ack_allowed(parsed.from_.email):
            refusal = "acknowledgement limit for this address reached"
            self.log.ack_done(key, sent=False, skipped=True)  # no longer due: a redelivery sends nothing
        if refusal is None:
            acknowledged = self._acknowledge(case.case_id, parsed, key, case.language)
        else:
            reason += f"; no acknowledgement: {refusal}"
        return IngestOutcome(
            **base,
            outcome=Outcome.CREATED,
            case=case.case_id,
            reason=reason,
            acknowledged=acknowledged,
            attachments=stored,
            flags=flags,
        )

    def _ack_refusal(self, parsed: ParsedMail, verdicts: MailVerdicts | None, auth_failure: str | None) -> str | None:
        """Why this mail gets no acknowledgement (no backscatter), or None."""
        if not self.config.send_acknowledgements:
            return "acknowledgements disabled"
        if auth_failure:
            return "sender authentication failed"
        if rules.null_envelope_sender(parsed, verdicts):
            return "null envelope sender"
        return rules.ack_refusal(parsed, self.config.own_addresses)

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

    def _candidates(self, parsed: ParsedMail, first: str | None = None) -> list[rules.Candidate]:
        out: list[rules.Candidate] = []
        seen: set[str] = set()
        refs = rules.reference_ids(parsed)
        by_ref = self.cases.find_case_for_message_ids(refs) if refs else None
        tokens = rules.case_tokens(parsed.subject, self.config.case_prefix)
        for case_id, via in [(first, "reference"), (by_ref, "reference"), *((t, "subject") for t in tokens)]:
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

    def _ack_again(self, outcome: IngestOutcome, parsed: ParsedMail, key: str) -> IngestOutcome:
        """A mail delivered again after its case was opened: the acknowledgement due when it was
        opened and not sent (SES failed, or the delivery stopped before it) goes out now."""
        if not outcome.case or self.log.ack_state(key) not in ("due", "failed"):
            return outcome
        sent = self._acknowledge(outcome.case, parsed, key, self._language(outcome.case))
        return outcome.model_copy(
            update={"acknowledged": sent, "reason": f"{outcome.reason}; acknowledgement sent now"}
        )

    def _ack_failed(self, key: str, attempts: int = 3) -> None:
        """Mark the claimed acknowledgement failed, so that a later delivery sends it (a claim left
        at "sending" is never sent again: a few tries before giving up)."""
        for attempt in range(attempts):
            try:
                self.log.ack_done(key, sent=False)
                return
            except Exception:
                if attempt == attempts - 1:
                    raise

    def _language(self, case_id: str) -> str | None:
        """The case's stored language (the contact's, when the case was opened from a known address)."""
        try:
            return self.cases.get(case_id).language
        except Exception:  # noqa: BLE001 - the acknowledgement goes out in English then
            return None

    def _acknowledge(self, case_id: str, parsed: ParsedMail, key: str, language: str | None = None) -> bool:
        """The acknowledgement, in the case's language (``language``; English when it has none)."""
        cfg = self.config
        assert parsed.from_ is not None
        link = self.portal_link(case_id, parsed.from_.email)
        body = rules.acknowledgement_text(case_id, parsed.from_.name, link, language)
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
        if not self.log.claim_ack(key):  # sent (or being sent) already: at most once
            return False
        try:
            sent = self.mailer.send(mail)
        except Exception as exc:  # noqa: BLE001 - the case exists: the failure is recorded, then retried
            self._ack_failed(key)
            logger().warning("acknowledgement failed", extra={"case_id": case_id, "error_type": type(exc).__name__})
            retried = self.ack_retryable(exc) or isinstance(exc, Unavailable)
            self.cases.add_event(
                case_id,
                EventKind.DELIVERY_FAILED,
                SYSTEM,
                body=f"The acknowledgement could not be sent ({type(exc).__name__})"
                + ("; it is tried again." if retried else "."),
                visibility="internal",
            )
            if retried:
                # The mail's queue record fails and is delivered again (then its dead-letter queue):
                # the delivery finds the case and sends the acknowledgement then.
                raise
            return False
        try:
            self.log.ack_done(key, sent=True)
        except Exception:  # noqa: BLE001 - the claim stays "sending": never sent twice either way
            logger().warning("acknowledgement state not recorded", extra={"case_id": case_id})
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
