"""HTTP plumbing shared by every blueprint: one route decorator that

* authenticates (agent, customer link, or public),
* validates path/query/body with pydantic models,
* maps every domain error to one JSON error shape and status (the only such table),
* records the route, its models and its auth in ``ROUTES`` for the OpenAPI document.

Error body: ``{"error": {"code": ..., "message": ..., "fields": [...]}}``.
"""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from chalice import BadRequestError, Blueprint, Response
from pydantic import BaseModel, ValidationError

from functions.core import errors
from functions.core.logs import logger
from functions.core.settings import get_settings

Auth = Literal["agent", "customer", "public"]

STATUS_BY_ERROR: tuple[tuple[type[errors.DomainError], int], ...] = (
    (errors.VersionConflict, 409),
    (errors.InvalidTransition, 409),
    (errors.Duplicate, 409),
    (errors.Conflict, 409),
    (errors.NotFound, 404),
    (errors.InvalidInput, 400),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.PayloadTooLarge, 413),
)


@dataclass
class RouteSpec:
    path: str
    method: str
    name: str
    summary: str
    tags: tuple[str, ...]
    auth: Auth
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...] = field(default=())
    idempotency_key: bool = False  # accepts an Idempotency-Key header (functions.core.idempotency)


ROUTES: list[RouteSpec] = []


@dataclass(frozen=True)
class Agent:
    agent_id: str
    via: Literal["cognito", "dev-token"]
    # Cognito groups (the ``cognito:groups`` claim), or the dev token's ``X-Agent-Roles`` header.
    roles: frozenset[str] = frozenset()

    def has_role(self, *names: str) -> bool:
        return any(name in self.roles for name in names)


def parse_roles(raw: Any) -> frozenset[str]:
    """Groups as API Gateway passes them: a list, ``"[a, b]"``, ``"a,b"`` or ``"a b"``."""
    if not raw:
        return frozenset()
    items = raw if isinstance(raw, list | tuple) else str(raw).strip().strip("[]").replace(",", " ").split()
    return frozenset(str(item).strip().strip("\"'")[:64] for item in items if str(item).strip().strip("\"'"))


def error_body(code: str, message: str, fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def validation_fields(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {
            "field": ".".join(str(p) for p in err["loc"]) or "(body)",
            "message": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors(include_url=False, include_input=False)
    ]


def error_response(exc: Exception) -> Response:
    if isinstance(exc, ValidationError):
        return Response(
            status_code=400,
            body=error_body("validation_error", "request is not valid", validation_fields(exc)),
        )
    if isinstance(exc, BadRequestError):
        return Response(status_code=400, body=error_body("bad_request", str(exc)))
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            headers: dict[str, str | list[str]] = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
            return Response(
                status_code=status,
                body=error_body(exc.code, exc.message, exc.fields),
                headers=headers,
            )
    logger().exception("unhandled error", extra={"error_type": type(exc).__name__})
    return Response(status_code=500, body=error_body("internal", "internal error"))


def bearer_token(request: Any) -> str | None:
    header = (request.headers or {}).get("authorization") or ""
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def authenticate_agent(request: Any) -> Agent:
    """Cognito claims in AWS (API Gateway has verified the JWT); the dev token locally."""
    settings = get_settings()
    claims = ((request.context or {}).get("authorizer") or {}).get("claims")
    if claims:
        agent_id = claims.get("email") or claims.get("cognito:username") or claims.get("sub")
        return Agent(agent_id=str(agent_id), via="cognito", roles=parse_roles(claims.get("cognito:groups")))
    if settings.cognito_user_pool_arn:
        raise errors.Unauthorized("an agent token from the Cognito user pool is required")
    expected = settings.dev_agent_token.get_secret_value() if settings.dev_agent_token else ""
    token = bearer_token(request)
    if not expected or not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise errors.Unauthorized("agent routes need 'Authorization: Bearer <token>'")
    agent_id = (request.headers or {}).get("x-agent-id") or "dev-agent"
    roles = parse_roles((request.headers or {}).get("x-agent-roles"))
    return Agent(agent_id=agent_id[:128], via="dev-token", roles=roles)


_authorizer_cache: dict[str, Any] = {}


def _chalice_authorizer(auth: Auth) -> Any:
    settings = get_settings()
    if auth != "agent" or not settings.cognito_user_pool_arn:
        return None
    if "agent" not in _authorizer_cache:
        from chalice import CognitoUserPoolAuthorizer  # noqa: PLC0415

        _authorizer_cache["agent"] = CognitoUserPoolAuthorizer(
            "AgentsPool", provider_arns=[settings.cognito_user_pool_arn]
        )
    return _authorizer_cache["agent"]


def parse_body(request: Any, model: type[BaseModel]) -> BaseModel:
    raw = request.raw_body
    if not raw:
        raise errors.InvalidInput("request body is required (JSON object)")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.InvalidInput(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise errors.InvalidInput("request body must be a JSON object")
    return model.model_validate(data)


def parse_query(request: Any, model: type[BaseModel]) -> BaseModel:
    return model.model_validate(dict(request.query_params or {}))


def to_response(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, BaseModel):
        body: Any = result.model_dump(mode="json", exclude_none=False)
    else:
        body = result
    if status == 204:
        return Response(status_code=204, body="")
    return Response(status_code=status, body=body)


def route(
    bp: Blueprint,
    path: str,
    method: str = "GET",
    *,
    auth: Auth = "agent",
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    summary: str = "",
    tags: tuple[str, ...] = (),
    errors_: tuple[int, ...] = (),
    idempotency_key: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(request, *, agent?, body?, query?, **path_params)`` as a route."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        ROUTES.append(
            RouteSpec(
                path=path,
                method=method.upper(),
                name=fn.__name__,
                summary=summary or (fn.__doc__ or "").strip().split("\n")[0],
                tags=tags,
                auth=auth,
                body=body,
                query=query,
                response=response,
                status=status,
                errors=errors_,
                idempotency_key=idempotency_key,
            )
        )

        @functools.wraps(fn)
        def view(**path_params: str) -> Response:
            request = bp.current_request
            try:
                kwargs: dict[str, Any] = {}
                if auth == "agent":
                    kwargs["agent"] = authenticate_agent(request)
                if body is not None:
                    kwargs["body"] = parse_body(request, body)
                if query is not None:
                    kwargs["query"] = parse_query(request, query)
                return to_response(fn(request, **path_params, **kwargs), status)
            except Exception as exc:  # noqa: BLE001 - the one place errors become HTTP
                return error_response(exc)

        content_types = ["application/json"] if body is not None else None
        route_kwargs: dict[str, Any] = {"methods": [method.upper()], "cors": True}
        authorizer = _chalice_authorizer(auth)
        if authorizer is not None:
            route_kwargs["authorizer"] = authorizer
        if content_types:
            route_kwargs["content_types"] = content_types
        bp.route(path, **route_kwargs)(view)
        return fn

    return decorate
