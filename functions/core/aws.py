"""Lazily created, cached boto3 clients. Nothing is created at import (cold start)."""

from __future__ import annotations

from functools import cache
from typing import Any

from functions.core.settings import get_settings


@cache
def _client(service: str, endpoint_url: str | None, region: str) -> Any:
    import boto3  # noqa: PLC0415 - deferred to first use

    return boto3.client(service, endpoint_url=endpoint_url, region_name=region)


@cache
def _resource(service: str, endpoint_url: str | None, region: str) -> Any:
    import boto3  # noqa: PLC0415

    return boto3.resource(service, endpoint_url=endpoint_url, region_name=region)


def client(service: str) -> Any:
    s = get_settings()
    return _client(service, s.aws_endpoint_url, s.region)


def resource(service: str) -> Any:
    s = get_settings()
    return _resource(service, s.aws_endpoint_url, s.region)


def reset_clients() -> None:
    _client.cache_clear()
    _resource.cache_clear()
