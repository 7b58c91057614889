"""``casebridge web``: submit the web form to a running stack (like the support site would)."""

from __future__ import annotations

import json
import sys
import uuid

import click

from functions.channels.web import http_client
from functions.channels.web.http_client import ENDPOINT_HELP, resolve_endpoint, unreachable


@click.group()
def web() -> None:
    """Web-form channel."""


@web.command("submit")
@click.option("--name", required=True)
@click.option("--email", required=True)
@click.option("--subject", required=True)
@click.option("--description", required=True, help="the problem; '-' reads it from stdin")
@click.option("--phone", default=None)
@click.option("--product", default=None)
@click.option("--model", "model_", default=None)
@click.option("--batch", default=None)
@click.option("--category", default=None)
@click.option("--language", default=None)
@click.option("--consent/--no-consent", default=False, help="tick the privacy-notice box")
@click.option(
    "--idempotency-key", default=None, help="default: a fresh UUID (a retry with the same key makes one case)"
)
@click.option("--endpoint", default=None, callback=resolve_endpoint, help=ENDPOINT_HELP)
def submit(
    name: str,
    email: str,
    subject: str,
    description: str,
    phone: str | None,
    product: str | None,
    model_: str | None,
    batch: str | None,
    category: str | None,
    language: str | None,
    consent: bool,
    idempotency_key: str | None,
    endpoint: str,
) -> None:
    """Open a case through POST /web/cases and print the JSON answer."""
    if description == "-":
        description = sys.stdin.read()
    form = {
        "name": name,
        "email": email,
        "subject": subject,
        "description": description,
        "phone": phone,
        "product": product,
        "model": model_,
        "batch": batch,
        "category": category,
        "language": language,
        "consent": consent,
    }
    body = {k: v for k, v in form.items() if v is not None}
    headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
    try:
        status, answer = http_client.for_command().call("POST", f"{endpoint.rstrip('/')}/web/cases", body, headers)
    except OSError as exc:
        raise click.ClickException(unreachable(endpoint, exc)) from exc
    click.echo(json.dumps(answer, indent=2))
    if status >= 400:
        sys.exit(1)
