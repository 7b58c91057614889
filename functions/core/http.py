"""HTTP plumbing shared by every blueprint: one route decorator that

* authenticates (agent, customer link, or public),
* validates path/query/body with pydantic models,
  given as classes or as ``"package.module:ClassName"`` references imported on first use
  (a Lambda container serves few routes: its cold start need not build every route's models),
* maps every domain error to one JSON error shape and status (the only such table),
* records the route, its models and its auth in ``ROUTES`` for the OpenAPI document.

Error body: ``{"error": {"code": ..., "message": ..., "fields": [...]}}``.
"""

from __future__ import annotations

import functools
import hmac
import importlib
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
    (errors.Unavailable, 503),
    (errors.RateLimited, 429),
    (errors.ChallengeRequired, 429),
)


# A model class, or a reference "package.module:ClassName" imported on first use (cached).
ModelRef = type[BaseModel] | str

_resolved_models: dict[str, type[BaseModel]] = {}


def check_model_ref(ref: ModelRef | None) -> None:
    """Fail at decoration time on a reference that cannot name a class (no import done here)."""
    if isinstance(ref, str):
        module, sep, name = ref.partition(":")
        if not sep or not module or not name.isidentifier():
            raise ValueError(f"model reference {ref!r} is not 'package.module:ClassName'")


def resolve_model(ref: ModelRef | None) -> type[BaseModel] | None:
    """The model class of ``ref`` (a class is returned as is; a string is imported once)."""
    if ref is None or not isinstance(ref, str):
        return ref
    model = _resolved_models.get(ref)
    if model is None:
        check_model_ref(ref)
        module, _, name = ref.partition(":")
        found = getattr(importlib.import_module(module), name)
        if not (isinstance(found, type) and issubclass(found, BaseModel)):
            raise TypeError(f"model reference {ref!r} does not name a pydantic model")
        model = _resolved_models[ref] = found
    return model


@dataclass
class RouteSpec:
    path: str
    method: str
    name: str
    summary: str
    tags: tuple[str, ...]
    auth: Auth
    body_ref: ModelRef | None
    query_ref: ModelRef | None
    response_ref: ModelRef | None
    status: int
    errors: tuple[int, ...] = field(default=())
    idempotency_key: bool = False  # accepts an Idempotency-Key header (functions.core.idempotency)
    admin: bool = False  # an agent with one of the admin roles only (403 for other agents)
    content_types: tuple[str, ...] = ()  # request bodies a route parsing its own body accepts
    html: bool = False  # answers an HTML page, its own errors (``errors``) too

    # The model classes, imported on first access when declared by reference.
    @property
    def body(self) -> type[BaseModel] | None:
        return resolve_model(self.body_ref)

    @body.setter
    def body(self, model: ModelRef | None) -> None:
        check_model_ref(model)
        self.body_ref = model

    @property
    def query(self) -> type[BaseModel] | None:
        return resolve_model(self.query_ref)

    @query.setter
    def query(self, model: ModelRef | None) -> None:
        check_model_ref(model)
        self.query_ref = model

    @property
    def response(self) -> type[BaseModel] | None:
        return resolve_model(self.response_ref)

    @response.setter
    def response(self, model: ModelRef | None) -> None:
        check_model_ref(model)
        self.response_ref = model

    def resolve(self) -> RouteSpec:
        """Import every model the route names (raises naming the route if a reference is wrong)."""
        for what in ("body", "query", "response"):
            try:
                getattr(self, what)
            except (ImportError, AttributeError, TypeError, ValueError) as exc:
                raise ValueError(f"route {self.method} {self.path}: {what} model: {exc}") from exc
        return self


ROUTES: list[RouteSpec] = []

