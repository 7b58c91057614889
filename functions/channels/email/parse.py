"""Raw RFC 5322 bytes -> ParsedMail. Pure: no I/O, never raises on bad input.

The stdlib ``email`` package with ``policy.default`` walks the MIME tree; every place
where real-world mail breaks it (unknown or lying charsets, 8-bit headers, broken
encoded words, uuencoded bodies, HTML-only mail) has a fallback that decodes with
replacement instead of failing.
"""

from __future__ import annotations

import binascii
import codecs
import re
from datetime import datetime
from email import message_from_bytes, policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from functions.channels.email.models import Address, ParsedAttachment, ParsedMail

# Charsets mail clients declare that Python does not know by that name, or that are
# better read as their superset (what the sending client really produced).
CHARSET_ALIASES: dict[str, str] = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "utf-8",  # 8-bit text labelled ascii is nearly always utf-8
    "ascii": "utf-8",
    "ks_c_5601-1987": "cp949",
    "iso-2022-jp": "iso2022_jp_ext",
    "shift-jis": "cp932",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "windows-874": "cp874",
    "x-mac-roman": "mac_roman",
    "unicode-1-1-utf-7": "utf-7",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "unknown": "utf-8",
    "utf8": "utf-8",
}
# Tried in order after the declared charset fails; cp1252 never fails with replace.
FALLBACK_CHARSETS = ("utf-8", "cp1252")
ISO2022_JP_CHAIN = ("iso2022_jp",)

_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_MSGID = re.compile(r"<[^<>\s]+>")
_UU_BEGIN = re.compile(r"^begin [0-7]{3,4} (?P<name>\S.*?)\s*$", re.MULTILINE)
_EMAIL_OK = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")

# Lines that start the quoted part of a reply (English, German, French, Spanish, Dutch).
_QUOTE_HEADERS = re.compile(
    r"^(?:"
    r"-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original)\s*-{2,}"
    r"|on .{1,200}wrote:\s*$"
    r"|am .{1,200}schrieb .{0,200}:\s*$"
    r"|le .{1,200}a écrit\s*:\s*$"
    r"|el .{1,200}escribió:\s*$"
    r"|op .{1,200}schreef .{0,200}:\s*$"
    r"|(?:from|von|de|van):\s.+\n(?:sent|gesendet|envoyé|date|datum):\s"
    r")",
    re.IGNORECASE | re.MULTILINE,
)


# -- text decoding ------------------------------------------------------------------


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    name = charset.strip().strip('"').strip("'").lower()
    name = CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _hint_codecs(hints: tuple[str, ...]) -> tuple[str, ...]:
    """Charsets to try for undeclared 8-bit bytes, from the charsets the message declares."""
    out: list[str] = []
    for hint in hints:
        name = _codec(hint)
        if not name or name in ("utf-8", "ascii"):
            continue
        if name.startswith("iso2022_jp"):
            out += ["cp932", "euc_jp"]  # raw 8-bit Japanese headers are Shift_JIS in practice
        elif name.startswith("iso2022_kr"):
            out.append("cp949")
        else:
            out.append(name)
    return tuple(dict.fromkeys(out))


def iso2022jp_to_cp932(data: bytes) -> bytes:
    """ISO-2022-JP as Windows clients write it (CP50220: NEC and IBM extensions) -> CP932 bytes.

    Python has no CP50220 codec; JIS X 0208 rows map arithmetically onto Shift_JIS, and
    CP932 decodes the extension rows (circled digits etc.) that plain iso2022_jp rejects.
    """
    out = bytearray()
    mode = "ascii"
    i = 0
    while i < len(data):
        if data[i] == 0x1B and i + 2 < len(data):
            seq = data[i + 1 : i + 3]
            if seq in (b"$B", b"$@"):
                mode, i = "jis", i + 3
                continue
            if seq in (b"(B", b"(J"):
                mode, i = "ascii", i + 3
                continue
            if seq == b"(I":
                mode, i = "kana", i + 3
                continue
        byte = data[i]
        if mode == "jis" and byte not in (0x0A, 0x0D) and i + 1 < len(data):
            j1, j2 = byte, data[i + 1]
            s1 = ((j1 + 1) >> 1) + (0x70 if j1 <= 0x5E else 0xB0)
            s2 = j2 + (0x1F if j1 & 1 else 0x7E)
            if j1 & 1 and s2 >= 0x7F:
                s2 += 1
            out += bytes((s1 & 0xFF, s2 & 0xFF))
            i += 2
            continue
        out.append(byte + 0x80 if mode == "kana" and 0x21 <= byte <= 0x5F else byte)
        i += 1
    return bytes(out)


