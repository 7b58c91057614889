"""Use cases of macros: list the ones an agent sees, create, replace, delete, preview on a case."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from functions.cases.macros import rules
from functions.cases.macros.models import Macro, MacroIn, MacroPreview
from functions.cases.macros.ports import CaseReader, MacroRecords, Names
from functions.core.errors import Forbidden, NotFound


class MacroService:
    def __init__(self, records: MacroRecords, cases: CaseReader, names: Names, clock: Callable[[], datetime]) -> None:
        self.records = records
        self.cases = cases
        self.names = names
        self.clock = clock

    def list(self, agent_id: str) -> list[Macro]:
        """The agent's own macros and the shared ones, by title."""
        found = [m for m in self.records.list() if rules.visible(m, agent_id)]
        return sorted(found, key=lambda m: (m.title.casefold(), m.macro_id))

    def get(self, macro_id: str, agent_id: str) -> Macro:
        """NotFound also for another agent's personal macro (its existence is not told)."""
        macro = self.records.get(macro_id)
        if not rules.visible(macro, agent_id):
            raise NotFound("macro", macro_id)
        return macro

    def create(self, data: MacroIn, agent_id: str, is_admin: bool) -> Macro:
        if data.visibility == "shared" and not is_admin:
            raise Forbidden("shared macros are created by admins; save it as personal")
        now = self.clock()
        macro = Macro(
            macro_id=f"MC-{secrets.token_hex(6)}",
            owner=agent_id,
            created_at=now,
            updated_at=now,
            **data.model_dump(exclude={"version"}),
        )
        return self.records.create(macro)

    def replace(self, macro_id: str, data: MacroIn, agent_id: str, is_admin: bool, if_match: int | None) -> Macro:
        current = self.get(macro_id, agent_id)
        self._check_change(current, agent_id, is_admin)
        if data.visibility == "shared" and not is_admin:
            raise Forbidden("only admins share macros")
        expected = data.version if data.version is not None else if_match
        expected = current.version if expected is None else expected
        macro = Macro.model_validate(
            current.model_dump()
            | data.model_dump(exclude={"version"})
            | {"updated_at": self.clock(), "version": expected + 1}
        )
        return self.records.replace(macro, expected)

    def delete(self, macro_id: str, agent_id: str, is_admin: bool, if_match: int | None) -> None:
        current = self.get(macro_id, agent_id)
        self._check_change(current, agent_id, is_admin)
        self.records.delete(macro_id, current.version if if_match is None else if_match)

    def preview(self, case_id: str, macro_id: str, agent_id: str) -> MacroPreview:
        """The macro rendered for the case, in the case's language when the macro has it."""
        macro = self.get(macro_id, agent_id)
        case = self.cases.get(case_id)
        language, text = rules.translation(macro, case.language)
        customer = case.contact_name or (self.names.customer(case.customer_id) if case.customer_id else None)
        values = {
            "case.id": case.case_id,
            "case.subject": case.subject,
            "case.status": case.status.value,
            "case.priority": case.priority.value,
            "customer.name": customer,
            "customer.email": case.contact_email,
            "agent.name": self.names.agent(agent_id),
            "agent.id": agent_id,
        }
        body, missing = rules.render(text.body, values)
        title, missing_in_title = rules.render(text.title or macro.title, values)
        return MacroPreview(
            macro_id=macro.macro_id,
            case_id=case.case_id,
            language=language,
            title=title,
            body=body,
            missing=list(dict.fromkeys(missing + missing_in_title)),
            actions=macro.actions,
        )

    @staticmethod
    def _check_change(macro: Macro, agent_id: str, is_admin: bool) -> None:
        if not rules.may_change(macro, agent_id, is_admin):
            raise Forbidden("shared macros are changed by admins" if macro.visibility == "shared" else "not your macro")
