"""The LocalStack lane: the SQS, SNS, SES, S3 and Step Functions paths against LocalStack, the same
code the moto suites run. LocalStack's server (``localstack-core``) runs under Python 3.13 in its
own venv (``make localstack-venv``; ``../shared/docs/LOCALSTACK.md`` for the pins). What LocalStack
does not serve here is a moto server beside it (``CASEBRIDGE_AWS_ENDPOINTS``): DynamoDB (it would
download a Java runtime) and SES v2 (the notices' bulk mail templates: "not yet emulated").
LocalStack's own DynamoDB calls (Step Functions' ``dynamodb:updateItem`` tasks) reach the same moto
server through the provider in ``plugin/`` (``PROVIDER_OVERRIDE_DYNAMODB=casebridge_forward``).

Collected only when ``CASEBRIDGE_LOCALSTACK=1`` (``make test-localstack``, run by ``.ci/run``):
without LocalStack these tests fail, they never skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from functions.local.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVICES = "sqs,sns,ses,s3,stepfunctions,events,iam,sts,dynamodb"
PLUGIN = Path(__file__).resolve().parent / "plugin"  # the DynamoDB provider forwarding to moto


@dataclass
class Lane:
    localstack: str  # the endpoint of every service but DynamoDB
    dynamodb: str
    provisioned: dict


def _python() -> Path:
    python = Path(os.environ.get("CASEBRIDGE_LOCALSTACK_PYTHON") or ROOT / ".localstack-venv" / "bin" / "python")
    if not python.exists():
        pytest.fail(f"LocalStack's Python is not at {python}: run `make localstack-venv` (or `make test-localstack`)")
    return python


def _wait_ready(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"LocalStack exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_localstack/health", timeout=2) as resp:
                services = json.loads(resp.read())["services"]
            if all(services.get(s) in ("available", "running") for s in ("sqs", "sns", "ses", "s3", "stepfunctions")):
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail("LocalStack did not become ready")


@pytest.fixture(scope="session")
def localstack(tmp_path_factory: pytest.TempPathFactory, moto_dynamodb: str) -> Iterator[str]:
    port = free_port()
    root = tmp_path_factory.mktemp("localstack")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(root),
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "GATEWAY_SERVER": "hypercorn",
        "LOCALSTACK_HOST": f"127.0.0.1:{port}",
        "DNS_ADDRESS": "0",
        "DISABLE_EVENTS": "1",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "SQS_ENDPOINT_STRATEGY": "path",
        "SERVICES": SERVICES,
        "FILESYSTEM_ROOT": str(root),
        "PYTHONPATH": str(PLUGIN),
        "PROVIDER_OVERRIDE_DYNAMODB": "casebridge_forward",
        "CASEBRIDGE_LOCALSTACK_DYNAMODB_URL": moto_dynamodb,
    }
    log = (root / "localstack.log").open("w")
    proc = subprocess.Popen(
        [str(_python()), "-m", "localstack.runtime.main"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def moto_dynamodb() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _point_at(monkeypatch: pytest.MonkeyPatch, localstack: str, dynamodb: str) -> None:
    from functions import composition
    from functions.core import aws
    from functions.core.settings import get_settings

    monkeypatch.setenv("CASEBRIDGE_AWS_ENDPOINT_URL", localstack)
    monkeypatch.setenv("CASEBRIDGE_AWS_ENDPOINTS", json.dumps({"dynamodb": dynamodb, "sesv2": dynamodb}))
    get_settings.cache_clear()
    aws.reset_clients()
    composition.reset()


_PROVISIONED: dict = {}


@pytest.fixture
def lane(localstack: str, moto_dynamodb: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lane]:
    """Every boto3 client of the app on LocalStack (DynamoDB on moto), resources provisioned once."""
    from functions.core import aws
    from functions.core.settings import get_settings

    _point_at(monkeypatch, localstack, moto_dynamodb)
    if not _PROVISIONED:
        from functions.local.provision import provision

        _PROVISIONED.update(provision())
    yield Lane(localstack=localstack, dynamodb=moto_dynamodb, provisioned=_PROVISIONED)
    get_settings.cache_clear()
    aws.reset_clients()
