"""The live-updates WebSocket API in the synthesized template: its routes and functions, who may
post to its connections, the stream mapping of ``live_stream``, and the agents directory's IAM."""

from __future__ import annotations

import json
from typing import Any

from functions.core import resources
from tests.infrastructure.conftest import resources_of
from tests.infrastructure.test_template import DEV_PREFIX, _actions, _statements


def _function(template: dict[str, Any], name: str) -> tuple[str, dict[str, Any]]:
    physical = f"{DEV_PREFIX}-{name.replace('_', '-')}"
    return next(
        (k, v["Properties"])
        for k, v in resources_of(template, "AWS::Serverless::Function").items()
        if v["Properties"].get("FunctionName") == physical
    )


def test_the_websocket_api_routes_connect_messages_and_disconnect_to_the_apps_functions(dev):
    ((api_logical, api),) = resources_of(dev, "AWS::ApiGatewayV2::Api").items()
    assert api["Properties"]["ProtocolType"] == "WEBSOCKET" and api["Properties"]["Name"] == f"{DEV_PREFIX}-live"
    routes = {r["Properties"]["RouteKey"] for r in resources_of(dev, "AWS::ApiGatewayV2::Route").values()}
    assert routes == {"$connect", "$default", "$disconnect"}
    stages = [s["Properties"] for s in resources_of(dev, "AWS::ApiGatewayV2::Stage").values()]
    assert [s["StageName"] for s in stages] == ["api"]
    integrations = json.dumps(resources_of(dev, "AWS::ApiGatewayV2::Integration"))
    for name in ("websocket_connect", "websocket_message", "websocket_disconnect"):
        logical, props = _function(dev, name)
        assert logical in integrations
        assert props["Handler"].startswith("functions.live.handlers.live_")
    assert "LiveUrl" in dev["Outputs"]


def test_only_the_functions_that_post_may_manage_connections_and_only_on_this_api(dev):
    ((api_logical, _),) = resources_of(dev, "AWS::ApiGatewayV2::Api").items()
    for name in ("websocket_message", "websocket_disconnect", "live_stream"):
        statements = [
            s
            for s in _statements(dev, f"FunctionRolesRole{name.replace('_', '')}")
            if s.get("Sid") == "PostToLiveConnections"
        ]
        assert len(statements) == 1 and statements[0]["Action"] == "execute-api:ManageConnections"
        assert api_logical in json.dumps(statements[0]["Resource"]) and "/api/POST/@connections/*" in json.dumps(
            statements[0]["Resource"]
        )
        env = _function(dev, name)[1]["Environment"]["Variables"]
        assert api_logical in json.dumps(env["CASEBRIDGE_LIVE_ENDPOINT"])
    connect = _actions(_statements(dev, "FunctionRolesRolewebsocketconnect"))
    assert "execute-api:ManageConnections" not in connect
    others = [s for s in _statements(dev, "FunctionRolesRole") if "execute-api" in json.dumps(s["Action"])]
    assert len(others) == 3


def test_live_stream_reads_the_tables_stream_from_now_on_with_few_retries(dev):
    logical, _ = _function(dev, "live_stream")
    (mapping,) = [
        m["Properties"]
        for m in resources_of(dev, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": logical}
    ]
    assert mapping["StartingPosition"] == resources.LIVE_STREAM.starting_position == "LATEST"
    assert mapping["MaximumRetryAttempts"] == resources.LIVE_STREAM.max_retry_attempts
    assert mapping["MaximumBatchingWindowInSeconds"] == 0


def test_the_api_may_list_the_agents_user_pool_and_nothing_else_of_cognito(dev):
    statements = [s for s in _statements(dev, "FunctionRolesRole") if "cognito-idp" in json.dumps(s["Action"])]
    assert len(statements) == 1 and statements[0]["Sid"] == "AgentsDirectory"
    assert set(statements[0]["Action"]) == {
        "cognito-idp:ListUsers",
        "cognito-idp:ListGroups",
        "cognito-idp:ListUsersInGroup",
    }
    (pool,) = resources_of(dev, "AWS::Cognito::UserPool")
    assert statements[0]["Resource"] == {"Fn::GetAtt": [pool, "Arn"]}


def test_the_websocket_functions_know_the_agents_app_client_to_check_the_tokens_audience(dev):
    (client_logical,) = [
        logical
        for logical, props in resources_of(dev, "AWS::Cognito::UserPoolClient").items()
        if "agent-console" in json.dumps(props)
    ]
    for name in ("websocket_connect", "websocket_message", "websocket_disconnect"):
        env = _function(dev, name)[1]["Environment"]["Variables"]
        assert env["CASEBRIDGE_COGNITO_CLIENT_IDS"] == {"Ref": client_logical}
