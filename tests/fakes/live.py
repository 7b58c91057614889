"""In-memory fakes of the live-updates ports (functions/live/ports.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.live.models import Connection, Watch
from functions.live.ports import Gone


class FakePoster:
    """Keeps what it posts; connections in ``gone`` answer Gone (a closed tab)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.gone: set[str] = set()

    def post(self, connection_id: str, message: dict[str, Any]) -> None:
        if connection_id in self.gone:
            raise Gone(connection_id)
        self.sent.append((connection_id, message))

    def to(self, connection_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        return [m for c, m in self.sent if c == connection_id and (kind is None or m["type"] == kind)]


class InMemoryLiveStore:
    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.conns: dict[str, tuple[Connection, datetime]] = {}
        self.watch_items: dict[tuple[str, str], Watch] = {}

    def add_connection(self, connection: Connection, expires_at: datetime) -> None:
        self.conns[connection.connection_id] = (connection.model_copy(), expires_at)

    def connection(self, connection_id: str) -> Connection | None:
        found = self.conns.get(connection_id)
        if found is None or found[1] < self.clock():
            return None
        return found[0].model_copy()

    def connections(self) -> list[str]:
        return sorted(c for c, (_, exp) in self.conns.items() if exp >= self.clock())

    def set_watching(self, connection_id: str, case_id: str | None) -> None:
        if connection_id in self.conns:
            conn, exp = self.conns[connection_id]
            self.conns[connection_id] = (conn.model_copy(update={"watching": case_id}), exp)

    def remove_connection(self, connection_id: str) -> None:
        self.conns.pop(connection_id, None)

    def put_watch(self, watch: Watch, expires_at: datetime) -> None:
        self.watch_items[(watch.case_id, watch.connection_id)] = watch.model_copy()

    def remove_watch(self, case_id: str, connection_id: str) -> None:
        self.watch_items.pop((case_id, connection_id), None)

    def watches(self, case_id: str) -> list[Watch]:
        return [w.model_copy() for (c, _), w in sorted(self.watch_items.items()) if c == case_id]
