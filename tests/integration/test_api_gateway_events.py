"""The Lambda entry point fed the real API Gateway proxy event sample, as in AWS."""

from __future__ import annotations

import copy
import json

import pytest

POOL_ARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_example"


@pytest.fixture
def proxy_event(shared_data):
    return json.loads((shared_data / "events" / "apiGatewayProxyEvent.json").read_text())


def _as(
    event: dict,
    method: str,
    resource: str,
    path: str,
    path_params: dict | None,
    claims: dict | None,
    headers=None,
    body=None,
) -> dict:
    e = copy.deepcopy(event)
    e.update(
        resource=resource,
        path=path,
        httpMethod=method,
        pathParameters=path_params,
        queryStringParameters=None,
        multiValueQueryStringParameters=None,
        body=body,
    )
    e["headers"] = {"Content-Type": "application/json", **(headers or {})}
    e["multiValueHeaders"] = {k: [v] for k, v in e["headers"].items()}
    e["requestContext"].update(resourcePath=resource, httpMethod=method, path=path)
    e["requestContext"]["authorizer"] = {"claims": claims}
    return e


@pytest.fixture
def cognito(monkeypatch, aws):
    # Import the app before the pool ARN is set: route authorizers are fixed when routes are
    # registered (they go into the API definition at package time), and the rest of the test
    # session must keep the local (dev-token) app. The request-time check reads the setting.
    import app  # noqa: F401
    from functions import composition

    monkeypatch.setenv("CASEBRIDGE_COGNITO_USER_POOL_ARN", POOL_ARN)
    composition.reset()


def test_agent_identified_by_cognito_claims_can_open_and_read_a_case(proxy_event, cognito):
    from app import app

    claims = {"sub": "abc", "email": "alice@support.example", "cognito:username": "alice"}
    created = app(
        _as(
            proxy_event,
            "POST",
            "/cases",
            "/cases",
            None,
            claims,
            body=json.dumps({"subject": "Router reboots nightly"}),
        ),
        None,
    )
    assert created["statusCode"] == 201
    case_id = json.loads(created["body"])["case_id"]
    got = app(_as(proxy_event, "GET", "/cases/{case_id}", f"/cases/{case_id}", {"case_id": case_id}, claims), None)
    assert got["statusCode"] == 200
    timeline = json.loads(got["body"])["timeline"]
    assert timeline[0]["actor"] == {"type": "agent", "id": "alice@support.example", "name": None}


def test_with_cognito_configured_the_development_token_is_refused(proxy_event, cognito):
    from app import app
    from tests.conftest import DEV_TOKEN

    resp = app(
        _as(proxy_event, "GET", "/cases", "/cases", None, None, headers={"Authorization": f"Bearer {DEV_TOKEN}"}), None
    )
    assert resp["statusCode"] == 401
    assert json.loads(resp["body"])["error"]["code"] == "unauthorized"
