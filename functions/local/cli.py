"""``casebridge local``: run the whole system on this machine (``up``) and look at what it sent (``outbox``)."""

from __future__ import annotations

import json
import signal
import smtplib
import sys
import time
from pathlib import Path
from typing import Any

import click

from functions.local.stack import DEFAULT_DATA_DIR, LocalStack


@click.group()
def local() -> None:
    """The local stack: embedded AWS (moto), the API, event delivery and an SMTP inbox."""


def _banner(info: Any) -> str:
    lines = [
        "",
        f"Casebridge is running locally (ready in {info.seconds_to_ready:.1f}s). Ctrl-C stops it.",
        "",
        f"  Agents' app      {info.web_url or 'off'}",
        f"  Customers' site  {info.customers_url or 'off'}   (help center: /help)",
        f"  API              {info.api_url}",
        f"  Live updates     {info.live_url or 'off'}   (WebSocket: ?token=<agent token>)",
        f"  Agent token      {info.dev_token}   (shared; X-Agent-Id names the agent)",
        f"  Embedded AWS     {info.aws_endpoint}   (moto; state is in memory and gone after Ctrl-C)",
    ]
    for agent in info.agents:
        roles = f" ({', '.join(agent['roles'])})" if agent["roles"] else ""
        lines.append(f"  Agent            {agent['name']} <{agent['id']}>{roles}: token {agent['token']}")
    if info.smtp_address:
        lines.append(f"  SMTP (SES inbox) {info.smtp_address}   -> mail to {info.support_address} becomes a case")
    else:
        lines.append("  SMTP             off")
    shown = ", ".join(info.seeded[:5]) + (f" and {len(info.seeded) - 5} more" if len(info.seeded) > 5 else "")
    lines.append(f"  Demo customers   {shown if info.seeded else 'already there'}")
    delivered = [
        f"{kind}: {', '.join(names)}" for kind, names in info.handlers.items() if names and kind != "not_delivered"
    ]
    lines.append(f"  Event handlers   {'; '.join(delivered) if delivered else 'none'}")
    if info.handlers.get("not_delivered"):
        lines.append(f"  Not delivered    {', '.join(info.handlers['not_delivered'])} (no local event source for them)")
    lines += [
        "",
        "Try:",
        f"  curl -s -H 'Authorization: Bearer {info.dev_token}' {info.api_url}/customers",
        f"  curl -s -X POST -H 'Authorization: Bearer {info.dev_token}' -H 'Content-Type: application/json' \\",
        f'       -d \'{{"subject": "Printer jams", "contact_email": "anna.schmidt@nordwerk.example"}}\' {info.api_url}/cases',
    ]
    cli = sys.argv[0] if sys.argv and sys.argv[0].endswith("casebridge") else "casebridge"
    if info.smtp_address:
        lines.append(
            f"  {cli} local send-mail --from anna.schmidt@nordwerk.example --subject 'PX-200 jams' --body 'Since the update.'"
        )
    lines += [f"  {cli} local outbox        # the mail Casebridge sent (acknowledgements, replies)", ""]
    return "\n".join(lines)


@local.command()
@click.option("--api-port", default=8000, show_default=True, help="port of the HTTP API on 127.0.0.1")
@click.option("--aws-port", default=4566, show_default=True, help="port of the embedded AWS (moto server)")
@click.option("--smtp-port", default=2525, show_default=True, help="port of the SMTP inbox; 0 turns it off")
@click.option("--web-port", default=8001, show_default=True, help="port of the agents' app; 0 turns it off")
@click.option("--live-port", default=8002, show_default=True, help="port of the live-updates WebSocket; 0 turns it off")
@click.option(
    "--customers-port", default=8003, show_default=True, help="port of the customers' site (help center); 0: off"
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA_DIR,
    show_default=True,
    help="where the signing secret, the agent token and stack.json are kept",
)
@click.option("--seed/--no-seed", default=True, show_default=True, help="create the demo customers")
def up(
    api_port: int,
    aws_port: int,
    smtp_port: int,
    web_port: int,
    live_port: int,
    customers_port: int,
    data_dir: Path,
    seed: bool,
) -> None:
    """Start everything on loopback and run until Ctrl-C."""
    stack = LocalStack(
        api_port=api_port,
        aws_port=aws_port,
        smtp_port=smtp_port or None,
        web_port=web_port or None,
        live_port=live_port or None,
        customers_port=customers_port or None,
        data_dir=data_dir,
        seed=seed,
    )
    # A plain flag: a signal handler runs on the main thread between bytecodes, so it must not
    # take a lock the main thread may hold (threading.Event.set inside Event.wait deadlocks).
    stopping: list[int] = []

    def _stop(signum: int, frame: Any) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            info = stack.start()
        except OSError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(_banner(info))
        click.echo(f"READY {json.dumps(info.as_json())}", err=True)
        while not stopping:
            time.sleep(0.2)
        click.echo("\nStopping...")
    finally:
        for sig, handler in previous.items():  # a second Ctrl-C interrupts a slow shutdown
            signal.signal(sig, handler)
        stack.stop()
    click.echo("Stopped.")