def decode_bytes(data: bytes, charset: str | None, hints: tuple[str, ...] = ()) -> str:
    """Bytes in a declared (possibly wrong or unknown) charset -> text. Never raises.

    ``hints`` are the other charsets the message declares: an undeclared 8-bit header or
    file name is most likely in one of them.
    """
    tried: list[str] = []
    declared = _codec(charset)
    chain: tuple[str, ...] = ISO2022_JP_CHAIN if declared and declared.startswith("iso2022_jp") else ()
    extra = _hint_codecs(hints) if not declared else ()
    if chain:
        try:
            return data.decode("iso2022_jp")
        except UnicodeDecodeError:
            return iso2022jp_to_cp932(data).decode("cp932", errors="replace")
    for name in (declared, "utf-8", *extra, *FALLBACK_CHARSETS):
        if not name or name in tried:
            continue
        tried.append(name)
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(declared or "utf-8", errors="replace") if declared else data.decode("utf-8", errors="replace")


def _unsurrogate(text: str, hints: tuple[str, ...] = ()) -> str:
    """Header text with raw 8-bit bytes (surrogate-escaped by the parser) -> readable text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    raw = text.encode("utf-8", errors="surrogateescape")
    return decode_bytes(raw, None, hints)


def decode_header_text(value: Any, hints: tuple[str, ...] = ()) -> str:
    """An RFC 2047 header value (maybe broken, maybe raw 8-bit) -> text."""
    if value is None:
        return ""
    text = _unsurrogate(str(value), hints)
    if "=?" not in text:
        return text
    try:
        chunks = decode_header(text)
    except Exception:  # noqa: BLE001 - malformed encoded words: keep the raw text
        return text
    out: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            out.append(
                decode_bytes(chunk, charset) if charset else chunk.decode("raw-unicode-escape", errors="replace")
            )
        else:
            out.append(chunk)
    return "".join(out)


def _charset_hints(msg: Message) -> tuple[str, ...]:
    try:
        return tuple(c for c in msg.get_charsets() if c)
    except Exception:  # noqa: BLE001
        return ()


def _headers(msg: Message, hints: tuple[str, ...] = ()) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in dict.fromkeys(k.lower() for k in msg.keys()):
        raw = _raw_values(msg, name)
        out[name] = [" ".join(decode_header_text(v, hints).split()) for v in raw]
    return out


def _raw_values(msg: Message, name: str) -> list[str]:
    """Header values as the sender wrote them (unfolded, encoded words still encoded)."""
    out: list[str] = []
    for key, value in msg.raw_items():  # type: ignore[attr-defined]
        if key.lower() == name:
            out.append(str(value).replace("\r", "").replace("\n", ""))
    return out


def message_ids(value: str | None) -> list[str]:
    """Every ``<id>`` in a Message-ID / In-Reply-To / References value, in order."""
    if not value:
        return []
    found = _MSGID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        found = [f"<{value.strip().strip('<>')}>"]
    return list(dict.fromkeys(found))


def normalize_message_id(value: str | None) -> str | None:
    ids = message_ids(value)
    return ids[0] if ids else None


def _addresses(values: list[str], hints: tuple[str, ...] = ()) -> list[Address]:
    """Addresses from raw header values: split first, then decode the display names
    (an encoded name may contain a comma)."""
    out: list[Address] = []
    words: list[str] = []

    def protect(match: re.Match[str]) -> str:
        words.append(match.group(0))
        return f"EncWord{len(words) - 1}X"

    def restore(text: str) -> str:
        return re.sub(r"EncWord(\d+)X", lambda m: words[int(m.group(1))], text)

    try:
        pairs = getaddresses([_ENCODED_WORD.sub(protect, _unsurrogate(v, hints)) for v in values])
    except Exception:  # noqa: BLE001
        pairs = []
    for name, addr in pairs:
        addr = decode_header_text(restore(addr)).strip().strip('"').strip()
        if not addr:
            continue
        name = " ".join(decode_header_text(restore(name), hints).split()).strip('"').strip()
        out.append(Address(email=addr, name=name or None))
    return out


def is_valid_address(email: str | None) -> bool:
    return bool(email) and len(email or "") <= 254 and bool(_EMAIL_OK.match(email or ""))


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


# -- body ---------------------------------------------------------------------------


def html_to_text(html: str) -> str:
    """Readable text from an HTML body: block elements become lines, scripts and styles go."""
    from bs4 import BeautifulSoup  # noqa: PLC0415 - heavy import, only for HTML mail

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "title", "meta"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for tag in soup.find_all(["p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"]):
        tag.insert_before("\n")
        tag.insert_after("\n")
    for a in soup.find_all("a"):
        href = a.get("href")
        text = a.get_text(" ", strip=True)
        if isinstance(href, str) and href.startswith("http") and href not in text:
            a.append(f" ({href})")
    text = soup.get_text()
    return tidy_text(text)


def tidy_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    blank = 0
    for line in lines:
        if not line.strip():
            blank += 1
            if blank > 1:
                continue
            line = ""
        else:
            blank = 0
        out.append(line)
    return "\n".join(out).strip("\n")


def split_reply(text: str) -> str | None:
    """The new part of a reply: the text above the first quote header or quoted block."""
    if not text:
        return None
    match = _QUOTE_HEADERS.search(text)
    cut = match.start() if match else None
    lines = text.split("\n")
    # a block of '>' lines is quoted text too
    pos = 0
    for i, line in enumerate(lines):
        if line.startswith(">") and i + 1 < len(lines) and lines[i + 1].startswith(">"):
            cut = min(cut, pos) if cut is not None else pos
            break
        pos += len(line) + 1
    if cut is None:
        return None
    new = text[:cut].strip()
    # "Am ... schrieb X:" line right above the '>' block belongs to the quote
    new_lines = new.split("\n")
    if new_lines and re.search(r"(wrote|schrieb|a écrit|escribió|schreef)[^\n]{0,80}:\s*$", new_lines[-1], re.I):
        new = "\n".join(new_lines[:-1]).strip()
    return new if new and new != text.strip() else None


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken transfer encoding: take it raw
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="surrogateescape")
    return b""


def _part_text(part: Message) -> str:
    return decode_bytes(_payload_bytes(part), part.get_content_charset())


def _filename(part: Message, hints: tuple[str, ...] = ()) -> str | None:
    """The attachment's name: RFC 2231 and RFC 2047 decoded, raw 8-bit names read with hints."""
    from email.message import Message as Compat  # noqa: PLC0415
    from email.utils import collapse_rfc2231_value  # noqa: PLC0415

    view = Compat()  # compat32 keeps raw parameter text; the modern policy replaces bad bytes
    for header in ("content-disposition", "content-type"):
        for value in _raw_values(part, header)[:1]:
            view[header] = _unsurrogate(value, hints or tuple(c for c in [part.get_content_charset()] if c))
    name: Any = None
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        try:
            name = view.get_param(param, header=header)
        except Exception:  # noqa: BLE001
            name = None
        if name:
            break
    if isinstance(name, tuple):  # RFC 2231 (charset, language, value)
        name = collapse_rfc2231_value(name, errors="replace")
    if not name:
        return None
    text = decode_header_text(str(name).strip(), hints or tuple(c for c in [part.get_content_charset()] if c)).strip()
    return text or None


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:  # noqa: BLE001
        return None


