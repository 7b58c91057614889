"""Agents' API: the directory (availability, open cases), agent groups and assignment rules
(changing groups and rules needs an admin role)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from functions.composition import container
from functions.core.errors import Forbidden
from functions.core.http import Agent, if_match_version, require_admin, route

if TYPE_CHECKING:
    from functions.agents.models import (
        AgentList,
        AgentProfile,
        AssignmentRulesIn,
        AvailabilityIn,
        GroupCreate,
        GroupList,
        GroupUpdate,
    )

M = "functions.agents.models:"
bp = Blueprint(__name__)
TAGS = ("agents",)


def _etag(model: Any, status: int = 200) -> Response:
    return Response(status_code=status, body=model.model_dump(mode="json"), headers={"ETag": f'"{model.version}"'})


def _is_admin(agent: Agent) -> bool:
    try:
        require_admin(agent)
    except Forbidden:
        return False
    return True


@route(bp, "/agents", "GET", response=M + "AgentList", tags=TAGS)
def list_agents(request: Any, *, agent: Agent) -> AgentList:
    """Every agent: name, email, roles (Cognito groups), agent groups, availability, open cases."""
    from functions.agents.models import AgentList  # noqa: PLC0415

    return AgentList(items=container().agents.list_agents())


@route(bp, "/me", "GET", response=M + "AgentProfile", tags=TAGS)
def me(request: Any, *, agent: Agent) -> AgentProfile:
    """The calling agent's profile (records that the agent was seen)."""
    return container().agents.me(agent.agent_id, sorted(agent.roles))


@route(
    bp, "/agents/{agent_id}", "PATCH", body=M + "AvailabilityIn", response=M + "AgentProfile", tags=TAGS,
    errors_=(403, 404),
)  # fmt: skip
def set_availability(request: Any, agent_id: str, *, agent: Agent, body: AvailabilityIn) -> AgentProfile:
    """Switch an agent's availability (round-robin assignment skips unavailable agents): your own,
    or anyone's with an admin role."""
    from urllib.parse import unquote  # noqa: PLC0415

    # An email as id: "@" may come percent-encoded (encodeURIComponent), and not every gateway decodes it.
    target = unquote(agent_id)
    return container().agents.set_available(agent.agent_id, _is_admin(agent), target, body.available)


@route(bp, "/groups", "GET", response=M + "GroupList", tags=TAGS)
def list_groups(request: Any, *, agent: Agent) -> GroupList:
    """Agent groups (teams) and their members, in rotation order."""
    from functions.agents.models import GroupList  # noqa: PLC0415

    return GroupList(items=container().agents.groups.list())


@route(
    bp, "/groups", "POST", body=M + "GroupCreate", response=M + "Group", status=201, tags=TAGS,
    errors_=(409,), admin=True,
)  # fmt: skip
def create_group(request: Any, *, agent: Agent, body: GroupCreate) -> Response:
    """Create an agent group."""
    return _etag(container().agents.create_group(body), 201)


@route(bp, "/groups/{group_id}", "GET", response=M + "Group", tags=TAGS)
def get_group(request: Any, group_id: str, *, agent: Agent) -> Response:
    """One agent group."""
    return _etag(container().agents.groups.get(group_id))


@route(
    bp, "/groups/{group_id}", "PUT", body=M + "GroupUpdate", response=M + "Group", tags=TAGS,
    errors_=(409,), admin=True,
)  # fmt: skip
def replace_group(request: Any, group_id: str, *, agent: Agent, body: GroupUpdate) -> Response:
    """Replace an agent group (send the version you saw, or If-Match)."""
    return _etag(container().agents.replace_group(group_id, body, if_match_version(request)))


@route(bp, "/groups/{group_id}", "DELETE", status=204, tags=TAGS, errors_=(409,), admin=True)
def delete_group(request: Any, group_id: str, *, agent: Agent) -> None:
    """Delete an agent group no assignment rule names (cases routed to it keep their group_id)."""
    container().agents.delete_group(group_id, if_match_version(request))


@route(bp, "/assignment-rules", "GET", response=M + "AssignmentRules", tags=TAGS)
def get_assignment_rules(request: Any, *, agent: Agent) -> Response:
    """The ordered assignment rules: a new case goes to the first matching rule's group."""
    return _etag(container().agents.assignment_rules())


@route(
    bp, "/assignment-rules", "PUT", body=M + "AssignmentRulesIn", response=M + "AssignmentRules", tags=TAGS,
    errors_=(409,), admin=True,
)  # fmt: skip
def put_assignment_rules(request: Any, *, agent: Agent, body: AssignmentRulesIn) -> Response:
    """Replace the rule set (send the version you saw, or If-Match). Applies to cases opened after."""
    return _etag(container().agents.put_rules(body, if_match_version(request)))
