"""Pure rules of the email channel: loop safety, threading, forwards, acknowledgements, the ids
of received mail and the message recorded for it. No I/O, no clock."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from functions.cases.models import Attachment, Case, CaseStatus, Channel, EventKind, Message, TimelineEvent
from functions.channels.email.models import MailVerdicts, ParsedMail, Verdict
from functions.core.validators import PUBLIC_MAIL_DOMAINS, email_domain

# -- ids of received mail ---------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inbound_id_for(raw: bytes) -> str:
    """Stable id of one received mail: the same bytes delivered twice are the same entry."""
    return "in_" + sha256(raw)[:24]


def record_id_for(body: bytes) -> str:
    """Stable id of a queue message that held no readable mail (kept as JSON in the quarantine)."""
    return "rec_" + sha256(body)[:24]


def message_key(parsed: ParsedMail | None, raw: bytes) -> str:
    """The pointer key of a mail: its Message-ID, or a hash of its bytes when it has none."""
    if parsed is not None and parsed.message_id:
        return parsed.message_id
    return f"sha256:{sha256(raw)}"


def is_hash_key(key: str) -> bool:
    """A pointer key made from the bytes (the mail had no Message-ID): not an id to answer to."""
    return key.startswith("sha256:")


DUPLICATE_REASON = "duplicate: this Message-ID is already recorded on the case (one interaction)"


def content_hash(raw: bytes) -> str:
    """A hash of what the sender wrote below the headers: the same mail delivered again (with other
    Received or Return-Path lines prepended on the way) has the same content hash."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        head, found, body = raw.partition(sep)
        if found:
            return sha256(body.replace(b"\r\n", b"\n"))
    return sha256(raw)


def content_pointer(key: str, raw: bytes) -> str:
    """The pointer of one Message-ID with one content: a mail with a known Message-ID but another
    content is not the same interaction."""
    return f"{key}#content:{content_hash(raw)[:32]}"


# -- authenticity ------------------------------------------------------------------------


def authentication_failure(verdicts: MailVerdicts | None) -> str | None:
    """Why the sender of this mail is not who the From header says (DMARC failed, or SPF and DKIM
    both failed), or None. Such a mail never joins an existing case and is not acknowledged."""
    if verdicts is None:
        return None
    if verdicts.dmarc == Verdict.FAIL:
        return f"DMARC failed (policy {verdicts.dmarc_policy or 'unknown'})"
    if verdicts.spf == Verdict.FAIL and verdicts.dkim == Verdict.FAIL:
        return "SPF and DKIM both failed"
    return None


def is_spam(verdicts: MailVerdicts | None) -> bool:
    return verdicts is not None and verdicts.spam == Verdict.FAIL


def virus_reason(verdicts: MailVerdicts | None) -> str | None:
    if verdicts is not None and verdicts.virus == Verdict.FAIL:
        return "virus: the receipt virus scan failed this mail; its attachments are kept out of every case"
    return None


def null_envelope_sender(parsed: ParsedMail, verdicts: MailVerdicts | None) -> bool:
    """The SMTP envelope sender is null (``<>``) or missing: never answer such a mail."""
    if verdicts is not None and verdicts.envelope_sender is not None:
        return verdicts.envelope_sender.strip().strip("<>").strip() == ""
    return_path = parsed.headers.get("return-path")
    return return_path is not None and all(v.strip().strip("<>").strip() == "" for v in return_path)


# -- loop safety ----------------------------------------------------------------------

