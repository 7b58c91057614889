"""What the live service receives. In-memory fakes: ``tests/fakes/live.py``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from functions.live.models import AgentIdentity, Connection, Watch


class Gone(Exception):
    """The connection is closed (API Gateway answered 410): forget it."""


class Poster(Protocol):
    def post(self, connection_id: str, message: dict[str, Any]) -> None:
        """Send one JSON message to a connection; Gone when it is closed."""
        ...


class TokenVerifier(Protocol):
    def __call__(self, token: str) -> AgentIdentity | None:
        """The agent a token names (a Cognito ID token in AWS, a development token locally), or None."""
        ...


class LiveStore(Protocol):
    def add_connection(self, connection: Connection, expires_at: datetime) -> None: ...
    def connection(self, connection_id: str) -> Connection | None: ...
    def connections(self) -> list[str]:
        """Every open connection's id."""
        ...

    def set_watching(self, connection_id: str, case_id: str | None) -> None: ...
    def remove_connection(self, connection_id: str) -> None: ...
    def put_watch(self, watch: Watch, expires_at: datetime) -> None: ...
    def remove_watch(self, case_id: str, connection_id: str) -> None: ...
    def watches(self, case_id: str) -> list[Watch]: ...


Clock = Callable[[], datetime]
