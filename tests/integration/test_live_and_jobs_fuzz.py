"""Fuzzing the WebSocket handlers (connect, message, disconnect) and the bulk-actions SQS consumer
(issue 15) with hypothesis, on moto: what a client controls (the query string, the message body) and
what a queue may hold (any text as a record body) never raises out of the handler. A connection
is accepted only with an agent's token; a message that is not a client message is ignored with a
reason and changes nothing; a later good message still takes effect. Every queue record is either
handled or reported in ``batchItemFailures`` (delivered again, then to the dead-letter queue):
none is lost.

Bounded and deterministic here (``derandomize``); ``CASEBRIDGE_FUZZ=long`` runs more random examples.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes.live import FakePoster
from tests.integration.test_live_updates import AGENTS, ws_event

LONG = os.environ.get("CASEBRIDGE_FUZZ") == "long"
FUZZ = settings(
    max_examples=int(os.environ.get("CASEBRIDGE_FUZZ_EXAMPLES") or (2000 if LONG else 60)),
    derandomize=not LONG,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
# Client messages near the real ones: the right keys with any values, and the real values
client_messages = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["watch", "unwatch", "composing", "ping", "", "WATCH", "hello"]) | json_values,
        "case_id": st.sampled_from(["CB-1", "CB-100001", "", "CB-" + "9" * 80, "../x"]) | json_values,
        "composing": json_values,
    },
)
bodies = (
    st.none()
    | st.text(max_size=200)
    | json_values.map(json.dumps)
    | client_messages.map(json.dumps)
    | st.binary(max_size=60).map(lambda b: b.decode("latin-1"))
)
query_strings = st.none() | st.dictionaries(
    st.sampled_from(["token", "Token", "t", "case_id"]) | st.text(max_size=8),
    st.sampled_from(["lea-token", "sam-token", "", "lea-token "]) | st.text(max_size=60),
    max_size=3,
)


@pytest.fixture
def live(client, container, monkeypatch):
    monkeypatch.setenv("CASEBRIDGE_DEV_AGENTS", json.dumps(AGENTS))
    from functions.core.settings import reset_settings

    reset_settings()
    container.override(live_poster=FakePoster())
    from app import app

    yield app, container
    reset_settings()


@FUZZ
@given(query=query_strings)
def test_connect_accepts_an_agents_token_only_and_never_raises(live, query):
    app, container = live
    event = ws_event("$connect", "c-fuzz")
    event["queryStringParameters"] = query
    answer = app.handler_map["live_connect"](event, None)
    token = (query or {}).get("token")
    expected = 200 if token in ("lea-token", "sam-token") else 401
    assert answer == {"statusCode": expected}
    app.handler_map["live_disconnect"](ws_event("$disconnect", "c-fuzz"), None)


@FUZZ
@given(body=bodies, base64=st.booleans())
def test_a_message_of_any_shape_is_answered_and_a_good_one_after_it_still_counts(live, body, base64):
    app, container = live
    assert app.handler_map["live_connect"](ws_event("$connect", "c-lea", token="lea-token"), None)["statusCode"] == 200
    event = ws_event("$default", "c-lea", body)
    event["isBase64Encoded"] = base64
    assert app.handler_map["live_message"](event, None) == {"statusCode": 200}
    # a message from a connection never accepted changes nothing and is answered all the same
    assert app.handler_map["live_message"](ws_event("$default", "c-stranger", body), None) == {"statusCode": 200}
    assert all(v.agent_id != "stranger" for v in container.live.viewers("CB-1"))

    good = json.dumps({"type": "watch", "case_id": "CB-7"})
    assert app.handler_map["live_message"](ws_event("$default", "c-lea", good), None) == {"statusCode": 200}
    assert [v.agent_id for v in container.live.viewers("CB-7")] == ["lea@casebridge.local"]
    assert app.handler_map["live_disconnect"](ws_event("$disconnect", "c-lea"), None) == {"statusCode": 200}
    assert container.live.viewers("CB-7") == []


@FUZZ
@given(connection=st.sampled_from(["c-lea", "c-never", "x" * 120]))
def test_disconnect_of_any_connection_is_answered(live, connection):
    app, _ = live
    assert app.handler_map["live_disconnect"](ws_event("$disconnect", connection), None) == {"statusCode": 200}


# -- the bulk-actions consumer --------------------------------------------------------------------------

job_like = st.fixed_dictionaries(
    {},
    optional={
        "job_id": st.sampled_from(["", "job-unknown", "j" * 80]) | json_values,
        "step": st.sampled_from(["select", "chunk", "SELECT", ""]) | json_values,
        "chunk": st.integers(min_value=-3, max_value=10**12) | json_values,
    },
)
record_bodies = st.text(max_size=120) | json_values.map(json.dumps) | job_like.map(json.dumps)


def _sqs(bodies: list[str]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{i}",
                "receiptHandle": "h",
                "body": body,
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:casebridge-test-case-jobs",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


@FUZZ
@given(bodies=st.lists(record_bodies, min_size=1, max_size=4))
def test_the_bulk_actions_consumer_reports_every_record_it_cannot_handle_and_never_raises(client, bodies):
    from functions.cases.actions.models import JobStep

    answer = client.lambda_.invoke("handle_case_jobs", _sqs(bodies)).payload
    failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
    assert failed <= {f"m-{i}" for i in range(len(bodies))}
    for i, body in enumerate(bodies):
        try:
            JobStep.model_validate_json(body)
        except ValueError:
            assert f"m-{i}" in failed, body  # malformed: delivered again, then dead-lettered, not dropped
