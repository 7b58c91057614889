"""The OpenAPI document: valid, complete, and the committed copy is up to date."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from openapi_spec_validator import validate

from functions.core.openapi import build_document, openapi_command, render

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "openapi.json"
REGENERATE = "regenerate it with: .venv/bin/casebridge openapi > docs/openapi.json   (or: make openapi)"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def document() -> dict:
    return build_document()


def _operations(document: dict) -> set[tuple[str, str]]:
    return {
        (path, method.upper()) for path, item in document["paths"].items() for method in item if method in HTTP_METHODS
    }


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_route_of_the_app_is_documented_and_nothing_else():
    from app import app

    # OPTIONS: the browsers' CORS preflights, one per path, registered by core.http.route
    registered = {(path, method) for path, methods in app.routes.items() for method in methods if method != "OPTIONS"}
    documented = _operations(build_document())
    assert registered - documented == set(), "routes missing from the document (declare them with core.http.route)"
    assert documented - registered == set(), "documented routes that app.py does not register"


def test_the_committed_document_is_the_generated_one():
    # The command exactly as a developer runs it, in a fresh process (nothing this test
    # session imported or registered can leak into the document).
    assert COMMITTED.is_file(), f"docs/openapi.json is missing; {REGENERATE}"
    casebridge = Path(sys.executable).parent / "casebridge"
    fresh = subprocess.run([str(casebridge), "openapi"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert COMMITTED.read_text() == fresh, f"docs/openapi.json is out of date; {REGENERATE}"


def test_the_openapi_command_prints_the_document(document):
    assert CliRunner().invoke(openapi_command).stdout == render(document)


def test_generation_is_deterministic(document):
    assert render(document) == render(build_document())
    assert (
        render(document)
        == json.dumps(json.loads(render(document)), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


def test_agent_routes_require_the_bearer_scheme_and_document_401(document):
    op = document["paths"]["/cases"]["get"]
    assert op["security"] == [{"agentBearer": []}]
    assert op["responses"]["401"] == {"$ref": "#/components/responses/Error401"}
    error401 = document["components"]["responses"]["Error401"]
    assert error401["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_every_route_documents_the_one_error_shape_for_throttling_bugs_and_unsupported_bodies(document):
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            assert {"429", "500", "503"} <= set(op["responses"]), (method, path)
            if "requestBody" in op:
                assert "415" in op["responses"], (method, path)
    for name, response in document["components"]["responses"].items():
        if name.startswith("Page"):  # a page route's own errors are pages (route(html=True))
            assert list(response["content"]) == ["text/html"], name
        else:
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


def test_request_and_response_bodies_reference_the_pydantic_models(document):
    op = document["paths"]["/customers"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CustomerIn")
    assert "201" in op["responses"] and "409" in op["responses"]
    assert "Contact" in document["components"]["schemas"]


def test_path_parameters_are_declared(document):
    params = document["paths"]["/cases/{case_id}"]["get"]["parameters"]
    assert {"name": "case_id", "in": "path", "required": True, "schema": {"type": "string"}} in params


def test_query_models_become_query_parameters(document):
    names = {p["name"] for p in document["paths"]["/cases"]["get"]["parameters"] if p["in"] == "query"}
    assert {"limit", "cursor"} <= names


def test_every_reference_resolves(document):
    text = json.dumps(document)
    for kind in ("schemas", "responses"):
        refs = {part.split('"')[0] for part in text.split(f'"$ref": "#/components/{kind}/')[1:]}
        assert refs - set(document["components"][kind]) == set()


def test_the_error_shape_is_the_one_the_api_answers_with(document, client):
    from jsonschema import validate as validate_json

    validate_against = document["components"]["schemas"]["Error"]
    validate_json(client.http.get("/cases").json_body, validate_against)
    # also where Chalice answers before a view runs: an unsupported body type, a missing method
    unsupported = client.http.post("/cases", headers={"Content-Type": "text/plain"}, body="x")
    assert unsupported.status_code == 415
    validate_json(unsupported.json_body, validate_against)
    missing = client.http.request("DELETE", "/cases")
    assert missing.status_code == 405
    validate_json(missing.json_body, validate_against)
