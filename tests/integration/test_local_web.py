"""The local stack's web server sends the deployed Content-Security-Policy with the app's pages."""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_pages_carry_the_content_security_policy_and_deep_links_load_the_app(tmp_path: Path):
    from functions.core.webpolicy import content_security_policy
    from functions.local.web import WebServer

    (tmp_path / "index.html").write_text("<!doctype html><title>app</title>")
    csp = content_security_policy(["http://127.0.0.1:9"], upgrade_insecure_requests=False)
    server = WebServer("127.0.0.1", _free_port(), {"apiBaseUrl": "http://127.0.0.1:9"}, tmp_path, csp=csp)
    server.start()
    try:
        with urllib.request.urlopen(f"{server.url}/cases/CB-1", timeout=10) as resp:
            page_csp, page = resp.headers["Content-Security-Policy"], resp.read().decode()
        with urllib.request.urlopen(f"{server.url}/config.json", timeout=10) as resp:
            config = json.loads(resp.read())
    finally:
        server.stop()
    assert page_csp == csp and "<title>app</title>" in page
    assert "script-src 'self';" in csp and "connect-src 'self' http://127.0.0.1:9;" in csp
    assert "upgrade-insecure-requests" not in csp  # the local API is plain http
    assert config == {"apiBaseUrl": "http://127.0.0.1:9"}


def test_the_deployed_policy_upgrades_insecure_requests_and_forbids_framing_and_plugins():
    from functions.core.webpolicy import content_security_policy

    csp = content_security_policy(["https://api.example.com"])
    assert csp.endswith("; upgrade-insecure-requests")
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "'unsafe" not in csp
