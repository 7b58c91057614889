"""Customers, contacts and install base API (agents and back-office integrations)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from functions.composition import container
from functions.core.errors import InvalidInput, PayloadTooLarge
from functions.core.http import Agent, route
from functions.core.logs import logger
from functions.core.settings import get_settings

if TYPE_CHECKING:
    from functions.customers.importer import ImportIn, ImportReport
    from functions.customers.models import Customer, CustomerIn, CustomerPage, CustomerQuery

# Models by reference: imported when a request (or the OpenAPI document) needs them, not at cold start.
CM = "functions.customers.models:"
IM = "functions.customers.importer:"

bp = Blueprint(__name__)
TAGS = ("customers",)


@route(bp, "/customers", "GET", query=CM + "CustomerQuery", response=CM + "CustomerPage", tags=TAGS)
def list_customers(request: Any, *, agent: Agent, query: CustomerQuery) -> CustomerPage:
    """List customers."""
    return container().customer_store.list_customers(limit=query.limit, cursor=query.cursor)


@route(
    bp, "/customers", "POST", body=CM + "CustomerIn", response=CM + "Customer", status=201, tags=TAGS, errors_=(409,)
)
def create_customer(request: Any, *, agent: Agent, body: CustomerIn) -> Customer:
    """Create (or replace) a customer with contacts and install base."""
    return container().customer_store.upsert(body)


@route(bp, "/customers/{customer_id}", "GET", response=CM + "Customer", tags=TAGS)
def get_customer(request: Any, customer_id: str, *, agent: Agent) -> Customer:
    """One customer with contacts and install base."""
    return container().customer_store.get(customer_id)


@route(
    bp, "/customers/{customer_id}", "PUT", body=CM + "CustomerIn", response=CM + "Customer", tags=TAGS, errors_=(409,)
)
def put_customer(request: Any, customer_id: str, *, agent: Agent, body: CustomerIn) -> Customer:
    """Replace a customer with contacts and install base."""
    if body.customer_id != customer_id:
        raise InvalidInput(f"customer_id in the body ({body.customer_id}) does not match the path ({customer_id})")
    return container().customer_store.upsert(body)


@route(bp, "/customers/import", "POST", body=IM + "ImportIn", response=IM + "ImportReport", tags=TAGS, errors_=(413,))
def import_customers(request: Any, *, agent: Agent, body: ImportIn) -> ImportReport:
    """Import customers from CSV or JSON lines; answers a per-row report (bad rows do not stop the import)."""
    from functions.customers import importer  # noqa: PLC0415

    settings = get_settings()
    size = len(body.content.encode())
    if size > settings.import_max_bytes:
        raise PayloadTooLarge(
            f"content is {size} bytes; this route takes up to {settings.import_max_bytes} bytes. "
            "Split the file or use `casebridge customers import`"
        )
    records = importer.parse(body.content, body.format)
    rows = importer.row_count(records)
    if rows > settings.import_max_rows:
        raise PayloadTooLarge(
            f"content has {rows} rows; this route takes up to {settings.import_max_rows}. "
            "Split the file or use `casebridge customers import`"
        )
    report = importer.run_import(records, container().customer_store)
    logger().info(
        "customers imported",
        extra={"agent_id": agent.agent_id, **report.summary.model_dump()},
    )
    return report
