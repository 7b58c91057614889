"""Step Functions task failures, the notice lifecycle: its state machine executed in moto with the
SQS sends of its own tasks (prepare, send-batch, finish jobs) throttled or refused, as
``tests.faults.in_workflow`` injects them on moto's execution threads. Each Retry and Catch path
is taken; every recipient gets at most one message, and a dispatch that could not reach everyone
says so.

Retry intervals are shortened to a second (``tests.faults.quick``): the Retry and Catch rules are
the real ones.
"""

# ruff: noqa: F811 - the fixtures imported from the notice delivery tests are parameters here
from __future__ import annotations

from functions.composition import container
from functions.notify.delivery.rules import execution_name
from tests.faults import TaskFault, entered, in_workflow, quick, task_failures
from tests.figures import record
from tests.integration.test_notice_delivery import (  # noqa: F401 - fixtures used by name
    audience,
    client,
    email,
    execution_status,
    mail_count,
    pump,
    sfn_aws,
    sms,
    source,
    waiting,
    write_audience,
)


def _arn(out: dict, notice_id: str) -> str:
    machine = out["state_machines"]["proactive_updates"]
    return machine.replace(":stateMachine:", ":execution:") + ":" + execution_name(notice_id)


def _job(kind: str, key: str = ""):
    """Picks the SendMessage of a ``kind`` job (and of one audience batch file)."""

    def match(params: dict) -> bool:
        body = str(params.get("MessageBody", ""))
        return f'"type":"{kind}"' in body.replace(" ", "") and key in body

    return match


def test_throttled_batch_jobs_are_sent_again_and_everyone_is_notified_once(client, sfn_aws, email, sms):
    quick(sfn_aws["state_machines"]["proactive_updates"])
    recipients = audience(40)
    write_audience(sfn_aws, "NT-TF1", recipients)
    # Given SQS throttles the lifecycle's first three send-batch jobs
    throttled = TaskFault("sqs", "SendMessage", "RequestThrottled", times=3, when=_job("send"))
    with in_workflow(throttled):
        # When the initial notice goes out
        arn = container().notice_delivery.start("NT-TF1")
        pump(client, sfn_aws, lambda: waiting("NT-TF1"), timeout=60)

    # Then the Map's iterations retried their sends, and everyone got exactly one mail and SMS
    assert throttled.injected == 3  # (the Map's iterations keep their own history: a map run's)
    sent = mail_count(email)
    assert sorted(to for to, _ in sent) == sorted(str(r.email) for r in recipients)
    assert set(sent.values()) == {1}
    assert sms.received() == {str(r.phone): 1 for r in recipients if r.phone}
    assert execution_status(arn) == "RUNNING"  # waiting for its next signal
    record("faults", path="notice lifecycle: batch job throttled (Retry)", injected=throttled.injected)


def test_a_prepare_job_that_cannot_be_queued_fails_the_lifecycle_and_sends_nothing(client, sfn_aws, source, email):
    quick(sfn_aws["state_machines"]["proactive_updates"])
    write_audience(sfn_aws, "NT-TF2", audience(6))
    # Given SQS refuses every prepare job of the lifecycle
    refused = TaskFault(
        "sqs", "SendMessage", "AWS.SimpleQueueService.NonExistentQueue", times=None, when=_job("prepare")
    )
    with in_workflow(refused):
        arn = container().notice_delivery.start("NT-TF2")
        pump(client, sfn_aws, lambda: execution_status(arn) != "RUNNING", timeout=60)

    # Then the prepare state tried four times and its Catch ended the execution in Failed (the CDK
    # app alarms on failed executions); no dispatch was recorded and nobody was sent anything
    assert refused.injected == 4
    assert task_failures(arn) == ["SQS.SdkClientException"] * 4  # moto's name; AWS: SQS.AmazonSQSException
    assert entered(arn)[-1] == "Failed"
    assert execution_status(arn) == "FAILED"
    assert source.kinds == []
    assert email.sent == []
    record("faults", path="notice lifecycle: prepare job not queued (Catch, failed)", injected=refused.injected)


def test_a_batch_that_never_goes_out_leaves_the_others_sent_once_and_shows_in_the_totals(
    client, sfn_aws, source, email, agent_headers
):
    quick(sfn_aws["state_machines"]["proactive_updates"])
    recipients = audience(40)
    write_audience(sfn_aws, "NT-TF3", recipients, batch_size=20)
    # Given SQS refuses every job for the second audience batch file
    lost = TaskFault(
        "sqs", "SendMessage", "AWS.SimpleQueueService.NonExistentQueue", times=None, when=_job("send", key="/00001")
    )
    with in_workflow(lost):
        arn = container().notice_delivery.start("NT-TF3")
        pump(client, sfn_aws, lambda: waiting("NT-TF3"), timeout=60)

    # Then that iteration tried four times and the Map's Catch went on to record the totals
    assert lost.injected == 4  # one attempt and three retries
    assert "Finish" in entered(arn)
    # the first batch's recipients got one mail each, the second's none
    sent = mail_count(email)
    assert set(sent.values()) == {1}
    assert sorted(to for to, _ in sent) == sorted(str(r.email) for r in recipients[:20])
    # and the dispatch's totals say that one batch of two never completed
    resp = client.http.get("/notices/NT-TF3/deliveries", headers=agent_headers)
    assert resp.status_code == 200, resp.body
    (dispatch,) = resp.json_body["items"]
    assert (dispatch["sent_email"], dispatch["batches"], dispatch["batches_done"]) == (20, 2, 1)
    record("faults", path="notice lifecycle: batch job not queued (Catch, shown)", injected=lost.injected)