_EXT = {
    "text/plain": ".txt",
    "text/html": ".html",
    "message/rfc822": ".eml",
    "message/delivery-status": ".txt",
    "text/rfc822-headers": ".txt",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
}


def _fallback_name(part: Message, ctype: str, index: int, embedded_subject: str | None) -> str:
    desc = decode_header_text(part.get("Content-Description") or "").strip()
    ext = _EXT.get(ctype, ".bin")
    if ctype == "message/rfc822" and embedded_subject:
        return _safe_name(embedded_subject) + ".eml"
    if desc:
        return _safe_name(desc) + ext
    return f"part-{index}{ext}"


def _safe_name(name: str) -> str:
    name = re.sub(r"[\x00-\x1f/\\]", "_", name).strip()
    return name[:200] or "unnamed"


def _flatten(msg: Message, linesep: str) -> bytes:
    """A parsed (sub)message back to bytes as the sender wrote it: no refolding, same line ends."""
    import io  # noqa: PLC0415
    from email.generator import BytesGenerator  # noqa: PLC0415

    buf = io.BytesIO()
    pol = policy.default.clone(refold_source="none", max_line_length=None, linesep=linesep)
    try:
        BytesGenerator(buf, mangle_from_=False, policy=pol).flatten(msg)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - a part the generator cannot write: keep what it can
        try:
            return msg.as_bytes(policy=policy.compat32)
        except Exception:  # noqa: BLE001
            return b""
    return buf.getvalue()


