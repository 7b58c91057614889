"""Fuzzing the mail parser, the intake's event unwrapping and the intake itself (issue 15).

Bounded and deterministic here (``derandomize``: the same examples on every run, seconds); a
longer, random run is ``make fuzz`` (``CASEBRIDGE_FUZZ=long``; ``CASEBRIDGE_FUZZ_EXAMPLES`` sets
the count). Properties: nothing raises, and every input the intake gets is parsed into an
outcome or quarantined with a reason.
"""

from __future__ import annotations

import base64
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.channels.email import events
from functions.channels.email.models import Outcome
from functions.channels.email.parse import decode_header_text, parse_mail
from functions.local.smtp import receipt_verdicts
from tests.fakes.channels import install_channel_fakes

LONG = os.environ.get("CASEBRIDGE_FUZZ") == "long"
EXAMPLES = int(os.environ.get("CASEBRIDGE_FUZZ_EXAMPLES") or (5000 if LONG else 100))
settings.register_profile(
    "mail-fuzz",
    max_examples=EXAMPLES,
    derandomize=not LONG,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
FUZZ = settings.get_profile("mail-fuzz")

# -- mail-shaped input --------------------------------------------------------------------------------

CHARSETS = ["utf-8", "gb2312", "gbk", "utf-7", "iso-8859-1", "iso-2022-jp", "shift_jis", "x-unknown", "", "koi8-r"]
HEADER_NAMES = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Reply-To",
    "Return-Path",
    "Date",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
    "Auto-Submitted",
    "DKIM-Signature",
    "X-Failed-Recipients",
]
CTYPES = [
    "text/plain",
    "text/html",
    "multipart/mixed",
    "multipart/alternative",
    "multipart/report; report-type=delivery-status",
    "message/rfc822",
    "message/delivery-status",
    "text/rfc822-headers",
    "application/octet-stream",
]
CTES = ["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "binary", "bogus"]

texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
raw_bytes = st.binary(max_size=300)


@st.composite
def encoded_words(draw: st.DrawFn) -> str:
    charset = draw(st.sampled_from(CHARSETS)) or "utf-8"
    data = draw(raw_bytes)
    if draw(st.booleans()):
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    return f"=?{charset}?Q?{''.join(f'={b:02X}' for b in data[:40])}?="


header_values = st.one_of(texts, encoded_words(), st.lists(st.one_of(texts, encoded_words()), max_size=4).map(" ".join))


@st.composite
def header_blocks(draw: st.DrawFn) -> bytes:
    lines = []
    for name in draw(st.lists(st.sampled_from(HEADER_NAMES), max_size=10)):
        value = draw(header_values).replace("\r", " ").replace("\n", " ")
        if draw(st.booleans()) and len(value) > 10:
            value = value[:10] + "\r\n " + value[10:]  # folded
        lines.append(f"{name}: {value}".encode("utf-8", "surrogateescape"))
    return b"\r\n".join(lines) + b"\r\n"


@st.composite
def entities(draw: st.DrawFn, depth: int = 0) -> bytes:
    ctype = draw(st.sampled_from(CTYPES))
    charset = draw(st.sampled_from(CHARSETS))
    cte = draw(st.sampled_from(CTES))
    head = draw(header_blocks())
    if ctype.startswith("multipart/") and depth < 3:
        boundary = draw(st.sampled_from(["b1", "b2", "=_x", ""]))
        head += f'Content-Type: {ctype}; boundary="{boundary}"\r\n'.encode()
        parts = draw(st.lists(entities(depth + 1), max_size=3))
        body = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
        if draw(st.booleans()):
            body += b"--" + boundary.encode() + b"--\r\n"
    elif ctype == "message/rfc822" and depth < 3:
        head += b"Content-Type: message/rfc822\r\n"
        body = draw(entities(depth + 1))
    else:
        head += f"Content-Type: {ctype}; charset={charset}\r\nContent-Transfer-Encoding: {cte}\r\n".encode()
        body = draw(st.one_of(raw_bytes, texts.map(lambda t: t.encode("utf-8"))))
        if draw(st.booleans()):
            body += b"\r\nbegin 644 f.bin\r\n" + draw(raw_bytes) + b"\r\nend\r\n"
    return head + b"\r\n" + body


mails = st.one_of(raw_bytes, entities())


# -- SES / SNS / S3 shaped queue bodies -----------------------------------------------------------------

KEYS = [
    "Type",
    "Message",
    "receipt",
    "mail",
    "content",
    "action",
    "type",
    "bucketName",
    "objectKey",
    "objectKeyPrefix",
    "encoding",
    "Records",
    "ses",
    "s3",
    "Sns",
    "eventSource",
    "eventName",
    "bucket",
    "object",
    "key",
    "name",
    "notificationType",
    "spamVerdict",
    "virusVerdict",
    "dmarcVerdict",
    "dmarcPolicy",
    "status",
    "source",
]
VALUES = [
    "Notification",
    "S3",
    "SNS",
    "BASE64",
    "UTF8",
    "aws:s3",
    "ObjectCreated:Put",
    "inbound/x",
    "Received",
    "FAIL",
    "PASS",
    "reject",
]
json_leaves = st.one_of(st.none(), st.booleans(), st.integers(), texts, st.sampled_from(VALUES))
json_values = st.recursive(
    json_leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
    ),
    max_leaves=25,
)


