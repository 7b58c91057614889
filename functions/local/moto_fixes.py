"""A fix for the embedded AWS (moto), applied by the local stack, the tests and the benchmarks.

moto 5.2.5's DynamoDB ``TransactWriteItems`` deep-copies the whole table once per
operation in the transaction, to be able to roll back. Every case intake is one
transaction of 3-6 operations, so intake cost grew with the number of items stored:
0.3 s per mail on an empty table, 2-3 s after a few hundred cases (bench/email_intake.py,
profiled with cProfile: 78% of the time in copy.deepcopy). Real DynamoDB has no such cost.

The fix keeps moto's own transaction code and its rollback, but snapshots only the items
the transaction touches (and the stream's length) instead of whole tables. Never imported
on a Lambda path.
"""

from __future__ import annotations

import copy as _copy
import threading
import types
from typing import Any

_applied = False
_lock = threading.Lock()


def apply() -> None:
    global _applied
    with _lock:
        if _applied:
            return
        from moto.dynamodb import models as ddb_models  # noqa: PLC0415
        from moto.dynamodb.models.dynamo_type import DynamoType  # noqa: PLC0415
        from moto.dynamodb.models.table import Table  # noqa: PLC0415

        # moto's transact_write_items snapshots tables with copy.deepcopy; make that a
        # no-op for Table objects (we snapshot items instead) and leave other uses alone.
        shim = types.ModuleType("copy")
        shim.__dict__.update(_copy.__dict__)

        def deepcopy(obj: Any, memo: Any = None) -> Any:
            if isinstance(obj, Table):
                return obj
            return _copy.deepcopy(obj, memo)

        shim.deepcopy = deepcopy  # type: ignore[attr-defined]
        ddb_models.copy = shim  # type: ignore[attr-defined]

        original = ddb_models.DynamoDBBackend.transact_write_items

        def _key(table: Any, op: dict[str, Any]) -> tuple[Any, Any] | None:
            attrs = op.get("Item") or op.get("Key") or {}
            if table.hash_key_attr not in attrs:
                return None
            hash_value = DynamoType(attrs[table.hash_key_attr])
            range_value = None
            if table.range_key_attr is not None:
                if table.range_key_attr not in attrs:
                    return None
                range_value = DynamoType(attrs[table.range_key_attr])
            return hash_value, range_value

        def _get(table: Any, hv: Any, rv: Any) -> Any:
            if rv is None:
                return table.items.get(hv)
            return table.items.get(hv, {}).get(rv) if hv in table.items else None

        def _restore(table: Any, hv: Any, rv: Any, old: Any) -> None:
            if rv is None:
                if old is None:
                    table.items.pop(hv, None)
                else:
                    table.items[hv] = old
                return
            if old is None:
                if hv in table.items:
                    table.items[hv].pop(rv, None)
                    if not table.items[hv]:
                        del table.items[hv]
            else:
                table.items[hv][rv] = old

        def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
            snapshots: list[tuple[Any, Any, Any, Any]] = []
            streams: dict[int, tuple[Any, int]] = {}
            for item in transact_items[:100]:
                _, op = next(iter(item.items()))
                table = self.tables.get(op.get("TableName"))
                if table is None:
                    continue
                key = _key(table, op)
                if key is not None:
                    hv, rv = key
                    snapshots.append((table, hv, rv, _copy.deepcopy(_get(table, hv, rv))))
                shard = getattr(table, "stream_shard", None)
                if shard is not None and id(shard) not in streams:
                    streams[id(shard)] = (shard, len(shard.items))
            try:
                original(self, transact_items)
            except Exception:
                for table, hv, rv, old in reversed(snapshots):
                    _restore(table, hv, rv, old)
                for shard, length in streams.values():
                    del shard.items[length:]
                raise

        ddb_models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
        _apply_sesv2_templates()
        _applied = True


# -- SES v2 templates and bulk sending --------------------------------------------------------------
# moto 5.2.5 implements neither sesv2 CreateEmailTemplate nor SendBulkEmail (notice delivery,
# functions/notify/delivery). This adds them: templates are kept per backend; each bulk destination
# is rendered ({{var}} replacement, HTML-escaped in the HTML part) and stored as a raw MIME message
# in moto's SES backend, with the default and replacement headers, so the local outbox
# (functions/local/outbox.py) and tests see it.


def _render(template: str, data: dict[str, Any], *, html: bool) -> str:
    import html as _html  # noqa: PLC0415
    import re  # noqa: PLC0415

    def value(m: Any) -> str:
        v = data.get(m.group(1), "")
        text = "" if v is None else str(v)
        return _html.escape(text) if html else text

    return re.sub(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}", value, template)


def _mime(
    source: str, to: list[str], subject: str, headers: list[dict[str, str]], text: str, html: str | None, mid: str
) -> str:
    """A multipart/alternative message as text (built directly: the email package's header
    registry made a bulk call of 50 cost ~0.4 s)."""
    from email.header import Header  # noqa: PLC0415

    def enc(value: str) -> str:
        return value if value.isascii() else Header(value, "utf-8").encode()

    boundary = f"=_{mid}"
    lines = [
        f"From: {enc(source)}",
        f"To: {', '.join(to)}",
        f"Subject: {enc(subject)}",
        f"Message-ID: <{mid}@email.amazonses.com>",
        *(f"{h['Name']}: {enc(h['Value'])}" for h in headers),
        "MIME-Version: 1.0",
    ]
    part = 'Content-Type: text/{}; charset="utf-8"\nContent-Transfer-Encoding: 8bit\n\n{}\n'
    if html is None:
        return "\n".join(lines) + "\n" + part.format("plain", text)
    lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
    return (
        "\n".join(lines)
        + f"\n\n--{boundary}\n"
        + part.format("plain", text)
        + f"--{boundary}\n"
        + part.format("html", html)
        + f"--{boundary}--\n"
    )


