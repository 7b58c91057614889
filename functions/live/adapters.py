"""Outbound parts of live updates: posting to API Gateway WebSocket connections, and checking the
token a client connects with (a Cognito ID token in AWS, a development token locally)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Any

from functions.live.models import AgentIdentity
from functions.live.ports import Gone


class ApiGatewayPoster:
    """``PostToConnection`` through the API Gateway Management API of the WebSocket API's stage
    (``endpoint``: ``https://{api-id}.execute-api.{region}.amazonaws.com/{stage}``)."""

    def __init__(self, client: Callable[[], Any]) -> None:
        self._client = client

    def post(self, connection_id: str, message: dict[str, Any]) -> None:
        client = self._client()
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=json.dumps(message).encode())
        except client.exceptions.GoneException as exc:
            raise Gone(connection_id) from exc


class CognitoIdTokenVerifier:
    """Checks a Cognito ID token: RS256 signature by a key of the pool's JWKS (fetched only from the
    pool's own URL, cached), issuer, expiry, ``token_use = id``, and the audience when app client
    ids are configured (the CDK app configures the agents' app's client: ``CASEBRIDGE_COGNITO_CLIENT_IDS``).
    The agent id is the token's email (as the REST API records it). ``jwks``: anything with PyJWKClient's
    ``get_signing_key_from_jwt`` (default: PyJWKClient on the pool's URL, made on first use)."""

    def __init__(self, region: str, user_pool_id: str, client_ids: list[str] | None = None, jwks: Any = None) -> None:
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self.client_ids = client_ids or []
        self._jwks: Any = jwks

    def _key(self, token: str) -> Any:
        import jwt  # noqa: PLC0415 - PyJWT and cryptography only on the connect path

        if self._jwks is None:
            self._jwks = jwt.PyJWKClient(f"{self.issuer}/.well-known/jwks.json", cache_keys=True, lifespan=3600)
        return self._jwks.get_signing_key_from_jwt(token).key

    def __call__(self, token: str) -> AgentIdentity | None:
        import jwt  # noqa: PLC0415

        try:
            claims = jwt.decode(
                token,
                self._key(token),
                algorithms=["RS256"],
                issuer=self.issuer,
                audience=self.client_ids or None,
                options={"verify_aud": bool(self.client_ids), "require": ["exp", "iss", "token_use"]},
            )
        except jwt.PyJWTError:
            return None
        if claims.get("token_use") != "id":
            return None
        agent_id = claims.get("email") or claims.get("cognito:username") or claims.get("sub")
        if not agent_id:
            return None
        return AgentIdentity(agent_id=str(agent_id), name=str(claims.get("name") or agent_id))


class DevTokenVerifier:
    """The local stack's tokens: a seeded agent's own token names that agent; the shared
    development token is ``dev-agent``."""

    def __init__(self, agents: list[tuple[str, str, str]], shared_token: str | None) -> None:
        self.agents = agents  # (id, name, token)
        self.shared_token = shared_token

    def __call__(self, token: str) -> AgentIdentity | None:
        for agent_id, name, secret in self.agents:
            if hmac.compare_digest(token.encode(), secret.encode()):
                return AgentIdentity(agent_id=agent_id, name=name or agent_id)
        if self.shared_token and hmac.compare_digest(token.encode(), self.shared_token.encode()):
            return AgentIdentity(agent_id="dev-agent", name="dev-agent")
        return None
