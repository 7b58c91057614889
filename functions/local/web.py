"""Serves the agents' app (``web/agents/dist``, built by ``make web``) on its own loopback port.

Static files with a single-page-app fallback (any path that is not a file answers ``index.html``,
so deep links like ``/cases/CB-100001`` load the app), plus ``/config.json``: the runtime
configuration the app reads before it starts (the API's URL and, locally, the seeded agents and
their development tokens for the sign-in screen). In AWS the deployment writes that file with the
Cognito settings instead. Hashed assets are cached for good; everything else is revalidated. Pages
carry the Content-Security-Policy the deployed site sends (``functions.core.webpolicy``), with the
local API as the other origin.
"""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]
DIST_DIR = PROJECT_DIR / "web" / "agents" / "dist"

MISSING_BUILD = b"""<!doctype html><html lang="en"><meta charset="utf-8"><title>Casebridge agents</title>
<p>The agents' app is not built yet: run <code>make web</code> (or <code>make run</code>, which builds it).</p></html>"""


class _Handler(SimpleHTTPRequestHandler):
    config: bytes = b"{}"
    csp: str = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return  # quiet: the stack's output is its banner

    def end_headers(self) -> None:
        if self.path.startswith("/assets/"):
            self.send_header("Cache-Control", "public, max-age=31536000, immutable")
        else:
            self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.csp:
            self.send_header("Content-Security-Policy", self.csp)
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path == "/config.json":
            self._send(200, "application/json", self.config)
            return
        if not (Path(self.directory) / "index.html").exists():
            self._send(503, "text/html; charset=utf-8", MISSING_BUILD)
            return
        target = Path(self.translate_path(path))
        if path.startswith("/assets/") or (target.is_file() and target.suffix):
            super().do_GET()
            return
        self.path = "/index.html"  # single-page app: the router reads the URL
        super().do_GET()

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class WebServer:
    """``WebServer(host, port, config).start()``: the app and its config.json on a thread."""

    def __init__(
        self, host: str, port: int, config: dict[str, Any], directory: Path = DIST_DIR, *, csp: str = ""
    ) -> None:
        handler = type("AgentsAppHandler", (_Handler,), {"config": json.dumps(config).encode(), "csp": csp})
        self.server = ThreadingHTTPServer((host, port), partial(handler, directory=str(directory)))
        self.server.daemon_threads = True
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="agents-web", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)
