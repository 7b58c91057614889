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

import json
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


@dataclass
class TaskFault:
    """``times`` calls of ``service``/``operation`` made by a state machine's task (moto's execution
    threads, standing for Step Functions' service integrations) fail with ``code``; ``when`` picks
    the calls by their parameters (None: every call). ``times=None``: every matching call fails."""

    service: str
    operation: str
    code: str
    times: int | None = 1
    when: Any = None  # Callable[[dict], bool] | None
    injected: int = 0

    def hits(self, service: str, operation: str, params: dict[str, Any]) -> bool:
        if (service, operation) != (self.service, self.operation):
            return False
        if self.times is not None and self.injected >= self.times:
            return False
        return self.when is None or bool(self.when(params))


@contextmanager
def in_workflow(*faults: TaskFault) -> Iterator[list[TaskFault]]:
    """Fail the AWS calls the state machines' tasks make (not the test's own calls, nor the
    handlers' it invokes: those run on the test's thread), as ``faults`` say. In AWS the service
    integration's error reaches the state as ``DynamoDB.<code>`` (DynamoDB) or
    ``SQS.SdkClientException`` (SQS, in moto; AWS names its service errors ``SQS.AmazonSQSException``): the state's Retry and Catch decide what follows."""
    from botocore.client import BaseClient
    from botocore.exceptions import ClientError

    test_thread = threading.get_ident()
    real = BaseClient._make_api_call
    lock = threading.Lock()

    def call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        if threading.get_ident() != test_thread:
            service = self.meta.service_model.service_name
            with lock:
                fault = next((f for f in faults if f.hits(service, operation_name, api_params)), None)
                if fault is not None:
                    fault.injected += 1
            if fault is not None:
                raise ClientError(
                    {
                        "Error": {"Code": fault.code, "Message": "injected fault"},
                        "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "injected"},
                    },
                    operation_name,
                )
        return real(self, operation_name, api_params)

    BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        yield list(faults)
    finally:
        BaseClient._make_api_call = real  # type: ignore[method-assign]


# -- reading what a state machine did (moto) ------------------------------------------------


def quick(machine_arn: str) -> None:
    """Every Retry of the machine waits one second between attempts (same rules, same attempts)."""
    sfn = _boto3().client("stepfunctions", region_name="us-east-1")
    d = json.loads(sfn.describe_state_machine(stateMachineArn=machine_arn)["definition"])

    def walk(states: dict) -> None:
        for state in states.values():
            for rule in state.get("Retry", []):
                rule["IntervalSeconds"], rule["BackoffRate"] = 1, 1.0
                rule.pop("MaxDelaySeconds", None)
                rule.pop("JitterStrategy", None)
            if "ItemProcessor" in state:
                walk(state["ItemProcessor"]["States"])

    walk(d["States"])
    sfn.update_state_machine(stateMachineArn=machine_arn, definition=json.dumps(d))


def history(execution_arn: str) -> list[dict[str, Any]]:
    sfn = _boto3().client("stepfunctions", region_name="us-east-1")
    return sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]


def task_failures(execution_arn: str) -> list[str]:
    """The error of every failed task attempt, in order."""
    return [e["taskFailedEventDetails"]["error"] for e in history(execution_arn) if e["type"] == "TaskFailed"]


def entered(execution_arn: str) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in history(execution_arn) if e["type"].endswith("StateEntered")]


def queued(out: dict, queue: str) -> list[dict]:
    """Every message on the queue now (read and deleted)."""
    sqs = _boto3().client("sqs", region_name="us-east-1")
    url = out["queues"][queue]["url"]
    bodies = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            bodies.append(json.loads(m["Body"]))


def _boto3() -> Any:
    import boto3

    return boto3
