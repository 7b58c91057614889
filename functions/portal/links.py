"""Signed customer links: who may read and write which case.

A link token is ``signing.sign("customer-case", {"case_id": ..., "email": ...})``. It grants
that customer (the address the case was opened for) access to that one case until it
expires (``settings.customer_link_ttl_seconds``).

Tokens are encrypted (functions.core.signing): the case number and address cannot be read
out of a link. Portal responses still send
``Referrer-Policy: no-referrer`` so the link does not leak to other sites.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from functions.core import signing
from functions.core.errors import Forbidden, Unauthorized
from functions.core.logs import logger

CASE_PURPOSE = "customer-case"


@dataclass(frozen=True)
class CaseGrant:
    """What a verified customer link allows: this address on this case."""

    case_id: str
    email: str


def case_token(case_id: str, email: str) -> str:
    return signing.sign(CASE_PURPOSE, {"case_id": case_id, "email": email.lower()})


def case_link(base_url: str, case_id: str, email: str) -> str:
    token = case_token(case_id, email)
    return f"{base_url.rstrip('/')}/portal/cases/{quote(case_id, safe='')}?token={token}"


def link_or_none(base_url: str, case_id: str, email: str | None) -> str | None:
    """The customer's link to the case, or None when there is no address to bind it to or no
    signing secret is configured (logged: the acknowledgement goes out without a link)."""
    if not email:
        return None
    try:
        return case_link(base_url, case_id, email)
    except RuntimeError:
        logger().warning("no signing secret configured: mail sent without a portal link")
        return None


def token_from_request(request: Any, *, query_name: str = "token") -> str:
    """The token from ``?token=`` or ``Authorization: Bearer``; 401 when there is none."""
    params = request.query_params or {}
    token = params.get(query_name)
    if not token:
        header = (request.headers or {}).get("authorization") or ""
        if header.lower().startswith("bearer "):
            token = header[7:].strip()
    if not token:
        raise Unauthorized("this page needs the link you were sent (?token=...) or 'Authorization: Bearer <token>'")
    if len(token) > 4096:
        raise Unauthorized("invalid or tampered token")
    return token


def verify_case_token(token: str, case_id: str, *, max_age: int | None = None) -> CaseGrant:
    """401 when tampered, 403 when expired or minted for another case."""
    data = signing.verify(CASE_PURPOSE, token, max_age=max_age)
    token_case, email = data.get("case_id"), data.get("email")
    if not isinstance(token_case, str) or not isinstance(email, str) or not email:
        raise Unauthorized("invalid token payload")
    if token_case != case_id:
        raise Forbidden("this link is for another case")
    return CaseGrant(case_id=token_case, email=email.lower())


def check_owner(grant: CaseGrant, contact_email: str | None) -> None:
    """The link must belong to the address the case is for."""
    if not contact_email or contact_email.lower() != grant.email:
        raise Forbidden("this link does not give access to this case")
