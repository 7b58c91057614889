"""An in-memory ``IdempotencyPort`` (functions/core/idempotency.py), with the DynamoDB store's rules:

* a new key (or one whose record expired after ``retention_seconds``) is claimed: ``Claim``;
* a key done with the same fingerprint replays its result (``Replay``, the result as JSON types);
* a key done or running with another fingerprint is ``KeyReused``;
* a key still running is ``InProgress`` once ``wait_seconds`` have passed (``sleep`` is given the
  waits; nothing else can finish the claim meanwhile in a single thread, so a test that wants the
  replay after a wait completes the claim from ``sleep``);
* a running claim older than ``stale_after_seconds`` may be taken over by the same request;
* ``complete`` and ``release`` act only for the claim's owner (a claim taken over cannot overwrite
  the new holder's result). Claims are atomic: of two claims for one key exactly one wins.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from functions.core.idempotency import DONE, HEADER, IN_PROGRESS, Claim, InProgress, KeyReused, Replay
from functions.core.timeutil import utcnow


class FakeIdempotency:
    def __init__(
        self,
        *,
        retention_seconds: int = 24 * 3600,
        stale_after_seconds: int = 300,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = lambda seconds: None,
        poll_seconds: float = 0.2,
    ) -> None:
        self.retention_seconds = retention_seconds
        self.stale_after_seconds = stale_after_seconds
        self.clock = clock
        self.sleep = sleep
        self.poll_seconds = poll_seconds
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def claim(self, scope: str, key: str, fingerprint: str, *, wait_seconds: float = 0.0) -> Claim | Replay:
        waited = 0.0
        while True:
            with self._lock:
                now = int(self.clock().timestamp())
                record = self.records.get((scope, key))
                if (
                    record is None
                    or record["expires_at"] < now
                    or (
                        record["state"] == IN_PROGRESS
                        and record["claimed_at"] < now - self.stale_after_seconds
                        and record["fingerprint"] == fingerprint
                    )
                ):
                    claim = Claim(scope=scope, key=key, owner=uuid.uuid4().hex, fingerprint=fingerprint)
                    self.records[(scope, key)] = {
                        "state": IN_PROGRESS,
                        "fingerprint": fingerprint,
                        "owner": claim.owner,
                        "claimed_at": now,
                        "expires_at": now + self.retention_seconds,
                    }
                    return claim
                if record["fingerprint"] != fingerprint:
                    raise KeyReused(
                        f"{HEADER} was already used with a different request; use a new key for a new request"
                    )
                if record["state"] == DONE:
                    return Replay(result=json.loads(record["result"]))
            if waited >= wait_seconds:
                raise InProgress(f"a request with this {HEADER} is still being processed; retry in a few seconds")
            self.sleep(self.poll_seconds)
            waited += self.poll_seconds

    def complete(self, claim: Claim, result: dict[str, Any]) -> bool:
        with self._lock:
            record = self.records.get((claim.scope, claim.key))
            if record is None or record["owner"] != claim.owner:
                return False
            record.update(
                state=DONE,
                result=json.dumps(result, sort_keys=True, separators=(",", ":")),
                completed_at=int(self.clock().timestamp()),
            )
            return True

    def release(self, claim: Claim) -> None:
        with self._lock:
            record = self.records.get((claim.scope, claim.key))
            if record is not None and record["owner"] == claim.owner and record["state"] == IN_PROGRESS:
                del self.records[(claim.scope, claim.key)]
