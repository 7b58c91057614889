"""Outbound parts of the actions on many cases: the ``case-jobs`` queue (SQS) and the problems'
links (the problems service, reached through a callable the composition root gives)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.cases.actions.models import JobStep
from functions.cases.models import Actor
from functions.core import aws


class SqsJobQueue:
    """Sends job steps to the ``case-jobs`` queue, ten to a SendMessageBatch."""

    def __init__(self, queue_name: str) -> None:
        self.queue_name = queue_name
        self._url: str | None = None

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = str(aws.client("sqs").get_queue_url(QueueName=self.queue_name)["QueueUrl"])
        return self._url

    def send(self, steps: list[JobStep]) -> None:
        client = aws.client("sqs")
        for start in range(0, len(steps), 10):
            batch = steps[start : start + 10]
            entries = [{"Id": str(i), "MessageBody": step.model_dump_json()} for i, step in enumerate(batch)]
            resp = client.send_message_batch(QueueUrl=self.url, Entries=entries)
            if resp.get("Failed"):
                # Nothing is lost: the caller's step fails and is delivered again, and sends these again.
                codes = sorted({str(f.get("Code")) for f in resp["Failed"]})
                raise RuntimeError(f"{len(resp['Failed'])} job steps were not queued ({', '.join(codes)})")


class ProblemLinker:
    """Links a case to a problem as a root cause through the problems service."""

    def __init__(self, problems: Callable[[], Any]) -> None:
        self._problems = problems

    def link_case(self, problem_id: str, case_id: str, actor: Actor) -> None:
        from functions.problems.models import LinkType  # noqa: PLC0415

        self._problems().link(problem_id, [case_id], LinkType.ROOT_CAUSE, actor)
