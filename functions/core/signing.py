"""Opaque, expiring tokens for links sent to customers and departments.

A token is the payload encrypted and authenticated (Fernet from ``cryptography``: AES-128-CBC and
HMAC-SHA256, with the time it was issued), under a key derived per purpose from the deployment's
signing secret (HKDF-SHA256, ``info=casebridge.<purpose>``). So a link carries no readable personal
data (a customer's address or case number cannot be read out of it), a token minted for one purpose
cannot be used for another, and a changed byte is refused. Links issued before tokens were
encrypted (itsdangerous' ``payload.timestamp.signature``) are refused with their own message.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from typing import Any

from functions.core.errors import Forbidden, Unauthorized
from functions.core.settings import get_settings


@lru_cache(maxsize=64)
def _fernet(purpose: str, key: str) -> Any:
    import base64  # noqa: PLC0415

    from cryptography.fernet import Fernet  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # noqa: PLC0415

    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"casebridge.{purpose}".encode()).derive(
        key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _for(purpose: str, secret: str | None) -> Any:
    key = secret if secret is not None else get_settings().signing_secret.get_secret_value()
    if not key:
        raise RuntimeError("CASEBRIDGE_SIGNING_SECRET is not configured")
    return _fernet(purpose, key)


def sign(purpose: str, payload: dict[str, Any], *, secret: str | None = None, issued_at: int | None = None) -> str:
    """The payload as an opaque token for ``purpose`` (``issued_at``: epoch seconds, default now)."""
    data = json.dumps(payload, separators=(",", ":")).encode()
    token: bytes = _for(purpose, secret).encrypt_at_time(data, int(time.time() if issued_at is None else issued_at))
    return token.decode("ascii")


def _canonical(token: str) -> None:
    """Base64 decoding forgives bytes after the padding: a token must be exactly what was issued."""
    import base64  # noqa: PLC0415

    if base64.urlsafe_b64encode(base64.urlsafe_b64decode(token.encode("ascii"))).decode("ascii") != token:
        raise ValueError("not a canonical token")


def verify(purpose: str, token: str, *, max_age: int | None = None, secret: str | None = None) -> dict[str, Any]:
    """The payload of a token for ``purpose`` issued at most ``max_age`` seconds ago (default: the
    customer link lifetime). Unauthorized for a forged, changed or foreign token; Forbidden for an
    expired one or one issued before tokens were encrypted."""
    from cryptography.fernet import InvalidToken  # noqa: PLC0415

    if max_age is None:
        max_age = get_settings().customer_link_ttl_seconds
    fernet = _for(purpose, secret)
    if token.count(".") == 2:
        raise Forbidden("this link is from an earlier version of the service and no longer works; ask for a new one")
    try:
        _canonical(token)
        issued = fernet.extract_timestamp(token)  # checks the token's integrity first
        if time.time() - issued > max_age:
            raise Forbidden("this link has expired; ask for a new one")
        data = json.loads(fernet.decrypt(token))
    except (InvalidToken, ValueError, TypeError, UnicodeError) as exc:
        raise Unauthorized("invalid or tampered token") from exc
    if not isinstance(data, dict):
        raise Unauthorized("invalid token payload")
    return data
