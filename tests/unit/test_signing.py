"""Link tokens (functions/core/signing.py): opaque, purpose-bound, expiring, tamper-evident."""

from __future__ import annotations

import base64
import time

import pytest

from functions.core import signing
from functions.core.errors import Forbidden, Unauthorized

SECRET = "unit-secret-for-tokens"
PAYLOAD = {"case_id": "CB-100042", "email": "anna.schmidt@nordwerk.example"}


def test_a_token_carries_no_readable_personal_data():
    token = signing.sign("customer-case", PAYLOAD, secret=SECRET)
    padded = token + "=" * (-len(token) % 4)
    raw = base64.urlsafe_b64decode(padded)
    for text in (token.encode(), raw):
        assert b"anna" not in text.lower() and b"nordwerk" not in text.lower() and b"100042" not in text


def test_a_token_round_trips_for_its_purpose_only():
    token = signing.sign("customer-case", PAYLOAD, secret=SECRET)
    assert signing.verify("customer-case", token, max_age=60, secret=SECRET) == PAYLOAD
    with pytest.raises(Unauthorized):
        signing.verify("escalation", token, max_age=60, secret=SECRET)
    with pytest.raises(Unauthorized):
        signing.verify("customer-case", token, max_age=60, secret="another-secret")


def test_a_changed_byte_is_refused():
    token = signing.sign("customer-case", PAYLOAD, secret=SECRET)
    i = len(token) // 2
    changed = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
    with pytest.raises(Unauthorized):
        signing.verify("customer-case", changed, max_age=60, secret=SECRET)


def test_an_old_token_has_expired_and_says_so():
    token = signing.sign("customer-case", PAYLOAD, secret=SECRET, issued_at=int(time.time()) - 120)
    with pytest.raises(Forbidden, match="expired"):
        signing.verify("customer-case", token, max_age=60, secret=SECRET)
    assert signing.verify("customer-case", token, max_age=600, secret=SECRET) == PAYLOAD


def test_a_link_from_before_tokens_were_encrypted_is_refused_with_its_own_message():
    # the shape itsdangerous gave: base64 payload . timestamp . signature
    legacy = "eyJjYXNlX2lkIjoiQ0ItMTAwMDQyIn0.Z0xk3A.eW91IGNhbm5vdCB1c2UgdGhpcw"
    with pytest.raises(Forbidden, match="earlier version"):
        signing.verify("customer-case", legacy, max_age=60, secret=SECRET)
