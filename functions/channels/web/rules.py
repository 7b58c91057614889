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


def safe_filename(name: str) -> str:
    """A file name fit for an S3 key and a download: the last path part, no control characters,
    quotes or slashes, at most 120 characters (the extension kept)."""
    import re  # noqa: PLC0415

    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[\x00-\x1f\x7f\"'<>:|?*#%&{}$!`=+;,]", "_", base).strip(" .") or "file"
    if len(base) > 120:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 119 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else base[:120]
    return base


def upload_key(day: str, token: str, filename: str) -> str:
    return f"uploads/{day}/{token}/{safe_filename(filename)}"


def allowed_types(setting: str) -> frozenset[str]:
    return frozenset(t.strip().lower() for t in setting.split(",") if t.strip())
