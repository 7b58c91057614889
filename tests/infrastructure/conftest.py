"""Synthesize the CDK app once per test session (both stages) and hand the templates to the tests.

Synthesis runs ``infra/app.py`` in a subprocess: Chalice imports ``app.py`` with the stage's
environment (Cognito authorizer, queue names) and mutates ``os.environ`` while packaging, which
must not leak into, or be shaped by, the other suites sharing this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
STAGES = ("dev", "prod")

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
if str(INFRA) not in sys.path:
    sys.path.insert(0, str(INFRA))


class Synth:
    def __init__(self, outdir: Path, seconds: float) -> None:
        self.outdir = outdir
        self.seconds = seconds

    def template_path(self, stage: str) -> Path:
        return self.outdir / f"Casebridge-{stage}.template.json"

    def template(self, stage: str) -> dict[str, Any]:
        return json.loads(self.template_path(stage).read_text())


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(tmp_path_factory.mktemp("synth"))


def synthesize(work: Path, context: dict[str, Any] | None = None) -> Synth:
    """``infra/app.py`` in a subprocess into ``work/cdk.out``, with CDK ``context`` beside the web
    apps' placeholder (e.g. ``{"stage": "dev", "customers_domain": ...}``)."""
    outdir = work / "cdk.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASEBRIDGE_", "AWS_", "CDK_"))}
    env.update(
        CDK_OUTDIR=str(outdir),
        AWS_EC2_METADATA_DISABLED="true",
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        # A web app that is not built (web/customers before its first `make web`) is deployed as a
        # placeholder page; a built one (`make test` builds the agents' app first) as itself.
        CDK_CONTEXT_JSON=json.dumps({"web": "placeholder", **(context or {})}),
    )
    started = time.monotonic()
    # cwd=work: chalice.cdk writes its packages to ./chalice.out
    proc = subprocess.run(
        [sys.executable, str(INFRA / "app.py")], cwd=work, env=env, capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        pytest.fail(f"cdk synth failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return Synth(outdir, time.monotonic() - started)


@pytest.fixture(scope="session")
def dev(synth: Synth) -> dict[str, Any]:
    return synth.template("dev")


@pytest.fixture(scope="session")
def prod(synth: Synth) -> dict[str, Any]:
    return synth.template("prod")


def resources_of(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def props(template: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [v.get("Properties", {}) for v in resources_of(template, type_).values()]