# CORS: browsers may call the API from the web apps' origins only (``Settings.cors_allowed_origins``:
# the deployed sites' CloudFront domains, the local stack's web ports). Chalice's CORSConfig allows one
# static origin, so the API answers preflights itself (an OPTIONS route per path, registered by
# ``route``) and the ``cors`` middleware names the caller's origin on every answer when it is allowed.
# The apps may send the version and idempotency headers and read the ETag; tokens travel in the
# Authorization header, never in cookies (no credentials mode).
CORS_ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-Match",
    "Idempotency-Key",
    "X-Agent-Id",
    "X-Agent-Roles",
)
CORS_EXPOSE_HEADERS = ("ETag", "Idempotent-Replayed", "Retry-After")
CORS_MAX_AGE = 600


def allowed_origin(request: Any) -> str | None:
    """The request's ``Origin`` when it is one of the allowed origins, else None."""
    origin = ((request.headers or {}).get("origin") or "").strip()
    return origin if origin and origin in get_settings().cors_origins else None


def open_to_any_origin(path: str, method: str) -> bool:
    """A public route or one taking a customer's link token: the chat widget and the help center
    call them from the sites that embed them, so any origin may (no cookies are credentials here:
    tokens travel in the Authorization header, and no answer allows credentials)."""
    auths = {spec.auth for spec in ROUTES if spec.path == path and spec.method == method.upper()}
    return bool(auths) and auths <= {"public", "customer"}