_OOO_SUBJECT = re.compile(
    r"(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response|antwort)|autoreply|"
    r"abwesenheitsnotiz|abwesend|urlaubs?(abwesenheit|notiz)|vacation (reply|message|notice)|"
    r"r[ée]ponse automatique|absence du bureau|risposta automatica|respuesta autom[aá]tica|"
    r"automatisch antwoord|afwezigheidsbericht|fuera de la oficina|i am (currently )?out of)",
    re.IGNORECASE,
)
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_BOUNCE_LOCALPARTS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
_BOUNCE_SUBJECT = re.compile(
    r"^(undeliver(ed|able)|delivery (status notification|failure|has failed)|returned mail|"
    r"mail delivery (failed|failure|system)|failure notice|unzustellbar|nicht zustellbar)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Suppression:
    kind: Literal["auto_reply", "bounce", "loop"]
    reason: str


def detect_bounce(mail: ParsedMail) -> str | None:
    """Why this mail is a delivery failure report, or None."""
    ctype = mail.content_type
    report_type = (mail.header("content-type") or "").lower()
    if ctype == "multipart/report" and "delivery-status" in report_type:
        return "delivery status report (multipart/report)"
    if mail.delivery_status:
        return "delivery status report"
    sender = (mail.from_.email if mail.from_ else "") or (mail.from_raw or "")
    local = sender.rpartition("@")[0] if "@" in sender else sender
    if local.strip().lower() in _BOUNCE_LOCALPARTS:
        return f"sent by {local.strip().upper() if local.lower().startswith('mailer') else local.strip().lower()}"
    return_path = mail.headers.get("return-path")
    if return_path is not None and any(v.strip() in ("<>", "") for v in return_path):
        if _BOUNCE_SUBJECT.search(mail.subject) or mail.header("x-failed-recipients"):
            return "empty Return-Path on a delivery failure"
        return "empty Return-Path (null sender)"
    if mail.header("x-failed-recipients"):
        return "X-Failed-Recipients header"
    return None


def detect_auto_reply(mail: ParsedMail) -> str | None:
    """Why this mail is machine-sent (auto-reply, out of office, bulk), or None."""
    auto = (mail.header("auto-submitted") or "").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-autogenerated"):
        if mail.header(name) is not None:
            return f"{name} header"
    precedence = (mail.header("precedence") or "").strip().lower()
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    suppress = (mail.header("x-auto-response-suppress") or "").lower()
    if any(token in suppress for token in ("all", "oof", "autoreply")):
        return f"X-Auto-Response-Suppress: {suppress}"
    if (
        mail.content_type == "multipart/report"
        and "disposition-notification" in (mail.header("content-type") or "").lower()
    ):
        return "read receipt (disposition notification)"
    if _OOO_SUBJECT.search(mail.subject):
        return "out-of-office subject"
    return None


def suppression(mail: ParsedMail, own_addresses: set[str]) -> Suppression | None:
    """Mail that must never open a case nor be acknowledged (loop safety)."""
    bounce = detect_bounce(mail)
    if bounce:
        return Suppression("bounce", bounce)
    auto = detect_auto_reply(mail)
    if auto:
        return Suppression("auto_reply", auto)
    sender = (mail.from_.email if mail.from_ else "").lower()
    if sender and sender in own_addresses:
        return Suppression("loop", "sent from our own address")
    return None


def bounced_message_ids(mail: ParsedMail) -> list[str]:
    """Message-IDs of the mail that bounced: from the returned message or its headers."""
    ids = [e["message_id"] for e in mail.embedded if e.get("message_id")]
    ids += mail.in_reply_to + mail.references
    return list(dict.fromkeys(ids))


def bounce_summary(mail: ParsedMail) -> dict[str, str]:
    for status in mail.delivery_status:
        if status.get("action", "failed") in ("failed", "delayed") or status.get("status", "").startswith("5"):
            return {
                k: status[k].split(";", 1)[-1].strip()
                for k in ("final-recipient", "action", "status", "diagnostic-code")
                if k in status
            }
    return {}


# -- threading ------------------------------------------------------------------------


def case_tokens(subject: str, prefix: str) -> list[str]:
    """Case ids in the subject, e.g. ``[CB-100042]`` -> ``CB-100042``."""
    pattern = re.compile(rf"\[\s*({re.escape(prefix)}-\d{{1,12}})\s*\]", re.IGNORECASE)
    return list(dict.fromkeys(m.upper() for m in pattern.findall(subject or "")))


def reference_ids(mail: ParsedMail) -> list[str]:
    """Ids this mail answers, most specific first: In-Reply-To, then References newest first."""
    return list(dict.fromkeys([*mail.in_reply_to, *reversed(mail.references)]))


@dataclass(frozen=True)
class Sender:
    email: str
    contact_customer_id: str | None = None
    domain_customer_id: str | None = None

    @property
    def domain(self) -> str:
        return email_domain(self.email)

    @property
    def public_domain(self) -> bool:
        return self.domain in PUBLIC_MAIL_DOMAINS


def may_join(case: Case, sender: Sender) -> bool:
    """A mail may join a case only from the case's contact or the same organisation."""
    mine = sender.email.lower()
    if case.contact_email and case.contact_email.lower() == mine:
        return True
    if case.customer_id and sender.contact_customer_id and sender.contact_customer_id == case.customer_id:
        return True
    if sender.public_domain:
        return False
    if case.contact_email and email_domain(case.contact_email) == sender.domain:
        return True
    return bool(case.customer_id and sender.domain_customer_id == case.customer_id)


@dataclass(frozen=True)
class Candidate:
    case: Case
    via: Literal["reference", "subject"]


@dataclass(frozen=True)
class ThreadDecision:
    action: Literal["thread", "new", "follow_up"]
    case_id: str | None = None  # the case to add to (thread) or the related one (follow_up)
    claimed: list[str] = field(default_factory=list)  # cases the mail referred to but may not join
    via: str | None = None


def decide_thread(candidates: list[Candidate], sender: Sender | None) -> ThreadDecision:
    """Where a mail goes: onto a case it refers to, a follow-up of a closed one, or a new case."""
    claimed: list[str] = []
    for cand in candidates:
        if sender is None or not may_join(cand.case, sender):
            claimed.append(cand.case.case_id)
            continue
        if cand.case.status == CaseStatus.CLOSED:
            return ThreadDecision("follow_up", cand.case.case_id, claimed, cand.via)
        return ThreadDecision("thread", cand.case.case_id, claimed, cand.via)
    return ThreadDecision("new", None, list(dict.fromkeys(claimed)))


# -- forwards -------------------------------------------------------------------------

_FWD_SUBJECT = re.compile(r"^\s*(?:\[[^\]]*\]\s*)?(fwd?|fw|wg|w\.|tr|rv|enc|vs|doorst)\s*:", re.IGNORECASE)
_FWD_BLOCK = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded message|weitergeleitete nachricht|original message|ursprüngliche nachricht|"
    r"original nachricht|message transféré|mensaje reenviado)\s*-{2,}|begin forwarded message:|anfang der weitergeleiteten nachricht:)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_FROM_LINE = re.compile(r"^\s*\*?(?:from|von|de|van|da)\*?\s*:\s*(?P<value>.+)$", re.IGNORECASE | re.MULTILINE)
_SUBJECT_LINE = re.compile(
    r"^\s*\*?(?:subject|betreff|objet|asunto|onderwerp|oggetto)\*?\s*:\s*(?P<value>.+)$", re.IGNORECASE | re.MULTILINE
)
_DATE_LINE = re.compile(
    r"^\s*\*?(?:date|sent|datum|gesendet|envoyé|fecha|verzonden)\*?\s*:\s*(?P<value>.+)$", re.IGNORECASE | re.MULTILINE
)
_ADDR = re.compile(r"[^\s<>\"'()\[\]:;,]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def is_forward_subject(subject: str) -> bool:
    return bool(_FWD_SUBJECT.match(subject or ""))


def forwarded_from(mail: ParsedMail) -> dict[str, str | None] | None:
    """The original sender of a forwarded mail (the forwarder is the contact), or None."""
    fwd_subject = is_forward_subject(mail.subject)
    attached = next((e for e in mail.embedded if e.get("kind") == "rfc822" and e.get("from")), None)
    if attached and (fwd_subject or not mail.body_text.strip()):
        frm = attached["from"] or {}
        return {
            "email": frm.get("email"),
            "name": frm.get("name"),
            "subject": attached.get("subject"),
            "date": attached.get("date"),
            "via": "attached message",
        }
    block = _FWD_BLOCK.search(mail.body_text)
    if block is None and not fwd_subject:
        return None
    explicit = (
        block is not None and "original" not in block.group(0).lower() and "ursprüngliche" not in block.group(0).lower()
    )
    if not (fwd_subject or explicit):
        return None
    text = mail.body_text[block.end() :] if block else mail.body_text
    head = text[:2000]
    frm = _FROM_LINE.search(head)
    if not frm:
        return None
    value = frm.group("value").strip()
    addr = _ADDR.search(value)
    name = value.split("<")[0].strip().strip('"').strip() if "<" in value else None
    subj = _SUBJECT_LINE.search(head)
    date = _DATE_LINE.search(head)
    return {
        "email": addr.group(0).strip(".") if addr else None,
        "name": name or None,
        "subject": subj.group("value").strip() if subj else None,
        "date": date.group("value").strip() if date else None,
        "via": "forwarded text",
    }


# -- acknowledgement / subjects ---------------------------------------------------------

_NOREPLY = re.compile(r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|bounce[s]?|notifications?)([-+_.].*)?$", re.I)


def ack_refusal(mail: ParsedMail, own_addresses: set[str]) -> str | None:
    """Why a new case from this mail gets no acknowledgement (None: send one)."""
    if not mail.headers.get("from"):
        return "no From header"
    if not mail.from_ or not mail.sender_valid:
        return "no valid sender address"
    email = mail.from_.email.lower()
    if email in own_addresses:
        return "sent from our own address"
    if _NOREPLY.match(email.partition("@")[0]):
        return "sender is a no-reply address"
    return None


def reply_subject(case_id: str, subject: str) -> str:
    """``Re: [CB-n] original`` without piling up prefixes or tokens."""
    base = (subject or "").strip()
    while True:
        stripped = re.sub(r"^\s*(re|aw|antw|antwort|sv|vs|ref|rif|r)\s*:\s*", "", base, flags=re.IGNORECASE)
        if stripped == base:
            break
        base = stripped
    token = f"[{case_id}]"
    if token.lower() in base.lower():
        return f"Re: {base}"
    return f"Re: {token} {base}".rstrip()


def references_header(ids: list[str], limit: int = 20) -> str:
    """References value: the first id and the newest ones (RFC 5322 suggests trimming the middle)."""
    ids = list(dict.fromkeys(i for i in ids if i))
    if len(ids) > limit:
        ids = ids[:1] + ids[-(limit - 1) :]
    return " ".join(ids)


def declared_language(mail: ParsedMail) -> str | None:
    """The language the mail says it is written in, where it is one Casebridge writes: its
    ``Content-Language`` (RFC 3282; the first tag of a list: a later one is not the mail's), else
    the first of the sender's ``Accept-Language`` that Casebridge writes (Outlook sends it with a
    mail). None when neither names one."""
    from functions.core.i18n import base_language, parse_accept_language  # noqa: PLC0415

    for tag in (mail.header("content-language") or "").split(","):
        if lang := base_language(tag):
            return lang
        if tag.strip():
            break
    return next(filter(None, map(base_language, parse_accept_language(mail.header("accept-language")))), None)


def acknowledgement_text(case_id: str, name: str | None, link: str | None, lang: str | None = None) -> str:
    """The acknowledgement of a new case, in ``lang`` (en, de, fr, es; English otherwise)."""
    return case_mail_text("mail.ack_intro", case_id, name, link, lang)


def case_mail_text(intro_key: str, case_id: str, name: str | None, link: str | None, lang: str | None) -> str:
    """A short mail about a case in the customer's language: the greeting, ``intro_key``'s sentence,
    where to follow the case (``link``), and the case token to keep in the subject."""
    from functions.core.i18n import Words, base_language  # noqa: PLC0415

    w = Words(base_language(lang) or "en")
    lines = [w("mail.hello", name=name) if name else w("mail.hello_anon"), "", w(intro_key, case_id=case_id)]
    if link:
        lines += ["", w("mail.follow"), link]
    lines += ["", w("mail.keep_token", case_id=case_id), ""]
    return "\n".join(lines)


def reply_footer(case_id: str, link: str, lang: str | None) -> str:
    """The line under an agent's reply: where the customer follows the case, in their language."""
    from functions.core.i18n import base_language, t  # noqa: PLC0415

    return t(base_language(lang) or "en", "mail.reply_footer", case_id=case_id, link=link)


# -- attachments and the recorded message ---------------------------------------------------


def attachment_skip_reason(size: int, stored_so_far: int, max_bytes: int, max_total_bytes: int) -> str | None:
    """Why an attachment is kept only in the raw mail (too large alone or with those before it), or None."""
    if size > max_bytes:
        return f"larger than {max_bytes} bytes; kept only in the raw mail"
    if stored_so_far + size > max_total_bytes:
        return f"attachments exceed {max_total_bytes} bytes in total; kept only in the raw mail"
    return None


def inbound_message(parsed: ParsedMail, raw_key: str, attachments: list[Attachment], key: str) -> Message:
    """The case message recorded for a received mail."""
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


# -- agents' replies ----------------------------------------------------------------------


def thread_ids(thread: list[TimelineEvent]) -> tuple[str | None, list[str], str | None]:
    """(the customer's last Message-ID, every Message-ID in order, the last inbound subject)."""
    ids: list[str] = []
    last_in: str | None = None
    subject: str | None = None
    for event in thread:
        msg = event.message
        if msg is None or event.kind not in (EventKind.MESSAGE_IN, EventKind.MESSAGE_OUT, EventKind.AUTO_REPLY):
            continue
        if msg.message_id and not is_hash_key(msg.message_id):
            ids += [str(r) for r in msg.meta.get("references", [])]
            ids.append(msg.message_id)
        if msg.direction == "in" and msg.message_id and not is_hash_key(msg.message_id):
            last_in = msg.message_id
            subject = msg.subject or subject
    return last_in, list(dict.fromkeys(ids)), subject