_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def _split_entity(data: bytes) -> bytes:
    """The body of one MIME entity as written: what follows the first blank line."""
    if data.startswith((b"\r\n", b"\n")):
        return data[2:] if data.startswith(b"\r\n") else data[1:]
    found = _BLANK_LINE.search(data)
    return data[found.end() :] if found else b""


def _split_multipart(body: bytes, boundary: str) -> list[bytes] | None:
    """The parts of a multipart body as written, between its delimiter lines (RFC 2046 5.1.1: the
    line break before a delimiter belongs to the delimiter). None when there is no delimiter."""
    delimiter = re.compile(
        rb"(?:^|\r?\n)--" + re.escape(boundary.encode("utf-8", "surrogateescape")) + rb"(--)?[ \t]*(?:\r?\n|$)"
    )
    parts: list[bytes] = []
    start: int | None = None
    for found in delimiter.finditer(body):
        if start is not None:
            parts.append(body[start : found.start()])
        if found.group(1):
            return parts
        start = found.end()
    if start is None:
        return None
    parts.append(body[start:])  # no close delimiter: the last part runs to the end
    return parts


def _raw_bodies(msg: Message, raw: bytes) -> dict[int, bytes]:
    """id(leaf) -> the leaf's body as received, found by walking the raw bytes along the parsed
    tree. A subtree whose raw structure does not agree with the parser's is left out."""
    out: dict[int, bytes] = {}

    def walk(part: Message, data: bytes) -> None:
        body = _split_entity(data)
        ctype = part.get_content_type()
        if part.is_multipart() and not ctype.startswith("message/"):
            boundary = part.get_boundary()
            subs = [p for p in part.get_payload() or [] if isinstance(p, Message)]
            raws = _split_multipart(body, boundary) if boundary else None
            if raws is None or len(raws) != len(subs):
                return
            for sub, sub_raw in zip(subs, raws, strict=True):
                walk(sub, sub_raw)
        else:
            out[id(part)] = body

    try:
        walk(msg, raw)
    except Exception:  # noqa: BLE001 - the slices are an improvement; the parsed tree stays the fallback
        return {}
    return out


def _received_rfc822(part: Message, body: bytes) -> bytes:
    """An attached message's bytes as received (a transfer encoding, which RFC 2046 forbids here
    but some clients use, is undone)."""
    cte = str(part.get("Content-Transfer-Encoding") or "").strip().lower()
    if cte in ("base64", "quoted-printable"):
        try:
            return binascii.a2b_base64(body) if cte == "base64" else binascii.a2b_qp(body)
        except (binascii.Error, ValueError):
            return body
    return body


def _rfc822_bytes(part: Message, linesep: str) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return _flatten(payload[0], linesep)
    return _payload_bytes(part)


def _embedded_headers(msg: Message) -> dict[str, Any]:
    headers = _headers(msg)
    frm = _addresses(_raw_values(msg, "from"))

    def first(name: str) -> str | None:
        values = headers.get(name)
        return values[0] if values else None

    return {
        "message_id": normalize_message_id(first("message-id")),
        "from": frm[0].model_dump() if frm else None,
        "subject": first("subject"),
        "date": first("date"),
    }


def _leaves(msg: Message) -> list[Message]:
    """Leaf parts in order; message/rfc822 parts are leaves (attached mails)."""
    out: list[Message] = []

    def walk(part: Message) -> None:
        ctype = part.get_content_type()
        if part.is_multipart() and not ctype.startswith("message/"):
            for sub in part.get_payload() or []:
                if isinstance(sub, Message):
                    walk(sub)
        else:
            out.append(part)

    walk(msg)
    return out


def _is_attachment(part: Message, ctype: str) -> bool:
    if _disposition(part) == "attachment":
        return True
    if _filename(part):
        return True
    return not ctype.startswith("text/") or ctype not in ("text/plain", "text/html")


