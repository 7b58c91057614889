"""Pure rules of the web form: the bot check, the fingerprint of a submission, the idempotency pointer."""

from __future__ import annotations

import hashlib
import json

from functions.channels.web.models import HONEYPOT_FIELD, WebCaseIn


def fingerprint(form: WebCaseIn) -> str:
    """Stable hash of what the customer submitted (the honeypot aside)."""
    data = form.model_dump(mode="json", exclude={HONEYPOT_FIELD, "challenge", "solution"})
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


# -- abuse protection ------------------------------------------------------------------------------
def rate_key(kind: str, value: str) -> str:
    """What the rate counters are kept under: a hash, never the address or the IP itself."""
    return f"{kind}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]}"


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + (8 - byte.bit_length())
    return bits


def solves(challenge: str, solution: str, bits: int) -> bool:
    """The proof of work: sha256(challenge + ":" + solution) starts with ``bits`` zero bits."""
    if not solution or len(solution) > 32:
        return False
    return leading_zero_bits(hashlib.sha256(f"{challenge}:{solution}".encode()).digest()) >= bits
