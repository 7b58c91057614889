"""What the macros need: their records, the case, and display names of customers and agents."""

from __future__ import annotations

from typing import Protocol

from functions.cases.macros.models import Macro
from functions.cases.models import Case
from functions.core.records import Records

MacroRecords = Records[Macro]


class CaseReader(Protocol):
    def get(self, case_id: str) -> Case:
        """NotFound."""
        ...


class Names(Protocol):
    """Display names: an agent's by id, a customer's (organisation) by id; None when unknown."""

    def agent(self, agent_id: str) -> str | None: ...
    def customer(self, customer_id: str) -> str | None: ...