def _apply_sesv2_templates() -> None:
    import json  # noqa: PLC0415

    from moto.ses.models import ses_backends  # noqa: PLC0415
    from moto.sesv2.models import SESV2Backend  # noqa: PLC0415
    from moto.sesv2.responses import SESV2Response  # noqa: PLC0415

    def templates(backend: Any) -> dict[str, dict[str, str]]:
        if not hasattr(backend, "_casebridge_templates"):
            backend._casebridge_templates = {}
        return backend._casebridge_templates  # type: ignore[no-any-return]

    def _error(code: str, message: str, status: int = 400) -> Any:
        from moto.core.exceptions import JsonRESTError  # noqa: PLC0415

        err = JsonRESTError(code, message)
        err.code = status
        raise err

    def _template_name(self: Any) -> str:
        from urllib.parse import unquote  # noqa: PLC0415

        return unquote(self.path.rstrip("/").rsplit("/", 1)[-1])

    def create_email_template(self: Any) -> Any:
        params = json.loads(self.body)
        store = templates(self.sesv2_backend)
        name = params["TemplateName"]
        if name in store:
            return _error("AlreadyExistsException", f"Template {name} already exists.")
        store[name] = dict(params.get("TemplateContent") or {})
        return json.dumps({})

    def update_email_template(self: Any) -> Any:
        params = json.loads(self.body)
        store = templates(self.sesv2_backend)
        name = _template_name(self)
        if name not in store:
            return _error("NotFoundException", f"Template {name} does not exist.", 404)
        store[name] = dict(params.get("TemplateContent") or {})
        return json.dumps({})

    def get_email_template(self: Any) -> Any:
        store = templates(self.sesv2_backend)
        name = _template_name(self)
        if name not in store:
            return _error("NotFoundException", f"Template {name} does not exist.", 404)
        return json.dumps({"TemplateName": name, "TemplateContent": store[name]})

    def send_bulk_email(self: Any) -> Any:
        from email.utils import parseaddr  # noqa: PLC0415

        from moto.core.utils import utcnow  # noqa: PLC0415
        from moto.ses.models import RawMessage  # noqa: PLC0415
        from moto.ses.utils import get_random_message_id  # noqa: PLC0415

        params = json.loads(self.body)
        default = (params.get("DefaultContent") or {}).get("Template") or {}
        store = templates(self.sesv2_backend)
        template = store.get(default.get("TemplateName", ""))
        ses = ses_backends[self.current_account][self.region]
        source = params.get("FromEmailAddress") or ""
        verified = ses._is_verified_address(parseaddr(source)[1])
        base = json.loads(default.get("TemplateData") or "{}")
        results = []
        for entry in params.get("BulkEmailEntries") or []:
            if template is None:
                results.append({"Status": "TEMPLATE_NOT_FOUND", "Error": "template not found"})
                continue
            if not verified:
                results.append({"Status": "MESSAGE_REJECTED", "Error": f"{source} is not verified"})
                continue
            replacement = ((entry.get("ReplacementEmailContent") or {}).get("ReplacementTemplate") or {}).get(
                "ReplacementTemplateData"
            )
            data = {**base, **json.loads(replacement or "{}")}
            to = list((entry.get("Destination") or {}).get("ToAddresses") or [])
            message_id = get_random_message_id()
            raw = _mime(
                source,
                to,
                _render(template.get("Subject", ""), data, html=False),
                [*(default.get("Headers") or []), *(entry.get("ReplacementHeaders") or [])],
                _render(template.get("Text", ""), data, html=False),
                _render(template["Html"], data, html=True) if template.get("Html") else None,
                message_id,
            )
            ses.sent_messages.append(RawMessage(message_id, source, to, raw))
            ses.sent_message_count += len(to)
            results.append({"Status": "SUCCESS", "MessageId": message_id})
        _ = utcnow
        return json.dumps({"BulkEmailEntryResults": results})

    # Server mode (the local stack) routes by URL: add the paths these operations use.
    from moto.sesv2 import urls as sesv2_urls  # noqa: PLC0415

    for path in (
        "{0}/v2/email/templates$",
        "{0}/v2/email/templates/(?P<TemplateName>[^/]+)$",
        "{0}/v2/email/outbound-bulk-emails$",
    ):
        sesv2_urls.url_paths.setdefault(path, SESV2Response.dispatch)

    SESV2Response.create_email_template = create_email_template  # type: ignore[attr-defined]
    SESV2Response.update_email_template = update_email_template  # type: ignore[attr-defined]
    SESV2Response.get_email_template = get_email_template  # type: ignore[attr-defined]
    SESV2Response.send_bulk_email = send_bulk_email  # type: ignore[attr-defined]
    _ = SESV2Backend  # templates live on the backend instance (reset with it)
