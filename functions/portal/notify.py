"""Port: mail a customer a link to their case (acknowledgement, or a fresh link on request).

The email channel's ``CaseLinkMailer`` (``functions.channels.email.outbound``) is the adapter,
wired in ``functions.composition``.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from functions.cases.models import Actor, ActorType, Case, Channel, EventKind, Message
from functions.core.logs import logger

LinkKind = Literal["acknowledgement", "portal_link"]


class CustomerMailer(Protocol):
    def send_case_link(self, case: Case, *, to: str, link: str, kind: LinkKind) -> str | None: ...


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
