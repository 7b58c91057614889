"""functions.core.idempotency on moto: claim before acting, replay after, one winner per key."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from functions.core.errors import InvalidInput
from functions.core.idempotency import Claim, InProgress, KeyReused, Replay, parse_key

KEY = "3f0a8c1e-5b7d-4e39-9a61-1c2d3e4f5a6b"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def make(clock=None, **kw):
    from functions.core.idempotency import IdempotencyStore

    return IdempotencyStore(clock=clock or Clock(), sleep=lambda s: None, **kw)


def test_a_new_key_is_claimed(aws):
    assert isinstance(make().claim("s", KEY, "fp"), Claim)


def test_of_two_claims_for_one_key_exactly_one_wins(aws):
    first, second = make(), make()

    won = first.claim("s", KEY, "fp")

    assert isinstance(won, Claim)
    with pytest.raises(InProgress):
        second.claim("s", KEY, "fp")


def test_of_many_concurrent_claims_for_one_key_exactly_one_wins(aws, monkeypatch):
    # DynamoDB evaluates a conditional write atomically per item; moto does not lock, so give its
    # put_item that one guarantee. Everything else (our reads, retries, waits) runs interleaved.
    from moto.dynamodb.models import DynamoDBBackend

    moto_lock = threading.Lock()
    real_put = DynamoDBBackend.put_item

    def atomic_put(self, *args, **kwargs):
        with moto_lock:
            return real_put(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "put_item", atomic_put)
    store = make()
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def contend() -> None:
        barrier.wait()
        try:
            result = "claim" if isinstance(store.claim("s", KEY, "fp"), Claim) else "replay"
        except InProgress:
            result = "in_progress"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=contend) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["claim"] + ["in_progress"] * 7


def test_a_completed_key_replays_its_result(aws):
    store = make()
    claim = store.claim("s", KEY, "fp")
    store.complete(claim, {"event_id": "e-1"})

    again = store.claim("s", KEY, "fp")

    assert again == Replay(result={"event_id": "e-1"})


def test_the_same_key_with_another_request_is_refused(aws):
    store = make()
    store.complete(store.claim("s", KEY, "fp"), {"event_id": "e-1"})

    with pytest.raises(KeyReused):
        store.claim("s", KEY, "another-fp")


def test_keys_are_independent_per_scope(aws):
    store = make()
    store.complete(store.claim("reply:CB-1", KEY, "fp"), {"event_id": "e-1"})

    assert isinstance(store.claim("reply:CB-2", KEY, "fp"), Claim)


def test_a_released_key_can_be_claimed_again(aws):
    store = make()
    store.release(store.claim("s", KEY, "fp"))

    assert isinstance(store.claim("s", KEY, "fp"), Claim)


def test_a_crashed_claim_is_taken_over_once_stale(aws):
    clock = Clock()
    store = make(clock, stale_after_seconds=300)
    crashed = store.claim("s", KEY, "fp")

    clock.at = T0 + timedelta(seconds=301)
    taken = store.claim("s", KEY, "fp")

    assert isinstance(taken, Claim) and taken.owner != crashed.owner
    # The crashed holder, should it wake up, can neither complete nor release the new claim.
    assert store.complete(crashed, {"event_id": "late"}) is False
    store.release(crashed)
    assert store.complete(taken, {"event_id": "e-2"}) is True
    assert store.claim("s", KEY, "fp") == Replay(result={"event_id": "e-2"})


def test_a_claim_younger_than_the_stale_limit_is_still_in_progress(aws):
    clock = Clock()
    store = make(clock, stale_after_seconds=300)
    store.claim("s", KEY, "fp")

    clock.at = T0 + timedelta(seconds=299)

    with pytest.raises(InProgress):
        store.claim("s", KEY, "fp")


def test_an_expired_record_frees_its_key_before_dynamodb_deletes_it(aws):
    clock = Clock()
    store = make(clock, retention_seconds=3600)
    store.complete(store.claim("s", KEY, "fp"), {"event_id": "e-1"})

    clock.at = T0 + timedelta(seconds=3601)

    assert isinstance(store.claim("s", KEY, "another-fp"), Claim)


def test_a_waiting_claim_gets_the_replay_when_the_holder_finishes(aws):
    store = make()
    holder = store.claim("s", KEY, "fp")
    waiter = make()
    waiter.sleep = lambda s: store.complete(holder, {"session_id": "chs_1"})  # the holder finishes meanwhile

    assert waiter.claim("s", KEY, "fp", wait_seconds=1) == Replay(result={"session_id": "chs_1"})


def test_records_carry_the_ttl_attribute(aws):
    from functions.core import dynamo
    from functions.core.idempotency import item_key

    make(retention_seconds=3600).claim("s", KEY, "fp")

    item = dynamo.table().get_item(Key=item_key("s", KEY))["Item"]
    assert int(item["expires_at"]) == int(T0.timestamp()) + 3600


@pytest.mark.parametrize("raw", ["short", "x" * 129, "has spaces in it ok", "ünïcödé-ünïcödé-ünïcödé"])
def test_a_malformed_key_is_invalid_input_naming_the_header(raw):
    with pytest.raises(InvalidInput) as err:
        parse_key(raw)

    assert err.value.fields[0]["field"] == "Idempotency-Key"


def test_a_uuid_is_a_valid_key():
    assert parse_key(f" {KEY} ") == KEY
