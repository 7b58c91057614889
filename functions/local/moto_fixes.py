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
        _applied = True
