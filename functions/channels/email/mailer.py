"""Outgoing mail: compose RFC 5322 messages (pure) and send them with SES (the only I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any, Protocol

from functions.core import aws


@dataclass(frozen=True)
class SentMail:
    message_id: str  # ours, as written in the Message-ID header
    provider_message_id: str | None  # SES's id in Message-ID form: <id@email.amazonses.com>


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> SentMail: ...


def compose(
    *,
    from_address: str,
    from_name: str | None,
    to: str,
    subject: str,
    body: str,
    mail_domain: str,
    in_reply_to: str | None = None,
    references: str | None = None,
    auto_submitted: str | None = None,
    extra_headers: dict[str, str] | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((from_name or "", from_address)) if from_name else from_address
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain=mail_domain)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    if auto_submitted:
        msg["Auto-Submitted"] = auto_submitted
        msg["X-Auto-Response-Suppress"] = "All"
    for name, value in (extra_headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg


class SesMailer:
    """Sends raw MIME with SES. SES may rewrite Message-ID, so both ids are returned."""

    def __init__(self, ses: Any | None = None, region: str | None = None) -> None:
        self._ses = ses
        self.region = region

    @property
    def ses(self) -> Any:
        if self._ses is None:
            self._ses = aws.client("ses")
        return self._ses

    def send(self, message: EmailMessage) -> SentMail:
        resp = self.ses.send_raw_email(
            Source=str(message["From"]),
            Destinations=[str(message["To"])],
            RawMessage={"Data": message.as_bytes()},
        )
        ses_id = resp.get("MessageId")
        return SentMail(
            message_id=str(message["Message-ID"]).strip(),
            provider_message_id=f"<{ses_id}@email.amazonses.com>" if ses_id else None,
        )
