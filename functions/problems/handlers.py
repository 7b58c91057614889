"""Entry points of the problems: the agents' API for problems, departments and routing rules, the
table stream's consumer ``problem_stream`` and the hourly ``refresh_segment_base``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Rate, Response

from functions.composition import container
from functions.core.http import Agent, if_match_version, route
from functions.core.logs import logger

if TYPE_CHECKING:
    from functions.cases.models import Actor
    from functions.problems.models import (
        AssignIn,
        DepartmentCreate,
        DepartmentIn,
        DepartmentList,
        FixIn,
        LinkIn,
        LinkResult,
        MergeIn,
        MergeResult,
        ProblemFromCaseIn,
        ProblemIn,
        ProblemPage,
        ProblemQuery,
        ProblemUpdate,
        ProblemViewQuery,
        ResolveIn,
        ResolveResult,
        RoutingRules,
        RoutingRulesIn,
        SuggestedCases,
    )

# Models by reference: imported when a request (or the OpenAPI document) needs them, not at cold start.
PM = "functions.problems.models:"

bp = Blueprint(__name__)
TAGS = ("problems",)
DEPT_TAGS = ("departments",)


def _actor(agent: Agent) -> Actor:
    from functions.cases.models import Actor, ActorType  # noqa: PLC0415

    return Actor(type=ActorType.AGENT, id=agent.agent_id)


def _version(body_version: int | None, request: Any) -> int | None:
    return body_version if body_version is not None else if_match_version(request)


def _with_etag(model: Any, status: int = 200) -> Response:
    return Response(status_code=status, body=model.model_dump(mode="json"), headers={"ETag": f'"{model.version}"'})


# -- problems ----------------------------------------------------------------


@route(bp, "/problems", "GET", query=PM + "ProblemQuery", response=PM + "ProblemPage", tags=TAGS)
def list_problems(request: Any, *, agent: Agent, query: ProblemQuery) -> ProblemPage:
    """List problems, most recently changed first, optionally by status or department."""
    return container().problems.list_problems(query)


@route(bp, "/problems", "POST", body=PM + "ProblemIn", response=PM + "Problem", status=201, tags=TAGS, errors_=(409,))
def create_problem(request: Any, *, agent: Agent, body: ProblemIn) -> Response:
    """Open a problem, optionally with linked cases (a case belongs to at most one problem: 409)."""
    return _with_etag(container().problems.create(body, _actor(agent)), 201)


@route(
    bp,
    "/cases/{case_id}/problem",
    "POST",
    body=PM + "ProblemFromCaseIn",
    response=PM + "Problem",
    status=201,
    tags=TAGS,
    errors_=(409,),
)
def create_problem_from_case(request: Any, case_id: str, *, agent: Agent, body: ProblemFromCaseIn) -> Response:
    """Open a confirmed problem from a case (its subject, description, priority), linked as root cause."""
    return _with_etag(container().problems.create_from_case(case_id, body, _actor(agent)), 201)


@route(bp, "/problems/{problem_id}", "GET", query=PM + "ProblemViewQuery", response=PM + "ProblemView", tags=TAGS)
def get_problem(request: Any, problem_id: str, *, agent: Agent, query: ProblemViewQuery) -> Response:
    """One problem with its linked cases, impact, cost and timeline."""
    return _with_etag(container().problems.view(problem_id, limit=query.limit, cursor=query.cursor))


@route(
    bp, "/problems/{problem_id}", "PATCH", body=PM + "ProblemUpdate", response=PM + "Problem", tags=TAGS, errors_=(409,)
)
def update_problem(request: Any, problem_id: str, *, agent: Agent, body: ProblemUpdate) -> Response:
    """Change status, fields, department or owner. Send the version you saw (or If-Match)."""
    return _with_etag(container().problems.update(problem_id, body, _actor(agent), if_match=if_match_version(request)))


@route(
    bp,
    "/problems/{problem_id}/assignment",
    "POST",
    body=PM + "AssignIn",
    response=PM + "Problem",
    tags=TAGS,
    errors_=(409,),
)
def assign_problem(request: Any, problem_id: str, *, agent: Agent, body: AssignIn) -> Response:
    """Give the root cause to a department (starts its escalation); the problem moves to root-cause analysis."""
    problem = container().problems.assign_department(
        problem_id, body.department_id, _actor(agent), owner=body.owner, if_match=_version(body.version, request)
    )
    return _with_etag(problem)


@route(bp, "/problems/{problem_id}/department-suggestion", "GET", response=PM + "DepartmentSuggestion", tags=TAGS)
def suggest_problem_department(request: Any, problem_id: str, *, agent: Agent) -> Any:
    """The department the routing rules suggest for this problem (404 when no rule matches)."""
    from functions.core.errors import NotFound  # noqa: PLC0415

    service = container().problems
    suggestion = service.suggestion_for(service.get(problem_id))
    if suggestion is None:
        raise NotFound("matching routing rule for problem", problem_id)
    return suggestion


@route(
    bp,
    "/problems/{problem_id}/links",
    "POST",
    body=PM + "LinkIn",
    response=PM + "LinkResult",
    tags=TAGS,
    errors_=(409,),
)
def link_cases(request: Any, problem_id: str, *, agent: Agent, body: LinkIn) -> LinkResult:
    """Link cases to the problem (409 naming the problem of a case linked elsewhere)."""
    return container().problems.link(
        problem_id, body.case_ids, body.link_type, _actor(agent), if_match=_version(body.version, request)
    )


@route(bp, "/problems/{problem_id}/links/{case_id}", "DELETE", response=PM + "Problem", tags=TAGS, errors_=(409,))
def unlink_case(request: Any, problem_id: str, case_id: str, *, agent: Agent) -> Response:
    """Unlink a case from the problem."""
    return _with_etag(
        container().problems.unlink(problem_id, case_id, _actor(agent), if_match=if_match_version(request))
    )


@route(
    bp,
    "/problems/{problem_id}/merge",
    "POST",
    body=PM + "MergeIn",
    response=PM + "MergeResult",
    tags=TAGS,
    errors_=(409,),
)
def merge_problems(request: Any, problem_id: str, *, agent: Agent, body: MergeIn) -> MergeResult:
    """Merge another problem into this one: its cases move here; it is closed, pointing here."""
    return container().problems.merge(
        problem_id, body.source_problem_id, _actor(agent), if_match=_version(body.version, request)
    )


@route(bp, "/problems/{problem_id}/fix", "POST", body=PM + "FixIn", response=PM + "Problem", tags=TAGS, errors_=(409,))
def record_fix(request: Any, problem_id: str, *, agent: Agent, body: FixIn) -> Response:
    """Record the root cause and the permanent fix; the problem moves to fix in progress."""
    return _with_etag(container().problems.record_fix(problem_id, body.root_cause, body.permanent_fix, _actor(agent)))


@route(
    bp,
    "/problems/{problem_id}/resolve",
    "POST",
    body=PM + "ResolveIn",
    response=PM + "ResolveResult",
    tags=TAGS,
    errors_=(409,),
)
def resolve_problem(request: Any, problem_id: str, *, agent: Agent, body: ResolveIn) -> ResolveResult:
    """Resolve the problem; optionally tell every linked case's customer the fix and resolve the case."""
    return container().problems.resolve(
        problem_id,
        body.fix_note,
        body.resolve_cases,
        _actor(agent),
        if_match=_version(body.version, request),
    )


