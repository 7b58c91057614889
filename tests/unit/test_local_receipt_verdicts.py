"""The local SMTP inbox's receipt verdicts (dkimpy, pyspf, DMARC) with a DNS stub fed by the test,
then the notification it builds taken through the intake: the path SES mail takes in AWS.
No network: the stub answers every lookup."""

from __future__ import annotations

import base64
import json
from email.message import EmailMessage

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from functions.local.smtp import EICAR, GTUBE, receipt_notification, receipt_verdicts
from tests.fakes.channels import ChannelFakes, install_channel_fakes

ACME_IP, EVIL_IP = "192.0.2.10", "203.0.113.66"


class StubDns:
    """Answers from a dict; nothing else exists."""

    def __init__(self, records: dict[tuple[str, str], list[str]]) -> None:
        self.records = records
        self.asked: list[tuple[str, str]] = []

    def lookup(self, name: str, qtype: str) -> list[str]:
        self.asked.append((name, qtype))
        return list(self.records.get((name.lower(), qtype), []))


def _key() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, base64.b64encode(public).decode()


@pytest.fixture(scope="module")
def keys() -> dict[str, tuple[bytes, str]]:
    return {"acme.example": _key(), "evil.example": _key()}


@pytest.fixture
def dns(keys) -> StubDns:
    return StubDns(
        {
            ("acme.example", "TXT"): [f"v=spf1 ip4:{ACME_IP} -all"],
            ("evil.example", "TXT"): [f"v=spf1 ip4:{EVIL_IP} -all"],
            ("_dmarc.acme.example", "TXT"): ["v=DMARC1; p=reject; rua=mailto:d@acme.example"],
            ("s1._domainkey.acme.example", "TXT"): [f"v=DKIM1; k=rsa; p={keys['acme.example'][1]}"],
            ("s1._domainkey.evil.example", "TXT"): [f"v=DKIM1; k=rsa; p={keys['evil.example'][1]}"],
        }
    )


def mail(frm="Ann Example <ann@acme.example>", body="It jams.", msgid="<m1@acme.example>", subject="Printer jams"):
    msg = EmailMessage()
    msg["From"] = frm
    msg["To"] = "support@casebridge.local"
    msg["Subject"] = subject
    msg["Message-ID"] = msgid
    msg.set_content(body)
    return bytes(msg).replace(b"\n", b"\r\n")


def signed(raw: bytes, domain: str, keys) -> bytes:
    return dkim.sign(raw, b"s1", domain.encode(), keys[domain][0], include_headers=[b"from", b"subject", b"to"]) + raw


def statuses(verdicts: dict) -> tuple[str, str, str]:
    return tuple(verdicts[f"{k}Verdict"]["status"] for k in ("spf", "dkim", "dmarc"))  # type: ignore[return-value]


# -- the checks ---------------------------------------------------------------------------------


def test_mail_from_its_domain_signed_by_it_passes_everything(dns, keys):
    v = receipt_verdicts(signed(mail(), "acme.example", keys), source="ann@acme.example", client_ip=ACME_IP, dns=dns)
    assert statuses(v) == ("PASS", "PASS", "PASS") and v["dmarcPolicy"] == "reject"


def test_the_owners_from_sent_from_another_domain_fails_dmarc_with_its_policy(dns, keys):
    # envelope and signature of evil.example (both valid for it), From of acme.example
    raw = signed(mail(), "evil.example", keys)
    v = receipt_verdicts(raw, source="bounce@evil.example", client_ip=EVIL_IP, dns=dns)
    assert statuses(v) == ("PASS", "PASS", "FAIL") and v["dmarcPolicy"] == "reject"


def test_a_tampered_signature_fails_dkim(dns, keys):
    raw = signed(mail(), "acme.example", keys).replace(b"Printer jams", b"Printer works")
    v = receipt_verdicts(raw, source="ann@acme.example", client_ip=EVIL_IP, dns=dns)
    assert statuses(v) == ("FAIL", "FAIL", "FAIL")


def test_without_dns_the_checks_that_need_it_are_not_checked_not_failed(keys):
    unsigned = receipt_verdicts(mail(), source="ann@acme.example")
    assert statuses(unsigned) == ("NOT_CHECKED", "GRAY", "NOT_CHECKED")
    signed_ = receipt_verdicts(signed(mail(), "acme.example", keys), source="ann@acme.example")
    assert statuses(signed_) == ("NOT_CHECKED", "NOT_CHECKED", "NOT_CHECKED")


def test_a_domain_without_a_dmarc_policy_is_gray(dns):
    v = receipt_verdicts(mail(frm="x@evil.example"), source="x@evil.example", client_ip=EVIL_IP, dns=dns)
    assert statuses(v) == ("PASS", "GRAY", "GRAY")


def test_the_standard_test_files_are_recognised():
    msg = EmailMessage()
    msg["From"] = "ann@acme.example"
    msg.set_content("see attached")
    msg.add_attachment(EICAR, maintype="application", subtype="octet-stream", filename="e.com")
    v = receipt_verdicts(bytes(msg), source="ann@acme.example")
    assert (v["virusVerdict"]["status"], v["spamVerdict"]["status"]) == ("FAIL", "NOT_CHECKED")
    spam = receipt_verdicts(mail(body="buy " + GTUBE.decode()), source="ann@acme.example")
    assert (spam["virusVerdict"]["status"], spam["spamVerdict"]["status"]) == ("NOT_CHECKED", "FAIL")


# -- through the intake, as in AWS ----------------------------------------------------------------


@pytest.fixture
def fakes() -> ChannelFakes:
    return install_channel_fakes()


def deliver(fakes: ChannelFakes, raw: bytes, source: str, client_ip: str, dns: StubDns, n: int):
    key = f"inbound/local{n}"
    fakes.mail.put(fakes.mail.mail_bucket, key, raw)
    note = receipt_notification(
        raw,
        source=source,
        recipients=["support@casebridge.local"],
        message_id=f"local{n}",
        bucket=fakes.mail.mail_bucket,
        object_key=key,
        topic_arn="arn:aws:sns:us-east-1:123456789012:inbound",
        verdicts=receipt_verdicts(raw, source=source, client_ip=client_ip, dns=dns),
    )
    [out] = fakes.container.email_intake.ingest_queue_body(
        json.dumps({"Type": "Notification", "Message": json.dumps(note)})
    )
    return out


def test_a_forged_reply_checked_by_the_local_inbox_does_not_join_the_case(fakes, dns, keys):
    first = deliver(fakes, signed(mail(), "acme.example", keys), "ann@acme.example", ACME_IP, dns, 1)
    assert first.outcome == "created" and first.acknowledged and first.verdicts.dmarc == "PASS"
    forged = signed(
        mail(subject=f"Re: [{first.case}] Printer jams", msgid="<f@evil.example>", body="New IBAN: ..."),
        "evil.example",
        keys,
    )

    out = deliver(fakes, forged, "bounce@evil.example", EVIL_IP, dns, 2)

    assert out.outcome == "created" and out.case != first.case and out.flags == ["authentication_failed"]
    assert (out.verdicts.dmarc, out.verdicts.dmarc_policy) == ("FAIL", "reject") and not out.acknowledged
    assert fakes.container.cases.get(first.case).interaction_count == 1
