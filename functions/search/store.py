"""The search domain's read of the main table: every item, for a rebuild (functions.search.reindex).

The index itself is written by the engines (``functions.search.opensearch``, ``functions.search.embedded``),
the adapters of the ``SearchIndex`` port.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from functions.core import dynamo


class TableItems(dynamo.TableStore):
    def scan(self, *, consistent: bool = True) -> Iterator[dict[str, Any]]:
        """Every item of the table (paginated scan), as plain JSON types.

        Consistent reads by default: the reconcile pass must not read an item older than a stream
        write already in the index (it would then overwrite that write with the older state).
        """
        kwargs: dict[str, Any] = {"ConsistentRead": True} if consistent else {}
        while True:
            resp = self.table.scan(**kwargs)
            for item in resp.get("Items", []):
                yield dynamo.from_item(item)
            if not resp.get("LastEvaluatedKey"):
                return
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
