"""Live updates' use cases: connections (authenticated once, at connect), watches and presence,
and the hints of the table's stream posted to every open connection."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from functions.core.errors import InvalidInput
from functions.live import rules
from functions.live.models import AgentIdentity, ClientMessage, Connection, Viewer, Watch
from functions.live.ports import Clock, Gone, LiveStore, Poster, TokenVerifier


class LiveService:
    def __init__(
        self,
        store: LiveStore,
        poster: Poster,
        verifier: TokenVerifier,
        clock: Clock,
        *,
        presence_ttl: timedelta = timedelta(seconds=75),
        connection_ttl: timedelta = timedelta(hours=2, minutes=5),
    ) -> None:
        self.store = store
        self.poster = poster
        self.verifier = verifier
        self.clock = clock
        self.presence_ttl = presence_ttl  # clients watch again every 30 s
        self.connection_ttl = connection_ttl  # API Gateway closes a connection after 2 hours

    # -- connections ------------------------------------------------------------------------------
    def connect(self, connection_id: str, token: str | None) -> AgentIdentity | None:
        """Accept a connection whose token names an agent (None: refuse it)."""
        agent = self.verifier(token) if token else None
        if agent is None:
            return None
        now = self.clock()
        self.store.add_connection(
            Connection(connection_id=connection_id, agent_id=agent.agent_id, name=agent.name, connected_at=now),
            now + self.connection_ttl,
        )
        return agent

    def disconnect(self, connection_id: str) -> None:
        connection = self.store.connection(connection_id)
        self.store.remove_connection(connection_id)
        if connection is not None and connection.watching:
            self._leave(connection.watching, connection_id)

    # -- what a client says -------------------------------------------------------------------------
    def receive(self, connection_id: str, raw: str | None) -> None:
        try:
            message = ClientMessage.model_validate(json.loads(raw or ""))
        except (ValueError, ValidationError) as exc:
            raise InvalidInput(
                'a message is JSON: {"type": "watch" | "unwatch" | "composing", "case_id": ...}'
            ) from exc
        connection = self.store.connection(connection_id)
        if connection is None:
            return  # expired or never accepted: the client reconnects
        if message.type == "ping":
            return
        if message.type == "unwatch" or (message.type == "watch" and message.case_id is None):
            if connection.watching:
                self.store.set_watching(connection_id, None)
                self._leave(connection.watching, connection_id)
            return
        case_id = message.case_id or connection.watching
        if case_id is None:
            return  # "composing" on no case
        newly = connection.watching != case_id
        if connection.watching and newly:
            self._leave(connection.watching, connection_id)
        if newly:
            self.store.set_watching(connection_id, case_id)
        before = self.viewers(case_id)
        composing = message.composing if message.type == "composing" else self._composing(case_id, connection_id)
        now = self.clock()
        watch = Watch(
            case_id=case_id,
            connection_id=connection_id,
            agent_id=connection.agent_id,
            name=connection.name,
            composing=composing,
            seen_at=now,
        )
        self.store.put_watch(watch, now + self.presence_ttl)
        after = self.viewers(case_id)
        if _summary(before) != _summary(after):
            self._post_presence(case_id, after)  # everyone watching hears of the change
        elif newly:
            self._post(connection_id, rules.presence_hint(case_id, after))  # the newcomer learns who is there

    def _composing(self, case_id: str, connection_id: str) -> bool:
        return any(w.composing for w in self.store.watches(case_id) if w.connection_id == connection_id)

    def _leave(self, case_id: str, connection_id: str) -> None:
        self.store.remove_watch(case_id, connection_id)
        self._post_presence(case_id, self.viewers(case_id))

    # -- presence -------------------------------------------------------------------------------------
    def viewers(self, case_id: str) -> list[Viewer]:
        return rules.current_viewers(self.store.watches(case_id), self.clock(), self.presence_ttl)

    def _post_presence(self, case_id: str, viewers: list[Viewer]) -> None:
        hint = rules.presence_hint(case_id, viewers)
        for watch in self.store.watches(case_id):
            self._post(watch.connection_id, hint)

    # -- the table's stream -----------------------------------------------------------------------------
    def on_changes(self, changes: Iterable[tuple[str, Mapping[str, Any] | None, Mapping[str, Any] | None]]) -> int:
        """Post the hints of a stream batch to every open connection; returns the messages sent."""
        hints = rules.hints_for(changes)
        if not hints:
            return 0
        sent = 0
        for connection_id in self.store.connections():
            for hint in hints:
                if not self._post(connection_id, hint):
                    break
                sent += 1
        return sent

    def _post(self, connection_id: str, message: dict[str, Any]) -> bool:
        try:
            self.poster.post(connection_id, message)
        except Gone:
            self.disconnect(connection_id)
            return False
        return True


def _summary(viewers: list[Viewer]) -> list[tuple[str, bool]]:
    return [(v.agent_id, v.composing) for v in viewers]
