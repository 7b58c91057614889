"""The MIME parser on real corpus mails and on hand-made edge cases. No network."""

from __future__ import annotations

import hashlib

import pytest

from functions.channels.email.parse import decode_bytes, html_to_text, parse_mail, split_reply
from tests.conftest import SHARED_DATA

MAIL = SHARED_DATA / "mail"


def corpus(name: str) -> bytes:
    path = MAIL / name
    if not path.exists():
        pytest.fail(f"shared mail {path} is missing; set CASEBRIDGE_SHARED_DATA")
    return path.read_bytes()


def test_rfc2047_latin1_subject_and_sender_name_are_decoded():
    mail = parse_mail(corpus("mail065.box"))
    assert mail.subject == "aaäöüßad asd"
    assert mail.from_ is not None and mail.from_.name == "Bürling, Andreas"


def test_iso_2022_jp_body_with_nec_extension_characters_decodes():
    mail = parse_mail(corpus("mail099.box"))
    assert "①１都３県の鯵と、" in mail.body_text


def test_raw_shift_jis_subject_is_read_using_the_messages_japanese_charset():
    assert parse_mail(corpus("mail093.box")).subject == "ツール"


def test_raw_gb2312_attachment_name_is_read_using_the_messages_charset():
    names = [a.filename for a in parse_mail(corpus("mail015.box")).attachments]
    assert names == ["绩效管理,究竟谁错了.xls"]


def test_rfc2231_and_encoded_word_file_names_are_decoded():
    names = [a.filename for a in parse_mail(corpus("mail073.box")).attachments]
    assert names[0] == "Bestellbestätigung_BK18052795.jpg"
    assert names[1] == "Forex Platte ohne W\ufffdlbung.jpg"  # 8-bit byte declared us-ascii: replaced


def test_html_only_mail_becomes_readable_text():
    mail = parse_mail(corpus("mail021.box"))
    assert mail.body_source == "text/html"
    assert "<span" not in mail.body_text and "Luke had been thinking about that." in mail.body_text


def test_inline_image_of_an_html_mail_is_an_attachment_with_its_content_id():
    att = parse_mail(corpus("mail009.box")).attachments
    assert [(a.filename, a.inline) for a in att] == [("super-seven.jpg", True)]
    assert att[0].content_id


def test_attached_message_keeps_its_exact_bytes_and_headers():
    mail = parse_mail(corpus("mail063.box"))
    eml = next(a for a in mail.attachments if a.content_type == "message/rfc822")
    assert hashlib.md5(eml.data).hexdigest() == "47744d00358baaeff355ca91ede93859"
    assert mail.embedded[0]["message_id"]


def test_uuencoded_body_becomes_an_attachment():
    mail = parse_mail(corpus("mail025.box"))
    assert [a.filename for a in mail.attachments] == ["rulesets-report.csv"]
    assert mail.attachments[0].data.startswith(b"RULESET_ID;NAME")
    assert "[attachment: rulesets-report.csv]" in mail.body_text


def test_multipart_without_boundaries_is_read_as_a_text_body():
    mail = parse_mail(corpus("mail105.box"))
    assert mail.body_text.startswith("äöüß ad asd")
    assert mail.attachments == []


def test_unknown_charset_decodes_with_replacement_instead_of_failing():
    raw = b"From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nHallo \xfc\xff\r\n"
    mail = parse_mail(raw)
    assert mail.body_text.startswith("Hallo")


def test_utf7_body_decodes():
    raw = b"From: a@example.com\r\nSubject: x\r\nContent-Type: text/plain; charset=utf-7\r\n\r\nHi Mom -+Jjo--!\r\n"
    assert "☺" in parse_mail(raw).body_text


def test_unparseable_addresses_do_not_crash_and_are_flagged_invalid():
    mail = parse_mail(corpus("mail071.box"))
    assert mail.from_ is not None and not mail.sender_valid


def test_empty_from_falls_back_to_reply_to():
    mail = parse_mail(corpus("mail019.box"))
    assert mail.from_ is not None and mail.from_.email == "vipyiming@126.com"


def test_garbage_bytes_never_raise():
    for raw in (b"", b"\x00\xff\xfe" * 100, b"Content-Type: multipart/mixed\r\n\r\n--", b"From: <>\r\n\r\n"):
        parse_mail(raw)


def test_decode_bytes_prefers_the_superset_of_a_declared_charset():
    assert decode_bytes("€".encode("cp1252"), "iso-8859-1") == "€"


def test_html_to_text_keeps_line_structure_and_links():
    text = html_to_text('<p>Hello<br>World</p><div><a href="https://x.example/a">here</a></div><script>x()</script>')
    assert text.splitlines()[:2] == ["Hello", "World"]
    assert "https://x.example/a" in text and "x()" not in text


def test_split_reply_finds_the_new_part_above_the_quote():
    text = "Thanks, that fixed it.\n\nOn Mon, 1 Jan 2024 at 10:00, Support <s@example.com> wrote:\n> Try restarting."
    assert split_reply(text) == "Thanks, that fixed it."
