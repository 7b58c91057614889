"""Every route of the app answers malformed input with a 4xx that says what is wrong, never a 5xx.

The routes come from the app itself, so a route added later is swept too.
"""

from __future__ import annotations

import json
import re

import pytest

from app import app

BODIES = [None, "not json", "[]", json.dumps({"unexpected_field": 1}), json.dumps({"version": "x", "status": 7})]
QUERIES = ["", "?limit=abc&cursor=%25%25%25&status=nope&updated_since=yesterday&q="]


def _routes() -> list[tuple[str, str]]:
    return sorted((path, method) for path, entries in app.routes.items() for method in entries)


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "no-such-id", path)


@pytest.mark.parametrize(("path", "method"), _routes())
def test_malformed_input_never_gets_a_server_error(client, agent_headers, path, method):
    for query in QUERIES:
        for body in BODIES:
            for headers in (agent_headers, {"Content-Type": "application/json"}):
                resp = client.http.request(method, _fill(path) + query, headers=headers, body=body or b"")
                where = f"{method} {path}{query} body={body!r} auth={'Authorization' in headers}"
                assert resp.status_code < 500, f"{where}: {resp.status_code} {resp.body[:300]!r}"
                if resp.status_code >= 400 and resp.headers.get("Content-Type", "").startswith("application/json"):
                    error = json.loads(resp.body).get("error") or {}
                    assert error.get("message"), f"{where}: error without a message: {resp.body[:300]!r}"
