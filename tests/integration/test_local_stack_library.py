"""LocalStack used as a library, in-process (the e2e suite runs it as a subprocess)."""

from __future__ import annotations

import json
import os
import urllib.request

import pytest

from functions.local.stack import LocalStack, free_port

pytestmark = pytest.mark.slow


def _get(url: str, token: str) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, json.loads(resp.read())


def test_started_stack_serves_the_app_and_stop_restores_the_environment(tmp_path):
    # Given the test environment
    before = {k: os.environ.get(k) for k in ("CASEBRIDGE_STAGE", "CASEBRIDGE_DEV_AGENT_TOKEN", "AWS_ENDPOINT_URL")}

    # When a stack runs in-process and is stopped
    with LocalStack(api_port=free_port(), aws_port=free_port(), smtp_port=None, data_dir=tmp_path) as stack:
        assert stack.info is not None
        status, page = _get(f"{stack.info.api_url}/customers?limit=200", stack.info.dev_token)
        state = json.loads((tmp_path / "stack.json").read_text())

    # Then it served the seeded customers, kept its secrets in the data dir, and left the environment as it was
    assert status == 200
    assert {"nordwerk", "sakura-foods"} <= {c["customer_id"] for c in page["items"]}
    assert state["api_url"] == stack.info.api_url and "dev_token" not in state
    assert (tmp_path / "dev-agent-token").read_text().strip() == stack.info.dev_token
    assert oct((tmp_path / "signing-secret").stat().st_mode & 0o777) == "0o600"
    assert {k: os.environ.get(k) for k in before} == before
    assert not (tmp_path / "stack.json").exists()


def test_the_development_token_is_kept_across_restarts(tmp_path):
    tokens = []
    for _ in range(2):
        with LocalStack(api_port=free_port(), aws_port=free_port(), smtp_port=None, data_dir=tmp_path, seed=False) as s:
            tokens.append(s.info.dev_token)
    assert tokens[0] == tokens[1]


def test_a_busy_port_is_reported_instead_of_hanging(tmp_path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(OSError, match="already in use"):
            LocalStack(api_port=free_port(), aws_port=port, smtp_port=None, data_dir=tmp_path).start()


def test_the_stack_serves_the_agents_app_config_with_each_seeded_agents_token(tmp_path):
    # Given a stack with the agents' app on its own port
    with LocalStack(
        api_port=free_port(), aws_port=free_port(), smtp_port=None, web_port=free_port(), data_dir=tmp_path, seed=False
    ) as stack:
        assert stack.info is not None and stack.info.web_url
        # When the app reads its runtime config and an agent calls the API with their own token
        with urllib.request.urlopen(f"{stack.info.web_url}/config.json", timeout=30) as resp:
            config = json.loads(resp.read())
        agents = config["auth"]["agents"]
        status, page = _get(f"{stack.info.api_url}/cases", agents[1]["token"])
        # and the browser asks whether it may send If-Match and Idempotency-Key from the app's origin
        preflight = urllib.request.Request(
            f"{stack.info.api_url}/cases/CB-1/replies",
            method="OPTIONS",
            headers={"Origin": stack.info.web_url, "Access-Control-Request-Headers": "idempotency-key,if-match"},
        )
        with urllib.request.urlopen(preflight, timeout=30) as resp:
            allowed = resp.headers["Access-Control-Allow-Headers"].lower()
        state = json.loads((tmp_path / "stack.json").read_text())

    # Then the config names the API and the seeded agents, each token works, and the headers are allowed
    assert config["apiBaseUrl"] == stack.info.api_url and config["auth"]["mode"] == "dev"
    assert len(agents) >= 3 and len({a["token"] for a in agents}) == len(agents)
    assert status == 200 and page["items"] == []
    assert "idempotency-key" in allowed and "if-match" in allowed
    assert all("token" not in a for a in state["agents"])
    assert oct((tmp_path / "agents.json").stat().st_mode & 0o777) == "0o600"
