"""Pytest plugin: every log line the app writes during the session, scanned for customer PII.

Loaded by ``tests/conftest.py``. For the whole session a handler on the app's logger
(``functions.core.logs``: Powertools, service ``casebridge``) and on the root logger keeps each
record as the JSON line it would be in CloudWatch (message and every extra field). The local stack
the end-to-end tests start writes its log to a file the harness names; those lines are read too.
At the end of the session every line is scanned for:

- an e-mail address that is not one of the deployment's own (support, department and system
  addresses: ``SYSTEM_ADDRESSES``);
- a phone number in international form;
- the canaries: the names, addresses and message bodies of the customers the tests use
  (``CANARIES``, and whatever a test adds with ``log_canary(...)``).

A finding fails the session and names the logger, the test that was running and the line.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"(?<![\w.])\+[1-9][0-9 ]{7,15}[0-9](?![\w.])")
# Addresses of the desk itself and of the departments it escalates to (role addresses, not
# customers'): by local part.
SYSTEM_ADDRESSES = re.compile(
    r"^(support|help|noreply|no-reply|bounces?|postmaster|mailer-daemon|notices|"
    r"owner|finance|billing|billing-lead|cfo|legal|gc|logistics|manufacturing|mf|mf-boss|escalations?)@",
    re.IGNORECASE,
)
# Customers the tests use, by name (their addresses are caught by the address rule), and words
# of the messages the tests send most.
CANARIES = {
    "Anna Schmidt",
    "Ann Example",
    "Dana Lee",
    "Jonas Weber",
    "Bob Keller",
    "Charged VAT twice",
    "VAT charged twice",
}


@dataclass
class Scan:
    lines: list[tuple[str, str, str]] = field(default_factory=list)  # (test, logger, line)
    canaries: set[str] = field(default_factory=lambda: set(CANARIES))
    current_test: str = ""
    files: list[Path] = field(default_factory=list)
    streams: list[tuple[str, list[str]]] = field(default_factory=list)


SCAN = Scan()


def log_canary(*values: str) -> None:
    """A test's customer data that must never reach a log line (names, addresses, bodies)."""
    SCAN.canaries.update(v for v in values if v and len(v) >= 6)


def log_file(path: Path) -> None:
    """A log file whose lines are scanned at the end of the session."""
    SCAN.files.append(path)


def log_output(name: str, lines: list[str]) -> None:
    """A process's output (e.g. the local stack's, still being appended to): its JSON log lines are
    scanned at the end of the session (what it prints for the developer is not a log)."""
    SCAN.streams.append((name, lines))


class _Keep(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # noqa: BLE001 - a record that does not format is kept as its message
            line = str(record.msg)
        SCAN.lines.append((SCAN.current_test, record.name, line))


def _formatter() -> logging.Formatter:
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    return LambdaPowertoolsFormatter()


@pytest.fixture(scope="session", autouse=True)
def _scan_logs() -> None:
    # One handler each: Powertools puts a filter on the root logger's handlers that drops the
    # app logger's records (they are not logged twice), which would drop them here too.
    for name in ("casebridge", ""):
        keep = _Keep()
        keep.setFormatter(_formatter())
        logging.getLogger(name).addHandler(keep)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):  # type: ignore[no-untyped-def]
    SCAN.current_test = item.nodeid
    yield


def findings(lines: list[tuple[str, str, str]], canaries: set[str]) -> list[str]:
    out = []
    for test, logger, line in lines:
        why = []
        for address in EMAIL.findall(line):
            if not SYSTEM_ADDRESSES.match(address):
                why.append(f"address {address}")
        why += [f"phone {m}" for m in PHONE.findall(line)]
        why += [f"canary {c!r}" for c in canaries if c in line]
        if why:
            out.append(f"{test or '(no test)'} [{logger}] {', '.join(why)}: {line[:300]}")
    return out


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    lines = list(SCAN.lines)
    for path in SCAN.files:
        if path.exists():
            lines += [("(local stack)", path.name, ln) for ln in path.read_text("utf-8", "replace").splitlines()]
    for name, output in SCAN.streams:
        lines += [(name, "local stack", ln) for ln in list(output) if ln.startswith("{") and '"level"' in ln]
    found = findings(lines, SCAN.canaries)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("-", f"log scan: {len(lines)} log lines, {len(found)} with customer data")
        for line in found[:50]:
            reporter.write_line(line)
    if found and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


__all__ = ["findings", "log_canary", "log_file", "log_output"]
