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
    from functions import composition  # noqa: PLC0415
    from functions.local.running import one_line_errors  # noqa: PLC0415

    stack = contextlib.ExitStack()
    if endpoint:
        stack.enter_context(aws_target(endpoint))
    else:
        composition.reset()
    with stack, one_line_errors(endpoint):
        yield
