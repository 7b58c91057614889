"""Faults injected under the mail intake: AWS throttling and internal errors on DynamoDB, S3 and
SES at a seeded rate, with SQS's redelivery of exactly the records the handler reports as failed.
What must hold once the faults stop: every mail received is kept once (one inbound record, one
case, one interaction) and acknowledged exactly once (an acknowledgement SES refused for now fails the
record, and the delivery after sends it; one that went out is never sent again).

The figures (faults injected, deliveries needed) are printed; run with ``-s`` to see them.
"""

# ruff: noqa: F811 - the fixture imported from the detection wiring tests is a parameter here
from __future__ import annotations

import copy

import pytest

from functions.composition import container
from tests.faults import deliver_until_done, inject
from tests.figures import record
from tests.integration.test_email_intake import event, mail, sns, sqs_event
from tests.integration.test_problem_detection_wiring import wired  # noqa: F401 - a fixture used by name

MAILS = 12


def _stored_mails() -> list[str]:
    from functions.core import aws as core_aws
    from functions.core.settings import get_settings

    s3 = core_aws.client("s3")
    bodies = []
    for i in range(MAILS):
        key = f"inbound/fault-{i}"
        raw = mail(
            subject=f"Scanner fault {i}", frm=f"Customer {i} <c{i}@client.example>", msgid=f"<f{i}@client.example>"
        )
        s3.put_object(Bucket=get_settings().mail_bucket, Key=key, Body=raw)
        note = copy.deepcopy(event("ses-s3-event.json")["Records"][0]["ses"])
        note["receipt"]["action"].update(bucketName=get_settings().mail_bucket, objectKey=key)
        note["mail"]["messageId"] = f"ses-fault-{i}"
        bodies.append(sns(note))
    return bodies


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mail_under_throttling_and_errors_is_kept_once_and_acknowledged_exactly_once(client, aws, seed):
    bodies = _stored_mails()

    def invoke(batch: list[str]) -> dict:
        return client.lambda_.invoke("handle_inbound_mail", sqs_event(*batch)).payload

    # When one in ten DynamoDB, S3 and SES calls fails while SQS redelivers what failed (a mail takes
    # about fifteen calls: most deliveries of a record meet a fault)
    with inject(
        0.1, ("dynamodb", "*"), ("s3", "GetObject"), ("s3", "PutObject"), ("ses", "SendRawEmail"), seed=seed
    ) as faults:
        deliveries = deliver_until_done(invoke, bodies)
        faults.enabled = False
        print(f"\nseed {seed}: {faults.total_injected} faults injected, {deliveries} deliveries")
        assert faults.total_injected > 0
        # Then every mail is in the inbound log once, with one case each
        records = container().email_intake.inbound(limit=100).items
        subjects = sorted(r.subject or "" for r in records)
        assert subjects == sorted(f"Scanner fault {i}" for i in range(MAILS))
        case_ids = {r.case_id for r in records}
        assert len(case_ids) == MAILS and None not in case_ids
        for case_id in case_ids:
            case = container().cases.get(case_id)
            assert case.interaction_count == 1, (case_id, case.interaction_count)
        # And every customer got one acknowledgement: none twice, none lost to SES's refusals
        acked = [d for s in faults.sent for d in s["params"].get("Destinations", [])]
        twice = {a for a in acked if acked.count(a) > 1}
        assert not twice, f"acknowledged more than once: {sorted(twice)}"
        assert sorted(acked) == sorted(f"c{i}@client.example" for i in range(MAILS))
        ses_faults = faults.injected[("ses", "SendRawEmail")]
        print(f"seed {seed}: {len(acked)} of {MAILS} acknowledgements sent, none twice ({ses_faults} SES refusals)")
    record("faults", path="mail intake", seed=seed, injected=faults.total_injected, deliveries=deliveries)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_detection_failing_mid_batch_loses_no_case_and_its_candidate_appears_after_the_retry(wired, seed):
    """The problem stream under DynamoDB and S3 faults (the detection state's GET and PUT, the
    customers read, the candidate's problem and links written): the stream delivers the batch again
    while the function fails. Once it went through, every case of the burst was observed once and one
    candidate holds cases of the burst; no second candidate for the same burst."""
    from app import app
    from tests.integration.test_problem_detection_wiring import _burst_records, _candidates, _state

    records, ids = _burst_records(wired, 8, seed=9)
    before = _state()["detector"]["total"]
    deliveries, result = 0, None
    with inject(0.15, ("dynamodb", "*"), ("s3", "GetObject"), ("s3", "PutObject"), seed=seed) as faults:
        while result is None and deliveries < 60:  # a stream retries the whole batch until it goes through
            deliveries += 1
            try:
                result = app.handler_map["problem_stream"]({"Records": records}, None)
            except Exception:  # noqa: BLE001 - the stream's retry
                continue
        assert result == {"batchItemFailures": []}
        faults.enabled = False
        print(f"\nseed {seed}: {faults.total_injected} faults injected, {deliveries} deliveries of the batch")
    assert faults.total_injected > 0 and deliveries > 1
    assert _state()["detector"]["total"] == before + len(ids)  # each case counted once
    [candidate] = _candidates(wired["problems"])
    linked = {link.case_id for link in wired["problems"].view(candidate.problem_id).links}
    assert linked and linked <= set(ids)
    record(
        "faults", path="problem detection (stream)", seed=seed, injected=faults.total_injected, deliveries=deliveries
    )


def test_detection_whose_state_cannot_be_saved_after_its_candidate_was_written_makes_no_second_one(wired):
    """The last step fails: the candidate's problem and links are written, the detection state's PUT
    fails, the batch is delivered again. The retry replays the detector from the state before the
    batch and finds the candidate it opened: one candidate, the cases counted once."""
    from app import app
    from tests.integration.test_problem_detection_wiring import _burst_records, _candidates, _state

    records, ids = _burst_records(wired, 8, seed=9)
    before = _state()["detector"]["total"]
    with inject(1.0, ("s3", "PutObject")) as faults:
        with pytest.raises(Exception):  # noqa: B017 - whatever the failed PUT raises fails the batch
            app.handler_map["problem_stream"]({"Records": records}, None)
    assert faults.injected[("s3", "PutObject")] >= 1
    assert _state()["detector"]["total"] == before  # nothing saved
    assert len(_candidates(wired["problems"])) == 1  # but the candidate was written before the PUT
    assert app.handler_map["problem_stream"]({"Records": records}, None) == {"batchItemFailures": []}
    assert _state()["detector"]["total"] == before + len(ids)
    [candidate] = _candidates(wired["problems"])
    assert {link.case_id for link in wired["problems"].view(candidate.problem_id).links} <= set(ids)
    record("faults", path="problem detection (state not saved)", injected=faults.total_injected, deliveries=2)