def cors(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """An ``http`` middleware: an allowed caller's origin may read the answer (and its exposed
    headers); any origin may read the answers of the public and customer routes."""
    response = get_response(event)
    vary = [v.strip() for v in str(response.headers.get("Vary") or "").split(",") if v.strip()]
    if "origin" not in {v.lower() for v in vary}:
        response.headers["Vary"] = ", ".join([*vary, "Origin"])
    origin = allowed_origin(event)
    if origin is None and (event.headers or {}).get("origin"):
        resource = str((getattr(event, "context", None) or {}).get("resourcePath") or "")
        method = str(getattr(event, "method", "") or "").upper()
        if method == "OPTIONS":  # a preflight: the method the browser asks about
            method = str((event.headers or {}).get("access-control-request-method") or "")
        if open_to_any_origin(resource, method):
            origin = "*"
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = ",".join(CORS_EXPOSE_HEADERS)
    return response


def preflight(request: Any, path: str) -> Response:
    """The answer to a browser's ``OPTIONS`` before a cross-origin request to ``path``."""
    origin = allowed_origin(request)
    asked = str((request.headers or {}).get("access-control-request-method") or "")
    if origin is None and not open_to_any_origin(path, asked):
        return Response(
            status_code=403,
            body=error_body("forbidden", "this origin may not call the API from a browser"),
        )
    methods = sorted({spec.method for spec in ROUTES if spec.path == path} | {"OPTIONS"})
    return Response(
        status_code=204,
        body="",
        headers={
            "Access-Control-Allow-Methods": ",".join(methods),
            "Access-Control-Allow-Headers": ",".join(CORS_ALLOW_HEADERS),
            "Access-Control-Max-Age": str(CORS_MAX_AGE),
        },
    )


# Paths that have their OPTIONS route (one per path, whichever blueprint declares it first).
_PREFLIGHT_PATHS: set[str] = set()


def _register_preflight(bp: Blueprint, path: str) -> None:
    if path in _PREFLIGHT_PATHS:
        return
    _PREFLIGHT_PATHS.add(path)

    def options_view(**_path_params: str) -> Response:
        return preflight(bp.current_request, path)

    options_view.__name__ = f"preflight_{len(_PREFLIGHT_PATHS)}"
    bp.route(path, methods=["OPTIONS"])(options_view)


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
            headers: dict[str, str | list[str]] = {}
            if status == 401:
                headers["WWW-Authenticate"] = "Bearer"
            elif status == 503:
                headers["Retry-After"] = "1"
            elif isinstance(exc, errors.RateLimited):
                headers["Retry-After"] = str(exc.retry_after)
            return Response(
                status_code=status,
                body=error_body(exc.code, exc.message, exc.fields),
                headers=headers,
            )
    logger().exception("unhandled error", extra={"error_type": type(exc).__name__})
    return Response(status_code=500, body=error_body("internal", "internal error"))


# Chalice answers some requests itself, before a view runs, with {"Code": ..., "Message": ...}:
# those codes in our error shape (error_format below).
CHALICE_ERROR_CODES: dict[str, str] = {
    "UnsupportedMediaType": "unsupported_media_type",
    "MethodNotAllowedError": "method_not_allowed",
    "BadRequest": "bad_request",
    "BadRequestError": "bad_request",
    "InternalServerError": "internal",
}

# API Gateway answers some requests before Lambda runs (gateway responses): type -> (status, code,
# message). The CDK app gives each this body (infra/casebridge_infra/constructs/api.py); the local
# stack's gateway answers the same (functions/local/stack.py).
GATEWAY_ERRORS: dict[str, tuple[int, str, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (404, "not_found", "no such route"),
    "UNAUTHORIZED": (401, "unauthorized", "an agent token is required: Authorization: Bearer <token>"),
    "ACCESS_DENIED": (403, "forbidden", "not allowed"),
    "EXPIRED_TOKEN": (401, "unauthorized", "the token has expired"),
    "INVALID_SIGNATURE": (401, "unauthorized", "the token is not valid"),
    "THROTTLED": (429, "throttled", "too many requests: slow down and try again"),
    "QUOTA_EXCEEDED": (429, "throttled", "request quota exceeded"),
    "REQUEST_TOO_LARGE": (413, "payload_too_large", "the request is too large"),
    "WAF_FILTERED": (403, "forbidden", "the request was refused"),
    "DEFAULT_4XX": (400, "bad_request", "the request was refused"),
    "DEFAULT_5XX": (500, "internal", "internal error"),
}


def error_format(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Chalice's own rejections (415, 405, its 500) in the one error shape (an ``http`` middleware)."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = CHALICE_ERROR_CODES.get(str(body["Code"]), "error")
        response.body = error_body(code, str(body["Message"]))
    return response


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
    token = bearer_token(request)
    if token:
        # A seeded agent's own token names the agent (and its roles); headers cannot change that.
        for seeded in settings.dev_agents:
            if hmac.compare_digest(token.encode(), seeded.token.get_secret_value().encode()):
                return Agent(agent_id=seeded.id, via="dev-token", roles=frozenset(seeded.roles))
    expected = settings.dev_agent_token.get_secret_value() if settings.dev_agent_token else ""
    if not expected or not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise errors.Unauthorized("agent routes need 'Authorization: Bearer <token>'")
    # The shared development token: the optional X-Agent-Id / X-Agent-Roles headers say who is asking.
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


def require_admin(agent: Agent) -> None:
    roles = {r.strip() for r in get_settings().admin_roles.split(",") if r.strip()}
    if not agent.has_role(*roles):
        raise errors.Forbidden(f"changing the desk's configuration needs one of the roles {', '.join(sorted(roles))}")


def if_match_version(request: Any) -> int | None:
    """The version the client last saw, from ``If-Match: "<n>"`` (the ETag our GETs send), or None."""
    raw = (request.headers or {}).get("if-match")
    if not raw:
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise errors.InvalidInput(
            'If-Match must be the version you last saw (the ETag of the GET), e.g. "3"',
            fields=[{"field": "If-Match", "message": "not a version number", "type": "header"}],
        )
    return int(value)


def _media_type(request: Any) -> str:
    return ((request.headers or {}).get("content-type") or "").split(";")[0].strip().lower()


def parse_body(request: Any, model: ModelRef) -> BaseModel:
    raw = request.raw_body
    if not raw:
        raise errors.InvalidInput("request body is required (JSON object)")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.InvalidInput(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise errors.InvalidInput("request body must be a JSON object")
    return _model(model).model_validate(data)


def parse_query(request: Any, model: ModelRef) -> BaseModel:
    """The query string as the model's input: a parameter given more than once is a list (a model
    field that is not a list then refuses it, naming the parameter)."""
    params = request.query_params or {}
    data: dict[str, Any] = {}
    for key in params:
        values = params.getlist(key) if hasattr(params, "getlist") else [params[key]]
        data[key] = values if len(values) > 1 else values[0]
    return _model(model).model_validate(data)


def _model(ref: ModelRef) -> type[BaseModel]:
    model = resolve_model(ref)
    if model is None:
        raise TypeError("a model (class or reference) is required")
    return model


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


def html_error_response(exc: Exception, statuses: tuple[int, ...], lang: str | None) -> Response | None:
    """A page route's own errors (``errors_``) as a page (None: the API's one JSON shape)."""
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            if status not in statuses:
                return None
            from functions.core.pages import error_page, page_headers  # noqa: PLC0415

            body = error_page(lang, status, getattr(exc, "message", str(exc)))
            return Response(status_code=status, body=body, headers=page_headers("no-store"))
    return None


def route(
    bp: Blueprint,
    path: str,
    method: str = "GET",
    *,
    auth: Auth = "agent",
    body: ModelRef | None = None,
    query: ModelRef | None = None,
    response: ModelRef | None = None,
    status: int = 200,
    summary: str = "",
    tags: tuple[str, ...] = (),
    errors_: tuple[int, ...] = (),
    idempotency_key: bool = False,
    content_types: tuple[str, ...] | None = None,
    admin: bool = False,
    html: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(request, *, agent?, body?, query?, **path_params)`` as a route.

    ``body``/``query``/``response``: a model class, or ``"package.module:ClassName"`` to import it
    only when a request (or the OpenAPI document) needs it.
    ``content_types``: request bodies the route accepts when it parses its own (e.g. an HTML form).
    ``html``: the route answers a page (``text/html``), and so do its own errors (``errors_``); the
    errors every route may give (415, 429, 500, 503) keep the one JSON shape."""
    for ref in (body, query, response):
        check_model_ref(ref)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        ROUTES.append(
            RouteSpec(
                path=path,
                method=method.upper(),
                name=fn.__name__,
                summary=summary or (fn.__doc__ or "").strip().split("\n")[0],
                tags=tags,
                auth=auth,
                body_ref=body,
                query_ref=query,
                response_ref=response,
                status=status,
                errors=errors_,
                idempotency_key=idempotency_key,
                admin=admin,
                content_types=tuple(content_types or ()),
                html=html,
            )
        )

        @functools.wraps(fn)
        def view(**path_params: str) -> Response:
            request = bp.current_request
            try:
                kwargs: dict[str, Any] = {}
                if auth == "agent":
                    kwargs["agent"] = authenticate_agent(request)
                    if admin:
                        require_admin(kwargs["agent"])
                if body is not None:
                    # a route that also takes HTML form posts parses those itself (body None)
                    form_post = bool(content_types) and _media_type(request) != "application/json"
                    kwargs["body"] = None if form_post else parse_body(request, body)
                if query is not None:
                    kwargs["query"] = parse_query(request, query)
                return to_response(fn(request, **path_params, **kwargs), status)
            except Exception as exc:  # noqa: BLE001 - the one place errors become HTTP
                if html:
                    page = html_error_response(exc, errors_, path_params.get("lang"))
                    if page is not None:
                        return page
                return error_response(exc)

        accepted = list(content_types) if content_types else ["application/json"] if body is not None else None
        route_kwargs: dict[str, Any] = {"methods": [method.upper()]}
        authorizer = _chalice_authorizer(auth)
        if authorizer is not None:
            route_kwargs["authorizer"] = authorizer
        if accepted:
            route_kwargs["content_types"] = accepted
        bp.route(path, **route_kwargs)(view)
        _register_preflight(bp, path)
        return fn

    return decorate
