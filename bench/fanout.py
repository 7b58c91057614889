"""Fan-out of one proactive notice to a large audience, through the delivery code path.

    python bench/fanout.py --recipients 100000
    python bench/fanout.py --recipients 100000 --sms-subscription-limit 10000   # account quota
    python bench/fanout.py --recipients 100000 --sms-mode direct

On the embedded stack (in-process moto, everything provisioned). What it builds and runs:

* the audience snapshot of a notice through the records part's writer
  (``functions.notify.audience.snapshot`` into the container's ``notice_audience``: batch files of ``--batch-size`` recipients of one
  language and channel mix, a membership item per customer, the manifest), fed by a generator
  of ``--recipients`` contacts (3 per customer) of a likely-affected segment, ``--email-share``
  of them with an address, ``--sms-share`` opted in to SMS, four languages. It does not write
  the install base through the customer store nor run the audience query over it (each
  likely-affected customer costs one query there, about 100k queries at this size: not
  measured here); the snapshot is what delivery reads.
* one initial dispatch sent through the job handlers' service (``DeliveryService.prepare`` then
  ``send_batch`` for every batch key, as the Map's iterations do; then the first batch once more,
  as a redelivered SQS job). Not through the Step Functions execution: moto runs the Map's
  iterations and the job queue at a few batches a second, which would measure moto; the
  state machine itself is covered by tests/integration/test_notice_delivery.py. Send rate
  pacing is off (``CASEBRIDGE_NOTICE_SEND_RATE=0``): the figure is the code path's cost.

moto's own costs are taken out where they are quadratic and not ours: its SNS ``Subscribe``
looks for duplicates over every subscription and its topic publish evaluates every
subscription's filter policy per message (both O(subscriptions)); the bench indexes the
former and counts published entries instead of the latter. Sent mail is taken out of moto's
SES after each batch (like a mail server would), counted per recipient in a byte array.

SMS (``--sms-mode``, ``CASEBRIDGE_NOTICE_SMS_MODE``): "topic" subscribes each SMS contact once
(a filter policy per contact) and sends with PublishBatch; ``--sms-subscription-limit N``
simulates SNS's filter-policy quota (200 per topic, 10,000 per account by default) by answering
Subscribe with FilterPolicyLimitExceeded after N subscriptions, after which the contacts left get
one direct Publish each. "direct" publishes to every phone (no subscriptions). Direct SMS are
counted per phone like topic entries per contact.

Prints one JSON object: recipients, email_recipients, sms_recipients, delivered (messages
sent: mails + SMS), expected (what the snapshot asks for), duplicates (messages beyond one per
recipient and channel, the redelivered batch included), seconds, api_calls_per_recipient
{email, sms} (SendBulkEmail calls per email recipient, PublishBatch + Publish calls per SMS
recipient), api_calls_per_audience_recipient {email, sms} (the same calls divided by all
recipients), sms_calls {PublishBatch, Publish, Subscribe} (Subscribe: once per contact, not per
notice, and not after the quota refused one), sms_subscribe_calls (the same figure), sms_mode, peak_memory_mb (tracemalloc peak of
one batch job: the delivery code's working set, measured on the first and last batch),
process_peak_rss_mb (the whole process, including moto holding every delivery record and the
snapshot: grows with N), batches.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sys
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NOTICE = "NT-BENCH"
LANGS = ("en", "en", "en", "de", "fr", "es", "it")
TO = re.compile(r"^To: contact(\d+)@example\.org", re.MULTILINE)


class OneDispatch:
    def __init__(self) -> None:
        self.seq = 0

    def next_dispatch(self, notice_id: str, kind: Any) -> Any:
        from functions.notify.contract import Dispatch  # noqa: PLC0415

        self.seq += 1
        return Dispatch(
            notice_id=notice_id,
            problem_id="PB-100001",
            seq=self.seq,
            kind=kind,
            subject="Routers of batch 7 may restart at night",
            body="Some routers of batch 7 restart at night. Workaround: disable auto-update. A fix is coming.",
            sms_text="Routers of batch 7 may restart at night; fix coming.",
            created_at=datetime.now(UTC),
        )

    def interval_seconds(self, notice_id: str) -> int:
        return 86400

    def dispatches(self, notice_id: str) -> list[Any]:
        return []


def _members(n: int, email_share: float, sms_share: float, seed: int) -> Iterator[Any]:
    """The audience as the records part's query yields it: customers with 3 contacts each."""
    from functions.notify.audience import Member  # noqa: PLC0415
    from functions.notify.contract import Recipient  # noqa: PLC0415

    rng = random.Random(seed)
    for c, start in enumerate(range(0, n, 3)):
        recipients = []
        for i in range(start, min(n, start + 3)):
            has_email = rng.random() < email_share
            has_phone = rng.random() < sms_share or not has_email
            recipients.append(
                Recipient(
                    customer_id=f"CU-{c}",
                    contact_id=f"CT-{i}",
                    email=f"contact{i}@example.org" if has_email else None,
                    phone=f"+1555{i:07d}" if has_phone else None,
                    language=rng.choice(LANGS),
                    name=f"Contact {i}",
                    affected=rng.random() < 0.01,
                    thread_message_id=f"<case-{i}@casebridge.local>" if rng.random() < 0.01 else None,
                )
            )
        yield Member(customer_id=f"CU-{c}", name=f"Customer {c}", affected=False, recipients=recipients)


