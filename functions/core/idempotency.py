"""Idempotency keys: claim the key before acting, store the result after, replay it on a repeat.

A client sends ``Idempotency-Key: <16-128 chars of A-Z a-z 0-9 . _ : ->`` (a UUID is fine) on a
request that has a side effect (an email sent, a case opened). The route's logic:

1. ``claim(scope, key, fingerprint)`` with one conditional write, BEFORE the side effect:
   * the key is new (or its record has expired)     -> ``Claim``: go ahead;
   * it is done with the same request fingerprint   -> ``Replay(result)``: answer that, do nothing;
   * it is done or running with another fingerprint -> ``KeyReused`` (409);
   * it is still running (another request holds it) -> ``InProgress`` (409, "retry shortly"),
     after waiting up to ``wait_seconds`` for it to finish (a double click then gets the replay).
2. Act, then ``complete(claim, result)`` (a small JSON map, e.g. the ids of what was made).
   If the action failed before its side effect, ``release(claim)`` so the client can retry.

DynamoDB's conditional write makes the claim atomic: of two concurrent requests with one key,
exactly one gets the ``Claim``. What DynamoDB cannot give is atomicity between our write and an
outside effect (SES has no transaction), so a process that dies after claiming and before
``complete`` leaves an ``in_progress`` record. Repeats get ``InProgress`` until the claim is
``stale_after_seconds`` old (default 5 minutes, setting ``idempotency_stale_after_seconds``);
after that a repeat with the same fingerprint may take the claim over and act again. That is the
one window in which the effect can happen twice: only after a crash, and only when the client
retries later than that. A claim holder that is overtaken cannot overwrite the new holder's
result (``complete`` and ``release`` are conditional on the claim's ``owner``).

Item (single table; TTL attribute ``expires_at`` = claimed + ``idempotency_retention_seconds``,
24 h by default, after which the key may be used again):

  IDEM#{scope}#{key} / #IDEM    type idempotency, scope, state in_progress|done, fingerprint,
                                owner, claimed_at (epoch s), completed_at, result (JSON text)

``scope`` keeps keys apart per resource and caller (``reply:{case_id}``,
``chat-start:{sha256(email)[:16]}``): a key is only ever replayed to the scope it was used in.
Nothing here is read at import (cold start); the table handle is created on first use.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Protocol

from pydantic import StringConstraints, TypeAdapter, ValidationError

from functions.core import dynamo
from functions.core.errors import Conflict, InvalidInput
from functions.core.logs import logger
from functions.core.timeutil import utcnow

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[A-Za-z0-9._:-]+$"
IdempotencyKey = Annotated[str, StringConstraints(min_length=16, max_length=128, pattern=KEY_PATTERN)]
HEADER_DESCRIPTION = (
    "16 to 128 characters of A-Z a-z 0-9 . _ : - (a UUID is fine). A repeat with the same key and the "
    "same request answers the first result again (header Idempotent-Replayed: true) without acting "
    "again; the same key with a different request is a 409."
)

IN_PROGRESS = "in_progress"
DONE = "done"
SK = "#IDEM"

_key_adapter: TypeAdapter[str] | None = None


class InProgress(Conflict):
    code = "idempotency_in_progress"


class KeyReused(Conflict):
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Claim:
    scope: str
    key: str
    owner: str
    fingerprint: str


@dataclass(frozen=True)
class Replay:
    result: dict[str, Any]


class IdempotencyPort(Protocol):
    def claim(self, scope: str, key: str, fingerprint: str, *, wait_seconds: float = 0.0) -> Claim | Replay: ...
    def complete(self, claim: Claim, result: dict[str, Any]) -> bool: ...
    def release(self, claim: Claim) -> None: ...


# -- pure helpers ------------------------------------------------------------------
def parse_key(raw: str | None) -> str | None:
    """The validated key of an ``Idempotency-Key`` header value (None when absent); 400 naming the header."""
    global _key_adapter
    if raw is None:
        return None
    if _key_adapter is None:
        _key_adapter = TypeAdapter(IdempotencyKey)
    try:
        return _key_adapter.validate_python(raw.strip())
    except ValidationError as exc:
        raise InvalidInput(
            f"{HEADER} must be 16 to 128 characters of A-Z a-z 0-9 . _ : - (a UUID is fine)",
            fields=[{"field": HEADER, "message": exc.errors()[0]["msg"], "type": "header"}],
        ) from exc


def key_from_request(request: Any) -> str | None:
    return parse_key((request.headers or {}).get(HEADER.lower()))


def fingerprint(data: Any) -> str:
    """Stable hash of a request's JSON-ready content."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def scoped(prefix: str, secret_part: str) -> str:
    """A scope that names a caller without storing who (e.g. an email address) in clear."""
    return f"{prefix}:{hashlib.sha256(secret_part.lower().encode()).hexdigest()[:16]}"


