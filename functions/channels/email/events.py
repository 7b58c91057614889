"""Unwrap what the inbound-mail queue delivers into "where is the raw mail". Pure.

Shapes accepted (see ../shared/data/events):
* SQS body = SNS envelope whose Message is an SES notification (S3 action: bucket/key;
  SNS action: ``content``, UTF-8 or Base64),
* SQS body = the SES notification itself, or a Lambda-style ``{"Records": [{"ses": ...}]}``,
* SQS body = an S3 event (``ObjectCreated`` for the inbound prefix), directly or inside SNS.
Anything else is ``Unreadable`` with a reason (the caller quarantines it).

S3 records are read through Powertools' event data class (``S3EventRecord``). The SES and SNS
layers stay hand-written: Powertools' SES model and data class describe the Lambda action only
(``type: "Lambda"``; no ``bucketName``/``objectKey``/``objectKeyPrefix`` of the S3 action, no
``encoding`` nor ``content`` of the SNS action, the two actions we receive mail through), and its
SNS-in-SQS envelope validates a whole batch against one model, while one queue carries three
shapes and a body we cannot read must be quarantined alone, with its reason.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from functions.channels.email.models import MailVerdicts, Verdict


@dataclass(frozen=True)
class RawContent:
    raw: bytes
    origin: str
    verdicts: MailVerdicts | None = None


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str
    origin: str
    verdicts: MailVerdicts | None = None  # None: an S3 event, no receipt verdicts came with it


@dataclass(frozen=True)
class Unreadable:
    reason: str


Item = RawContent | S3Location | Unreadable


def _decode_content(content: str, encoding: str | None) -> bytes:
    if (encoding or "").upper() == "BASE64" or (
        encoding is None and "\n" not in content[:200] and ":" not in content[:100]
    ):
        try:
            return base64.b64decode(content, validate=False)
        except (binascii.Error, ValueError):
            pass
    return content.encode("utf-8", errors="surrogateescape")


def _verdict(value: Any) -> Verdict:
    status = value.get("status") if isinstance(value, dict) else None
    try:
        return Verdict(str(status).upper())
    except ValueError:  # missing, DISABLED (scanning off) or unknown: nothing was checked
        return Verdict.NOT_CHECKED


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def verdicts_from_notification(note: dict[str, Any]) -> MailVerdicts:
    """The receipt verdicts of an SES "Received" notification (spam, virus, SPF, DKIM, DMARC and
    the DMARC policy SES reports on a DMARC failure) and the envelope sender (``mail.source``)."""
    receipt = _object(note.get("receipt"))
    mail = _object(note.get("mail"))
    policy = receipt.get("dmarcPolicy")
    source = mail.get("source")
    return MailVerdicts(
        spam=_verdict(receipt.get("spamVerdict")),
        virus=_verdict(receipt.get("virusVerdict")),
        spf=_verdict(receipt.get("spfVerdict")),
        dkim=_verdict(receipt.get("dkimVerdict")),
        dmarc=_verdict(receipt.get("dmarcVerdict")),
        dmarc_policy=str(policy).lower()[:20] if isinstance(policy, str) and policy else None,
        envelope_sender=source.strip()[:320] if isinstance(source, str) else None,
    )


def from_ses_notification(note: dict[str, Any], origin: str) -> Item:
    receipt = _object(note.get("receipt"))
    action = _object(receipt.get("action"))
    content = note.get("content")
    verdicts = verdicts_from_notification(note)
    if isinstance(content, str) and content:
        return RawContent(_decode_content(content, action.get("encoding")), f"{origin}/ses-content", verdicts)
    if action.get("type") == "S3" and action.get("bucketName") and action.get("objectKey"):
        prefix = action.get("objectKeyPrefix") or ""
        key = action["objectKey"]
        if not isinstance(key, str) or not isinstance(action["bucketName"], str) or not isinstance(prefix, str):
            return Unreadable("SES notification's S3 action is not a bucket and key")
        if prefix and not key.startswith(prefix):
            key = prefix + key
        return S3Location(action["bucketName"], key, f"{origin}/ses-s3", verdicts)
    return Unreadable(
        f"SES notification (action {action.get('type') or 'unknown'}) carries neither the content nor an S3 location"
    )


def from_s3_record(record: dict[str, Any], origin: str, inbound_prefix: str) -> Item:
    # Imported here: the SQS handler's batch layer has loaded Powertools' data classes already.
    from aws_lambda_powertools.utilities.data_classes.s3_event import S3EventRecord  # noqa: PLC0415

    rec = S3EventRecord(record)
    name = str(rec.get("eventName") or "")
    if not name.startswith("ObjectCreated") and not name.startswith("s3:ObjectCreated"):
        return Unreadable(f"S3 event {name or '(no name)'} is not an object creation")
    try:
        bucket, key = rec.s3.bucket.name, unquote_plus(rec.s3.get_object.key)
    except (KeyError, TypeError, AttributeError):
        bucket = key = ""
    if not bucket or not key:
        return Unreadable("S3 event without bucket or key")
    if not key.startswith(inbound_prefix):
        return Unreadable(f"S3 object outside the inbound prefix {inbound_prefix!r}")
    return S3Location(bucket, key, f"{origin}/s3")


def unwrap(body: Any, inbound_prefix: str, origin: str = "sqs", depth: int = 0) -> list[Item]:
    """Everything one queue message body points at (an S3 event may hold several records)."""
    if depth > 4:
        return [Unreadable("nested too deeply")]
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return [Unreadable("message body is not JSON")]
    if not isinstance(body, dict):
        return [Unreadable("message body is not a JSON object")]
    # SNS envelope
    if body.get("Type") == "Notification" and isinstance(body.get("Message"), str):
        return unwrap(body["Message"], inbound_prefix, f"{origin}/sns", depth + 1)
    # SES notification as SNS/S3 actions publish it
    if "receipt" in body and "mail" in body:
        return [from_ses_notification(body, origin)]
    if body.get("notificationType") in ("Bounce", "Complaint", "Delivery"):
        return [Unreadable(f"SES {body['notificationType']} notification on the inbound queue")]
    records = body.get("Records")
    if isinstance(records, list) and records:
        out: list[Item] = []
        for rec in records:
            if not isinstance(rec, dict):
                out.append(Unreadable("record is not an object"))
            elif "ses" in rec:
                out.append(from_ses_notification(rec["ses"], f"{origin}/lambda-ses"))
            elif rec.get("eventSource") == "aws:s3" or "s3" in rec:
                out.append(from_s3_record(rec, origin, inbound_prefix))
            elif "Sns" in rec:
                out += unwrap((rec["Sns"] or {}).get("Message", ""), inbound_prefix, f"{origin}/sns", depth + 1)
            else:
                out.append(Unreadable("record is neither SES, S3 nor SNS"))
        return out
    if body.get("Event") == "s3:TestEvent":
        return [Unreadable("S3 test event")]
    return [Unreadable("not an SES notification, an SNS envelope or an S3 event")]
