"""Route models given as "package.module:ClassName" references (imported on first use)."""

from __future__ import annotations

import pytest
from chalice import Blueprint

from functions.core import http
from functions.core.http import RouteSpec, resolve_model


def _spec(body: http.ModelRef | None) -> RouteSpec:
    return RouteSpec(
        path="/x",
        method="POST",
        name="x",
        summary="",
        tags=(),
        auth="public",
        body_ref=body,
        query_ref=None,
        response_ref=None,
        status=200,
    )


def test_a_string_reference_resolves_to_the_model_class() -> None:
    # Given a reference to a model / When it is resolved
    model = resolve_model("functions.knowledge.models:FeedbackIn")

    # Then it is the class itself
    from functions.knowledge.models import FeedbackIn

    assert model is FeedbackIn


def test_a_route_spec_exposes_the_resolved_class_of_a_reference() -> None:
    # Given a spec declared by reference / When its body is read / Then it is the class
    from functions.knowledge.models import FeedbackIn

    assert _spec("functions.knowledge.models:FeedbackIn").body is FeedbackIn


def test_a_malformed_reference_is_refused_when_the_route_is_declared() -> None:
    # Given a reference without ":ClassName" / When a route declares it / Then it fails at once
    with pytest.raises(ValueError, match="package.module:ClassName"):
        http.route(Blueprint("t"), "/x", "POST", body="functions.knowledge.models.FeedbackIn")


def test_a_reference_to_a_missing_class_names_the_route_on_resolve() -> None:
    # Given a reference to a class that does not exist / When the spec is resolved / Then the error names the route
    with pytest.raises(ValueError, match=r"route POST /x: body model"):
        _spec("functions.knowledge.models:NoSuchModel").resolve()


def test_a_reference_to_something_not_a_model_is_refused() -> None:
    # Given a reference to a function / When it is resolved / Then it is refused
    with pytest.raises(TypeError, match="not name a pydantic model"):
        resolve_model("functions.core.http:route")
