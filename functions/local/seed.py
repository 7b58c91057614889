"""Demo customers for the local stack: organisations in different regions, tiers and
languages, with contacts and an install base (products, models, batches).

Written through the real ``CustomerStore``, so the pointers (email -> contact,
domain -> customer, product -> owners) exist exactly as in production. Idempotent:
a customer that already exists is left as it is.
"""

from __future__ import annotations

from typing import Any

from functions.core.errors import NotFound
from functions.customers.models import CustomerIn

DEMO_CUSTOMERS: tuple[dict[str, Any], ...] = (
    {
        "customer_id": "nordwerk",
        "name": "Nordwerk Maschinenbau GmbH",
        "region": "eu-central",
        "tier": "enterprise",
        "language": "de",
        "email_domains": ["nordwerk.example"],
        "contacts": [
            {
                "name": "Anna Schmidt",
                "email": "anna.schmidt@nordwerk.example",
                "phone": "+4930123456701",
                "language": "de",
            },
            {"name": "Jonas Weber", "email": "jonas.weber@nordwerk.example", "language": "de"},
        ],
        "install_base": [
            {"product": "printer-x", "model": "px-200", "batch": "2024-03", "quantity": 12, "since": "2024-05-02"},
            {"product": "router-y", "model": "ry-10", "batch": "b17", "quantity": 4, "since": "2023-11-20"},
        ],
    },
    {
        "customer_id": "lumiere-sante",
        "name": "Lumière Santé SA",
        "region": "eu-west",
        "tier": "premium",
        "language": "fr",
        "email_domains": ["lumiere-sante.example"],
        "contacts": [
            {"name": "Claire Dubois", "email": "claire.dubois@lumiere-sante.example", "language": "fr"},
            {"name": "Hugo Martin", "email": "hugo.martin@lumiere-sante.example", "phone": "+33155501234"},
        ],
        "install_base": [
            {"product": "sensor-z", "model": "sz-1", "batch": "2023-q4", "quantity": 40},
            {"product": "printer-x", "model": "px-100", "batch": "2022-11", "quantity": 3},
        ],
    },
    {
        "customer_id": "pacific-freight",
        "name": "Pacific Freight Co.",
        "region": "us-west",
        "tier": "standard",
        "language": "en",
        "email_domains": ["pacificfreight.example"],
        "contacts": [
            {"name": "Dana Lee", "email": "dana.lee@pacificfreight.example", "phone": "+14155550123", "language": "en"},
        ],
        "install_base": [
            {"product": "router-y", "model": "ry-20", "batch": "b21", "quantity": 25},
            {"product": "printer-x", "model": "px-200", "batch": "2024-03", "quantity": 2},
        ],
    },
    {
        "customer_id": "sakura-foods",
        "name": "Sakura Foods K.K.",
        "region": "ap-northeast",
        "tier": "standard",
        "language": "ja",
        "email_domains": ["sakura-foods.example"],
        "contacts": [
            {"name": "Yuki Tanaka", "email": "yuki.tanaka@sakura-foods.example", "language": "ja"},
        ],
        "install_base": [
            {"product": "sensor-z", "model": "sz-2", "batch": "2024-q1", "quantity": 120},
        ],
    },
    {
        "customer_id": "maria-alvarez",
        "name": "María Álvarez",
        "kind": "person",
        "region": "latam",
        "tier": "free",
        "language": "es",
        "contacts": [
            {"name": "María Álvarez", "email": "maria.alvarez@example.com", "language": "es"},
        ],
        "install_base": [
            {"product": "router-y", "model": "ry-10", "batch": "b17"},
        ],
    },
)


def demo_customers() -> list[CustomerIn]:
    return [CustomerIn.model_validate(c) for c in DEMO_CUSTOMERS]


def seed(store: Any) -> list[str]:
    """Create the demo customers that do not exist yet. Returns the ids created."""
    created: list[str] = []
    for customer in demo_customers():
        try:
            store.get(customer.customer_id)
            continue
        except NotFound:
            pass
        store.upsert(customer)
        created.append(customer.customer_id)
    return created
