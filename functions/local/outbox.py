"""The mail the system sent on the local stack (SES is moto there: nothing leaves the machine).

moto keeps every message SES "sent"; its server exposes them in ``/moto-api/data.json``
(service ``ses``: ``Message`` for SendEmail, ``RawMessage`` for SendRawEmail and SESv2
raw/simple content, ``TemplateMessage`` for templated mail).
"""

from __future__ import annotations

import json
import urllib.request
from email import message_from_string, policy
from typing import Any

from pydantic import BaseModel


class SentMail(BaseModel):
    message_id: str
    source: str
    to: list[str]
    subject: str | None = None
    body: str = ""
    kind: str  # "simple" | "raw" | "template"


def _text_of(raw: str) -> tuple[str | None, str]:
    msg = message_from_string(raw, policy=policy.default)
    part = msg.get_body(preferencelist=("plain", "html"))
    body = part.get_content() if part is not None else ""
    return msg.get("subject"), str(body)


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
                subject=m.get("subject"),
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
