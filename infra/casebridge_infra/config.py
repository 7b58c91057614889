"""Per-stage deployment settings, read from ``infra/stages.json`` and overridable with CDK context.

Context overrides (``cdk synth -c prefix=acme-cb-dev -c mail_domain=support.acme.com``) let a
DevOps team deploy into its own account without editing the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

INFRA_DIR = Path(__file__).resolve().parents[1]
REPO_DIR = INFRA_DIR.parent
STAGES_FILE = INFRA_DIR / "stages.json"
STEPFUNCTIONS_DIR = REPO_DIR / "stepfunctions"

# Regions where SES receives mail (CloudFormation offers AWS::SES::ReceiptRuleSet there; a test holds
# this list against cfn-lint's per-region resource catalogue). The stack needs receiving for intake.
SES_RECEIVING_REGIONS = (
    "af-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
)
PLACEHOLDER_ACCOUNT = "111111111111"

# Context keys that override a stage's settings from the command line.
CONTEXT_OVERRIDES = {
    "region": "region",
    "prefix": "resource_prefix",
    "mail_domain": "mail_domain",
    "support_address": "support_address",
    "public_base_url": "public_base_url",
    "alarm_email": "alarm_email",
    "customers_domain": "customers_domain",
    "customers_certificate_arn": "customers_certificate_arn",
}
# CloudFront takes its viewer certificates from ACM in us-east-1 only, whatever the stack's region.
CLOUDFRONT_CERTIFICATE_ARN = r"^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[A-Za-z0-9-]+$"
HOST_NAME = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


class SearchSizing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instance_type: str
    data_nodes: int = Field(ge=1)
    volume_gb: int = Field(ge=10)
    zone_awareness: bool
    dedicated_master_type: str | None = None


class StageConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    # Chosen here (stages.json or -c region=...), never taken from CDK_DEFAULT_REGION: the CDK CLI
    # overwrites that variable with the profile's region, so a stack could land where SES receives no mail.
    region: str
    resource_prefix: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,40}$")
    mail_domain: str
    support_address: str
    public_base_url: str
    lambda_memory_mb: int = Field(ge=128, le=10240)
    retain_data: bool
    search: SearchSizing
    alarm_email: str | None = None
    log_retention_days: int
    # Make the stack's receipt rule set the active one (a custom resource; only one rule set per
    # region and account can be active). False where the account already receives mail with another
    # rule set: then add our rule to that one (docs/deploy.md).
    activate_receipt_rule_set: bool = True
    # The customers' site on a domain of its own (help.example.com): its CloudFront distribution
    # answers that name with this ACM certificate (us-east-1), and ``public_base_url`` becomes
    # https://{customers_domain} (the links in mails, CORS, the uploads' origin). Both or neither.
    customers_domain: str | None = Field(default=None, pattern=HOST_NAME, max_length=253)
    customers_certificate_arn: str | None = Field(default=None, pattern=CLOUDFRONT_CERTIFICATE_ARN)

    @model_validator(mode="after")
    def _customers_domain(self) -> StageConfig:
        if bool(self.customers_domain) != bool(self.customers_certificate_arn):
            raise ValueError(
                "customers_domain and customers_certificate_arn go together: the domain's ACM certificate "
                "(in us-east-1) lets CloudFront answer it (-c customers_domain=... -c customers_certificate_arn=...)"
            )
        if self.customers_domain:
            self.public_base_url = f"https://{self.customers_domain}"
        return self

    @field_validator("region")
    @classmethod
    def _receives_mail(cls, region: str) -> str:
        if region not in SES_RECEIVING_REGIONS:
            raise ValueError(
                f"region {region!r} does not offer SES email receiving, which the stack needs for mail intake; "
                f"choose one of {', '.join(SES_RECEIVING_REGIONS)} (stages.json 'region' or -c region=...)"
            )
        return region

    @property
    def stack_name(self) -> str:
        return f"Casebridge-{self.name}"


def load_stages(path: Path = STAGES_FILE) -> dict[str, dict[str, Any]]:
    raw = json.loads(path.read_text())
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def stage_config(name: str, context: dict[str, Any] | None = None, path: Path = STAGES_FILE) -> StageConfig:
    stages = load_stages(path)
    if name not in stages:
        raise ValueError(f"unknown stage {name!r}; stages in {path.name}: {sorted(stages)}")
    values = dict(stages[name])
    for key, field in CONTEXT_OVERRIDES.items():
        if context and context.get(key):
            values[field] = context[key]
    try:
        return StageConfig(name=name, **values)
    except ValidationError as exc:
        raise ValueError(f"stage {name!r}: {exc}") from exc


def stack_environment(config: StageConfig) -> Any:
    """The stack's account and region: the stage's region; the account of the credentials the CDK CLI
    found (CDK_DEFAULT_ACCOUNT), or a placeholder when synthesizing offline."""
    import os  # noqa: PLC0415

    import aws_cdk as cdk  # noqa: PLC0415

    return cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT", PLACEHOLDER_ACCOUNT), region=config.region)
