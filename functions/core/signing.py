"""Signed, expiring tokens for links sent to customers and departments (itsdangerous).

A token binds a purpose (the salt) to a payload, so a token minted for one purpose
or one case cannot be used for another.
"""

from __future__ import annotations

from typing import Any

from functions.core.errors import Forbidden, Unauthorized
from functions.core.settings import get_settings


def _serializer(purpose: str, secret: str | None = None) -> Any:
    from itsdangerous import URLSafeTimedSerializer  # noqa: PLC0415

    key = secret if secret is not None else get_settings().signing_secret.get_secret_value()
    if not key:
        raise RuntimeError("CASEBRIDGE_SIGNING_SECRET is not configured")
    return URLSafeTimedSerializer(key, salt=f"casebridge.{purpose}")


def sign(purpose: str, payload: dict[str, Any], *, secret: str | None = None) -> str:
    return str(_serializer(purpose, secret).dumps(payload))


def verify(purpose: str, token: str, *, max_age: int | None = None, secret: str | None = None) -> dict[str, Any]:
    from itsdangerous import BadSignature, SignatureExpired  # noqa: PLC0415

    if max_age is None:
        max_age = get_settings().customer_link_ttl_seconds
    try:
        data = _serializer(purpose, secret).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise Forbidden("this link has expired; ask for a new one") from exc
    except BadSignature as exc:
        raise Unauthorized("invalid or tampered token") from exc
    if not isinstance(data, dict):
        raise Unauthorized("invalid token payload")
    return data
