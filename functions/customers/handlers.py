"""Customers, contacts and install base API (agents and back-office integrations)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from functions.composition import customer_store
from functions.core.errors import InvalidInput
from functions.core.http import Agent, route
from functions.customers.models import Customer, CustomerIn, CustomerPage

bp = Blueprint(__name__)
TAGS = ("customers",)


@route(bp, "/customers", "GET", response=CustomerPage, tags=TAGS)
def list_customers(request: Any, *, agent: Agent) -> CustomerPage:
    """List customers."""
    params = request.query_params or {}
    try:
        limit = int(params.get("limit", 50))
    except ValueError as exc:
        raise InvalidInput("limit must be a number from 1 to 200") from exc
    if not 1 <= limit <= 200:
        raise InvalidInput("limit must be a number from 1 to 200")
    return customer_store().list(limit=limit, cursor=params.get("cursor"))


@route(bp, "/customers", "POST", body=CustomerIn, response=Customer, status=201, tags=TAGS, errors_=(409,))
def create_customer(request: Any, *, agent: Agent, body: CustomerIn) -> Customer:
    """Create (or replace) a customer with contacts and install base."""
    return customer_store().upsert(body)


@route(bp, "/customers/{customer_id}", "GET", response=Customer, tags=TAGS)
def get_customer(request: Any, customer_id: str, *, agent: Agent) -> Customer:
    """One customer with contacts and install base."""
    return customer_store().get(customer_id)


@route(bp, "/customers/{customer_id}", "PUT", body=CustomerIn, response=Customer, tags=TAGS, errors_=(409,))
def put_customer(request: Any, customer_id: str, *, agent: Agent, body: CustomerIn) -> Customer:
    """Replace a customer with contacts and install base."""
    if body.customer_id != customer_id:
        raise InvalidInput(f"customer_id in the body ({body.customer_id}) does not match the path ({customer_id})")
    return customer_store().upsert(body)
