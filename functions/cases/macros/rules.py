"""Pure rules of macros: who may see and change one, which translation a case gets, rendering."""

from __future__ import annotations

import re
from collections.abc import Mapping

from functions.cases.macros.models import Macro, MacroText

# ``{{ name }}`` or ``{{ name.part }}``: letters, digits, underscores, dots. Nothing else is syntax.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)\s*\}\}")
KNOWN = (
    "case.id",
    "case.subject",
    "case.status",
    "case.priority",
    "customer.name",
    "customer.email",
    "agent.name",
    "agent.id",
)


def visible(macro: Macro, agent_id: str) -> bool:
    return macro.visibility == "shared" or macro.owner == agent_id


def may_change(macro: Macro, agent_id: str, is_admin: bool) -> bool:
    """A personal macro: its owner. A shared one: admins."""
    return is_admin if macro.visibility == "shared" else macro.owner == agent_id


def translation(macro: Macro, language: str | None) -> tuple[str | None, MacroText]:
    """The text for a case in ``language``: the exact language, else its base (``de`` for
    ``de-CH``), else the macro's own text (language None). Case-insensitive."""
    own = MacroText(title=macro.title, body=macro.body)
    if not language:
        return None, own
    by_lower = {k.lower(): k for k in macro.translations}
    for candidate in (language.lower(), language.lower().split("-")[0]):
        if candidate in by_lower:
            key = by_lower[candidate]
            text = macro.translations[key]
            return key, MacroText(title=text.title or macro.title, body=text.body)
    return None, own


def render(text: str, values: Mapping[str, str | None]) -> tuple[str, list[str]]:
    """Replace each placeholder that has a value, in one pass (an inserted value is never read
    again). A placeholder without a value stays as written; it is listed, once, in order."""
    missing: list[str] = []

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name)
        if value is None or value == "":
            if name not in missing:
                missing.append(name)
            return match.group(0)
        return value

    return PLACEHOLDER.sub(one, text), missing
