"""Structured logging. Log identifiers (case numbers, message hashes), never customer PII."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any

_stream: Any = None


def log_to_stderr() -> None:
    """Command-line tools print results on stdout; their logs go to stderr."""
    global _stream
    _stream = sys.stderr
    logger.cache_clear()


@lru_cache(maxsize=1)
def logger() -> Any:
    from aws_lambda_powertools import Logger  # noqa: PLC0415

    return Logger(service="casebridge", stream=_stream)
