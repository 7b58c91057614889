"""How a command finds the running local stack (as ``local send-mail`` does) and fails in one line.

``casebridge local up`` (``make run``) writes ``.local/stack.json`` with the ports it was started
with; the commands that talk to a stack read it when no ``--endpoint`` is given, and check that
the stack answers (a file left by a killed stack is not a running stack). Tests point the lookup
elsewhere with ``CASEBRIDGE_LOCAL_STATE_DIR`` so that a developer's running stack is never used by
accident.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HOW_TO_POINT = "start one with 'make run' (or 'casebridge local up'), or pass --endpoint URL"


def state_dir() -> Path:
    from functions.local.stack import DEFAULT_DATA_DIR  # noqa: PLC0415

    return Path(os.environ.get("CASEBRIDGE_LOCAL_STATE_DIR") or DEFAULT_DATA_DIR)


def _answers(url: str, timeout: float = 0.5) -> bool:
    parts = urlsplit(url)
    if not parts.hostname or not parts.port:
        return False
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout):
            return True
    except Exception:  # noqa: BLE001 - refused, unreachable, or sockets not allowed here: not running
        return False


def running_stack(directory: Path | None = None) -> dict[str, Any] | None:
    """The running local stack's ``stack.json`` (api_url, aws_endpoint, smtp_address, ...), or None."""
    path = (directory or state_dir()) / "stack.json"
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or not _answers(str(state.get("aws_endpoint") or "")):
        return None
    return state


def api_endpoint(explicit: str | None, default: str) -> str:
    """The API base URL: ``--endpoint``, else the running stack's, else ``default``."""
    if explicit:
        return explicit
    stack = running_stack()
    return str(stack["api_url"]) if stack and stack.get("api_url") else default


def aws_endpoint(explicit: str | None) -> str | None:
    """The embedded AWS URL: ``--endpoint``, else the running stack's, else None (none is up).

    When the target is the running stack, the command takes that stack's settings too (its signing
    secret and public URL), so the links in the mail it sends work there."""
    stack = running_stack()
    found = str(stack["aws_endpoint"]) if stack and stack.get("aws_endpoint") else None
    target = explicit or found
    if stack is not None and target and target.rstrip("/") == (found or "").rstrip("/"):
        adopt(stack)
    return target


def adopt(stack: dict[str, Any], directory: Path | None = None) -> None:
    """Use the running stack's settings in this process (as ``LocalStack`` sets them for itself)."""
    directory = directory or state_dir()
    secret = directory / "signing-secret"
    if secret.exists() and secret.read_text().strip():
        os.environ["CASEBRIDGE_SIGNING_SECRET"] = secret.read_text().strip()
    if stack.get("api_url"):
        os.environ["CASEBRIDGE_PUBLIC_BASE_URL"] = str(stack["api_url"])
    os.environ["CASEBRIDGE_STAGE"] = "local"


@contextlib.contextmanager
def one_line_errors(where: str | None = None) -> Iterator[None]:
    """Connection, AWS and domain failures end the command with one line (and status 1), never a traceback."""
    import click  # noqa: PLC0415
    from botocore.exceptions import (  # noqa: PLC0415
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
    )

    from functions.core.errors import DomainError  # noqa: PLC0415

    target = f" at {where}" if where else ""
    try:
        yield
    except click.ClickException:
        raise
    except EndpointConnectionError as exc:
        raise click.ClickException(f"no local stack answers{target} ({exc}); {HOW_TO_POINT}") from exc
    except NoCredentialsError as exc:
        raise click.ClickException(f"no AWS credentials; {HOW_TO_POINT}") from exc
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise click.ClickException(
            f"AWS refused {exc.operation_name}{target}: {error.get('Code')}: {error.get('Message')}"
        ) from exc
    except BotoCoreError as exc:
        raise click.ClickException(f"AWS call failed{target}: {exc}") from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    except ConnectionError as exc:
        raise click.ClickException(f"cannot reach the local stack{target}: {exc}; {HOW_TO_POINT}") from exc
    except OSError as exc:
        raise click.ClickException(str(exc)) from exc
