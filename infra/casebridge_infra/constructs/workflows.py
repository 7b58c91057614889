"""State machines from every ``stepfunctions/<name>.asl.json``, bound with definition substitutions.

A definition names the resources it uses as ``${Placeholders}``; CloudFormation substitutes
them (``DefinitionSubstitutions``) from the mapping given here, and synthesis fails on a
placeholder the mapping lacks, so a typo cannot deploy. Zero definition files is fine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
SUFFIX = ".asl.json"


class MissingSubstitution(Exception):
    pass


def definition_files(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"*{SUFFIX}")) if directory.is_dir() else []


def machine_name(path: Path) -> str:
    return path.name[: -len(SUFFIX)]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


class Workflows(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        prefix: str,
        directory: Path,
        substitutions: Mapping[str, str],
        grants: Mapping[str, Callable[[iam.IRole], None]] | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, id)
        self.machines: dict[str, sfn.StateMachine] = {}
        for path in definition_files(directory):
            name = machine_name(path)
            text = path.read_text()
            missing = placeholders(text) - set(substitutions)
            if missing:
                raise MissingSubstitution(f"{path.name}: no value for placeholders {sorted(missing)}")
            log_group = logs.LogGroup(
                self, f"Logs-{name}", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
            )
            machine = sfn.StateMachine(
                self,
                f"Machine-{name}",
                state_machine_name=f"{prefix}-{name}",
                definition_body=sfn.DefinitionBody.from_string(text),
                definition_substitutions={k: substitutions[k] for k in sorted(placeholders(text))},
                logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
                tracing_enabled=True,
            )
            if grants and name in grants:
                grants[name](machine.role)
            self.machines[name] = machine