def _pick_body(msg: Message) -> tuple[Message | None, Message | None, set[int]]:
    """(plain part, html part, ids of parts that are the body or its alternatives)."""
    body_ids: set[int] = set()
    plain: Message | None = None
    html: Message | None = None
    try:
        candidate: Message | None = (
            msg.get_body(preferencelist=("plain", "html")) if isinstance(msg, EmailMessage) else None
        )
    except Exception:  # noqa: BLE001
        candidate = None
    if candidate is not None and (_disposition(candidate) == "attachment" or _filename(candidate)):
        candidate = None
    if candidate is None:
        for leaf in _leaves(msg):
            ctype = leaf.get_content_type()
            if ctype in ("text/plain", "text/html") and not _is_attachment(leaf, ctype):
                candidate = leaf
                break
            if ctype.startswith("multipart/") and not leaf.is_multipart():
                # boundary missing: the "multipart" is really a text body
                body_ids.add(id(leaf))
                return (leaf if _payload_bytes(leaf).strip() else None), None, body_ids
    if candidate is None:
        return None, None, body_ids
    body_ids.add(id(candidate))
    if candidate.get_content_type() == "text/plain":
        plain = candidate
    else:
        html = candidate
    # the other alternatives of the same multipart/alternative are the body too: a direct
    # text child, or the first text part of a mixed/related child (the rest are attachments)
    for parent in msg.walk():
        if parent.get_content_type() != "multipart/alternative" or not parent.is_multipart():
            continue
        if not any(p is candidate for p in parent.walk()):
            continue
        for child in parent.get_payload() or []:
            if not isinstance(child, Message):
                continue
            firsts: list[Message | None] = (
                [child]
                if not child.is_multipart()
                else [
                    next(
                        (
                            p
                            for p in _leaves(child)
                            if p.get_content_type() in ("text/plain", "text/html") and not _filename(p)
                        ),
                        None,
                    )
                ]
            )
            for p in firsts:
                if p is None or p.get_content_type() not in ("text/plain", "text/html") or _filename(p):
                    continue
                body_ids.add(id(p))
                if p.get_content_type() == "text/html" and html is None:
                    html = p
                if p.get_content_type() == "text/plain" and plain is None:
                    plain = p
    return plain, html, body_ids


def _extract_uuencoded(text: str) -> tuple[str, list[ParsedAttachment]]:
    """Uuencoded blocks in a plain-text body become attachments; the text keeps a marker."""
    attachments: list[ParsedAttachment] = []
    out = text
    for match in list(_UU_BEGIN.finditer(text))[::-1]:
        end = text.find("\nend", match.end())
        if end < 0:
            continue
        block = text[match.end() : end].strip("\n").split("\n")
        data = bytearray()
        ok = True
        for line in block:
            if not line.strip() or line.strip() == "`":
                continue
            if not line.isascii():  # not uuencode (a2b_uu takes ASCII only): leave the text as it is
                ok = False
                break
            try:
                data += binascii.a2b_uu(line)
            except binascii.Error:
                try:  # some encoders pad badly; binascii documents this workaround
                    nbytes = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
                    data += binascii.a2b_uu(line[:nbytes])
                except (binascii.Error, IndexError):
                    ok = False
                    break
        if not ok:
            continue
        name = match.group("name")
        attachments.insert(
            0,
            ParsedAttachment(
                filename=name, content_type="application/octet-stream", data=bytes(data), origin="uuencode"
            ),
        )
        stop = end + len("\nend")
        out = out[: match.start()] + f"[attachment: {name}]" + out[stop:]
    return out, attachments


def _status_bytes(part: Message, linesep: str) -> bytes:
    """message/delivery-status is parsed into header blocks; put its text back together."""
    payload = part.get_payload()
    if isinstance(payload, list):
        sep = linesep.encode()
        blocks = [_flatten(sub, linesep).rstrip(b"\r\n") + sep for sub in payload if isinstance(sub, Message)]
        return sep.join(blocks)
    return _payload_bytes(part)


