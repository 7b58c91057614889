"""Mail trust on the local stack (issue 15), driven like a user: SMTP to the inbox, the agents' API,
the command line. The SMTP inbox computes the receipt verdicts (without DNS: SPF, DKIM and DMARC
are not checked; the scanners know the EICAR and GTUBE test files) and the intake acts on them
as it does on SES's."""

from __future__ import annotations

import json
import smtplib
import subprocess
import time
import uuid
from email.message import EmailMessage

import pytest

from functions.local.smtp import EICAR, GTUBE
from tests.e2e.harness import ROOT, casebridge_command, stack_env

pytestmark = pytest.mark.slow


def _poll(fetch, timeout: float = 30.0, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        found = fetch()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(interval)


def _mail(stack, subject: str, body: str, attachment: bytes | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Anna Schmidt <anna.schmidt@nordwerk.example>"
    msg["To"] = stack.info["support_address"]
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4()}@e2e.example>"
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="tool.com")
    return msg


def _send(stack, msg: EmailMessage) -> None:
    with smtplib.SMTP(stack.smtp_host, stack.smtp_port, timeout=30) as smtp:
        smtp.send_message(msg, from_addr="anna.schmidt@nordwerk.example")


def _inbound(stack, path: str, token: str) -> list[dict]:
    status, page = stack.request("GET", f"{path}?limit=200")
    assert status == 200, page
    return [i for i in page["items"] if token in (i.get("subject") or "")]


def test_a_mail_carrying_the_eicar_file_is_quarantined_with_its_verdicts(stack):
    token = uuid.uuid4().hex[:8]
    _send(stack, _mail(stack, f"Tool attached {token}", "Run this.", EICAR))

    [held] = _poll(lambda: _inbound(stack, "/inbound/quarantine", token))

    assert held["reason"].startswith("virus:") and held["case_id"] is None
    assert held["verdicts"]["virus"] == "FAIL"
    assert (held["verdicts"]["spf"], held["verdicts"]["dmarc"]) == ("NOT_CHECKED", "NOT_CHECKED")
    assert held["verdicts"]["envelope_sender"] == "anna.schmidt@nordwerk.example"


def test_spam_waits_in_the_spam_view_until_an_agent_releases_it(stack):
    token = uuid.uuid4().hex[:8]
    _send(stack, _mail(stack, f"Cheap offer {token}", f"Buy now {GTUBE.decode()}"))

    [held] = _poll(lambda: _inbound(stack, "/inbound/spam", token))
    assert held["case_id"] is None and held["verdicts"]["spam"] == "FAIL"

    status, released = stack.request("POST", f"/inbound/spam/{held['inbound_id']}/release")

    assert status == 200, released
    assert released["outcome"] == "created" and released["case"]
    assert _inbound(stack, "/inbound/spam", token) == []


def test_mail_ingest_finds_the_running_stack_and_says_so(stack, tmp_path):
    token = uuid.uuid4().hex[:8]
    path = tmp_path / "m.eml"
    path.write_bytes(bytes(_mail(stack, f"Ingested from a file {token}", "Hello.")))
    env = stack_env() | {"CASEBRIDGE_LOCAL_STATE_DIR": str(stack.data_dir)}

    result = subprocess.run(
        [*casebridge_command(), "mail", "ingest", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert f"writing to the local stack at {stack.aws_endpoint}" in result.stderr
    case = json.loads(result.stdout.splitlines()[0])["case"]
    status, view = stack.request("GET", f"/cases/{case}")
    assert status == 200 and token in view["subject"]
    # the acknowledgement carries a portal link of this stack, signed with its secret: it opens
    from functions.local.outbox import sent_mail

    [ack] = _poll(lambda: [m for m in sent_mail(stack.aws_endpoint) if token in (m.subject or "")])
    link = next(w for w in ack.body.split() if w.startswith(stack.api_url))
    import urllib.request

    with urllib.request.urlopen(link, timeout=30) as resp:
        assert resp.status == 200
