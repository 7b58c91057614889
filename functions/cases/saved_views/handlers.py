"""Entry points of saved views: ``/views``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from functions.composition import container
from functions.core import errors
from functions.core.http import Agent, if_match_version, require_admin, route

if TYPE_CHECKING:
    from functions.cases.saved_views.models import SavedViewIn, SavedViewList

bp = Blueprint(__name__)
TAGS = ("views",)
VM = "functions.cases.saved_views.models:"


def _is_admin(agent: Agent) -> bool:
    try:
        require_admin(agent)
    except errors.Forbidden:
        return False
    return True


def _with_etag(view: Any, status: int = 200) -> Response:
    return Response(status_code=status, body=view.model_dump(mode="json"), headers={"ETag": f'"{view.version}"'})


@route(bp, "/views", "GET", response=VM + "SavedViewList", tags=TAGS)
def list_views(request: Any, *, agent: Agent) -> SavedViewList:
    """The caller's saved views and the shared ones, in their order."""
    from functions.cases.saved_views.models import SavedViewList  # noqa: PLC0415

    return SavedViewList(items=container().saved_views.list(agent.agent_id))


@route(
    bp, "/views", "POST", body=VM + "SavedViewIn", response=VM + "SavedView", status=201, tags=TAGS, errors_=(403, 409)
)
def create_view(request: Any, *, agent: Agent, body: SavedViewIn) -> Response:
    """Save a view of the queue: personal, or (admins) shared. The query is checked against GET /cases."""
    return _with_etag(container().saved_views.create(body, agent.agent_id, _is_admin(agent)), 201)


@route(bp, "/views/{view_id}", "PUT", body=VM + "SavedViewIn", response=VM + "SavedView", tags=TAGS, errors_=(403, 409))
def replace_view(request: Any, view_id: str, *, agent: Agent, body: SavedViewIn) -> Response:
    """Replace a view (yours; shared ones: admins). Send the version you saw (body or If-Match)."""
    view = container().saved_views.replace(view_id, body, agent.agent_id, _is_admin(agent), if_match_version(request))
    return _with_etag(view)


@route(bp, "/views/{view_id}", "DELETE", status=204, tags=TAGS, errors_=(403, 409))
def delete_view(request: Any, view_id: str, *, agent: Agent) -> None:
    """Delete a view (yours; shared ones: admins). If-Match: the version you saw."""
    container().saved_views.delete(view_id, agent.agent_id, _is_admin(agent), if_match_version(request))