def _delivery_status(part: Message) -> list[dict[str, str]]:
    text = _part_text(part) if not part.is_multipart() else ""
    if part.is_multipart():  # the parser may split delivery-status into header blocks
        chunks = []
        for sub in part.get_payload() or []:
            if isinstance(sub, Message):
                chunks.append("\n".join(f"{k}: {v}" for k, v in sub.items()))
        text = "\n\n".join(chunks)
    out: list[dict[str, str]] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if ":" in line and not line.startswith((" ", "\t")):
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = " ".join(value.split())
        if "final-recipient" in fields or "status" in fields or "action" in fields:
            out.append(fields)
    return out


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse one raw message. Never raises for malformed input; problems land in ``defects``."""
    msg = message_from_bytes(raw, policy=policy.default)
    defects = [type(d).__name__ for d in getattr(msg, "defects", [])]
    hints = _charset_hints(msg)
    head = raw[:4096]
    linesep = "\r\n" if head.count(b"\r\n") * 2 > head.count(b"\n") else "\n"
    headers = _headers(msg, hints)

    def first(name: str) -> str | None:
        values = headers.get(name)
        return values[0] if values else None

    from_raw = first("from")

    def addrs(name: str) -> list[Address]:
        return _addresses(_raw_values(msg, name), hints)

    senders = addrs("from")
    sender = next((a for a in senders if "@" in a.email), senders[0] if senders else None)
    if sender is None or "@" not in sender.email:
        # "From: Name <>" and friends: whoever the replies go to is the best we have
        alt = addrs("reply-to") + addrs("sender") + addrs("return-path")
        sender = next((a for a in alt if "@" in a.email), sender)

    plain, html, body_ids = _pick_body(msg)
    body_html = _part_text(html) if html is not None else None
    if plain is not None:
        body_text, source = _part_text(plain), "text/plain"
    elif body_html is not None:
        body_text, source = html_to_text(body_html), "text/html"
    else:
        body_text, source = "", "none"
    body_text = tidy_text(body_text)

    attachments: list[ParsedAttachment] = []
    embedded: list[dict[str, Any]] = []
    delivery: list[dict[str, str]] = []
    leaves = _leaves(msg)
    received = _raw_bodies(msg, raw) if any(p.get_content_type() == "message/rfc822" for p in leaves) else {}
    for index, leaf in enumerate(leaves, start=1):
        if id(leaf) in body_ids:
            continue
        ctype = leaf.get_content_type()
        if leaf.is_multipart() and not ctype.startswith("message/"):
            continue
        embedded_subject = None
        if ctype == "message/rfc822":
            inner = leaf.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                info = _embedded_headers(inner[0])
                embedded.append({**info, "kind": "rfc822"})
                embedded_subject = info.get("subject")
            data = _received_rfc822(leaf, received[id(leaf)]) if id(leaf) in received else _rfc822_bytes(leaf, linesep)
        elif ctype == "text/rfc822-headers":
            data = _payload_bytes(leaf)
            inner_msg = message_from_bytes(data, policy=policy.default)
            embedded.append({**_embedded_headers(inner_msg), "kind": "headers"})
        else:
            data = _status_bytes(leaf, linesep) if ctype == "message/delivery-status" else _payload_bytes(leaf)
            if ctype == "message/delivery-status":
                delivery += _delivery_status(leaf)
        if not data and ctype.startswith("multipart/"):
            continue  # an empty, broken multipart: nothing to keep
        filename = _filename(leaf, hints) or _fallback_name(leaf, ctype, index, embedded_subject)
        cid = leaf.get("Content-ID")
        attachments.append(
            ParsedAttachment(
                filename=_safe_name(filename),
                content_type=ctype,
                data=data,
                inline=_disposition(leaf) == "inline" or bool(cid),
                content_id=str(cid).strip().strip("<>") if cid else None,
                origin="rfc822" if ctype == "message/rfc822" else "mime",
            )
        )

    if source == "text/plain" and "\nbegin " in "\n" + body_text:
        body_text, uu = _extract_uuencoded(body_text)
        attachments = uu + attachments

    return ParsedMail(
        message_id=normalize_message_id(first("message-id")),
        in_reply_to=message_ids(first("in-reply-to")),
        references=message_ids(" ".join(_raw_values(msg, "references"))),
        subject=" ".join((first("subject") or "").split()),
        from_=sender,
        from_raw=from_raw,
        sender_valid=bool(sender and is_valid_address(sender.email)),
        reply_to=addrs("reply-to"),
        to=addrs("to"),
        cc=addrs("cc"),
        date=_date(first("date")),
        headers=headers,
        content_type=msg.get_content_type(),
        body_text=body_text,
        body_html=body_html,
        body_source=source,
        new_text=split_reply(body_text),
        attachments=attachments,
        embedded=embedded,
        delivery_status=delivery,
        defects=defects,
    )
