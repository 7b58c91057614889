"""Port: mail a customer a link to their case (acknowledgement, or a fresh link on request).

The email channel (``functions.channels.email.outbound``, owned by the email channel) is the
adapter. Contract this module relies on::

    send_case_link(case: Case, *, to: str, link: str,
                   kind: Literal["acknowledgement", "portal_link"]) -> str | None   # Message-ID

Until that function exists, :func:`customer_mailer` returns ``None`` and callers record the
request as pending delivery instead of sending it (nothing is lost).
"""

from __future__ import annotations

import importlib
from typing import Any, Literal, Protocol

from functions.cases.models import Actor, ActorType, Case, Channel, EventKind, Message
from functions.core.logs import logger

LinkKind = Literal["acknowledgement", "portal_link"]
EMAIL_OUTBOUND = "functions.channels.email.outbound"


class CustomerMailer(Protocol):
    def send_case_link(self, case: Case, *, to: str, link: str, kind: LinkKind) -> str | None: ...


class _ModuleMailer:
    def __init__(self, fn: object) -> None:
        self._fn = fn

    def send_case_link(self, case: Case, *, to: str, link: str, kind: LinkKind) -> str | None:
        result = self._fn(case, to=to, link=link, kind=kind)  # type: ignore[operator]
        return str(result) if result else None


def customer_mailer() -> CustomerMailer | None:
    try:
        module = importlib.import_module(EMAIL_OUTBOUND)
    except ModuleNotFoundError as exc:
        if exc.name not in (EMAIL_OUTBOUND, "functions.channels.email"):
            raise
        return None
    fn = getattr(module, "send_case_link", None)
    return _ModuleMailer(fn) if callable(fn) else None


def record_link_mail(cases: Any, case: Case, to: str, message_id: str | None, kind: LinkKind) -> None:
    """Note the mailed link on the case (AUTO_REPLY) and claim its Message-ID, so that a customer
    answering that mail threads back into this case. Best effort: the mail has gone out either way."""
    body = (
        "Acknowledgement with the case link sent by email"
        if kind == "acknowledgement"
        else "A new case link was sent by email on request"
    )
    message = Message(channel=Channel.EMAIL, direction="out", body_text=body, message_id=message_id, to=[to])
    try:
        cases.add_event(
            case.case_id,
            EventKind.AUTO_REPLY,
            Actor(type=ActorType.SYSTEM, id=f"portal-{kind}"),
            body=body,
            message=message,
            visibility="public" if kind == "acknowledgement" else "internal",
            pointers=[message_id] if message_id else None,
        )
    except Exception as exc:  # noqa: BLE001
        logger().warning("link mail not recorded", extra={"case_id": case.case_id, "error_type": type(exc).__name__})
