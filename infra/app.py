#!/usr/bin/env python3
"""Casebridge CDK app: ``cdk synth`` (all stages) or ``cdk synth -c stage=dev`` (one).

Runs without AWS credentials: the account defaults to a placeholder, so synthesis and every check
in CI work offline; ``cdk deploy`` with real credentials uses the real account. The region is the
stage's (``stages.json`` or ``-c region=...``), never ``CDK_DEFAULT_REGION``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

INFRA_DIR = Path(__file__).resolve().parent
REPO_DIR = INFRA_DIR.parent
for path in (str(INFRA_DIR), str(REPO_DIR)):
    if path not in sys.path:
        sys.path.insert(0, path)

# jsii warns on every run that node 20 is past its end of life; the CLI and CI use node 20 on purpose.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def build_app(outdir: str | None = None, stages: list[str] | None = None):  # noqa: ANN201
    import aws_cdk as cdk
    from casebridge_infra.config import load_stages, stack_environment, stage_config
    from casebridge_infra.stack import CasebridgeStack
    from cdk_nag import AwsSolutionsChecks

    # Feature flags live in cdk.json; read them here too so a plain `python app.py` (the tests)
    # synthesizes exactly what `cdk synth` does.
    context = json.loads((INFRA_DIR / "cdk.json").read_text()).get("context", {})
    outdir = outdir or os.environ.get("CDK_OUTDIR") or str(INFRA_DIR / "cdk.out")
    app = cdk.App(outdir=outdir, context=context)
    selected = app.node.try_get_context("stage")
    names = stages or ([selected] if selected else list(load_stages()))
    overrides = {
        k: app.node.try_get_context(k)
        for k in (
            "region",
            "prefix",
            "mail_domain",
            "support_address",
            "public_base_url",
            "alarm_email",
            "customers_domain",
            "customers_certificate_arn",
        )
    }
    if len(names) != 1 and overrides.get("prefix"):
        raise SystemExit("-c prefix=... needs -c stage=... (each stage needs its own prefix)")
    if len(names) != 1 and overrides.get("customers_domain"):
        raise SystemExit("-c customers_domain=... needs -c stage=... (each stage needs its own domain)")
    for name in names:
        try:
            config = stage_config(name, overrides)
        except ValueError as exc:
            raise SystemExit(str(exc)) from exc
        # `chalice package` asks botocore for the region (service principals); no credentials are used.
        os.environ["AWS_DEFAULT_REGION"] = config.region
        CasebridgeStack(app, config.stack_name, config=config, env=stack_environment(config))
    # cdk-nag v3 is a policy-validation plugin: findings go to cdk.out/policy-validation-report.json
    # and fail the synthesis; casebridge_infra/nag.py acknowledges the ones we accept, with reasons.
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


if __name__ == "__main__":
    build_app().synth()
