"""Pure rules of the web form: the bot check, the fingerprint of a submission, the idempotency pointer."""

from __future__ import annotations

import hashlib
import json

from functions.channels.web.models import HONEYPOT_FIELD, WebCaseIn


def fingerprint(form: WebCaseIn) -> str:
    """Stable hash of what the customer submitted (the honeypot aside)."""
    data = form.model_dump(mode="json", exclude={HONEYPOT_FIELD})
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def idempotency_pointer(email: str, key: str) -> str:
    """The case pointer of an Idempotency-Key, scoped by address: a guessed key cannot fetch
    someone else's case link."""
    return f"web:{hashlib.sha256(email.lower().encode()).hexdigest()[:16]}:{key}"


def is_bot(form: WebCaseIn) -> bool:
    return bool(form.website and form.website.strip())
