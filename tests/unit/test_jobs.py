"""run_jobs: the one loop of the SQS job queues (escalation, notices)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from pydantic import BaseModel

from functions.core import logs
from functions.core.jobs import run_jobs


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged() -> Iterator[Collect]:
    """The records the structured logger emits during the test."""
    collect = Collect()
    logs.logger().addHandler(collect)
    yield collect
    logs.logger().removeHandler(collect)


class Job(BaseModel):
    job_id: str
    note: str = ""


def record(message_id: str, body: str) -> dict:
    return {"messageId": message_id, "receiptHandle": "r", "body": body, "attributes": {}, "eventSource": "aws:sqs"}


def event(*records: dict) -> dict:
    return {"Records": list(records)}


def test_every_job_of_the_batch_runs_and_none_is_reported_failed():
    done: list[str] = []
    records = [record("m1", json.dumps({"job_id": "a"})), record("m2", json.dumps({"job_id": "b"}))]
    result = run_jobs(event(*records), Job, lambda job: done.append(job.job_id), kind="test")
    assert done == ["a", "b"]
    assert result.response() == {"batchItemFailures": []}


def test_a_malformed_and_a_failing_job_are_reported_and_the_others_are_done(logged):
    done: list[str] = []

    def handle(job: Job) -> None:
        if job.job_id == "boom":
            raise RuntimeError("provider down")
        done.append(job.job_id)

    records = [
        record("m1", json.dumps({"job_id": 7, "note": "other@example.org"})),
        record("m2", json.dumps({"job_id": "boom", "note": "secret@example.org"})),
        record("m3", json.dumps({"job_id": "ok"})),
    ]
    # When the batch runs
    result = run_jobs(event(*records), Job, handle, kind="test", fields=lambda job: {"job_id": job.job_id})
    # Then the good job ran, and only the two records that failed are reported (SQS redelivers those)
    assert done == ["ok"]
    assert result.response() == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    # and the log names the job by its id, never by its contents
    # (rendered as in Lambda: Powertools' JSON formatter, exception text included)
    formatter = LambdaPowertoolsFormatter()
    text = "\n".join(formatter.format(r) for r in logged.records)
    lines = [json.loads(line) for line in text.splitlines()]
    assert [(line["message"], line["sqs_message_id"]) for line in lines] == [
        ("malformed test job", "m1"),
        ("test job record failed; SQS will deliver it again", "m1"),
        ("test job record failed; SQS will deliver it again", "m2"),
    ]
    assert lines[0]["errors"] == [{"loc": "job_id", "type": "string_type"}]
    assert lines[1]["error_type"] == "MalformedJob" and "job_id" not in lines[1]
    assert lines[2]["job_id"] == "boom" and lines[2]["error_type"] == "RuntimeError"
    assert "secret@example.org" not in text
    assert "other@example.org" not in text
