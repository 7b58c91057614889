"""Entry points of macros: ``/macros`` and ``/cases/{case_id}/macros/{macro_id}/preview``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from functions.composition import container
from functions.core import errors
from functions.core.http import Agent, if_match_version, require_admin, route

if TYPE_CHECKING:
    from functions.cases.macros.models import MacroIn, MacroList, MacroPreview

bp = Blueprint(__name__)
TAGS = ("macros",)
MM = "functions.cases.macros.models:"


def _is_admin(agent: Agent) -> bool:
    try:
        require_admin(agent)
    except errors.Forbidden:
        return False
    return True


def _with_etag(macro: Any, status: int = 200) -> Response:
    return Response(status_code=status, body=macro.model_dump(mode="json"), headers={"ETag": f'"{macro.version}"'})


@route(bp, "/macros", "GET", response=MM + "MacroList", tags=TAGS)
def list_macros(request: Any, *, agent: Agent) -> MacroList:
    """The caller's personal macros and the shared ones, by title."""
    from functions.cases.macros.models import MacroList  # noqa: PLC0415

    return MacroList(items=container().macros.list(agent.agent_id))


@route(bp, "/macros", "POST", body=MM + "MacroIn", response=MM + "Macro", status=201, tags=TAGS, errors_=(403, 409))
def create_macro(request: Any, *, agent: Agent, body: MacroIn) -> Response:
    """Create a macro: personal (yours only) or, for admins, shared."""
    return _with_etag(container().macros.create(body, agent.agent_id, _is_admin(agent)), 201)


@route(bp, "/macros/{macro_id}", "GET", response=MM + "Macro", tags=TAGS)
def get_macro(request: Any, macro_id: str, *, agent: Agent) -> Response:
    """One macro (yours or shared; ETag: its version)."""
    return _with_etag(container().macros.get(macro_id, agent.agent_id))


@route(bp, "/macros/{macro_id}", "PUT", body=MM + "MacroIn", response=MM + "Macro", tags=TAGS, errors_=(403, 409))
def replace_macro(request: Any, macro_id: str, *, agent: Agent, body: MacroIn) -> Response:
    """Replace a macro (yours; shared ones: admins). Send the version you saw (body or If-Match)."""
    macro = container().macros.replace(macro_id, body, agent.agent_id, _is_admin(agent), if_match_version(request))
    return _with_etag(macro)


@route(bp, "/macros/{macro_id}", "DELETE", status=204, tags=TAGS, errors_=(403, 409))
def delete_macro(request: Any, macro_id: str, *, agent: Agent) -> None:
    """Delete a macro (yours; shared ones: admins). If-Match: the version you saw."""
    container().macros.delete(macro_id, agent.agent_id, _is_admin(agent), if_match_version(request))


@route(bp, "/cases/{case_id}/macros/{macro_id}/preview", "POST", response=MM + "MacroPreview", tags=TAGS)
def preview_macro(request: Any, case_id: str, macro_id: str, *, agent: Agent) -> MacroPreview:
    """The macro rendered for the case (in the case's language when the macro has it); sends nothing."""
    return container().macros.preview(case_id, macro_id, agent.agent_id)
