"""A tiny JSON-over-HTTP client for the command-line tools (standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_ENDPOINT = "http://127.0.0.1:8000"
ENDPOINT_HELP = (
    "base URL of the API (default: the running local stack's, from .local/stack.json, else " + DEFAULT_ENDPOINT + ")"
)


def resolve_endpoint(ctx: Any, param: Any, value: str | None) -> str:
    """click callback of ``--endpoint``: the value given, else the running local stack's API."""
    from functions.local.running import api_endpoint  # noqa: PLC0415 - dev tooling, CLI only

    return api_endpoint(value, DEFAULT_ENDPOINT)


def unreachable(url: str, exc: OSError) -> str:
    """One line for a request that found nobody listening."""
    from functions.local.running import HOW_TO_POINT  # noqa: PLC0415

    reason = getattr(exc, "reason", None) or exc
    return f"cannot reach {url}: {reason}; {HOW_TO_POINT}"


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {json.dumps(body)}")
        self.status = status
        self.body = body


def call(
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> tuple[int, Any]:
    """Send one request; returns (status, parsed JSON body). HTTP errors come back as (status, body)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        req.add_header(key, value)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the user chose the endpoint
            return resp.status, _parse(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _parse(exc.read())


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return {"raw": raw.decode(errors="replace")}


Call = Callable[..., tuple[int, Any]]


@dataclass(frozen=True)
class Http:
    """How a command reaches the API: ``call`` (urllib), unless the command was invoked with
    another (``CliRunner().invoke(command, args, obj=Http(fake_call))`` in tests)."""

    call: Call = call


def for_command() -> Http:
    """The running command's ``Http`` (from click's context object), else the real one."""
    import click  # noqa: PLC0415 - the CLI's only

    ctx = click.get_current_context(silent=True)
    found = ctx.find_object(Http) if ctx is not None else None
    return found or Http()
