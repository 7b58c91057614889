"""Record which AWS calls each Lambda function of the app makes (service, operation, resources).

A development and test tool, never imported on a Lambda path. ``install(path)`` patches, for the
whole process:

* ``botocore.client.BaseClient._make_api_call``: every call any boto3 client makes (whenever the
  client was created) is seen, with the parameters that name resources and the error code, if any;
* the callables Lambda invokes in a Chalice app: ``Chalice.__call__`` (every HTTP route runs in the
  ``api_handler`` function), ``EventSourceHandler.__call__`` (SQS, SNS, schedules: the handler's
  name) and ``LambdaFunction.__call__`` (``@lambda_function``: its name). While one of them runs,
  calls are attributed to that function (a context variable: per thread, so the local stack's
  pumps, the embedded AWS and the HTTP server's other threads are not mixed up).

Calls made outside any function (provisioning, the local stack's event pumps, which stand for the
Lambda service itself, test set-up) are not recorded. Each distinct call is written once, as one
JSON line. Only identifiers are kept: table, bucket, key, queue, topic, state machine, template,
the sender address; never message bodies, phone numbers or customers' addresses.

``tests/infrastructure/iam.py`` holds the records against each function's IAM role in the
synthesized template (``tests/infrastructure/test_iam_calls.py``). The local stack records when
``CASEBRIDGE_RECORD_AWS_CALLS`` names a file (the e2e tests set it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

ENV_VAR = "CASEBRIDGE_RECORD_AWS_CALLS"

_current: ContextVar[str | None] = ContextVar("casebridge_lambda_function", default=None)
_lock = threading.Lock()
_sinks: list[Callable[[dict[str, Any]], None]] = []
_patched = False

# Request parameters that name a resource or decide an IAM condition, kept as given.
_KEPT = (
    "Bucket",
    "Key",
    "Prefix",
    "TableName",
    "IndexName",
    "QueueUrl",
    "QueueName",  # GetQueueUrl
    "TopicArn",
    "TargetArn",
    "SubscriptionArn",
    "stateMachineArn",
    "executionArn",
    "SecretId",
    "UserPoolId",
    "Source",
    "SourceArn",
    "FromEmailAddress",
    "FromEmailAddressIdentityArn",
    "ConfigurationSetName",
    "Template",
    "TemplateName",
    "Protocol",
)
# Present or not, never the value (personal data).
_PRESENCE = ("PhoneNumber", "Endpoint", "Destination", "Destinations", "BulkEmailEntries")


def current_function() -> str | None:
    return _current.get()


@contextmanager
def running(function: str) -> Iterator[None]:
    """Attribute the AWS calls made inside the block to ``function``."""
    token = _current.set(function)
    try:
        yield
    finally:
        _current.reset(token)


def identifiers(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parts of a request that name resources (see the module docstring)."""
    out: dict[str, Any] = {k: params[k] for k in _KEPT if isinstance(params.get(k), str)}
    for key in _PRESENCE:
        if key in params:
            out[key] = "<present>"
    items = params.get("RequestItems")
    if isinstance(items, dict):  # BatchGetItem / BatchWriteItem: table -> requests
        out["RequestItems"] = {
            table: sorted({next(iter(r)) for r in reqs if isinstance(r, dict)}) if isinstance(reqs, list) else []
            for table, reqs in items.items()
        }
    transact = params.get("TransactItems")
    if isinstance(transact, list):  # [{"Put": {"TableName": ...}}, ...]
        out["TransactItems"] = sorted(
            {
                (op, body.get("TableName", ""))
                for item in transact
                for op, body in item.items()
                if isinstance(body, dict)
            }
        )
    content = params.get("DefaultContent") or params.get("Content")
    if isinstance(content, dict) and isinstance(content.get("Template"), dict):
        template = content["Template"]
        out["Template"] = template.get("TemplateName") or template.get("TemplateArn") or "<inline>"
    entries = params.get("PublishBatchRequestEntries") or params.get("Entries")
    if isinstance(entries, list):
        out["Entries"] = len(entries)
    return out


def _record(entry: dict[str, Any]) -> None:
    for sink in list(_sinks):
        sink(entry)


def _patch() -> None:
    global _patched
    if _patched:
        return
    from botocore.client import BaseClient  # noqa: PLC0415
    from botocore.exceptions import ClientError  # noqa: PLC0415
    from chalice.app import Chalice, EventSourceHandler, LambdaFunction  # noqa: PLC0415

    original_call = BaseClient._make_api_call

    def _make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        function = _current.get()
        if function is None or not _sinks:
            return original_call(self, operation_name, api_params)
        entry: dict[str, Any] = {
            "function": function,
            "service": self.meta.service_model.service_name,
            "signing_name": self.meta.service_model.signing_name,
            "operation": operation_name,
            "params": identifiers(operation_name, api_params),
            "error": None,
        }
        try:
            return original_call(self, operation_name, api_params)
        except ClientError as exc:
            entry["error"] = str(exc.response.get("Error", {}).get("Code") or "ClientError")
            raise
        finally:
            _record(entry)

    BaseClient._make_api_call = _make_api_call  # type: ignore[method-assign]

    def wrap(cls: type, name_of: Callable[[Any], str | None]) -> None:
        original = cls.__call__

        def __call__(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                name = name_of(self)
            except Exception:  # noqa: BLE001 - recording must never break the app: run unattributed
                name = None
            if name is None:
                return original(self, *args, **kwargs)
            with running(name):
                return original(self, *args, **kwargs)

        cls.__call__ = __call__  # type: ignore[method-assign]

    wrap(Chalice, lambda _app: "api_handler")
    wrap(LambdaFunction, lambda fn: fn.name)
    wrap(EventSourceHandler, _handler_name)
    _patched = True


def _handler_name(handler: Any) -> str | None:
    """The Lambda function an event handler runs in: its key in the app's ``handler_map``."""
    import sys  # noqa: PLC0415

    for module in (sys.modules.get("app"), *[m for n, m in sys.modules.items() if n.endswith(".app")]):
        app = getattr(module, "app", None)
        for name, candidate in (getattr(app, "handler_map", None) or {}).items():
            if candidate is handler:
                return str(name)
    func = getattr(handler, "func", None)
    func = getattr(func, "_original_func", func)  # @lambda_function handlers are wrapped once more
    return getattr(func, "__name__", None)


class JsonLinesSink:
    """Writes each distinct record once, as a JSON line, to ``path`` (appending; thread-safe)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, sort_keys=True, default=str)
        with self._lock:
            if line in self._seen:
                return
            self._seen.add(line)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")


def install(path: Path | str) -> JsonLinesSink:
    """Record every function's AWS calls into ``path`` (JSON Lines) from now on, in this process."""
    with _lock:
        _patch()
        sink = JsonLinesSink(path)
        _sinks.append(sink)
        return sink


def uninstall(sink: Callable[[dict[str, Any]], None]) -> None:
    with _lock:
        if sink in _sinks:
            _sinks.remove(sink)


def read(paths: list[Path]) -> list[dict[str, Any]]:
    """Every record in the given JSON Lines files (missing files are skipped)."""
    out: list[dict[str, Any]] = []
    for path in paths:
        if path.exists():
            out += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out
