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


DEMO_ARTICLES: tuple[dict[str, Any], ...] = (
    {
        "title": "PX-200 jams on page 2 after a firmware update",
        "symptoms": "After updating the printer firmware, every print job jams on the second page.",
        "environment": {"product": "printer-x", "model": "px-200", "version": "4.2"},
        "cause": "Firmware 4.2 changed the paper-feed timing for the second tray.",
        "resolution": "Install firmware 4.2.1 from the printer's maintenance menu.",
        "workaround": "Print from the first tray until the update is installed.",
        "keywords": ["paper jam", "firmware"],
        "visibility": "external",
    },
    {
        "title": "I was charged twice for one invoice",
        "symptoms": "Two payments for the same invoice appear on the card or bank statement.",
        "cause": "A retried card payment was captured twice.",
        "resolution": "The duplicate payment is refunded automatically within 5 working days.",
        "keywords": ["refund", "double charge", "billing"],
        "visibility": "external",
    },
)


def seed_knowledge() -> list[str]:
    """Publish the demo articles and the automated-fix catalogue through the real services,
    once (an article with the same title is not created again)."""
    from functions.knowledge.handlers import knowledge_service  # noqa: PLC0415
    from functions.knowledge.models import ArticleIn, ArticleQuery, TransitionIn  # noqa: PLC0415
    from functions.knowledge.rules import Action  # noqa: PLC0415
    from functions.selfservice.handlers import self_service  # noqa: PLC0415

    self_service().seed_fixes("seed")
    service = knowledge_service()
    existing = {a.title for a in service.list_articles(ArticleQuery(limit=200)).items}
    reviewer = frozenset({"reviewers"})
    published: list[str] = []
    for data in DEMO_ARTICLES:
        if data["title"] in existing:
            continue
        view = service.create("seed", ArticleIn.model_validate(data))
        view = service.transition(
            view.article_id, "seed", reviewer, Action.SUBMIT, TransitionIn(version=view.latest_version)
        )
        view = service.transition(
            view.article_id, "seed", reviewer, Action.PUBLISH, TransitionIn(version=view.latest_version)
        )
        published.append(view.article_id)
    return published
