"""POST /chat/sessions is rate limited per client and per address (the contact form's counters):
past the hour's limit 429 rate_limited with Retry-After; another client and address still start."""

from __future__ import annotations

import json

import pytest

from functions.composition import container
from functions.core.settings import get_settings


@pytest.fixture(autouse=True)
def _low_limits():
    update = {"chat_start_client_max": 2, "chat_start_address_max": 3, "client_ip_hops": 1}
    container().override(settings=get_settings().model_copy(update=update))


def _start(client, email, ip):
    headers = {"Content-Type": "application/json", "X-Forwarded-For": ip}
    return client.http.post("/chat/sessions", headers=headers, body=json.dumps({"name": "Ann", "email": email}))


def test_past_the_client_limit_a_chat_start_is_refused(client):
    codes = [_start(client, f"a{i}@example.org", "203.0.113.7").status_code for i in range(3)]
    refused = _start(client, "a9@example.org", "203.0.113.7")

    assert codes == [201, 201, 429]
    assert refused.json_body["error"]["code"] == "rate_limited" and 0 < int(refused.headers["Retry-After"]) <= 3600
    assert _start(client, "b1@example.org", "198.51.100.9").status_code == 201  # another client


def test_past_the_address_limit_a_chat_start_is_refused_from_any_client(client):
    codes = [_start(client, "same@example.org", f"198.51.100.{i}").status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