@route(bp, "/problems/{problem_id}/suggested-cases", "GET", response=PM + "SuggestedCases", tags=TAGS)
def suggested_cases(request: Any, problem_id: str, *, agent: Agent) -> SuggestedCases:
    """Later cases detection matched to this problem, most similar first. Accept one by linking it
    (POST /problems/{problem_id}/links); cases linked to any problem are left out."""
    from functions.problems.models import SuggestedCases  # noqa: PLC0415

    return SuggestedCases(items=container().problems.suggested_cases(problem_id))


# -- departments and routing rules -------------------------------------------


@route(bp, "/departments", "GET", response=PM + "DepartmentList", tags=DEPT_TAGS)
def list_departments(request: Any, *, agent: Agent) -> DepartmentList:
    """Departments that fix root causes, with contacts and escalation policy."""
    from functions.problems.models import DepartmentList  # noqa: PLC0415

    return DepartmentList(items=container().departments.list_departments())


@route(
    bp,
    "/departments",
    "POST",
    body=PM + "DepartmentCreate",
    response=PM + "Department",
    status=201,
    tags=DEPT_TAGS,
    errors_=(409,),
)
def create_department(request: Any, *, agent: Agent, body: DepartmentCreate) -> Response:
    """Add a department (409 if the id exists)."""

    return _with_etag(container().departments.create(body), 201)


