"""Compose outgoing RFC 5322 mail (no I/O: sending is the ``Mailer`` port's, ``ports.Mailer``).

Each mail gets a fresh Message-ID in our mail domain and the current date.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid


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
