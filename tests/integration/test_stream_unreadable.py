"""A stream record whose image cannot be read (an attribute type the reader does not know, here a
binary one) never takes down the records before it, and is never skipped: the consumers that read
images (problem_stream, live_stream, triage_stream) handle the records before it and report it in
``batchItemFailures``, so the mapping retries from that record (and finally sends it to its
on-failure destination). Before, problem_stream and live_stream failed the whole batch."""

from __future__ import annotations

from typing import Any

import pytest
from boto3.dynamodb.types import Binary

from tests.streams import stream_record


def _case(case_id: str) -> dict[str, Any]:
    return {"PK": f"CASE#{case_id}", "SK": "#META", "type": "case", "case_id": case_id, "subject": "Jam"}


class _Seen:
    """Stands in for the consumer's service: what the handler gave it."""

    def __init__(self) -> None:
        self.case_ids: list[str] = []

    def handle(self, changes: list[Any]) -> None:  # problem_stream
        self.case_ids += [c.new["case_id"] for c in changes if c.new]

    def on_changes(self, changes: list[Any]) -> int:  # live_stream
        self.case_ids += [new["case_id"] for _, new, _ in changes if new]
        return 0

    def on_new_case(self, case_id: str) -> None:  # triage_stream
        self.case_ids.append(case_id)


@pytest.mark.parametrize(
    ("handler", "part"),
    [("problem_stream", "problem_stream"), ("live_stream", "live"), ("triage_stream", "case_triage")],
)
def test_records_before_an_unreadable_one_are_handled_and_it_is_retried(aws, container, handler, part):
    from app import app

    seen = _Seen()
    container.override(**{part: seen})
    unreadable = {**_case("CB-100002"), "blob": Binary(b"\x00\x01")}
    batch = {
        "Records": [
            stream_record("INSERT", _case("CB-100001"), seq=101),
            stream_record("INSERT", unreadable, seq=102),
            stream_record("INSERT", _case("CB-100003"), seq=103),
        ]
    }

    result = app.handler_map[handler](batch, None)

    assert seen.case_ids == ["CB-100001"]
    assert result == {"batchItemFailures": [{"itemIdentifier": "102"}]}


def test_a_batch_it_can_read_reports_no_failure(aws, container):
    from app import app

    seen = _Seen()
    container.override(problem_stream=seen)
    result = app.handler_map["problem_stream"](
        {"Records": [stream_record("INSERT", _case("CB-100004"), seq=201)]}, None
    )
    assert seen.case_ids == ["CB-100004"] and result == {"batchItemFailures": []}
