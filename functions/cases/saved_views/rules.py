"""Pure rules of saved views: the query string checked against the list's parameters, who sees
and changes a view."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from pydantic import ValidationError

from functions.cases.models import CaseQuery
from functions.cases.saved_views.models import SavedView
from functions.core.errors import InvalidInput

# Paging is the list's, not the view's.
NOT_IN_A_VIEW = ("cursor",)


def check_query(query: str) -> str:
    """The query string without a leading ``?``, if ``GET /cases`` takes it; else InvalidInput naming
    each wrong parameter (``query.<name>``)."""
    text = query.strip().removeprefix("?")
    try:
        parsed = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=50)
    except ValueError as exc:
        raise InvalidInput(
            "query is not a URL query string", fields=[{"field": "query", "message": str(exc), "type": "value_error"}]
        ) from None
    fields = [
        {"field": f"query.{name}", "message": "a view keeps no paging", "type": "extra_forbidden"}
        for name in parsed
        if name in NOT_IN_A_VIEW
    ]
    data: dict[str, Any] = {k: v[0] if len(v) == 1 else v for k, v in parsed.items() if k not in NOT_IN_A_VIEW}
    try:
        CaseQuery.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"][:1])
            fields.append({"field": f"query.{where}", "message": err["msg"], "type": err["type"]})
    if fields:
        names = ", ".join(sorted({f["field"].removeprefix("query.") for f in fields}))
        raise InvalidInput(f"query has parameters the case list does not take as given: {names}", fields=fields)
    return text


def visible(view: SavedView, agent_id: str) -> bool:
    return view.visibility == "shared" or view.owner == agent_id


def may_change(view: SavedView, agent_id: str, is_admin: bool) -> bool:
    return is_admin if view.visibility == "shared" else view.owner == agent_id
