"""Start and stop ``casebridge local up`` in a subprocess on free loopback ports, as a user would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from functions.local import calls
from functions.local.stack import free_port
from tests import aws_calls, log_scan

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 90.0


@dataclass
class RunningStack:
    process: subprocess.Popen
    api_url: str
    aws_endpoint: str
    smtp_host: str
    smtp_port: int
    token: str
    data_dir: Path
    info: dict[str, Any]
    output: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = "default") -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {self.token if token == 'default' else token}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.api_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else None

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*casebridge_command(), *args], cwd=ROOT, env=stack_env(), capture_output=True, text=True, timeout=60
        )


def casebridge_command() -> list[str]:
    script = Path(sys.executable).parent / "casebridge"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from functions.cli import main; main()"]


def stack_env() -> dict[str, str]:
    """The user's environment: none of the test suite's CASEBRIDGE_/AWS_ settings leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEBRIDGE_", "AWS_"))}
    env["PYTHONUNBUFFERED"] = "1"
    env["CASEBRIDGE_EMBEDDER"] = "none"  # no suite here is about vectors: the stack neither loads nor runs the model
    return env


def start_stack(data_dir: Path, *extra: str, smtp: bool = True) -> RunningStack:
    api_port, aws_port = free_port(), free_port()
    smtp_port = free_port() if smtp else 0
    cmd = [
        *casebridge_command(),
        "local",
        "up",
        "--api-port",
        str(api_port),
        "--aws-port",
        str(aws_port),
        "--smtp-port",
        str(smtp_port),
        "--data-dir",
        str(data_dir),
        "--web-port",
        "0",  # the agents' app is not what these suites test (web/agents/e2e does)
        "--live-port",
        str(free_port()),  # never the default port: several stacks run side by side
        "--customers-port",
        "0",  # the customers' site is not what these suites test (web/customers/e2e does)
        *extra,
    ]
    env = stack_env()
    record_dir = aws_calls.record_dir()
    if record_dir is not None:  # the functions' AWS calls, for tests/infrastructure/test_iam_calls.py
        env[calls.ENV_VAR] = str(record_dir / f"local-stack-{api_port}.jsonl")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
    )
    output: list[str] = []
    ready: dict[str, Any] = {}
    got_ready = threading.Event()

    def read(stream: Any) -> None:
        for line in stream:
            output.append(line.rstrip("\n"))
            if line.startswith("READY "):
                ready.update(json.loads(line[6:]))
                got_ready.set()

    log_scan.log_output(f"local stack :{api_port}", output)  # its log lines: no customer data (tests/log_scan.py)
    for stream in (proc.stdout, proc.stderr):
        threading.Thread(target=read, args=(stream,), daemon=True).start()
    deadline = time.monotonic() + READY_TIMEOUT
    while not got_ready.wait(0.2):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_stack(proc)
            tail = "\n".join(output[-40:])
            pytest.fail(f"local stack did not become ready (exit {proc.returncode}):\n{tail}")
    return RunningStack(
        process=proc,
        api_url=ready["api_url"],
        aws_endpoint=ready["aws_endpoint"],
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        token=(data_dir / "dev-agent-token").read_text().strip(),
        data_dir=data_dir,
        info=ready,
        output=output,
    )


def stop_stack(proc: subprocess.Popen, timeout: float = 20.0) -> int | None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return proc.returncode
