"""What notices do when their problem changes status (registered in functions/problems/stream.py)."""

from __future__ import annotations

from typing import Any


def on_problem_status(
    problem_id: str, old_status: str | None, new_status: str, service: Any | None = None
) -> list[str]:
    """resolved -> the running notices send their resolution; dismissed/closed -> they stop."""
    if old_status == new_status:
        return []
    if service is None:
        from functions.notify.handlers import notice_service  # noqa: PLC0415

        service = notice_service()
    return list(service.on_problem_status(problem_id, new_status))
