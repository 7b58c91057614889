"""Use cases of saved views: list the ones an agent sees, create, replace, delete."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from functions.cases.saved_views import rules
from functions.cases.saved_views.models import SavedView, SavedViewIn
from functions.cases.saved_views.ports import ViewRecords
from functions.core.errors import Forbidden, NotFound


class ViewService:
    def __init__(self, records: ViewRecords, clock: Callable[[], datetime]) -> None:
        self.records = records
        self.clock = clock

    def list(self, agent_id: str) -> list[SavedView]:
        """The agent's own views and the shared ones, by order then name."""
        found = [v for v in self.records.list() if rules.visible(v, agent_id)]
        return sorted(found, key=lambda v: (v.order, v.name.casefold(), v.view_id))

    def get(self, view_id: str, agent_id: str) -> SavedView:
        view = self.records.get(view_id)
        if not rules.visible(view, agent_id):
            raise NotFound("saved view", view_id)
        return view

    def create(self, data: SavedViewIn, agent_id: str, is_admin: bool) -> SavedView:
        query = rules.check_query(data.query)
        if data.visibility == "shared" and not is_admin:
            raise Forbidden("shared views are created by admins; save it as personal")
        now = self.clock()
        view = SavedView(
            view_id=f"VW-{secrets.token_hex(6)}",
            owner=agent_id,
            created_at=now,
            updated_at=now,
            **data.model_dump(exclude={"version", "query"}),
            query=query,
        )
        return self.records.create(view)

    def replace(
        self, view_id: str, data: SavedViewIn, agent_id: str, is_admin: bool, if_match: int | None
    ) -> SavedView:
        query = rules.check_query(data.query)
        current = self.get(view_id, agent_id)
        self._check_change(current, agent_id, is_admin)
        if data.visibility == "shared" and not is_admin:
            raise Forbidden("only admins share views")
        expected = data.version if data.version is not None else if_match
        expected = current.version if expected is None else expected
        view = SavedView.model_validate(
            current.model_dump()
            | data.model_dump(exclude={"version", "query"})
            | {"query": query, "updated_at": self.clock(), "version": expected + 1}
        )
        return self.records.replace(view, expected)

    def delete(self, view_id: str, agent_id: str, is_admin: bool, if_match: int | None) -> None:
        current = self.get(view_id, agent_id)
        self._check_change(current, agent_id, is_admin)
        self.records.delete(view_id, current.version if if_match is None else if_match)

    @staticmethod
    def _check_change(view: SavedView, agent_id: str, is_admin: bool) -> None:
        if not rules.may_change(view, agent_id, is_admin):
            raise Forbidden("shared views are changed by admins" if view.visibility == "shared" else "not your view")