@route(bp, "/departments/{department_id}", "GET", response=PM + "Department", tags=DEPT_TAGS)
def get_department(request: Any, department_id: str, *, agent: Agent) -> Response:
    """One department."""

    return _with_etag(container().departments.department(department_id))


@route(
    bp,
    "/departments/{department_id}",
    "PUT",
    body=PM + "DepartmentIn",
    response=PM + "Department",
    tags=DEPT_TAGS,
    errors_=(409,),
)
def replace_department(request: Any, department_id: str, *, agent: Agent, body: DepartmentIn) -> Response:
    """Replace a department's contacts and policy. Send the version you saw (or If-Match)."""

    return _with_etag(container().departments.replace(department_id, body, if_match=if_match_version(request)))


@route(bp, "/departments/{department_id}", "DELETE", status=204, tags=DEPT_TAGS, errors_=(409,))
def delete_department(request: Any, department_id: str, *, agent: Agent) -> None:
    """Remove a department (409 while a routing rule sends problems to it)."""
    container().departments.delete(department_id)


@route(bp, "/routing-rules", "GET", response=PM + "RoutingRules", tags=DEPT_TAGS)
def get_routing_rules(request: Any, *, agent: Agent) -> RoutingRules:
    """The ordered rules that suggest a department for a confirmed problem (version 0: the defaults)."""

    return container().departments.routing_rules()


@route(
    bp,
    "/routing-rules",
    "PUT",
    body=PM + "RoutingRulesIn",
    response=PM + "RoutingRules",
    tags=DEPT_TAGS,
    errors_=(409,),
)
def replace_routing_rules(request: Any, *, agent: Agent, body: RoutingRulesIn) -> RoutingRules:
    """Replace the whole rule set. Every rule's department must exist. Send the version you saw."""

    return container().departments.replace_routing_rules(body, if_match=if_match_version(request))


# -- the table's stream and the segment base ----------------------------------


@bp.lambda_function(name="problem_stream")
def problem_stream(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One batch of the table's stream (``functions.problems.service.stream``): new cases to
    detection, accepted suggestions removed, reactions to problem status changes. Raises (the
    stream delivers the batch again) when a reaction failed, after doing all it could."""
    from functions.core.streams import read_batch  # noqa: PLC0415
    from functions.problems.models import TableChange  # noqa: PLC0415

    batch = read_batch(event, "problem_stream")  # a record it cannot read: retried from there
    container().problem_stream.handle([TableChange(event=c.event, new=c.new, old=c.old) for c in batch.changes])
    return batch.response()


@bp.schedule(Rate(1, unit=Rate.HOURS), name="refresh_segment_base")
def refresh_segment_base(event: Any) -> dict[str, Any]:
    """Recount the customer base's segment values when the stored counts are a day old (or
    missing): the common thread's reference, kept out of the stream handler."""
    cache = container().segment_base
    recounted = cache.refresh()
    totals = cache.get().totals
    logger().info("segment base", extra={"recounted": recounted, "totals": totals})
    return {"recounted": recounted, "totals": totals}
