"""Structured logging. Log identifiers (case numbers, message hashes), never customer PII."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def logger() -> Any:
    from aws_lambda_powertools import Logger  # noqa: PLC0415

    return Logger(service="casebridge")