@st.composite
def queue_bodies(draw: st.DrawFn) -> str:
    shape = draw(st.integers(0, 3))
    if shape == 0:
        return draw(texts)
    if shape == 1:
        return json.dumps(draw(json_values))
    note = {
        "notificationType": "Received",
        "receipt": draw(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4))
        | {"action": {"type": "SNS", "encoding": "BASE64"}},
        "mail": draw(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=3)),
        "content": base64.b64encode(draw(mails)).decode(),
    }
    if shape == 2:
        return json.dumps(note)
    return json.dumps({"Type": "Notification", "Message": json.dumps(note)})


# -- the properties -----------------------------------------------------------------------------------


@FUZZ
@given(mails)
def test_the_parser_never_raises(raw):
    mail = parse_mail(raw)
    assert isinstance(mail.subject, str) and isinstance(mail.body_text, str)
    assert all(isinstance(a.data, bytes) for a in mail.attachments)


@FUZZ
@given(header_values)
def test_header_decoding_never_raises(value):
    assert isinstance(decode_header_text(value, ("gb2312", "iso-2022-jp")), str)


@FUZZ
@given(st.one_of(json_values, texts, raw_bytes))
def test_event_unwrapping_never_raises_and_names_every_item(body):
    items = events.unwrap(body, "inbound/")
    assert items and all(isinstance(i, events.RawContent | events.S3Location | events.Unreadable) for i in items)
    assert all(i.reason for i in items if isinstance(i, events.Unreadable))


@FUZZ
@given(mails)
def test_the_local_receipt_checks_never_raise(raw):
    verdicts = receipt_verdicts(raw, source="a@b.example")
    assert {"spamVerdict", "virusVerdict", "spfVerdict", "dkimVerdict", "dmarcVerdict"} <= set(verdicts)


@settings(FUZZ, max_examples=max(EXAMPLES // 3, 30))
@given(st.lists(queue_bodies(), min_size=1, max_size=3))
def test_every_queue_body_is_parsed_or_quarantined_with_a_reason(bodies):
    fakes = install_channel_fakes()
    intake = fakes.container.email_intake
    for body in bodies:
        outcomes = intake.ingest_queue_body(body)
        assert outcomes
        for out in outcomes:
            assert out.outcome in set(Outcome)
            if out.outcome == Outcome.QUARANTINED:
                assert out.reason
            assert intake.log.find(out.inbound_id) is not None
