"""Signed links of notices: the unsubscribe link in every notice mail (RFC 8058 one-click too) and
the link that shows a customer its notices (portal banners).

``unsubscribe_url(contact_id, customer_id, base_url)`` is what delivery puts in every notice mail
and in its ``List-Unsubscribe`` header (the container hands it to delivery). Opening the link
(GET) only shows a confirmation page (``pages.py``), since mail scanners open links; a POST acts.
"""

from __future__ import annotations

from functions.core import signing
from functions.core.errors import Unauthorized

UNSUBSCRIBE_PURPOSE = "notice-unsubscribe"
UNSUBSCRIBE_PATH = "/notices/unsubscribe"
# Long-lived: an unsubscribe link in an old mail must still work.
UNSUBSCRIBE_MAX_AGE = 5 * 365 * 24 * 3600
PORTAL_PURPOSE = "customer-notices"


def unsubscribe_token(contact_id: str, customer_id: str) -> str:
    return signing.sign(UNSUBSCRIBE_PURPOSE, {"contact_id": contact_id, "customer_id": customer_id})


def unsubscribe_url(contact_id: str, customer_id: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}{UNSUBSCRIBE_PATH}?token={unsubscribe_token(contact_id, customer_id)}"


def verify_unsubscribe_token(token: str) -> tuple[str, str]:
    """(contact_id, customer_id); 401 when forged or tampered."""
    if not token or len(token) > 2048:
        raise Unauthorized("the link has no valid token")
    data = signing.verify(UNSUBSCRIBE_PURPOSE, token, max_age=UNSUBSCRIBE_MAX_AGE)
    contact_id, customer_id = data.get("contact_id"), data.get("customer_id")
    if not isinstance(contact_id, str) or not isinstance(customer_id, str) or not contact_id:
        raise Unauthorized("invalid token payload")
    return contact_id, customer_id


def portal_token(customer_id: str) -> str:
    """A signed link token that shows a customer its notices."""
    return signing.sign(PORTAL_PURPOSE, {"customer_id": customer_id})


def portal_link_holder(token: str) -> tuple[str | None, str | None]:
    """Who a link token names: (customer_id, None) for a notices link, or (None, email) for a
    portal case link (its address's customer sees its notices too); 401/403 for a bad token."""
    from functions.core import errors  # noqa: PLC0415
    from functions.portal.links import CASE_PURPOSE  # noqa: PLC0415

    try:
        data = signing.verify(PORTAL_PURPOSE, token)
        if isinstance(data.get("customer_id"), str) and data["customer_id"]:
            return str(data["customer_id"]), None
    except errors.Unauthorized:
        pass
    data = signing.verify(CASE_PURPOSE, token)
    email = data.get("email")
    return None, (email if isinstance(email, str) and email else None)