def _write_snapshot(
    sink: Any, n: int, batch_size: int, email_share: float, sms_share: float, seed: int
) -> tuple[int, int, int]:
    """The snapshot through the records part's writer (functions.notify.audience.snapshot) into the
    container's sink: batch files in S3, one membership item per customer in the table (banners),
    the manifest last."""
    from functions.notify.audience import snapshot  # noqa: PLC0415

    members = _members(n, email_share, sms_share, seed)
    manifest, _ = snapshot(NOTICE, "PB-1", members, sink, batch_size, datetime.now(UTC))
    return len(manifest.batches), manifest.email_count, manifest.sms_count


def _patch_moto_sns(sms_counts: bytearray) -> None:
    """Index moto's subscription lookup; count published entries instead of moto's O(subs) delivery,
    and SMS published straight to a phone (+1555{i:07d}) instead of keeping them in moto."""
    from moto.sns import models as sns_models  # noqa: PLC0415

    original_publish = sns_models.SNSBackend.publish

    def publish_direct(self: Any, message: str, arn: Any, phone_number: Any = None, **kw: Any) -> str:
        if not phone_number:
            return str(original_publish(self, message, arn, phone_number, **kw))
        i = int(phone_number.removeprefix("+1555"))
        sms_counts[i] = min(255, sms_counts[i] + 1)
        return f"sms-{i}-{sms_counts[i]}"

    index: dict[tuple[str, str, str], Any] = {}
    original_subscribe = sns_models.SNSBackend.subscribe

    def find(self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
        return index.get((topic_arn, endpoint, protocol))

    def subscribe(self: Any, topic_arn: str, endpoint: str, protocol: str) -> Any:
        sub = original_subscribe(self, topic_arn, endpoint, protocol)
        index[(topic_arn, endpoint, protocol)] = sub
        return sub

    def publish(self: Any, message: str, subject: Any = None, message_attributes: Any = None, **kw: Any) -> str:
        contact = (message_attributes or {}).get("contact_id", {}).get("Value", "")
        i = int(contact.removeprefix("CT-"))
        sms_counts[i] = min(255, sms_counts[i] + 1)
        return f"sms-{i}-{sms_counts[i]}"

    sns_models.SNSBackend._find_subscription = find  # type: ignore[method-assign]
    sns_models.SNSBackend.subscribe = subscribe  # type: ignore[method-assign]
    sns_models.Topic.publish = publish  # type: ignore[method-assign]
    sns_models.SNSBackend.publish = publish_direct  # type: ignore[method-assign]


def _drain_ses(mail_counts: bytearray) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID  # noqa: PLC0415
    from moto.ses.models import ses_backends  # noqa: PLC0415

    backend = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    for m in backend.sent_messages:
        found = TO.search(getattr(m, "raw_data", ""))
        if found:
            i = int(found.group(1))
            mail_counts[i] = min(255, mail_counts[i] + 1)
    backend.sent_messages.clear()


def run(
    n: int,
    batch_size: int,
    email_share: float,
    sms_share: float,
    seed: int,
    sms_mode: str = "topic",
    subscription_limit: int | None = None,
) -> dict[str, Any]:
    os.environ["CASEBRIDGE_NOTICE_SEND_RATE"] = "0"
    os.environ["CASEBRIDGE_NOTICE_SMS_MODE"] = sms_mode
    os.environ["CASEBRIDGE_NOTICE_JOB_SECONDS"] = "3600"  # one run per batch (no Lambda timeout here)
    os.environ.setdefault("CASEBRIDGE_STAGE", "bench")
    from functions.local.embedded import aws_target  # noqa: PLC0415

    mail_counts = bytearray(n)
    sms_counts = bytearray(n)
    with aws_target(None):
        from functions import composition  # noqa: PLC0415
        from functions.notify.contract import DispatchKind  # noqa: PLC0415
        from functions.notify.delivery.models import Job  # noqa: PLC0415

        composition.reset()
        _patch_moto_sns(sms_counts)
        # the delivery service as the job handler gets it, asking this source for the dispatch
        parts = composition.install(composition.Container(notices=OneDispatch()))
        batches, email_n, sms_n = _write_snapshot(parts.notice_audience, n, batch_size, email_share, sms_share, seed)
        service = parts.notice_delivery
        calls = {"SendBulkEmail": 0, "PublishBatch": 0, "Publish": 0, "Subscribe": 0}

        def count(model: Any, **_: Any) -> None:
            calls[model.name] += 1

        def quota(model: Any, **_: Any) -> None:
            """SNS's filter-policy quota: Subscribe refused after ``subscription_limit`` subscriptions."""
            calls[model.name] += 1
            if subscription_limit is not None and calls["Subscribe"] > subscription_limit:
                from botocore.exceptions import ClientError  # noqa: PLC0415

                error = {"Code": "FilterPolicyLimitExceeded", "Message": "Filter policy limit exceeded"}
                raise ClientError({"Error": error}, "Subscribe")

        ses, sns = parts.notice_email_sender.client, parts.notice_sms_sender.client  # the senders' boto3 clients
        ses.meta.events.register("before-call.sesv2.SendBulkEmail", count)
        sns.meta.events.register("before-call.sns.PublishBatch", count)
        sns.meta.events.register("before-call.sns.Publish", count)
        sns.meta.events.register("before-call.sns.Subscribe", quota)

        started = time.perf_counter()
        prepared = service.prepare(Job(type="prepare", notice_id=NOTICE, task_token="-", kind=DispatchKind.INITIAL))
        peak = 0
        keys = prepared.batches
        for j, key in enumerate(keys):
            measure = j in (0, len(keys) - 1)
            if measure:
                tracemalloc.start()
            service.send_batch(NOTICE, prepared.seq, key)
            if measure:
                peak = max(peak, tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
            _drain_ses(mail_counts)
        redelivered = service.send_batch(NOTICE, prepared.seq, keys[0])  # an SQS redelivery of batch 0
        _drain_ses(mail_counts)
        seconds = time.perf_counter() - started
        composition.reset()

    delivered = sum(1 for c in mail_counts if c) + sum(1 for c in sms_counts if c)
    duplicates = sum(max(0, c - 1) for c in mail_counts) + sum(max(0, c - 1) for c in sms_counts)
    return {
        "recipients": n,
        "email_recipients": email_n,
        "sms_recipients": sms_n,
        "expected": email_n + sms_n,
        "delivered": delivered,
        "duplicates": duplicates,
        "redelivered_batch_sent": redelivered.sent,
        "seconds": round(seconds, 1),
        "api_calls_per_recipient": {
            "email": round(calls["SendBulkEmail"] / max(1, email_n), 4),
            "sms": round((calls["PublishBatch"] + calls["Publish"]) / max(1, sms_n), 4),
        },
        # the same calls over the whole audience (every recipient, whatever its channels)
        "api_calls_per_audience_recipient": {
            "email": round(calls["SendBulkEmail"] / max(1, n), 4),
            "sms": round((calls["PublishBatch"] + calls["Publish"]) / max(1, n), 4),
        },
        "sms_mode": sms_mode,
        "sms_subscription_limit": subscription_limit,
        "sms_calls": {k: calls[k] for k in ("PublishBatch", "Publish", "Subscribe")},
        "sms_subscribe_calls": calls["Subscribe"],
        "peak_memory_mb": round(peak / 1e6, 1),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "batches": batches,
        "batch_size": batch_size,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipients", type=int, default=100_000)
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--email-share", type=float, default=0.95)
    ap.add_argument("--sms-share", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sms-mode", choices=("topic", "direct"), default="topic")
    ap.add_argument(
        "--sms-subscription-limit",
        type=int,
        default=None,
        help="simulate SNS's filter-policy quota: Subscribe fails with FilterPolicyLimitExceeded after N",
    )
    args = ap.parse_args()
    result = run(
        args.recipients,
        args.batch_size,
        args.email_share,
        args.sms_share,
        args.seed,
        args.sms_mode,
        args.sms_subscription_limit,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
