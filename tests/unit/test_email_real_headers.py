"""Headers and parts as real mail writes them (issue 15), each on a mail built here: GB2312 and GBK
encoded words, UTF-7, folded subjects, a forwarded message kept as the bytes received, uuencoded
attachments. No network, no shared data."""

from __future__ import annotations

import base64
import binascii

import pytest

from functions.channels.email.parse import parse_mail

# 镕 and 瑢 are in GBK but not in GB2312: a gb2312 codec fails on them (clients label GBK text gb2312)
CHINESE = "绩效管理：镕瑢的打印机卡纸了"


def with_subject(subject_header: bytes, body: bytes = b"hi\r\n") -> bytes:
    return b"From: a@acme.example\r\nTo: support@casebridge.local\r\nMessage-ID: <s@acme.example>\r\n" + (
        subject_header + b"\r\n\r\n" + body
    )


def b_word(text: str, label: str, codec: str) -> bytes:
    return f"=?{label}?B?{base64.b64encode(text.encode(codec)).decode()}?=".encode()


@pytest.mark.parametrize("label", ["gb2312", "GB2312", "gbk", "GBK", "x-gbk"])
def test_chinese_encoded_words_labelled_gb2312_or_gbk_decode_to_the_right_text(label):
    subject = b"Subject: " + b_word(CHINESE, label, "gb18030")
    assert parse_mail(with_subject(subject)).subject == CHINESE


def test_a_gbk_character_split_across_two_encoded_words_decodes():
    data = CHINESE.encode("gb18030")
    cut = 5  # inside a two-byte character
    words = [f"=?gb2312?B?{base64.b64encode(chunk).decode()}?=" for chunk in (data[:cut], data[cut:])]
    subject = ("Subject: " + words[0] + "\r\n " + words[1]).encode()
    assert parse_mail(with_subject(subject)).subject == CHINESE


def test_gb2312_quoted_printable_encoded_word_decodes():
    qp = "".join(f"={b:02X}" for b in CHINESE.encode("gb18030"))
    assert parse_mail(with_subject(f"Subject: =?GB2312?Q?{qp}?=".encode())).subject == CHINESE


@pytest.mark.parametrize("label", ["utf-7", "UTF-7", "unicode-1-1-utf-7"])
def test_utf7_encoded_word_subjects_decode(label):
    text = "Grüße – 日本 & more"
    word = b_word(text, label, "utf-7")
    assert parse_mail(with_subject(b"Subject: " + word)).subject == text


def test_utf7_q_encoded_word_subject_decodes():
    assert parse_mail(with_subject(b"Subject: =?utf-7?Q?Gr+APwA3w-e?=")).subject == "Grüße"


@pytest.mark.parametrize(
    "folded",
    [
        b"Subject: Printer jams\r\n  when printing\r\n\tlabels",
        b"Subject: Printer jams \r\n when printing \r\n\t labels",
        b"Subject: =?utf-8?Q?Printer_jams?=\r\n =?utf-8?Q?_when_printing?= labels",
    ],
)
def test_folded_subjects_are_unfolded_without_doubled_spaces(folded):
    subject = parse_mail(with_subject(folded)).subject
    assert subject in ("Printer jams when printing labels",)


def test_encoded_words_on_folded_lines_join_without_a_space():
    folded = b"Subject: =?utf-8?Q?Gr=C3=BC?=\r\n =?utf-8?Q?=C3=9Fe?="
    assert parse_mail(with_subject(folded)).subject == "Grüße"


# -- a forwarded message is kept as received -------------------------------------------------------

INNER = (
    b"Received: from relay.other.example\r\n\tby mx.other.example; Mon, 1 Dec 2026 10:00:00 +0000\r\n"
    b"From:   Bob  <bob@other.example>\r\n"
    b"Subject:no space after the colon\r\n"
    b"X-Odd: =?utf-8?q?caf=C3=A9?=   \r\n"
    b"Message-ID: <inner@other.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="inner-b"\r\n'
    b"\r\n"
    b"preamble\r\n"
    b"--inner-b\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Hello \xc3\xa9  \r\n"
    b"--inner-b--\r\n"
    b"epilogue\r\n"
)


