"""A loopback SMTP listener that does what SES receipt does in AWS.

SES receipt (rule: S3 action with an SNS topic) stores the raw message in the mail
bucket under ``resources.INBOUND_PREFIX`` and publishes a "Received" notification
to the inbound-mail topic; SNS delivers it to the inbound-mail queue, whose handler
turns it into a case. Locally this listener does the first two steps, so mail sent
with ``swaks`` or ``smtplib`` takes the same path as mail sent to AWS.

The notification shape follows the SES developer guide's example
(``shared/data/events/sesSnsReceivedNotification.json``) with the S3 action of
``ses-s3-event.json``: no ``content`` field, the message is in S3.

The receipt verdicts are computed as far as a loopback inbox can (``receipt_verdicts``): DKIM with
dkimpy, SPF with pyspf and DMARC (the From domain's policy, SPF or DKIM aligned with it), all through
a ``Dns`` given to the listener; without one (``make run``: no network) the checks that need DNS
are ``NOT_CHECKED``, never failed. Virus and spam scanning recognise the standard test files (EICAR
and GTUBE) and nothing else. The intake reads these verdicts from the notification as it reads
SES's, so the production path is the one tested.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import format_datetime, getaddresses, parseaddr
from typing import Any, Protocol

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


# -- receipt verdicts ----------------------------------------------------------------------

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
GTUBE = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
NOT_CHECKED = "NOT_CHECKED"


class Dns(Protocol):
    """What the checks ask of DNS: the records of one name and type (TXT records as whole strings,
    A/AAAA as addresses, MX as host names); [] when there are none."""

    def lookup(self, name: str, qtype: str) -> list[str]: ...


def _org_domain(domain: str) -> str:
    """The organisational domain, approximated as the last two labels (no public suffix list)."""
    return ".".join(domain.lower().rstrip(".").split(".")[-2:])


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").lower() if "@" in address else ""


def _decoded_parts(msg: Any) -> list[bytes]:
    out: list[bytes] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            data = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001 - a broken part: scan it as written
            data = None
        if isinstance(data, bytes):
            out.append(data)
    return out


def _scan(raw: bytes, msg: Any, signature: bytes) -> str:
    if signature in raw or any(signature in part for part in _decoded_parts(msg)):
        return "FAIL"
    return NOT_CHECKED  # no scanner here: only the standard test files are recognised


def _dkim(raw: bytes, msg: Any, dns: Dns | None) -> tuple[str, str | None]:
    """(verdict, the signing domain d=) of the first DKIM signature."""
    import dkim  # noqa: PLC0415 - dev-only dependency

    signature = msg.get("DKIM-Signature")
    if signature is None:
        return "GRAY", None  # not signed
    found = re.search(r"(?:^|;)\s*d\s*=\s*([^;\s]+)", str(signature))
    domain = found.group(1).lower() if found else None
    if dns is None:
        return NOT_CHECKED, domain

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes | None:
        records = dns.lookup(name.decode("ascii", "replace").rstrip("."), "TXT")
        return records[0].encode() if records else None

    try:
        return ("PASS" if dkim.DKIM(raw).verify(dnsfunc=dnsfunc) else "FAIL"), domain
    except dkim.DKIMException:
        return "FAIL", domain
    except Exception:  # noqa: BLE001 - dkimpy on input it cannot read
        return "PROCESSING_FAILED", domain


def _spf(client_ip: str, mail_from: str, helo: str, resolver: Dns | None) -> str:
    if resolver is None:
        return NOT_CHECKED
    stub: Dns = resolver
    import spf  # noqa: PLC0415 - dev-only dependency (pyspf)

    class Query(spf.query):  # type: ignore[misc,name-defined]
        """pyspf's query with its DNS answered by ``dns`` (pyspf's own resolver is not used)."""

        def dns(self, name: str, qtype: str, cnames: Any = None, ignore_void: bool = False) -> list[Any]:
            name = str(name).rstrip(".").lower()
            records = stub.lookup(name, qtype)
            if qtype in ("TXT", "SPF"):
                return [(r.encode(),) for r in records]
            if qtype == "MX":
                return [(10, r) for r in records]
            return list(records)

    try:
        result, _code, _why = Query(i=client_ip, s=mail_from or f"postmaster@{helo}", h=helo).check()
    except Exception:  # noqa: BLE001
        return "PROCESSING_FAILED"
    return {"pass": "PASS", "fail": "FAIL", "permerror": "PROCESSING_FAILED", "temperror": "PROCESSING_FAILED"}.get(
        result, "GRAY"
    )


def _dmarc_policy(domain: str, dns: Dns) -> str | None:
    for name in dict.fromkeys([domain, _org_domain(domain)]):
        for record in dns.lookup(f"_dmarc.{name}", "TXT"):
            if record.strip().lower().startswith("v=dmarc1"):
                tags = dict(
                    (k.strip().lower(), v.strip().lower())
                    for k, _, v in (t.partition("=") for t in record.split(";"))
                    if k.strip()
                )
                return tags.get("p", "none")
    return None


def receipt_verdicts(
    raw: bytes, *, source: str, client_ip: str = "127.0.0.1", helo: str = "localhost", dns: Dns | None = None
) -> dict[str, Any]:
    """The receipt's verdict fields as SES writes them (``spamVerdict`` ... ``dmarcPolicy``)."""
    msg = message_from_bytes(raw, policy=policy.compat32)
    spf_verdict = _spf(client_ip, source, helo, dns)
    dkim_verdict, dkim_domain = _dkim(raw, msg, dns)
    from_domain = _domain_of(parseaddr(str(msg.get("from") or ""))[1])
    out: dict[str, Any] = {
        "spamVerdict": {"status": _scan(raw, msg, GTUBE)},
        "virusVerdict": {"status": _scan(raw, msg, EICAR)},
        "spfVerdict": {"status": spf_verdict},
        "dkimVerdict": {"status": dkim_verdict},
    }
    if dns is None or not from_domain:
        out["dmarcVerdict"] = {"status": NOT_CHECKED if dns is None else "GRAY"}
        return out
    policy_ = _dmarc_policy(from_domain, dns)
    if policy_ is None:
        out["dmarcVerdict"] = {"status": "GRAY"}  # the From domain publishes no DMARC policy
        return out
    spf_domain = _domain_of(source) or helo.lower()
    aligned = (spf_verdict == "PASS" and _org_domain(spf_domain) == _org_domain(from_domain)) or (
        dkim_verdict == "PASS" and dkim_domain is not None and _org_domain(dkim_domain) == _org_domain(from_domain)
    )
    out["dmarcVerdict"] = {"status": "PASS" if aligned else "FAIL"}
    out["dmarcPolicy"] = policy_  # SES gives the policy with the verdict, pass or fail
    return out


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
    verdicts: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The SES "Received" notification for a message stored by an S3 action (``verdicts``: the
    receipt's verdict fields, ``receipt_verdicts``; default: the checks without DNS)."""
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
    if verdicts is None:
        verdicts = receipt_verdicts(raw, source=source)
    return {
        "notificationType": "Received",
        "receipt": {
            "timestamp": _iso(now),
            "processingTimeMillis": processing_ms,
            "recipients": list(recipients),
            **verdicts,
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


def receive(
    raw: bytes,
    *,
    source: str,
    recipients: list[str],
    topic_arn: str,
    client_ip: str = "127.0.0.1",
    helo: str = "localhost",
    dns: Dns | None = None,
) -> str:
    """Store a message and notify the inbound-mail topic, as SES receipt does. Returns the SES message id."""
    started = datetime.now(UTC)
    verdicts = receipt_verdicts(raw, source=source, client_ip=client_ip, helo=helo, dns=dns)
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
        verdicts=verdicts,
    )
    aws.client("sns").publish(TopicArn=topic_arn, Subject=NOTIFICATION_SUBJECT, Message=json.dumps(note))
    logger().info("local SES receipt stored a message", extra={"ses_message_id": message_id, "bytes": len(body)})
    return message_id


class SesReceiptHandler:
    """aiosmtpd handler: every accepted message goes through ``receive``."""

    def __init__(self, topic_arn: str, dns: Dns | None = None) -> None:
        self.topic_arn = topic_arn
        self.dns = dns
        self.received: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        peer = getattr(session, "peer", None)
        client_ip = str(peer[0]) if isinstance(peer, tuple) and peer else "127.0.0.1"
        helo = str(getattr(session, "host_name", None) or "localhost")
        try:
            message_id = await loop.run_in_executor(
                None,
                lambda: receive(
                    raw,
                    source=envelope.mail_from or "",
                    recipients=list(envelope.rcpt_tos),
                    topic_arn=self.topic_arn,
                    client_ip=client_ip,
                    helo=helo,
                    dns=self.dns,
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
