"""TableStore.batch_get: chunks of 100, unprocessed keys asked again, never a silent miss."""

from __future__ import annotations

from typing import Any

import pytest

from functions.core import dynamo


class FakeClient:
    """BatchGetItem over a dict of items; leaves the first ``throttle`` keys of each call unprocessed."""

    def __init__(self, items: dict[str, dict[str, Any]], throttle: int = 0, always: bool = False) -> None:
        self.items, self.throttle, self.always = items, throttle, always
        self.calls: list[int] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # noqa: N803 - boto3's name
        spec = RequestItems["t"]
        keys = spec["Keys"]
        assert len(keys) <= 100
        self.calls.append(len(keys))
        n = self.throttle if (self.always or len(self.calls) == 1) else 0
        left, done = keys[:n], keys[n:]
        found = [self.items[k["PK"]] for k in done if k["PK"] in self.items]
        resp: dict[str, Any] = {"Responses": {"t": found}}
        if left:
            resp["UnprocessedKeys"] = {"t": {**spec, "Keys": left}}
        return resp


class FakeTable:
    def __init__(self, client: FakeClient) -> None:
        self.name = "t"
        self.meta = type("Meta", (), {"client": client})()


def store(client: FakeClient) -> dynamo.TableStore:
    return dynamo.TableStore(FakeTable(client), sleep=lambda s: None)


def test_keys_are_asked_100_at_a_time_once_each_and_missing_items_are_left_out() -> None:
    items = {f"K{i}": {"PK": f"K{i}", "v": i} for i in range(0, 250, 2)}
    client = FakeClient(items)
    keys = [{"PK": f"K{i}", "SK": "#"} for i in range(250)] + [{"PK": "K0", "SK": "#"}]
    got = store(client).batch_get(keys)
    assert sorted(i["v"] for i in got) == list(range(0, 250, 2))
    assert client.calls == [100, 100, 50]


def test_unprocessed_keys_are_asked_again_until_read() -> None:
    items = {f"K{i}": {"PK": f"K{i}"} for i in range(10)}
    client = FakeClient(items, throttle=4)
    got = store(client).batch_get([{"PK": f"K{i}", "SK": "#"} for i in range(10)])
    assert len(got) == 10
    assert client.calls == [10, 4]


def test_keys_still_unprocessed_after_the_attempts_raise_rather_than_read_as_missing() -> None:
    client = FakeClient({"K1": {"PK": "K1"}}, throttle=1, always=True)
    with pytest.raises(dynamo.BatchGetIncomplete) as err:
        store(client).batch_get([{"PK": "K1", "SK": "#"}, {"PK": "K2", "SK": "#"}])
    assert len(client.calls) == dynamo.BATCH_GET_ATTEMPTS
    assert "1 item(s) not read" in str(err.value)


def test_an_unavailable_dependency_answers_503_with_retry_after() -> None:
    from functions.core.http import error_response

    resp = error_response(dynamo.BatchGetIncomplete("the database is busy"))
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "1"
    assert resp.body["error"]["code"] == "unavailable"
