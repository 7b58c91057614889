"""Customers, contacts and install base API (agents and back-office integrations)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from functions.composition import container
from functions.core.http import Agent, route
from functions.core.logs import logger

if TYPE_CHECKING:
    from functions.customers.models import Customer, CustomerIn, CustomerPage, CustomerQuery, ImportIn, ImportReport

# Models by reference: imported when a request (or the OpenAPI document) needs them, not at cold start.
CM = "functions.customers.models:"

bp = Blueprint(__name__)
TAGS = ("customers",)


@route(bp, "/customers", "GET", query=CM + "CustomerQuery", response=CM + "CustomerPage", tags=TAGS)
def list_customers(request: Any, *, agent: Agent, query: CustomerQuery) -> CustomerPage:
    """List customers."""
    return container().customers.list_customers(query)


@route(
    bp, "/customers", "POST", body=CM + "CustomerIn", response=CM + "Customer", status=201, tags=TAGS, errors_=(409,)
)
def create_customer(request: Any, *, agent: Agent, body: CustomerIn) -> Customer:
    """Create (or replace) a customer with contacts and install base."""
    return container().customers.upsert(body)


@route(bp, "/customers/{customer_id}", "GET", response=CM + "Customer", tags=TAGS)
def get_customer(request: Any, customer_id: str, *, agent: Agent) -> Customer:
    """One customer with contacts and install base."""
    return container().customers.get(customer_id)


@route(
    bp, "/customers/{customer_id}", "PUT", body=CM + "CustomerIn", response=CM + "Customer", tags=TAGS, errors_=(409,)
)
def put_customer(request: Any, customer_id: str, *, agent: Agent, body: CustomerIn) -> Customer:
    """Replace a customer with contacts and install base."""
    return container().customers.replace(customer_id, body)


@route(bp, "/customers/{customer_id}", "DELETE", status=204, tags=TAGS)
def delete_customer(request: Any, customer_id: str, *, agent: Agent) -> None:
    """Remove a customer with contacts and install base; its addresses resolve to nobody afterwards.
    Its cases keep the customer id they were opened with."""
    container().customers.delete(customer_id)


@route(bp, "/customers/import", "POST", body=CM + "ImportIn", response=CM + "ImportReport", tags=TAGS, errors_=(413,))
def import_customers(request: Any, *, agent: Agent, body: ImportIn) -> ImportReport:
    """Import customers from CSV or JSON lines; answers a per-row report (bad rows do not stop the import)."""
    report = container().customers.import_text(body.content, body.format)
    logger().info(
        "customers imported",
        extra={"agent_id": agent.agent_id, **report.summary.model_dump()},
    )
    return report
