"""Browsers may call the API from the web apps' origins only (functions/core/http.py: preflights
answered by the API itself, the caller's origin named on every answer when it is allowed)."""

from __future__ import annotations

import json

import pytest

AGENTS = "https://d111111abcdef8.cloudfront.net"
CUSTOMERS = "https://help.example.com"


@pytest.fixture(autouse=True)
def _origins(monkeypatch):
    from functions import composition

    monkeypatch.setenv("CASEBRIDGE_CORS_ALLOWED_ORIGINS", f"{AGENTS}, {CUSTOMERS}/")
    composition.reset()


def _preflight(client, path: str, origin: str, method: str = "POST"):
    return client.http.request(
        "OPTIONS",
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type,if-match,idempotency-key",
        },
    )


def test_a_preflight_from_an_allowed_origin_names_that_origin_the_paths_methods_and_headers(client):
    resp = _preflight(client, "/cases/CB-1/replies", AGENTS)
    assert resp.status_code == 204
    assert resp.headers["Access-Control-Allow-Origin"] == AGENTS
    assert "POST" in resp.headers["Access-Control-Allow-Methods"].split(",")
    allowed = resp.headers["Access-Control-Allow-Headers"].lower().split(",")
    assert {"authorization", "content-type", "if-match", "idempotency-key"} <= set(allowed)
    assert resp.headers["Vary"] == "Origin"


def test_each_allowed_origin_gets_its_own_name_back_never_a_wildcard(client):
    # the configured "https://help.example.com/" matches the browser's origin without the slash
    resp = _preflight(client, "/selfservice/search", CUSTOMERS, "GET")
    assert resp.headers["Access-Control-Allow-Origin"] == CUSTOMERS


def test_a_preflight_from_another_origin_is_refused_without_cors_headers(client):
    resp = _preflight(client, "/cases", "https://evil.example.net")
    assert resp.status_code == 403
    assert "Access-Control-Allow-Origin" not in resp.headers
    assert json.loads(resp.body)["error"]["code"] == "forbidden"


def test_public_and_customer_routes_are_open_to_any_origin_the_agents_routes_are_not(client):
    # the chat widget and the help center run on the sites that embed them
    site = "https://shop.example.org"
    preflight = _preflight(client, "/chat/sessions", site)
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    answer = client.http.get("/chat/availability", headers={"Origin": site})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in answer.headers
    assert _preflight(client, "/cases", site).status_code == 403


def test_an_answer_to_an_allowed_origin_is_readable_with_its_etag(client, agent_headers):
    resp = client.http.get("/sla/calendars", headers={**agent_headers, "Origin": AGENTS})
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == AGENTS
    assert "ETag" in resp.headers["Access-Control-Expose-Headers"].split(",")


def test_an_answer_to_another_origin_carries_no_allow_origin(client, agent_headers):
    resp = client.http.get("/sla/calendars", headers={**agent_headers, "Origin": "https://evil.example.net"})
    assert resp.status_code == 200  # the browser, not the API, withholds it from the page
    assert "Access-Control-Allow-Origin" not in resp.headers
    assert resp.headers["Vary"] == "Origin"


def test_errors_are_readable_by_an_allowed_origin_too(client):
    resp = client.http.get("/cases", headers={"Origin": AGENTS})
    assert resp.status_code == 401
    assert resp.headers["Access-Control-Allow-Origin"] == AGENTS


def test_without_configured_origins_no_origin_is_allowed(client, monkeypatch):
    from functions import composition

    monkeypatch.delenv("CASEBRIDGE_CORS_ALLOWED_ORIGINS")
    composition.reset()
    assert _preflight(client, "/cases", AGENTS).status_code == 403


def test_every_route_path_answers_preflights():
    from app import app
    from functions.core.http import ROUTES

    registered = {(path, method) for path, methods in app.routes.items() for method in methods}
    for path in {spec.path for spec in ROUTES if (spec.path, spec.method) in registered}:
        assert (path, "OPTIONS") in registered, path


def test_the_origin_is_added_to_a_vary_header_a_view_sets_not_put_in_its_place():
    from chalice import Response

    from functions.core.http import cors

    class Request:
        headers = {"origin": AGENTS}

    answer = cors(Request(), lambda _event: Response(body="", headers={"Vary": "Accept"}))
    assert answer.headers["Vary"] == "Accept, Origin"
    assert answer.headers["Access-Control-Allow-Origin"] == AGENTS
