"""``casebridge chat``: be the customer in a chat against a running stack.

    casebridge chat start --name Ann --email ann@example.org --topic "Router reboots"
    casebridge chat send --session chs_... --token ... --text "hello"
    casebridge chat poll --session chs_... --token ... [--after 3]
    casebridge chat end --session chs_... --token ...
    casebridge chat talk --name Ann --email ann@example.org     # interactive: type lines, see agent replies

Agents answer through the agents' API (POST /cases/{case_id}/replies).
"""

from __future__ import annotations

import json
import sys
import threading
import uuid
from typing import Any
from urllib.parse import quote

import click

from functions.channels.web import http_client
from functions.channels.web.http_client import ENDPOINT_HELP, Http, resolve_endpoint, unreachable

_LOCK = threading.Lock()  # one request at a time: the poller and the prompt share the connection


def _call(
    method: str, url: str, body: dict[str, Any] | None = None, token: str | None = None, *, http: Http | None = None
) -> tuple[int, Any]:
    """One request through ``http`` (the poller thread passes the command's: click's context is per thread)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    call = (http or http_client.for_command()).call
    try:
        with _LOCK:
            return call(method, url, body, headers)
    except OSError as exc:
        raise click.ClickException(unreachable(url, exc)) from exc


def _base(endpoint: str) -> str:
    return endpoint.rstrip("/")


def _session_url(endpoint: str, session_id: str, tail: str = "") -> str:
    return f"{_base(endpoint)}/chat/sessions/{quote(session_id, safe='')}{tail}"


def _echo(status: int, answer: Any) -> None:
    click.echo(json.dumps(answer, indent=2))
    if status >= 400:
        sys.exit(1)


def _start(endpoint: str, name: str, email: str, topic: str | None, product: str | None) -> tuple[int, Any]:
    body = {k: v for k, v in {"name": name, "email": email, "topic": topic, "product": product}.items() if v}
    return _call("POST", f"{_base(endpoint)}/chat/sessions", body)


endpoint_option = click.option("--endpoint", default=None, callback=resolve_endpoint, help=ENDPOINT_HELP)
session_option = click.option("--session", "session_id", required=True, help="session id from 'chat start'")
token_option = click.option("--token", required=True, help="session token from 'chat start'")


@click.group()
def chat() -> None:
    """Chat channel (the customer's side)."""


@chat.command("start")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--topic", default=None)
@click.option("--product", default=None)
@endpoint_option
def start(name: str, email: str, topic: str | None, product: str | None, endpoint: str) -> None:
    """Start a chat (opens a case); prints the session id and token."""
    _echo(*_start(endpoint, name, email, topic, product))


@chat.command("send")
@session_option
@token_option
@click.option("--text", required=True)
@click.option("--client-id", default=None, help="message id for safe retries (default: a fresh UUID)")
@endpoint_option
def send(session_id: str, token: str, text: str, client_id: str | None, endpoint: str) -> None:
    """Send one message as the customer."""
    body = {"client_message_id": client_id or uuid.uuid4().hex, "text": text}
    _echo(*_call("POST", _session_url(endpoint, session_id, "/messages"), body, token))


@chat.command("poll")
@session_option
@token_option
@click.option("--after", default=0, show_default=True, type=int, help="only messages after this seq")
@endpoint_option
def poll(session_id: str, token: str, after: int, endpoint: str) -> None:
    """Print the messages after a seq."""
    _echo(*_call("GET", _session_url(endpoint, session_id, f"/messages?after={after}"), None, token))


@chat.command("end")
@session_option
@token_option
@endpoint_option
def end(session_id: str, token: str, endpoint: str) -> None:
    """End the chat; the transcript goes onto the case."""
    _echo(*_call("POST", _session_url(endpoint, session_id, "/end"), None, token))


class _Printer:
    """Polls the session and prints the other side's turns, each once, in order."""

    def __init__(self, endpoint: str, session_id: str, token: str, http: Http) -> None:
        self.url = _session_url(endpoint, session_id, "/messages")
        self.token = token
        self.http = http
        self.after = 0
        self.ended = False

    def poll_once(self) -> None:
        status, page = _call("GET", f"{self.url}?after={self.after}", None, self.token, http=self.http)
        if status != 200:
            click.echo(f"! poll failed: HTTP {status}", err=True)
            return
        for m in page["messages"]:
            if m["role"] != "customer":
                click.echo(f"{m.get('author_name') or m['role']}> {m['text']}")
            self.after = max(self.after, int(m["seq"]))
        if page["status"] == "ended" and not self.ended:
            self.ended = True
            click.echo("(the chat was ended by support)")


@chat.command("talk")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--topic", default=None)
@click.option("--product", default=None)
@click.option("--interval", default=2.0, show_default=True, type=float, help="seconds between polls")
@endpoint_option
def talk(name: str, email: str, topic: str | None, product: str | None, interval: float, endpoint: str) -> None:
    """Start a chat and talk: each line you type is sent; agent replies are printed as they arrive.

    End with Ctrl-D or a line '/quit'.
    """
    status, started = _start(endpoint, name, email, topic, product)
    if status != 201:
        _echo(status, started)
        return
    sid, token = started["session_id"], started["token"]
    click.echo(f"chat {sid} (case {started['case_id']}); type your messages, '/quit' or Ctrl-D to end", err=True)
    printer = _Printer(endpoint, sid, token, http_client.for_command())
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                printer.poll_once()
            except click.ClickException as exc:  # the stack went away: one line, not a thread's traceback
                click.echo(f"! {exc.format_message()}", err=True)
                return
            if printer.ended:
                return

    poller = threading.Thread(target=loop, name="chat-poller", daemon=True)
    poller.start()
    try:
        for line in iter(sys.stdin.readline, ""):
            text = line.strip()
            if not text:
                continue
            if text in ("/quit", "/end"):
                break
            if printer.ended:
                break
            code, answer = _call(
                "POST",
                _session_url(endpoint, sid, "/messages"),
                {"client_message_id": uuid.uuid4().hex, "text": text},
                token,
            )
            if code >= 400:
                click.echo(f"! not sent: {json.dumps(answer)}", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        poller.join(timeout=interval + 5)
    printer.poll_once()  # whatever arrived since the last poll
    if not printer.ended:
        _call("POST", _session_url(endpoint, sid, "/end"), None, token)
    click.echo(f"chat ended; follow case {started['case_id']} at {started.get('portal_url')}", err=True)
