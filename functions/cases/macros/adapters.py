"""Display names for macros' placeholders: agents from the configured directory (the local stack's
seeded agents; none in AWS until an agents directory exists), customers from the customer store."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from functions.core.errors import NotFound


class DirectoryNames:
    def __init__(self, agents: Mapping[str, str], customers: Callable[[], Any]) -> None:
        self._agents = dict(agents)
        self._customers = customers

    def agent(self, agent_id: str) -> str | None:
        return self._agents.get(agent_id) or None

    def customer(self, customer_id: str) -> str | None:
        try:
            return str(self._customers().get(customer_id).name) or None
        except NotFound:
            return None
