"""The mail the system sent on the local stack (SES is moto there: nothing leaves the machine).

moto keeps every message SES "sent"; its server exposes them in ``/moto-api/data.json``
(service ``ses``: ``Message`` for SendEmail, ``RawMessage`` for SendRawEmail and SESv2
raw/simple content, ``TemplateMessage`` for templated mail).
"""

from __future__ import annotations

import json
import urllib.request
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from typing import Any

from pydantic import BaseModel


class SentMail(BaseModel):
    message_id: str
    source: str
    to: list[str]
    subject: str | None = None
    body: str = ""
    kind: str  # "simple" | "raw" | "template"

    def matches(self, to: str | None = None, subject: str | None = None) -> bool:
        """Sent to an address containing ``to`` and with ``subject`` in its subject (both case-insensitive)."""
        if to and not any(to.lower() in address.lower() for address in self.to):
            return False
        return not subject or subject.lower() in (self.subject or "").lower()


def decode_words(value: str | None) -> str | None:
    """A header value with RFC 2047 encoded words -> text (as it was, when it cannot be decoded)."""
    if value is None or "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeDecodeError):
        return value


def _part_text(part: Any) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeDecodeError, KeyError):  # an unknown or lying charset: decode with replacement
        data = part.get_payload(decode=True) or b""
        return bytes(data).decode(part.get_content_charset() or "utf-8", errors="replace")


def _text_of(raw: str) -> tuple[str | None, str]:
    """(subject, text body) of a raw mail as moto keeps it: the bytes SES received, decoded as UTF-8,
    so they are parsed as bytes again (8-bit bodies are read with their declared charset; quoted-
    printable and base64 bodies and encoded-word headers are decoded)."""
    msg = message_from_bytes(raw.encode("utf-8", errors="surrogateescape"), policy=policy.default)
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except Exception:  # noqa: BLE001 - a message the parser cannot walk: show what there is
        part = None
    body = _part_text(part) if part is not None else ""
    subject = msg.get("subject")
    return (str(subject) if subject is not None else None), body


def _destinations(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [a for key in ("ToAddresses", "CcAddresses", "BccAddresses") for a in value.get(key, [])]
    else:
        found = [str(a) for a in value or []]
    return list(dict.fromkeys(found))  # moto lists a raw message's recipients once per source (header, argument)


def parse_model_data(data: dict[str, Any]) -> list[SentMail]:
    ses = data.get("ses") or {}
    out: list[SentMail] = []
    for m in ses.get("Message", []):
        out.append(
            SentMail(
                message_id=m["id"],
                source=m["source"],
                to=_destinations(m.get("destinations")),
                subject=decode_words(m.get("subject")),
                body=m.get("body") or "",
                kind="simple",
            )
        )
    for m in ses.get("RawMessage", []):
        subject, body = _text_of(m.get("raw_data") or "")
        out.append(
            SentMail(
                message_id=m["id"],
                source=m["source"],
                to=_destinations(m.get("destinations")),
                subject=subject,
                body=body,
                kind="raw",
            )
        )
    for m in ses.get("TemplateMessage", []):
        out.append(
            SentMail(
                message_id=m["id"],
                source=m["source"],
                to=_destinations(m.get("destinations")),
                subject=m.get("template"),
                body=m.get("template_data") or "",
                kind="template",
            )
        )
    return out


def sent_mail(aws_endpoint: str, timeout: float = 10.0) -> list[SentMail]:
    """Every message sent through SES on the embedded AWS at ``aws_endpoint``."""
    url = aws_endpoint.rstrip("/") + "/moto-api/data.json"
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback URL we built
        return parse_model_data(json.loads(resp.read()))
