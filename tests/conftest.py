"""Shared fixtures. ``aws`` gives a fresh moto account with every resource provisioned."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Records the AWS calls each Lambda function makes; tests/infrastructure/test_iam_calls.py checks them.
pytest_plugins = ["tests.aws_calls", "tests.log_scan"]
# The LocalStack lane (tests/localstack) runs where LocalStack does: `make test-localstack`.
collect_ignore = [] if os.environ.get("CASEBRIDGE_LOCALSTACK") == "1" else ["localstack"]

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CASEBRIDGE_SHARED_DATA", ROOT.parent / "shared" / "data"))

DEV_TOKEN = "test-agent-token"
TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "CASEBRIDGE_STAGE": "test",
    "CASEBRIDGE_SIGNING_SECRET": "test-signing-secret-not-for-production",
    "CASEBRIDGE_DEV_AGENT_TOKEN": DEV_TOKEN,
}


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[None]:
    for key in ("CASEBRIDGE_AWS_ENDPOINT_URL", "CASEBRIDGE_COGNITO_USER_POOL_ARN"):
        monkeypatch.delenv(key, raising=False)
    for key, value in TEST_ENV.items():
        monkeypatch.setenv(key, value)
    # the real embedding model only for the tests about vectors (@pytest.mark.embedder): the others
    # neither load it nor embed what they index (test time; search stays lexical)
    monkeypatch.setenv("CASEBRIDGE_EMBEDDER", "auto" if request.node.get_closest_marker("embedder") else "none")
    # each test gets its own embedded search index
    monkeypatch.setenv("CASEBRIDGE_SEARCH_DIR", str(tmp_path / "search"))
    # the CLI never finds a developer's running local stack from a test (functions/local/running.py)
    monkeypatch.setenv("CASEBRIDGE_LOCAL_STATE_DIR", str(tmp_path / "no-local-stack"))
    from functions import composition

    composition.reset()
    yield
    composition.reset()


@pytest.fixture
def aws() -> Iterator[dict]:
    from moto import mock_aws

    from functions.local import moto_fixes
    from functions.local.provision import provision

    moto_fixes.apply()
    with mock_aws():
        yield provision()


@pytest.fixture
def container():
    """The process's container (``functions.composition``), fresh for this test: override parts
    with ``container.override(name=fake)`` before they are first used."""
    from functions import composition

    return composition.container()


@pytest.fixture
def agent_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {DEV_TOKEN}", "Content-Type": "application/json"}


@pytest.fixture
def client(aws: dict) -> Iterator:
    from chalice.test import Client

    from app import app

    with Client(app) as c:
        yield c


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared test data not found at {SHARED_DATA}; set CASEBRIDGE_SHARED_DATA")
    return SHARED_DATA
