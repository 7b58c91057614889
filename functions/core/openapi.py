"""The OpenAPI 3.1 document of the HTTP API, built from ``functions.core.http.ROUTES``.

Every route is declared once with ``functions.core.http.route``; that declaration carries
its auth, models, status and extra error statuses, and this module turns the declarations
into a document. Schemas come from the pydantic models (``pydantic.json_schema`` with
``ref_template="#/components/schemas/{model}"``), so the document cannot drift from what
the handlers validate.

The committed copy is ``docs/openapi.json``; regenerate it with::

    casebridge openapi > docs/openapi.json      # or: make openapi

Output is deterministic (sorted keys, sorted model list), so a test can compare the
committed file with a fresh generation.

Not a Lambda path: nothing here runs on a cold start.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from pydantic import BaseModel

    from functions.core.http import RouteSpec

OPENAPI_VERSION = "3.1.0"
API_TITLE = "Casebridge API"
API_VERSION = "0.1.0"
ERROR_SCHEMA = "Error"

REPO_ROOT = Path(__file__).resolve().parents[2]

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "agentBearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": (
            "Agents. In AWS: an ID token of the agents' Cognito user pool (API Gateway verifies it). "
            "On the local stack: a seeded agent's own development token (CASEBRIDGE_DEV_AGENTS), which names "
            "the agent and its roles; or the shared development token (CASEBRIDGE_DEV_AGENT_TOKEN), where "
            "the optional X-Agent-Id header names the agent."
        ),
    },
    "customerLinkQuery": {
        "type": "apiKey",
        "in": "query",
        "name": "token",
        "description": "Customers. The signed, expiring token of the link the customer received.",
    },
    "customerLinkBearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "Customers. The same signed link token, sent as 'Authorization: Bearer <token>'.",
    },
}

SECURITY_BY_AUTH: dict[str, list[dict[str, list[str]]]] = {
    "agent": [{"agentBearer": []}],
    "customer": [{"customerLinkQuery": []}, {"customerLinkBearer": []}],
    "public": [],
}

ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The request is not valid; `fields` names each offending field.",
    401: "Authentication is missing or not valid.",
    403: "Authenticated, but not allowed to do this.",
    404: "Not found.",
    409: "Conflict with the current state (version, status transition, duplicate or ownership).",
    413: "The payload is too large.",
    415: "The request body is not of a type this route takes (`Content-Type`).",
    429: "Too many requests (API Gateway throttling): slow down and try again.",
    500: "Internal error (a bug: please report it).",
    503: "A dependency is throttling for now: try again shortly (`Retry-After`).",
}

STATUS_DESCRIPTIONS: dict[int, str] = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content"}
# the statuses at which a route that also takes HTML form posts answers those with the form again
FORM_PAGE_STATUSES = frozenset({400, 429})

_PATH_PARAM = re.compile(r"\{([^}]+)\}")


def error_schema() -> dict[str, Any]:
    """The one error body of every route (see functions.core.http.error_body)."""
    return {
        "type": "object",
        "title": ERROR_SCHEMA,
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "fields"],
                "properties": {
                    "code": {"type": "string", "description": "machine-readable, e.g. validation_error, not_found"},
                    "message": {"type": "string", "description": "for humans"},
                    "fields": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "field": {"type": "string", "description": "dotted path, e.g. contacts.0.email"},
                                "message": {"type": "string"},
                                "type": {"type": "string"},
                            },
                            "additionalProperties": True,
                        },
                    },
                },
            }
        },
    }


def load_app() -> Any:
    """The Chalice app of app.py (importing it registers every route in ROUTES)."""
    if "app" in sys.modules:
        return sys.modules["app"].app
    try:
        module = importlib.import_module("app")
    except ModuleNotFoundError as exc:
        if exc.name != "app":
            raise
        path = REPO_ROOT / "app.py"
        spec = importlib.util.spec_from_file_location("app", path)
        if spec is None or spec.loader is None:
            raise click.ClickException(f"cannot load the Chalice app from {path}") from exc
        module = importlib.util.module_from_spec(spec)
        sys.modules["app"] = module
        spec.loader.exec_module(module)
    return module.app


def _model_key(model: type[BaseModel]) -> str:
    return f"{model.__module__}.{model.__qualname__}"


def _error_statuses(spec: RouteSpec) -> list[int]:
    statuses = set(spec.errors)
    has_path_params = bool(_PATH_PARAM.search(spec.path))
    if spec.body is not None or spec.query is not None or has_path_params:
        statuses.add(400)
    if spec.auth != "public":
        statuses.add(401)
    if spec.auth == "customer" or spec.admin:
        statuses.add(403)
    if has_path_params:
        statuses.add(404)
    if spec.body is not None or spec.content_types:
        statuses.add(415)
    statuses |= {429, 500, 503}  # every route: the gateway's throttling, a bug, a throttled dependency
    return sorted(statuses)


def _operation_ids(routes: list[RouteSpec]) -> dict[tuple[str, str], str]:
    """Function names, unless two routes share one: then method + path, which is unique."""
    counts: dict[str, int] = {}
    for spec in routes:
        counts[spec.name] = counts.get(spec.name, 0) + 1
    out: dict[tuple[str, str], str] = {}
    for spec in routes:
        if counts[spec.name] == 1:
            out[(spec.path, spec.method)] = spec.name
        else:
            slug = re.sub(r"[^A-Za-z0-9]+", "_", spec.path).strip("_")
            out[(spec.path, spec.method)] = f"{spec.method.lower()}_{slug}"
    return out


def build_document(routes: list[RouteSpec] | None = None) -> dict[str, Any]:
    """The OpenAPI document for ``routes`` (default: every route of app.py)."""
    from pydantic.json_schema import models_json_schema  # noqa: PLC0415

    if routes is None:
        # Only what app.py registers: a handler module that is imported but whose blueprint
        # is not registered (or a test's blueprint) must not appear in the document.
        app = load_app()
        registered = {(path, method) for path, methods in app.routes.items() for method in methods}
        from functions.core.http import ROUTES  # noqa: PLC0415

        routes = [spec for spec in ROUTES if (spec.path, spec.method) in registered]

    seen: set[tuple[str, str]] = set()
    for spec in routes:
        spec.resolve()  # models declared as "package.module:ClassName" are imported here
        key = (spec.path, spec.method)
        if key in seen:
            raise ValueError(f"route {spec.method} {spec.path} is declared twice")
        seen.add(key)

    # One pass over every model, inputs in validation mode and responses in serialization
    # mode: pydantic names the two variants apart (Model-Input / Model-Output) only when
    # they really differ, and every nested model lands once in the shared $defs.
    wanted: set[tuple[str, type[BaseModel], str]] = set()
    for spec in routes:
        for model in (spec.body, spec.query):
            if model is not None:
                wanted.add((_model_key(model), model, "validation"))
        if spec.response is not None:
            wanted.add((_model_key(spec.response), spec.response, "serialization"))
    ordered = sorted(wanted, key=lambda item: (item[0], item[2]))
    refs, defs = models_json_schema(
        [(model, mode) for _, model, mode in ordered],  # type: ignore[misc]
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    if ERROR_SCHEMA in schemas:
        raise ValueError(f"a model is named {ERROR_SCHEMA!r}, which the error body schema uses")
    schemas[ERROR_SCHEMA] = error_schema()

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return dict(refs[(model, mode)])  # type: ignore[index]

    def resolved(model: type[BaseModel], mode: str) -> dict[str, Any]:
        name = ref(model, mode)["$ref"].rsplit("/", 1)[-1]
        return schemas[name]

    operation_ids = _operation_ids(routes)
    paths: dict[str, dict[str, Any]] = {}
    used_errors: set[int] = set()
    used_pages: set[int] = set()
    used_either: set[int] = set()
    for spec in routes:
        parameters: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _PATH_PARAM.findall(spec.path)
        ]
        if spec.query is not None:
            query_schema = resolved(spec.query, "validation")
            required = set(query_schema.get("required", []))
            for name, prop in query_schema.get("properties", {}).items():
                param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
                if "description" in prop:
                    param["description"] = prop["description"]
                parameters.append(param)

        if spec.idempotency_key:
            from functions.core import idempotency  # noqa: PLC0415

            parameters.append(
                {
                    "name": idempotency.HEADER,
                    "in": "header",
                    "required": False,
                    "description": idempotency.HEADER_DESCRIPTION,
                    "schema": {"type": "string", "minLength": 16, "maxLength": 128, "pattern": idempotency.KEY_PATTERN},
                }
            )

        operation: dict[str, Any] = {
            "operationId": operation_ids[(spec.path, spec.method)],
            "summary": spec.summary,
            "tags": list(spec.tags),
            "security": SECURITY_BY_AUTH[spec.auth],
        }
        if parameters:
            operation["parameters"] = parameters
        if spec.body is not None:
            schema = ref(spec.body, "validation")
            operation["requestBody"] = {
                "required": True,
                # a route that also takes HTML form posts answers those with a page
                "content": {kind: {"schema": schema} for kind in ("application/json", *spec.content_types)},
            }
        ok: dict[str, Any] = {"description": STATUS_DESCRIPTIONS.get(spec.status, "Success")}
        if spec.response is not None and spec.status != 204:
            ok["content"] = {"application/json": {"schema": ref(spec.response, "serialization")}}
        if spec.html or (spec.body is not None and len(spec.content_types) > 1):
            ok["content"] = {**ok.get("content", {}), "text/html": {"schema": {"type": "string"}}}
        responses: dict[str, Any] = {str(spec.status): ok}
        form_posts = spec.body is not None and len(spec.content_types) > 1
        for status in _error_statuses(spec):
            if form_posts and not spec.html and status in FORM_PAGE_STATUSES:
                # a JSON client gets the error body; an HTML form post the form again saying what is wrong
                responses[str(status)] = {"$ref": f"#/components/responses/ErrorOrPage{status}"}
                used_either.add(status)
            elif spec.html and status in spec.errors:
                responses[str(status)] = {"$ref": f"#/components/responses/Page{status}"}
                used_pages.add(status)
            else:
                responses[str(status)] = {"$ref": f"#/components/responses/Error{status}"}
                used_errors.add(status)
        operation["responses"] = responses
        paths.setdefault(spec.path, {})[spec.method.lower()] = operation

    tags = sorted({tag for spec in routes for tag in spec.tags})
    error_responses = (
        {
            f"Error{status}": {
                "description": ERROR_DESCRIPTIONS.get(status, "Error"),
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}},
            }
            for status in sorted(used_errors)
        }
        | {
            f"Page{status}": {
                "description": f"{ERROR_DESCRIPTIONS.get(status, 'Error')} (a page saying so)",
                "content": {"text/html": {"schema": {"type": "string"}}},
            }
            for status in sorted(used_pages)
        }
        | {
            f"ErrorOrPage{status}": {
                "description": f"{ERROR_DESCRIPTIONS.get(status, 'Error')} (to an HTML form post: the form again, saying so)",
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}},
                    "text/html": {"schema": {"type": "string"}},
                },
            }
            for status in sorted(used_either)
        }
    )
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": API_TITLE,
            "version": API_VERSION,
            "description": (
                "Customer-service backend: cases, customers and channels. "
                "Every error answers with one body shape: "
                '{"error": {"code": ..., "message": ..., "fields": [...]}}. '
                "Generated from the code by `casebridge openapi`; do not edit by hand."
            ),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {"schemas": schemas, "responses": error_responses, "securitySchemes": SECURITY_SCHEMES},
    }


def render(document: dict[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@click.command("openapi")
def openapi_command() -> None:
    """Print the OpenAPI 3.1 document of the API (docs/openapi.json is this output)."""
    click.echo(render(build_document()), nl=False)
