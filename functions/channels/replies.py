"""Reply channels: how an agent's reply reaches the customer (email or chat)."""

from __future__ import annotations

from typing import Any


def reply_channels() -> dict[Any, Any]:
    """Channel -> ReplyChannel adapter. Filled in by the email and chat channels."""
    return {}
