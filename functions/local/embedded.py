"""Where a command-line tool's AWS calls go: a running local stack, or an embedded one in-process."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextlib.contextmanager
def aws_target(endpoint: str | None) -> Iterator[None]:
    """Use the local stack at ``endpoint``; without one, a fresh in-process moto account with
    every resource provisioned (a throwaway world, gone when the block ends)."""
    from functions import composition  # noqa: PLC0415

    for key, value in DUMMY_CREDENTIALS.items():
        os.environ.setdefault(key, value)
    if endpoint:
        os.environ["CASEBRIDGE_AWS_ENDPOINT_URL"] = endpoint
        os.environ.setdefault("CASEBRIDGE_STAGE", "local")
        composition.reset()
        try:
            yield
        finally:
            composition.reset()
        return
    os.environ.setdefault("CASEBRIDGE_SIGNING_SECRET", secrets.token_urlsafe(32))
    os.environ.pop("CASEBRIDGE_AWS_ENDPOINT_URL", None)
    composition.reset()
    from moto import mock_aws  # noqa: PLC0415

    from functions.local import moto_fixes  # noqa: PLC0415
    from functions.local.provision import provision  # noqa: PLC0415

    moto_fixes.apply()
    try:
        with mock_aws():
            provision()
            yield
    finally:
        composition.reset()


@contextlib.contextmanager
def configured_target(endpoint: str | None) -> Iterator[None]:
    """For operations on an existing system: the local stack at ``endpoint``, or the AWS account
    the environment is configured for. Failures become one clear line, not a traceback."""
    import click  # noqa: PLC0415
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError  # noqa: PLC0415

    from functions import composition  # noqa: PLC0415
    from functions.core.errors import DomainError  # noqa: PLC0415

    stack = contextlib.ExitStack()
    if endpoint:
        stack.enter_context(aws_target(endpoint))
    else:
        composition.reset()
    with stack:
        try:
            yield
        except NoCredentialsError as exc:
            raise click.ClickException(
                "no AWS credentials: pass --endpoint http://127.0.0.1:4566 for the local stack, "
                "or configure credentials for the account"
            ) from exc
        except (ClientError, BotoCoreError) as exc:
            raise click.ClickException(f"AWS call failed: {exc}") from exc
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
