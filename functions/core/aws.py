"""Lazily created, cached boto3 clients, and what kind of failure an AWS call ended in. Nothing is
created or imported from boto at import (cold start)."""

from __future__ import annotations

from functools import cache
from typing import Any

from functions.core.settings import get_settings


@cache
def _client(service: str, endpoint_url: str | None, region: str, adaptive_attempts: int | None) -> Any:
    import boto3  # noqa: PLC0415 - deferred to first use

    if adaptive_attempts is None:
        return boto3.client(service, endpoint_url=endpoint_url, region_name=region)
    from botocore.config import Config  # noqa: PLC0415

    config = Config(retries={"mode": "adaptive", "max_attempts": adaptive_attempts})
    return boto3.client(service, endpoint_url=endpoint_url, region_name=region, config=config)


@cache
def _resource(service: str, endpoint_url: str | None, region: str) -> Any:
    import boto3  # noqa: PLC0415

    return boto3.resource(service, endpoint_url=endpoint_url, region_name=region)


def client(service: str, *, adaptive_attempts: int | None = None) -> Any:
    """The cached client of ``service``. ``adaptive_attempts``: botocore's adaptive retry mode
    (client-side rate limiting once throttled) with that many attempts, for bulk senders."""
    s = get_settings()
    return _client(service, s.endpoint_for(service), s.region, adaptive_attempts)


def resource(service: str) -> Any:
    s = get_settings()
    return _resource(service, s.endpoint_for(service), s.region)


@cache
def _account(endpoint_url: str | None, region: str) -> str:
    return str(_client("sts", endpoint_url, region, None).get_caller_identity()["Account"])


def arn(service: str, resource: str) -> str:
    """The ARN of one of this deployment's resources, e.g. ``arn("sns", topic_name)`` or
    ``arn("states", "stateMachine:" + name)``: this region, this account (asked of STS once)."""
    s = get_settings()
    return f"arn:aws:{service}:{s.region}:{_account(s.aws_endpoint_url, s.region)}:{resource}"


def reset_clients() -> None:
    _client.cache_clear()
    _resource.cache_clear()
    _account.cache_clear()


def is_aws_failure(exc: BaseException) -> bool:
    """An AWS or network failure (retry: the queue delivers the record again, then to its DLQ),
    as opposed to input that cannot be processed (a mail: quarantined)."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    return isinstance(exc, (BotoCoreError, ClientError))


def is_transient_aws_failure(exc: BaseException) -> bool:
    """A failure worth trying again soon: throttling, a 5xx, the network. A refusal (SES
    MessageRejected, a 4xx) is not: sending the same again fails the same."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    if isinstance(exc, BotoCoreError):
        return True
    if not isinstance(exc, ClientError):
        return False
    error = exc.response.get("Error", {})
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    code = str(error.get("Code", ""))
    return status >= 500 or status == 429 or "Throttl" in code or code in TRANSIENT_CODES


TRANSIENT_CODES = frozenset(
    {"ServiceUnavailable", "InternalFailure", "InternalError", "TooManyRequestsException", "RequestTimeout"}
)
