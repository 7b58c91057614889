"""Fault injection for tests: AWS calls fail as AWS makes them fail (throttling, internal errors,
conditional and transaction conflicts), chosen by service and operation, at a seeded rate.

``inject(...)`` patches ``botocore.client.BaseClient._make_api_call`` for its duration, so every
client the code under test holds (whenever it was made) goes through it; a matching call raises a
``ClientError`` with the given code instead of reaching moto. Successful calls are counted per
operation, and the successful mail sends are kept (``Faults.sent``), so a test can say what was
sent once, twice or never. Only the test's own thread meets faults: moto's state machine threads
(which stand for AWS itself) do not.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

# What each service answers when it is throttled or fails inside.
CODES: Mapping[str, tuple[str, ...]] = {
    "dynamodb": ("ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError"),
    "s3": ("SlowDown", "InternalError"),
    "ses": ("Throttling", "ServiceUnavailable"),
    "sesv2": ("TooManyRequestsException",),
    "sns": ("Throttled", "InternalError"),
    "sqs": ("RequestThrottled",),
    "stepfunctions": ("ThrottlingException",),
}
MAIL_SENDS = {("ses", "SendRawEmail"), ("ses", "SendEmail"), ("sesv2", "SendEmail"), ("sesv2", "SendBulkEmail")}


@dataclass
class Faults:
    rate: float
    targets: set[tuple[str, str]]  # (service, Operation); ("dynamodb", "*") for every operation
    seed: int = 1
    injected: Counter = field(default_factory=Counter)
    succeeded: Counter = field(default_factory=Counter)
    sent: list[dict[str, Any]] = field(default_factory=list)
    enabled: bool = True
    thread: int = field(default_factory=threading.get_ident)  # only calls made by the test's thread

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def hits(self, service: str, operation: str) -> bool:
        if not self.enabled or threading.get_ident() != self.thread:
            return False
        if (service, operation) not in self.targets and (service, "*") not in self.targets:
            return False
        return self._random.random() < self.rate

    @property
    def total_injected(self) -> int:
        return sum(self.injected.values())


@contextmanager
def inject(rate: float, *targets: tuple[str, str], seed: int = 1) -> Iterator[Faults]:
    from botocore.client import BaseClient
    from botocore.exceptions import ClientError

    faults = Faults(rate=rate, targets=set(targets), seed=seed)
    real = BaseClient._make_api_call

    def call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        if faults.hits(service, operation_name):
            faults.injected[(service, operation_name)] += 1
            code = faults._random.choice(CODES.get(service, ("InternalError",)))
            raise ClientError({"Error": {"Code": code, "Message": "injected fault"}}, operation_name)
        result = real(self, operation_name, api_params)
        faults.succeeded[(service, operation_name)] += 1
        if (service, operation_name) in MAIL_SENDS:
            faults.sent.append({"operation": operation_name, "params": api_params})
        return result

    BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        yield faults
    finally:
        BaseClient._make_api_call = real  # type: ignore[method-assign]


def deliver_until_done(invoke: Any, bodies: list[str], *, rounds: int = 80) -> int:
    """Deliver ``bodies`` as SQS does: the batch, then again only the records the handler reported
    as failed, until none fails; returns the number of deliveries. ``invoke(bodies) -> payload``."""
    pending = list(range(len(bodies)))
    for delivery in range(1, rounds + 1):
        payload = invoke([bodies[i] for i in pending])
        failed = {int(f["itemIdentifier"].removeprefix("id-")) for f in payload.get("batchItemFailures", [])}
        pending = [pending[i] for i in sorted(failed)]
        if not pending:
            return delivery
    raise AssertionError(f"records still failing after {rounds} deliveries: {pending}")
