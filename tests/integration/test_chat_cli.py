"""`casebridge chat` and `casebridge web` driven against the app (chalice.test.Client stands in for HTTP)."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner


def _printed(output):
    """The JSON the command printed (the app's own log lines run in-process too)."""
    return json.loads(output[output.index("{\n") :])


@pytest.fixture
def wire(client):
    """Route the CLIs' HTTP calls into the app; ``wire.after_send`` runs after each customer message."""

    class Wire:
        after_send = None
        calls: list[tuple[str, str]] = []

        def call(self, method, url, body=None, headers=None, timeout=30.0):
            parsed = urlparse(url)
            path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            hdrs = {"Content-Type": "application/json", **(headers or {})}
            resp = client.http.request(
                method, path, headers=hdrs, body=json.dumps(body).encode() if body is not None else b""
            )
            self.calls.append((method, parsed.path))
            if method == "POST" and parsed.path.endswith("/messages") and self.after_send:
                self.after_send(body)
            return resp.status_code, (json.loads(resp.body) if resp.body else None)

    w = Wire()
    w.calls = []
    return w


def invoke(wire, command, args, **kwargs):
    """Run a CLI command with its HTTP calls routed into the app."""
    from functions.channels.web.http_client import Http

    return CliRunner().invoke(command, args, obj=Http(wire.call), **kwargs)


def test_web_submit_prints_the_new_case(wire):
    from functions.channels.web.cli import web

    result = invoke(
        wire,
        web,
        ["submit", "--name", "Ann", "--email", "ann@example.org", "--subject", "Jam", "--description", "It jams."],
    )

    assert result.exit_code == 0, result.output
    out = _printed(result.output)
    assert out["status"] == "created" and out["case_id"].startswith("CB-")


def test_web_submit_shows_validation_errors_and_fails(wire):
    from functions.channels.web.cli import web

    result = invoke(
        wire, web, ["submit", "--name", "Ann", "--email", "nope", "--subject", "Jam", "--description", "It jams."]
    )

    assert result.exit_code == 1
    assert _printed(result.output)["error"]["fields"][0]["field"] == "email"


def test_chat_start_send_end_round_trip(wire, agent_headers, client):
    from functions.channels.chat.cli import chat

    started = _printed(invoke(wire, chat, ["start", "--name", "Ann", "--email", "ann@example.org"]).output)
    creds = ["--session", started["session_id"], "--token", started["token"]]

    sent = invoke(wire, chat, ["send", *creds, "--text", "hello"])
    ended = invoke(wire, chat, ["end", *creds])

    assert sent.exit_code == 0 and _printed(sent.output)["seq"] == 1
    assert _printed(ended.output)["status"] == "ended"
    timeline = client.http.get(f"/cases/{started['case_id']}", headers=agent_headers).json_body["timeline"]
    assert "chat_transcript" in [e["kind"] for e in timeline]


def test_chat_talk_sends_lines_and_prints_agent_replies(wire, agent_headers, client):
    from functions.channels.chat.cli import chat

    def agent_answers(body):
        case_id = client.http.get("/chat/sessions", headers=agent_headers).json_body["items"][0]["case_id"]
        client.http.post(
            f"/cases/{case_id}/replies", headers=agent_headers, body=json.dumps({"body": f"you said: {body['text']}"})
        )

    wire.after_send = agent_answers

    result = invoke(
        wire,
        chat,
        ["talk", "--name", "Ann", "--email", "ann@example.org", "--interval", "30"],
        input="my router reboots\n/quit\n",
    )

    assert result.exit_code == 0, result.output
    assert "agent> you said: my router reboots" in result.output
    assert wire.calls[-1][1].endswith("/end")
