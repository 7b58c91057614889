"""HTML form bodies (functions/core/forms.py): urlencoded and multipart fields and files."""

from __future__ import annotations

import pytest

from functions.core import errors
from functions.core.forms import parse_form

B = "xyzBOUNDARY"
MULTIPART = f"multipart/form-data; boundary={B}"


def _body(*parts: str | bytes) -> bytes:
    out = b""
    for part in parts:
        out += f"--{B}\r\n".encode() + (part.encode() if isinstance(part, str) else part) + b"\r\n"
    return out + f"--{B}--\r\n".encode()


def test_urlencoded_fields_keep_every_value_in_order():
    form = parse_form("application/x-www-form-urlencoded", b"a=1&b=&a=2", max_bytes=100)
    assert form.fields == {"a": ["1", "2"], "b": [""]} and form.first("a") == "1" and form.files == []


def test_multipart_fields_and_files():
    body = _body(
        'Content-Disposition: form-data; name="body"\r\n\r\nGrüße',
        b'Content-Disposition: form-data; name="files"; filename="C:\\\\Users\\\\ann\\\\jam.png"\r\n'
        b"Content-Type: image/png\r\n\r\n\x89PNG\r\n\x00\xff",
        'Content-Disposition: form-data; name="files"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n',
    )
    form = parse_form(MULTIPART, body, max_bytes=10_000)
    assert form.first("body") == "Grüße"
    [f] = form.files  # the empty file input is no file
    assert (f.field, f.filename, f.content_type, f.data) == ("files", "jam.png", "image/png", b"\x89PNG\r\n\x00\xff")


def test_too_large_and_wrong_bodies_are_refused():
    with pytest.raises(errors.PayloadTooLarge):
        parse_form("application/x-www-form-urlencoded", b"a" * 101, max_bytes=100)
    with pytest.raises(errors.InvalidInput):
        parse_form("text/plain", b"a", max_bytes=100)
    with pytest.raises(errors.InvalidInput):
        parse_form("multipart/form-data", b"no boundary here", max_bytes=100)
