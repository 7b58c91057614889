"""Serves the customers' site on its own loopback port, as CloudFront does in AWS.

One origin for customers, three sources behind it (the same paths and cache rules the CDK
distribution has):

* ``/assets/*`` (and ``/widget.js``): the built script and styles of ``web/customers/dist``
  (``make web-customers``); hashed-or-versioned, cached for a day here;
* ``/help/{lang}/articles/{id}``, ``/sitemap.xml``, ``/robots.txt``: the static pages of the
  help-site bucket (written by the knowledge service when an article changes), with the
  Cache-Control they were written with;
* everything else (``/help/...`` dynamic pages and forms, ``/portal/...``, ``/selfservice/...``,
  ``/web/...``, ``/notices/...``, ``/chat/...``): the API, proxied as is (method, body, headers).

``/`` goes to ``/help``.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]
DIST_DIR = PROJECT_DIR / "web" / "customers" / "dist"
STATIC_PAGE = re.compile(r"^/(help/[a-z]{2}/articles/[^/]+|sitemap\.xml|robots\.txt)$")
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-authorization", "host"}
NOT_FOUND = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page not found</title></head>
<body><main><h1>Page not found</h1><p><a href="/help">Help center</a></p></main></body></html>"""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the browser follows the API's redirects itself


_opener = urllib.request.build_opener(_NoRedirect)


class _Handler(BaseHTTPRequestHandler):
    api_url = ""
    bucket = ""
    dist = DIST_DIR
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._proxy()

    def do_PUT(self) -> None:  # noqa: N802
        self._proxy()

    def do_DELETE(self) -> None:  # noqa: N802
        self._proxy()

    def do_OPTIONS(self) -> None:  # noqa: N802 - CORS preflights of the chat widget on other sites
        self._proxy()

    def _serve(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/":
            self._send(302, {"Location": "/help"}, b"")
        elif path.startswith("/assets/") or path == "/widget.js":
            self._asset(path)
        elif STATIC_PAGE.match(path):
            self._static(path.lstrip("/"))
        else:
            self._proxy()

    def _asset(self, path: str) -> None:
        target = (self.dist / path.lstrip("/")).resolve()
        if not target.is_file() or self.dist.resolve() not in target.parents:
            self._send(404, {"Content-Type": "text/plain"}, b"not built: make web-customers")
            return
        content_type = TYPES.get(target.suffix, "application/octet-stream")
        self._send(200, {"Content-Type": content_type, "Cache-Control": "public, max-age=86400"}, target.read_bytes())

    def _static(self, key: str) -> None:
        from functions.core import aws  # noqa: PLC0415

        try:
            obj = aws.client("s3").get_object(Bucket=self.bucket, Key=key)
        except Exception:  # noqa: BLE001 - NoSuchKey and friends: the page does not exist
            self._send(404, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}, NOT_FOUND)
            return
        headers = {"Content-Type": obj.get("ContentType") or "text/html; charset=utf-8"}
        if obj.get("CacheControl"):
            headers["Cache-Control"] = obj["CacheControl"]
        self._send(200, headers, obj["Body"].read())

    def _proxy(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = self.client_address[0]
        request = urllib.request.Request(self.api_url + self.path, data=body, headers=headers, method=self.command)
        try:
            with _opener.open(request, timeout=60) as resp:
                status, reply, data = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            status, reply, data = err.code, err.headers, err.read()
        self._send(status, {k: v for k, v in reply.items() if k.lower() not in HOP_BY_HOP | {"content-length"}}, data)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class CustomersSite:
    """``CustomersSite(host, port, api_url, bucket).start()``: the customers' origin on a thread."""

    def __init__(self, host: str, port: int, api_url: str, bucket: str, directory: Path = DIST_DIR) -> None:
        handler = type("CustomersSiteHandler", (_Handler,), {"api_url": api_url, "bucket": bucket, "dist": directory})
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="customers-site", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)
