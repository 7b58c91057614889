"""Opt-outs: signed unsubscribe links (RFC 8058 one-click too) and SMS STOP/START replies.

``unsubscribe_url(contact_id, customer_id)`` is what delivery puts in every notice mail and in its
``List-Unsubscribe`` header (with ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``). Opening
the link (GET) only shows a confirmation page, since mail scanners open links; a POST acts.
"""

from __future__ import annotations

import html
import re
from typing import Any, Protocol

from functions.core import signing
from functions.core.errors import Unauthorized
from functions.core.settings import get_settings

PURPOSE = "notice-unsubscribe"
UNSUBSCRIBE_PATH = "/notices/unsubscribe"
# Long-lived: an unsubscribe link in an old mail must still work.
MAX_AGE = 5 * 365 * 24 * 3600
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "QUIT", "CANCEL", "END", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP", "SUBSCRIBE"})


class ContactChannels(Protocol):
    def set_contact_channels(
        self, customer_id: str, contact_id: str, *, email_opt_out: bool | None = None, sms_opt_in: bool | None = None
    ) -> bool: ...

    def contact_by_phone(self, phone: str) -> Any: ...


def unsubscribe_token(contact_id: str, customer_id: str) -> str:
    return signing.sign(PURPOSE, {"contact_id": contact_id, "customer_id": customer_id})


def unsubscribe_url(contact_id: str, customer_id: str, base_url: str | None = None) -> str:
    base = (base_url or get_settings().public_base_url).rstrip("/")
    return f"{base}{UNSUBSCRIBE_PATH}?token={unsubscribe_token(contact_id, customer_id)}"


def verify_token(token: str) -> tuple[str, str]:
    """(contact_id, customer_id); 401 when forged or tampered."""
    if not token or len(token) > 2048:
        raise Unauthorized("the link has no valid token")
    data = signing.verify(PURPOSE, token, max_age=MAX_AGE)
    contact_id, customer_id = data.get("contact_id"), data.get("customer_id")
    if not isinstance(contact_id, str) or not isinstance(customer_id, str) or not contact_id:
        raise Unauthorized("invalid token payload")
    return contact_id, customer_id


def unsubscribe(token: str, contacts: ContactChannels) -> bool:
    """Opt the contact out of notice mail. True when recorded (idempotent)."""
    contact_id, customer_id = verify_token(token)
    return contacts.set_contact_channels(customer_id, contact_id, email_opt_out=True)


def sms_keyword(text: str) -> str | None:
    """ "stop" / "start" when the reply is an opt-out / opt-in word, else None."""
    word = re.sub(r"[^A-Za-z]", "", (text or "").strip().split(" ")[0] if text else "").upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None


def handle_sms_reply(phone: str, text: str, contacts: ContactChannels) -> str | None:
    """Apply a STOP/START reply from ``phone``; returns the action taken, or None."""
    action = sms_keyword(text)
    if action is None or not phone:
        return None
    ref = contacts.contact_by_phone(phone)
    if ref is None:
        return None
    contacts.set_contact_channels(ref.customer_id, ref.contact_id, sms_opt_in=(action == "start"))
    return action


def page(title: str, message: str, token: str | None = None) -> str:
    form = ""
    if token:
        form = (
            f'<form method="post" action="{UNSUBSCRIBE_PATH}?token={html.escape(token, quote=True)}">'
            '<input type="hidden" name="confirm" value="yes">'
            '<button type="submit">Unsubscribe</button></form>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(message)}</p>{form}</body></html>"
    )
