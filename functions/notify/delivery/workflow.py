"""The wiring point the records part looks for (functions/notify/handlers.py ``notice_workflow``)."""

from __future__ import annotations

from typing import Any


def workflow() -> Any:
    """The ``NoticeWorkflow`` (start, signal) of functions/notify/contract.py."""
    from functions.notify.delivery.handlers import notice_workflow  # noqa: PLC0415

    return notice_workflow()
