"""Per-stage deployment settings, read from ``infra/stages.json`` and overridable with CDK context.

Context overrides (``cdk synth -c prefix=acme-cb-dev -c mail_domain=support.acme.com``) let a
DevOps team deploy into its own account without editing the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

INFRA_DIR = Path(__file__).resolve().parents[1]
REPO_DIR = INFRA_DIR.parent
STAGES_FILE = INFRA_DIR / "stages.json"
STEPFUNCTIONS_DIR = REPO_DIR / "stepfunctions"

# Context keys that override a stage's settings from the command line.
CONTEXT_OVERRIDES = {
    "prefix": "resource_prefix",
    "mail_domain": "mail_domain",
    "support_address": "support_address",
    "public_base_url": "public_base_url",
    "alarm_email": "alarm_email",
}


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
    resource_prefix: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,40}$")
    mail_domain: str
    support_address: str
    public_base_url: str
    lambda_memory_mb: int = Field(ge=128, le=10240)
    retain_data: bool
    search: SearchSizing
    alarm_email: str | None = None
    log_retention_days: int

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
    return StageConfig(name=name, **values)
