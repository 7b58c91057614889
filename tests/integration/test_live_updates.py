"""Live updates on moto: the WebSocket routes as API Gateway calls them, the table stream's
``live_stream`` consumer posting hints (through the local stream pump, with a fake connection
poster), and the viewers of a case over REST."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.fakes.live import FakePoster

AGENTS = [
    {"id": "lea@casebridge.local", "name": "Lea Berg", "token": "lea-token", "roles": []},
    {"id": "sam@casebridge.local", "name": "Sam Garcia", "token": "sam-token", "roles": []},
]


@pytest.fixture(autouse=True)
def _seeded_agents(monkeypatch):
    monkeypatch.setenv("CASEBRIDGE_DEV_AGENTS", json.dumps(AGENTS))
    from functions.core.settings import reset_settings

    reset_settings()
    yield
    reset_settings()


def ws_event(route: str, connection_id: str, body: str | None = None, token: str | None = None) -> dict:
    kind = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE")
    return {
        "requestContext": {
            "routeKey": route,
            "eventType": kind,
            "connectionId": connection_id,
            "apiId": "abc123",
            "stage": "api",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
        },
        "queryStringParameters": {"token": token} if token else None,
        "body": body,
        "isBase64Encoded": False,
    }


def test_the_websocket_routes_accept_agents_and_tell_viewers_who_else_is_there(client, container):
    from app import app

    poster = container.override(live_poster=FakePoster()).live_poster
    refused = app.handler_map["live_connect"](ws_event("$connect", "x", token="wrong"), None)
    assert refused["statusCode"] == 401
    for conn, token in (("c-lea", "lea-token"), ("c-sam", "sam-token")):
        assert app.handler_map["live_connect"](ws_event("$connect", conn, token=token), None)["statusCode"] == 200
    for conn in ("c-lea", "c-sam"):
        app.handler_map["live_message"](
            ws_event("$default", conn, json.dumps({"type": "watch", "case_id": "CB-1"})), None
        )
    composing = json.dumps({"type": "composing", "case_id": "CB-1", "composing": True})
    app.handler_map["live_message"](ws_event("$default", "c-lea", composing), None)

    assert poster.to("c-sam", "presence")[-1]["viewers"] == [
        {"agent_id": "lea@casebridge.local", "name": "Lea Berg", "composing": True},
        {"agent_id": "sam@casebridge.local", "name": "Sam Garcia", "composing": False},
    ]
    viewers = client.http.get("/cases/CB-1/viewers", headers={"Authorization": "Bearer sam-token"}).json_body
    assert [(v["agent_id"], v["composing"]) for v in viewers["viewers"]] == [
        ("lea@casebridge.local", True),
        ("sam@casebridge.local", False),
    ]
    app.handler_map["live_disconnect"](ws_event("$disconnect", "c-lea"), None)
    assert [v["agent_id"] for v in poster.to("c-sam", "presence")[-1]["viewers"]] == ["sam@casebridge.local"]


def test_a_message_that_is_not_json_is_ignored_not_a_failure(client, container):
    from app import app

    container.override(live_poster=FakePoster())
    app.handler_map["live_connect"](ws_event("$connect", "c1", token="lea-token"), None)
    assert app.handler_map["live_message"](ws_event("$default", "c1", "hello"), None)["statusCode"] == 200


@pytest.fixture
def moto_server(monkeypatch) -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    from functions import composition
    from functions.local.provision import provision
    from functions.local.stack import HOST, free_port

    server = ThreadedMotoServer(ip_address=HOST, port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("CASEBRIDGE_AWS_ENDPOINT_URL", f"http://{host}:{port}")
    composition.reset()
    provision()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.mark.slow
def test_a_case_changed_through_the_api_reaches_every_connection_through_the_stream(moto_server):
    from chalice.test import Client

    from app import app
    from functions import composition
    from functions.local import events

    poster = FakePoster()
    container = composition.container().override(live_poster=poster)
    handlers = events.event_handlers(app)
    [pump] = [p for p in events.build_pumps(handlers) if p.name == "live_stream"]
    container.live.connect("c-lea", "lea-token")
    container.live.connect("c-gone", "sam-token")
    poster.gone.add("c-gone")

    lea = {"Authorization": "Bearer lea-token", "Content-Type": "application/json"}
    with Client(app) as client:
        case = client.http.post("/cases", headers=lea, body=json.dumps({"subject": "Printer jams"})).json_body
        client.http.patch(f"/cases/{case['case_id']}", headers=lea, body=json.dumps({"priority": "high"}))
    while pump.poll_once():
        pass

    hints = poster.to("c-lea", "case_changed")
    assert hints[-1] == {
        "type": "case_changed",
        "case_id": case["case_id"],
        "version": 2,
        "updated_at": hints[-1]["updated_at"],
        "removed": False,
    }
    assert "Printer" not in json.dumps(poster.sent)  # hints, never content
    assert container.live.store.connection("c-gone") is None  # gone: forgotten
    assert pump.skipped == []


def test_the_local_stacks_websocket_speaks_the_same_protocol(container):
    """functions.local.live: ?token= at the handshake (401 without an agent's), JSON both ways, the
    stream's hints posted through its connections."""
    from datetime import UTC, datetime

    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    from functions.live.adapters import DevTokenVerifier
    from functions.live.service import LiveService
    from functions.local.live import LiveServer, LocalPoster
    from functions.local.stack import HOST, free_port
    from tests.fakes.live import InMemoryLiveStore

    def clock():
        return datetime.now(UTC)

    poster = LocalPoster()
    live = LiveService(InMemoryLiveStore(clock), poster, DevTokenVerifier([("lea@x", "Lea", "lea-token")], None), clock)
    port = free_port()
    server = LiveServer(HOST, port, lambda: live, poster)
    server.start()
    try:
        with pytest.raises(InvalidStatus) as refused:
            connect(f"ws://{HOST}:{port}/?token=nope", open_timeout=5)
        assert refused.value.response.status_code == 401
        with connect(f"ws://{HOST}:{port}/?token=lea-token", open_timeout=5) as ws:
            ws.send(json.dumps({"type": "watch", "case_id": "CB-1"}))
            presence = json.loads(ws.recv(timeout=5))
            assert presence == {
                "type": "presence",
                "case_id": "CB-1",
                "viewers": [{"agent_id": "lea@x", "name": "Lea", "composing": False}],
            }
            live.on_changes([("MODIFY", {"SK": "#META", "type": "problem", "problem_id": "P-1", "version": 2}, None)])
            assert json.loads(ws.recv(timeout=5))["type"] == "problem_changed"
    finally:
        server.stop()


class _Keys:
    """The pool's signing keys as PyJWKClient gives them (no network)."""

    def __init__(self, public_key) -> None:
        self.public_key = public_key

    def get_signing_key_from_jwt(self, token: str):
        from types import SimpleNamespace

        return SimpleNamespace(key=self.public_key)


def test_in_aws_the_socket_takes_id_tokens_of_the_agents_app_client_only(client, container, monkeypatch):
    """The CDK app gives the functions the agents' app client id (CASEBRIDGE_COGNITO_CLIENT_IDS): an ID
    token the pool issued to another app client (or with no audience) is refused at $connect."""
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    from app import app
    from functions.core.settings import reset_settings

    pool = "us-east-1_Agents01"
    monkeypatch.setenv(
        "CASEBRIDGE_COGNITO_USER_POOL_ARN", f"arn:aws:cognito-idp:us-east-1:111111111111:userpool/{pool}"
    )
    monkeypatch.setenv("CASEBRIDGE_COGNITO_CLIENT_IDS", "agents-app-client")
    reset_settings()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    container.override(live_poster=FakePoster(), live_jwks=_Keys(key.public_key()))

    def token(**claims) -> str:
        now = int(time.time())
        body = {
            "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{pool}",
            "aud": "agents-app-client",
            "token_use": "id",
            "email": "lea@casebridge.local",
            "iat": now,
            "exp": now + 600,
            **claims,
        }
        return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm="RS256")

    def connect(conn: str, tok: str) -> int:
        return app.handler_map["live_connect"](ws_event("$connect", conn, token=tok), None)["statusCode"]

    assert container.live_verifier.client_ids == ["agents-app-client"]
    assert connect("c-ok", token()) == 200
    assert connect("c-other", token(aud="some-other-client")) == 401
    assert connect("c-none", token(aud=None)) == 401
    assert connect("c-access", token(token_use="access")) == 401
    assert connect("c-expired", token(exp=int(time.time()) - 60)) == 401
