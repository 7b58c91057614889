"""A loopback SMTP listener that does what SES receipt does in AWS.

SES receipt (rule: S3 action with an SNS topic) stores the raw message in the mail
bucket under ``resources.INBOUND_PREFIX`` and publishes a "Received" notification
to the inbound-mail topic; SNS delivers it to the inbound-mail queue, whose handler
turns it into a case. Locally this listener does the first two steps, so mail sent
with ``swaks`` or ``smtplib`` takes the same path as mail sent to AWS.

The notification shape follows the SES developer guide's example
(``shared/data/events/sesSnsReceivedNotification.json``) with the S3 action of
``ses-s3-event.json``: no ``content`` field, the message is in S3.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import format_datetime, getaddresses
from typing import Any

from functions.core import aws, resources
from functions.core.logs import logger
from functions.core.settings import get_settings

SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024  # SES receipt with an S3 action accepts up to 40 MB
NOTIFICATION_SUBJECT = "Amazon SES Email Receipt Notification"
_FOLD = re.compile(r"\r?\n[ \t]+")


def ses_message_id() -> str:
    """An id in the style SES gives received mail (lower-case base32, 28 characters)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().lower()[:28]


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


def stored_message(raw: bytes, *, source: str, recipient: str, message_id: str, now: datetime) -> bytes:
    """The bytes SES stores: the message with the Return-Path and Received headers SES prepends."""
    received = (
        f"Received: from localhost (localhost [127.0.0.1])\r\n"
        f" by inbound-smtp.casebridge.local with SMTP id {message_id}\r\n"
        f" for {recipient};\r\n"
        f" {format_datetime(now.astimezone(UTC))}\r\n"
    )
    return f"Return-Path: <{source}>\r\n".encode() + received.encode() + raw


def _unfold(value: str) -> str:
    """SES gives header values unfolded (one line), as the samples show."""
    return _FOLD.sub(" ", value)


def _addresses(values: list[str]) -> list[str]:
    return [f"{name} <{addr}>" if name else addr for name, addr in getaddresses(values) if addr or name]


def receipt_notification(
    raw: bytes,
    *,
    source: str,
    recipients: list[str],
    message_id: str,
    bucket: str,
    object_key: str,
    topic_arn: str,
    now: datetime | None = None,
    processing_ms: int = 0,
) -> dict[str, Any]:
    """The SES "Received" notification for a message stored by an S3 action."""
    now = now or datetime.now(UTC)
    msg = message_from_bytes(raw, policy=policy.compat32)
    headers = [{"name": k, "value": _unfold(str(v))} for k, v in msg.items()]
    common: dict[str, Any] = {"returnPath": source}
    for header, key in (("from", "from"), ("to", "to"), ("cc", "cc"), ("bcc", "bcc"), ("reply-to", "replyTo")):
        values = msg.get_all(header)
        if values:
            common[key] = _addresses([_unfold(str(v)) for v in values])
    if msg.get("sender"):
        common["sender"] = _unfold(str(msg["sender"]))
    if msg.get("date"):
        common["date"] = _unfold(str(msg["date"]))
    if msg.get("message-id"):
        common["messageId"] = _unfold(str(msg["message-id"])).strip()
    if msg.get("subject") is not None:
        common["subject"] = _unfold(str(msg["subject"]))
    passed = {"status": "PASS"}
    return {
        "notificationType": "Received",
        "receipt": {
            "timestamp": _iso(now),
            "processingTimeMillis": processing_ms,
            "recipients": list(recipients),
            "spamVerdict": dict(passed),
            "virusVerdict": dict(passed),
            "spfVerdict": {"status": "GRAY"},  # nothing was checked on loopback
            "dkimVerdict": {"status": "GRAY"},
            "dmarcVerdict": {"status": "GRAY"},
            "action": {
                "type": "S3",
                "topicArn": topic_arn,
                "bucketName": bucket,
                "objectKeyPrefix": resources.INBOUND_PREFIX,
                "objectKey": object_key,
            },
        },
        "mail": {
            "timestamp": _iso(now),
            "source": source,
            "messageId": message_id,
            "destination": list(recipients),
            "headersTruncated": False,
            "headers": headers,
            "commonHeaders": common,
        },
    }


def receive(raw: bytes, *, source: str, recipients: list[str], topic_arn: str) -> str:
    """Store a message and notify the inbound-mail topic, as SES receipt does. Returns the SES message id."""
    started = datetime.now(UTC)
    s = get_settings()
    message_id = ses_message_id()
    key = f"{resources.INBOUND_PREFIX}{message_id}"
    body = stored_message(
        raw, source=source, recipient=recipients[0] if recipients else "", message_id=message_id, now=started
    )
    aws.client("s3").put_object(Bucket=s.mail_bucket, Key=key, Body=body)
    elapsed = int((datetime.now(UTC) - started).total_seconds() * 1000)
    note = receipt_notification(
        body,
        source=source,
        recipients=recipients,
        message_id=message_id,
        bucket=s.mail_bucket,
        object_key=key,
        topic_arn=topic_arn,
        now=started,
        processing_ms=elapsed,
    )
    aws.client("sns").publish(TopicArn=topic_arn, Subject=NOTIFICATION_SUBJECT, Message=json.dumps(note))
    logger().info("local SES receipt stored a message", extra={"ses_message_id": message_id, "bytes": len(body)})
    return message_id


class SesReceiptHandler:
    """aiosmtpd handler: every accepted message goes through ``receive``."""

    def __init__(self, topic_arn: str) -> None:
        self.topic_arn = topic_arn
        self.received: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        try:
            message_id = await loop.run_in_executor(
                None,
                lambda: receive(
                    raw, source=envelope.mail_from or "", recipients=list(envelope.rcpt_tos), topic_arn=self.topic_arn
                ),
            )
        except Exception:  # noqa: BLE001 - tell the sender to retry; nothing is lost
            logger().exception("local SES receipt failed")
            return "451 Requested action aborted: local error in processing"
        self.received.append(message_id)
        return f"250 Ok {message_id}"


class SmtpReceiver:
    """Runs the listener on its own thread (aiosmtpd's Controller)."""

    def __init__(self, host: str, port: int, topic_arn: str) -> None:
        from aiosmtpd.controller import Controller  # noqa: PLC0415 - dev-only dependency

        self.handler = SesReceiptHandler(topic_arn)
        self.controller = Controller(
            self.handler,
            hostname=host,
            port=port,
            data_size_limit=SES_MAX_MESSAGE_BYTES,
            decode_data=False,
            server_hostname="inbound-smtp.casebridge.local",
        )

    @property
    def address(self) -> str:
        return f"{self.controller.hostname}:{self.controller.port}"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
