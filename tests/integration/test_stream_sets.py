"""Every consumer of the table's stream reads an item that holds a DynamoDB set.

A notice dispatch keeps the batches it finished as a number set (``ADD done_batches``); its
MODIFY record reaches every stream consumer. Reading the image once failed on the set, and the
consumers that do not isolate records (problem_stream, live_stream) failed the whole batch, with
the cases that came in it (seen on the local stack during scripts/demo_problems.py)."""

from __future__ import annotations

import pytest

from functions.notify.delivery.store import dispatch_key
from tests.streams import stream_record


@pytest.mark.parametrize("handler", ["problem_stream", "live_stream", "index_stream", "triage_stream"])
def test_a_notice_dispatch_with_its_set_of_done_batches_passes_every_stream_consumer(aws, handler):
    from app import app

    item = {**dispatch_key("NT-100001", 1), "type": "notice_dispatch", "sent_email": 20}
    record = stream_record("MODIFY", {**item, "done_batches": {1, 2}}, {**item, "done_batches": {1}})
    # When the consumer handles the record / Then it reports no failure (and raises nothing)
    result = app.handler_map[handler]({"Records": [record]}, None)
    assert not (result or {}).get("batchItemFailures")