def forwarded(inner: bytes, cte: bytes | None = None, body: bytes | None = None) -> bytes:
    head = b"Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n"
    if cte:
        head += b"Content-Transfer-Encoding: " + cte + b"\r\n"
    return (
        b"From: Ann <ann@acme.example>\r\nTo: support@casebridge.local\r\nSubject: Fwd: look at this\r\n"
        b'Message-ID: <fwd@acme.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="outer-b"\r\n'
        b"\r\n--outer-b\r\nContent-Type: text/plain\r\n\r\nsee the attached mail\r\n"
        b"--outer-b\r\n" + head + b"\r\n" + (body if body is not None else inner) + b"\r\n--outer-b--\r\n"
    )


def attached(raw: bytes) -> bytes:
    [eml] = [a for a in parse_mail(raw).attachments if a.content_type == "message/rfc822"]
    return eml.data


def test_a_forwarded_message_is_stored_as_the_bytes_received():
    assert attached(forwarded(INNER)) == INNER


def test_a_forwarded_message_with_bare_newlines_is_stored_as_received():
    inner = INNER.replace(b"\r\n", b"\n")
    raw = forwarded(inner).replace(b"\r\n", b"\n")
    assert attached(raw) == inner


def test_a_base64_encoded_forwarded_message_is_stored_decoded():
    body = base64.encodebytes(INNER).replace(b"\n", b"\r\n").rstrip(b"\r\n")
    assert attached(forwarded(INNER, b"base64", body)) == INNER


def test_the_forwarded_messages_headers_are_still_read():
    mail = parse_mail(forwarded(INNER))
    assert mail.embedded[0]["message_id"] == "<inner@other.example>"
    assert mail.embedded[0]["from"]["email"] == "bob@other.example"


# -- uuencoded attachments ---------------------------------------------------------------------------


def uu(data: bytes) -> bytes:
    lines = [binascii.b2a_uu(data[i : i + 45]) for i in range(0, len(data), 45)]
    return b"".join(lines).replace(b"\n", b"\r\n") + b"`\r\n"


PAYLOAD = bytes(range(256)) * 3


def test_a_uuencoded_block_in_the_body_becomes_an_attachment():
    body = b"Here is the report.\r\n\r\nbegin 644 report data.bin\r\n" + uu(PAYLOAD) + b"end\r\n\r\nRegards\r\n"
    mail = parse_mail(with_subject(b"Subject: report", body))
    assert [(a.filename, a.data, a.origin) for a in mail.attachments] == [("report data.bin", PAYLOAD, "uuencode")]
    assert "[attachment: report data.bin]" in mail.body_text and "Regards" in mail.body_text
    assert "begin 644" not in mail.body_text


def test_two_uuencoded_blocks_in_a_multipart_text_part_are_both_extracted():
    body = (
        b"begin 600 a.txt\r\n" + uu(b"first file\n") + b"end\r\n"
        b"text between\r\n"
        b"begin 0644 b.bin\r\n" + uu(PAYLOAD[:100]) + b"end\r\n"
    )
    raw = (
        b"From: a@acme.example\r\nSubject: two\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n'
        + body
        + b"\r\n--b--\r\n"
    )
    mail = parse_mail(raw)
    assert [(a.filename, a.data) for a in mail.attachments] == [("a.txt", b"first file\n"), ("b.bin", PAYLOAD[:100])]


def test_an_x_uuencode_transfer_encoded_part_is_decoded():
    part = b"begin 644 data.bin\r\n" + uu(PAYLOAD[:90]) + b"end\r\n"
    raw = (
        b"From: a@acme.example\r\nSubject: cte\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n'
        b"--b\r\nContent-Type: application/octet-stream; name=data.bin\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
        + part
        + b"--b--\r\n"
    )
    [att] = parse_mail(raw).attachments
    assert (att.filename, att.data) == ("data.bin", PAYLOAD[:90])


def test_a_begin_line_over_non_ascii_text_is_left_as_text():
    # found by tests/unit/test_email_fuzz.py: binascii.a2b_uu raised ValueError on non-ASCII text
    mail = parse_mail(b"From: a@acme.example\r\nSubject: x\r\n\r\nbegin 644 f.bin\r\n\xc3\xa9t\xc3\xa9\r\nend\r\n")
    assert mail.attachments == [] and "été" in mail.body_text
