"""HTML form bodies as a page posts them: ``application/x-www-form-urlencoded`` and
``multipart/form-data`` (a form with ``<input type="file">``). Pure: the bytes in, fields and files
out; the standard library's parsers (``urllib.parse``, the ``email`` package's MIME parser).

API Gateway hands a multipart body over only when the API lists ``multipart/form-data`` among its
binary media types (``app.py``); Lambda's 6 MB synchronous payload limit (the body base64-encoded)
caps a whole post at about 4.4 MB, so pages keep direct-to-S3 uploads for larger files."""

from __future__ import annotations

from dataclasses import dataclass, field

from functions.core import errors

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class FormFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[FormFile] = field(default_factory=list)

    def first(self, name: str, default: str = "") -> str:
        values = self.fields.get(name) or [default]
        return values[0]


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def parse_form(content_type: str | None, raw: bytes, *, max_bytes: int) -> Form:
    """The form's fields (each name's values in order) and files (a file input left empty is no
    file). PayloadTooLarge past ``max_bytes``; InvalidInput for a body that is not the form it says."""
    if len(raw) > max_bytes:
        raise errors.PayloadTooLarge(f"at most {max_bytes} bytes")
    kind = media_type(content_type)
    if kind == URLENCODED:
        from urllib.parse import parse_qs  # noqa: PLC0415

        return Form(fields=parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if kind != MULTIPART:
        raise errors.InvalidInput(f"expected {URLENCODED} or {MULTIPART}")
    return _multipart(content_type or "", raw)


def _multipart(content_type: str, raw: bytes) -> Form:
    from email import policy  # noqa: PLC0415
    from email.parser import BytesParser  # noqa: PLC0415

    head = f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
    if not message.is_multipart():
        raise errors.InvalidInput("the multipart body has no parts (boundary missing or wrong)")
    form = Form()
    for part in message.iter_parts():
        if part.get_content_disposition() != "form-data":
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            charset = part.get_content_charset() or "utf-8"
            form.fields.setdefault(name, []).append(data.decode(charset, "replace"))
        elif filename or data:  # an empty file input posts a part with no name and no bytes
            base = filename.replace("\\", "/").rsplit("/", 1)[-1] or "file"
            form.files.append(FormFile(name, base, part.get_content_type(), data))
    return form
