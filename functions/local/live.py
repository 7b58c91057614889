"""The local stack's live-updates WebSocket: the protocol of the API Gateway WebSocket API
(``ws://127.0.0.1:<port>/?token=<development token>``; JSON messages both ways), served with the
``websockets`` library on a thread. Connecting, messages and disconnecting go to the same live
service the Lambda functions use; the table stream's ``live_stream`` consumer (fed by the local
stream pump) posts its hints through ``LocalPoster``, this server's connections."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from functions.live.ports import Gone


class LocalPoster:
    """``Poster`` over this process's open WebSocket connections."""

    def __init__(self) -> None:
        self._connections: dict[str, Any] = {}
        self._lock = threading.Lock()

    def add(self, connection_id: str, connection: Any) -> None:
        with self._lock:
            self._connections[connection_id] = connection

    def remove(self, connection_id: str) -> None:
        with self._lock:
            self._connections.pop(connection_id, None)

    def post(self, connection_id: str, message: dict[str, Any]) -> None:
        from websockets.exceptions import ConnectionClosed  # noqa: PLC0415

        with self._lock:
            connection = self._connections.get(connection_id)
        if connection is None:
            raise Gone(connection_id)
        try:
            connection.send(json.dumps(message))
        except ConnectionClosed as exc:
            raise Gone(connection_id) from exc


class LiveServer:
    """``LiveServer(host, port, live).start()``; ``live()`` is the live service (the container's)."""

    def __init__(self, host: str, port: int, live: Callable[[], Any], poster: LocalPoster) -> None:
        from websockets.sync.server import serve  # noqa: PLC0415 - development dependency only

        self.live, self.poster = live, poster
        self.server = serve(self._handle, host, port, process_request=self._authenticate)
        self.url = f"ws://{host}:{port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="live-ws", daemon=True)

    def _authenticate(self, connection: Any, request: Any) -> Any:
        """API Gateway's $connect: a token that names no agent is refused (HTTP 401) before the handshake."""
        token = (parse_qs(urlsplit(request.path).query).get("token") or [None])[0]
        connection_id = secrets.token_urlsafe(12)
        if self.live().connect(connection_id, token) is None:
            return connection.respond(401, "an agent token is required: ?token=<token>\n")
        connection.casebridge_id = connection_id
        return None

    def _handle(self, connection: Any) -> None:
        from functions.core.errors import InvalidInput  # noqa: PLC0415

        connection_id = connection.casebridge_id
        self.poster.add(connection_id, connection)
        try:
            for message in connection:
                try:
                    self.live().receive(connection_id, message if isinstance(message, str) else message.decode())
                except InvalidInput:
                    continue  # as the Lambda does: ignored
        finally:
            self.poster.remove(connection_id)
            self.live().disconnect(connection_id)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self._thread.join(5)
