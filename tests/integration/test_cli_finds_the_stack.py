"""The command line as a newcomer meets it (issue 15): the commands find the running local stack
from ``stack.json`` (as ``local send-mail`` does) or say in one line how to point them, never end
in a traceback, ``mail ingest`` says where it writes, ``local outbox`` decodes and filters.

A "running stack" here is a ``stack.json`` in the directory ``CASEBRIDGE_LOCAL_STATE_DIR`` names,
pointing at a loopback HTTP server that records requests (the API and moto's data endpoint), or at
a moto server with the resources provisioned (``mail ingest``)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from functions.local.stack import HOST, free_port

REFUSED = "http://127.0.0.1:9"  # nothing listens on the discard port


class Recorder(BaseHTTPRequestHandler):
    """Answers every request from ``answers`` (path prefix -> (status, JSON)) and records it."""

    requests: list[tuple[str, str, Any]]
    answers: dict[str, tuple[int, Any]]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.requests.append((self.command, self.path, body))
        status, answer = next(
            (v for prefix, v in self.answers.items() if self.path.startswith(prefix)), (404, {"error": {}})
        )
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer  # noqa: N815 - http.server's hook names

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[Recorder]]]:
    handler = type("Handler", (Recorder,), {"requests": [], "answers": {}})
    httpd = ThreadingHTTPServer((HOST, free_port()), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://{HOST}:{httpd.server_port}", handler
    httpd.shutdown()
    httpd.server_close()


def write_stack(directory: Path, api_url: str, aws_endpoint: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    state = {"api_url": api_url, "aws_endpoint": aws_endpoint, "smtp_address": None, "support_address": "s@x"}
    (directory / "stack.json").write_text(json.dumps(state))


@pytest.fixture
def running(server, tmp_path, monkeypatch) -> tuple[str, type[Recorder]]:
    url, handler = server
    write_stack(tmp_path / "state", url, url)
    monkeypatch.setenv("CASEBRIDGE_LOCAL_STATE_DIR", str(tmp_path / "state"))
    return url, handler


def no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


# -- the HTTP commands find the running stack's API ---------------------------------------------------

FORM = ["--name", "Ann", "--email", "ann@acme.example", "--subject", "Jams", "--description", "It jams.", "--consent"]


def test_web_submit_uses_the_running_stacks_api(running):
    from functions.channels.web.cli import web

    url, handler = running
    handler.answers["/web/cases"] = (202, {"received": True})
    result = CliRunner().invoke(web, ["submit", *FORM])
    assert result.exit_code == 0, result.output
    assert [(m, p) for m, p, _ in handler.requests] == [("POST", "/web/cases")]


def test_chat_talk_uses_the_running_stacks_api(running):
    from functions.channels.chat.cli import chat

    url, handler = running
    handler.answers["/chat/sessions/chs_1/messages"] = (200, {"messages": [], "status": "open"})
    handler.answers["/chat/sessions/chs_1/end"] = (200, {"ended": True})
    handler.answers["/chat/sessions"] = (
        201,
        {"session_id": "chs_1", "token": "t", "case_id": "CB-1", "portal_url": None},
    )
    result = CliRunner().invoke(chat, ["talk", "--name", "Ann", "--email", "ann@acme.example"], input="hello\n/quit\n")
    assert result.exit_code == 0, result.output
    paths = [p for _, p, _ in handler.requests]
    assert paths[0] == "/chat/sessions" and "/chat/sessions/chs_1/end" in paths
    assert ("POST", "/chat/sessions/chs_1/messages") in [(m, p) for m, p, _ in handler.requests]


def test_a_stale_stack_file_is_not_a_running_stack(tmp_path, monkeypatch):
    from functions.channels.web.http_client import DEFAULT_ENDPOINT
    from functions.local.running import api_endpoint

    write_stack(tmp_path / "state", "http://127.0.0.1:9/api", REFUSED)
    monkeypatch.setenv("CASEBRIDGE_LOCAL_STATE_DIR", str(tmp_path / "state"))
    assert api_endpoint(None, DEFAULT_ENDPOINT) == DEFAULT_ENDPOINT


@pytest.mark.parametrize(
    ("group", "args"),
    [
        ("web", ["submit", *FORM, "--endpoint", REFUSED]),
        ("chat", ["start", "--name", "Ann", "--email", "ann@acme.example", "--endpoint", REFUSED]),
        ("chat", ["talk", "--name", "Ann", "--email", "ann@acme.example", "--endpoint", REFUSED]),
    ],
)
def test_connection_refused_is_one_line_saying_how_to_point_it(group, args):
    from functions.channels.chat.cli import chat
    from functions.channels.web.cli import web

    result = CliRunner().invoke({"web": web, "chat": chat}[group], args)
    assert result.exit_code == 1
    no_traceback(result)
    [line] = result.output.strip().splitlines()
    assert line.startswith("Error: cannot reach http://127.0.0.1:9") and "--endpoint URL" in line


# -- the AWS commands: one line, never a botocore traceback ---------------------------------------------


@pytest.fixture
def one_attempt(monkeypatch):
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("CASEBRIDGE_AWS_ENDPOINT_URL", "")  # restored after the test; the CLI sets it


def test_mail_quarantine_against_a_stack_that_is_not_there_is_one_line(one_attempt):
    from functions.channels.email.cli import mail

    result = CliRunner().invoke(mail, ["quarantine", "--endpoint", REFUSED])
    assert result.exit_code == 1
    no_traceback(result)
    [line] = result.output.strip().splitlines()
    assert "no local stack answers at http://127.0.0.1:9" in line and "make run" in line


def test_customers_import_against_a_stack_that_is_not_there_is_one_line(one_attempt, tmp_path):
    from functions.customers.cli import customers

    path = tmp_path / "c.jsonl"
    path.write_text(
        json.dumps({"customer_id": "acme", "name": "Acme", "contacts": [{"email": "a@acme.example"}]}) + "\n"
    )
    result = CliRunner().invoke(customers, ["import", str(path), "--endpoint", REFUSED])
    assert result.exit_code == 1
    no_traceback(result)
    assert "no local stack answers at http://127.0.0.1:9" in result.output


def test_search_reindex_against_a_stack_that_is_not_there_is_one_line(one_attempt, tmp_path):
    from functions.search.cli import search

    result = CliRunner().invoke(search, ["reindex", "--endpoint", REFUSED, "--index-dir", str(tmp_path / "i")])
    assert result.exit_code == 1
    no_traceback(result)
    assert "no local stack answers at http://127.0.0.1:9" in result.output


def test_mail_replay_of_an_unknown_id_is_one_line(aws):
    from functions.channels.email.cli import mail

    result = CliRunner().invoke(mail, ["replay", "in_nope"])
    assert result.exit_code == 1
    no_traceback(result)
    assert "in_nope" in result.output


# -- mail ingest says where it writes --------------------------------------------------------------------


def raw_mail(subject: str = "Printer jams") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Ann <ann@acme.example>"
    msg["To"] = "support@casebridge.local"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{abs(hash(subject))}@acme.example>"
    msg.set_content("It jams.")
    return bytes(msg)


def test_mail_ingest_without_a_running_stack_says_it_writes_to_a_throwaway_one(tmp_path):
    from functions.channels.email.cli import mail

    (tmp_path / "m.eml").write_bytes(raw_mail())
    result = CliRunner().invoke(mail, ["ingest", str(tmp_path / "m.eml")])
    assert result.exit_code == 0, result.output
    assert "in-process throwaway stack" in result.stderr and "make run" in result.stderr
    assert json.loads(result.stdout.splitlines()[0])["outcome"] == "created"


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=HOST, port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.mark.slow
def test_mail_ingest_writes_to_the_running_stack_and_quarantine_reads_it(moto_endpoint, tmp_path, monkeypatch):
    from functions import composition
    from functions.channels.email.cli import mail
    from functions.local.provision import provision

    monkeypatch.setenv("CASEBRIDGE_AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("CASEBRIDGE_STAGE", "local")  # a running stack's stage
    composition.reset()
    provision()
    monkeypatch.delenv("CASEBRIDGE_AWS_ENDPOINT_URL")
    composition.reset()
    write_stack(tmp_path / "state", "http://127.0.0.1:9", moto_endpoint)
    (tmp_path / "state" / "signing-secret").write_text("the-running-stacks-secret\n")
    monkeypatch.setenv("CASEBRIDGE_LOCAL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CASEBRIDGE_PUBLIC_BASE_URL", "http://elsewhere.example")  # restored after the test
    (tmp_path / "m.eml").write_bytes(raw_mail("First"))
    (tmp_path / "garbage.eml").write_bytes(b"\x00")

    result = CliRunner().invoke(mail, ["ingest", str(tmp_path / "m.eml")])

    assert result.exit_code == 0, result.output
    assert f"writing to the local stack at {moto_endpoint}" in result.stderr
    case = json.loads(result.stdout.splitlines()[0])["case"]
    # it wrote with the running stack's settings: its stage, signing secret and public URL
    import os

    assert (os.environ["CASEBRIDGE_STAGE"], os.environ["CASEBRIDGE_SIGNING_SECRET"]) == (
        "local",
        "the-running-stacks-secret",
    )
    assert os.environ["CASEBRIDGE_PUBLIC_BASE_URL"] == "http://127.0.0.1:9"
    # the running stack holds it: the same mail again is a duplicate there
    again = CliRunner().invoke(mail, ["ingest", str(tmp_path / "m.eml")])
    assert json.loads(again.stdout.splitlines()[0])["outcome"] == "suppressed"
    assert json.loads(again.stdout.splitlines()[0])["case"] == case
    listed = CliRunner().invoke(mail, ["quarantine"])
    assert listed.exit_code == 0, listed.output
    embedded = CliRunner().invoke(mail, ["ingest", "--embedded", str(tmp_path / "m.eml")])
    assert json.loads(embedded.stdout.splitlines()[0])["outcome"] == "created"
    assert "--embedded" in embedded.stderr


# -- local outbox decodes and filters --------------------------------------------------------------------


def sent(subject: str, to: str, body: str, cte: str) -> str:
    msg = EmailMessage()
    msg["From"] = "Support <support@casebridge.local>"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body, cte=cte)
    return bytes(msg).decode("utf-8")


def moto_data(*raws: tuple[str, str]) -> dict[str, Any]:
    return {
        "ses": {
            "RawMessage": [
                {"id": f"m{i}", "source": "support@casebridge.local", "destinations": [to], "raw_data": raw}
                for i, (to, raw) in enumerate(raws)
            ]
        }
    }


def test_outbox_decodes_non_ascii_text_in_every_transfer_encoding():
    from functions.local.outbox import parse_model_data

    mails = parse_model_data(
        moto_data(
            (
                "ann@acme.example",
                sent("Re: [CB-1] Drucker klemmt — 打印机", "ann@acme.example", "Grüße, 日本語\n", "8bit"),
            ),
            ("bob@acme.example", sent("Réponse", "bob@acme.example", "Déjà vu — ✓\n", "quoted-printable")),
            ("cy@acme.example", sent("Ответ", "cy@acme.example", "Привет, мир\n", "base64")),
        )
    )
    assert [(m.subject, m.body) for m in mails] == [
        ("Re: [CB-1] Drucker klemmt — 打印机", "Grüße, 日本語\n"),
        ("Réponse", "Déjà vu — ✓\n"),
        ("Ответ", "Привет, мир\n"),
    ]


def test_outbox_filters_by_recipient_and_subject(server, tmp_path):
    from functions.local.cli import local

    url, handler = server
    handler.answers["/moto-api/data.json"] = (
        200,
        moto_data(
            ("ann@acme.example", sent("Re: [CB-1] Printer jams", "ann@acme.example", "one", "8bit")),
            ("bob@acme.example", sent("Re: [CB-2] Grüße", "bob@acme.example", "two", "8bit")),
            ("ann@acme.example", sent("Re: [CB-3] Grüße zurück", "ann@acme.example", "three", "8bit")),
        ),
    )
    run = CliRunner().invoke
    base = ["outbox", "--aws-endpoint", url, "--json"]
    to_ann = json.loads(run(local, [*base, "--to", "ANN@acme"]).output)
    assert [m["body"] for m in to_ann] == ["one\n", "three\n"]
    both = json.loads(run(local, [*base, "--to", "ann@", "--subject", "grüße"]).output)
    assert [m["subject"] for m in both] == ["Re: [CB-3] Grüße zurück"]
    text = run(local, ["outbox", "--aws-endpoint", url, "--subject", "nothing like this"])
    assert "nothing matching the filters" in text.output


def test_outbox_with_no_embedded_aws_is_one_line():
    from functions.local.cli import local

    result = CliRunner().invoke(local, ["outbox", "--aws-endpoint", REFUSED])
    assert result.exit_code == 1
    no_traceback(result)
    assert "cannot reach the embedded AWS at http://127.0.0.1:9" in result.output


def test_base64_is_not_mistaken_for_mail_here():
    # a guard for the helper above: the base64 body really is base64 on the wire
    assert base64.b64encode("Привет, мир\n".encode()).decode() in sent("x", "a@b.example", "Привет, мир\n", "base64")