def _state(data_dir: Path) -> dict[str, Any]:
    state = data_dir / "stack.json"
    if not state.exists():
        raise click.ClickException(f"no running local stack ({state} missing): start it with 'casebridge local up'")
    return dict(json.loads(state.read_text()))


@local.command("send-mail")
@click.option("--from", "sender", default="anna.schmidt@nordwerk.example", show_default=True)
@click.option("--to", "recipient", default=None, help="default: the support address")
@click.option("--subject", default="PX-200 jams after the update", show_default=True)
@click.option("--body", default="Since the update the printer jams on page 2.", show_default=True)
@click.option(
    "--file",
    "raw_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="send this raw RFC 5322 message (.eml/.box) as it is instead",
)
@click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DATA_DIR, show_default=True
)
def send_mail(
    sender: str, recipient: str | None, subject: str, body: str, raw_file: Path | None, data_dir: Path
) -> None:
    """Send an email to the running stack's SMTP inbox (like swaks would), to watch it become a case."""
    from email.message import EmailMessage  # noqa: PLC0415
    from email.utils import make_msgid  # noqa: PLC0415

    state = _state(data_dir)
    if not state.get("smtp_address"):
        raise click.ClickException("the running stack has no SMTP inbox (started with --smtp-port 0)")
    host, port = state["smtp_address"].rsplit(":", 1)
    to = recipient or state["support_address"]
    with smtplib.SMTP(host, int(port), timeout=30) as smtp:
        if raw_file is not None:
            reply = smtp.sendmail(sender, [to], raw_file.read_bytes())
        else:
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = sender, to, subject
            msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
            msg.set_content(body)
            reply = smtp.send_message(msg)
    if reply:
        raise click.ClickException(f"refused recipients: {reply}")
    click.echo(f"Sent to {to} via {host}:{port}. The case appears in a moment: GET /cases?channel=email")


@local.command()
@click.option("--aws-endpoint", default=None, help="embedded AWS URL (default: the running stack's, from stack.json)")
@click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DATA_DIR, show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of text")
@click.option("--to", "to", default=None, help="only mail to an address containing this (case-insensitive)")
@click.option("--subject", default=None, help="only mail whose subject contains this (case-insensitive)")
def outbox(aws_endpoint: str | None, data_dir: Path, as_json: bool, to: str | None, subject: str | None) -> None:
    """Show the mail the system sent (SES on the local stack keeps it; nothing leaves the machine)."""
    from functions.local.outbox import sent_mail  # noqa: PLC0415
    from functions.local.running import HOW_TO_POINT  # noqa: PLC0415

    if aws_endpoint is None:
        aws_endpoint = str(_state(data_dir)["aws_endpoint"])
    try:
        mails = [m for m in sent_mail(aws_endpoint) if m.matches(to, subject)]
    except OSError as exc:
        reason = getattr(exc, "reason", None) or exc
        raise click.ClickException(
            f"cannot reach the embedded AWS at {aws_endpoint}: {reason}; {HOW_TO_POINT}"
        ) from exc
    if as_json:
        click.echo(json.dumps([m.model_dump() for m in mails], indent=2, ensure_ascii=False))
        return
    if not mails:
        filtered = " matching the filters" if to or subject else ""
        click.echo(f"The outbox is empty: nothing{filtered} was sent yet.")
        return
    for m in mails:
        click.echo(f"--- {m.message_id} ({m.kind})")
        click.echo(f"From:    {m.source}")
        click.echo(f"To:      {', '.join(m.to)}")
        click.echo(f"Subject: {m.subject or ''}")
        click.echo("")
        click.echo(m.body.rstrip())
        click.echo("")