def item_key(scope: str, key: str) -> dict[str, str]:
    return {"PK": f"IDEM#{scope}#{key}", "SK": SK}


# -- the DynamoDB adapter ------------------------------------------------------------
class IdempotencyStore(dynamo.TableStore):
    def __init__(
        self,
        table: Any | None = None,
        *,
        retention_seconds: int = 24 * 3600,
        stale_after_seconds: int = 300,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        poll_seconds: float = 0.2,
    ) -> None:
        super().__init__(table)
        self.retention_seconds = retention_seconds
        self.stale_after_seconds = stale_after_seconds
        self.clock = clock
        self.sleep = sleep
        self.poll_seconds = poll_seconds

    def claim(self, scope: str, key: str, fingerprint: str, *, wait_seconds: float = 0.0) -> Claim | Replay:
        waited = 0.0
        for _ in range(1000):  # bounded: each turn either returns, raises, or sleeps towards wait_seconds
            now = int(self.clock().timestamp())
            claim = Claim(scope=scope, key=key, owner=uuid.uuid4().hex, fingerprint=fingerprint)
            try:
                self.table.put_item(
                    Item={
                        **item_key(scope, key),
                        "type": "idempotency",
                        "scope": scope,
                        "state": IN_PROGRESS,
                        "fingerprint": fingerprint,
                        "owner": claim.owner,
                        "claimed_at": now,
                        "expires_at": now + self.retention_seconds,
                    },
                    ConditionExpression=(
                        "attribute_not_exists(PK) OR expires_at < :now "
                        "OR (#state = :running AND claimed_at < :stale AND fingerprint = :fp)"
                    ),
                    ExpressionAttributeNames={"#state": "state"},
                    ExpressionAttributeValues={
                        ":now": now,
                        ":running": IN_PROGRESS,
                        ":stale": now - self.stale_after_seconds,
                        ":fp": fingerprint,
                    },
                )
            except Exception as exc:
                if not dynamo.is_conditional_failure(exc):
                    raise
            else:
                return claim
            item = self.table.get_item(Key=item_key(scope, key), ConsistentRead=True).get("Item")
            if item is None:
                continue  # released or expired in between: claim again
            if item.get("fingerprint") != fingerprint:
                raise KeyReused(f"{HEADER} was already used with a different request; use a new key for a new request")
            if item.get("state") == DONE:
                return Replay(result=json.loads(str(item.get("result") or "{}")))
            if waited >= wait_seconds:
                raise InProgress(f"a request with this {HEADER} is still being processed; retry in a few seconds")
            self.sleep(self.poll_seconds)
            waited += self.poll_seconds
        raise InProgress(f"a request with this {HEADER} is still being processed; retry in a few seconds")

    def complete(self, claim: Claim, result: dict[str, Any]) -> bool:
        """Record the result. False when the claim was taken over (stale) by another request meanwhile."""
        try:
            self.table.update_item(
                Key=item_key(claim.scope, claim.key),
                UpdateExpression="SET #state = :done, #result = :result, completed_at = :now",
                ConditionExpression="#owner = :owner",
                ExpressionAttributeNames={"#state": "state", "#result": "result", "#owner": "owner"},
                ExpressionAttributeValues={
                    ":done": DONE,
                    ":result": json.dumps(result, sort_keys=True, separators=(",", ":")),
                    ":now": int(self.clock().timestamp()),
                    ":owner": claim.owner,
                },
            )
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):
                raise
            logger().warning("idempotency claim was taken over before completion", extra={"scope": claim.scope})
            return False
        return True

    def release(self, claim: Claim) -> None:
        """Give the key back (the action failed before its side effect), unless someone else holds it now."""
        try:
            self.table.delete_item(
                Key=item_key(claim.scope, claim.key),
                ConditionExpression="#owner = :owner AND #state = :running",
                ExpressionAttributeNames={"#owner": "owner", "#state": "state"},
                ExpressionAttributeValues={":owner": claim.owner, ":running": IN_PROGRESS},
            )
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):
                raise
