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


# The demo install base: 40 more organisations, generated the same way on every run. The first ten
# own printer-x / px-200 from batch 2024-03 and nothing else (five of them in eu-central): the segment
# of the problems demo (scripts/demo_problems.py). The others own other models and batches, so a
# blip among the ten stands out against the whole base (common thread: model and batch with lift).
INSTALL_BASE_ORGS: tuple[tuple[str, str, str, str], ...] = (
    # (customer id and domain stem, name, region, language)
    ("brightline", "Brightline Logistics", "eu-central", "de"),
    ("atelier-lyon", "Atelier Lyon SARL", "eu-west", "fr"),
    ("harbor-health", "Harbor Health Clinics", "us-east", "en"),
    ("kiefer-druck", "Kiefer Druck GmbH", "eu-central", "de"),
    ("iberia-print", "Iberia Print SL", "eu-west", "es"),
    ("quill-and-co", "Quill & Co Accountants", "us-east", "en"),
    ("alpenhof", "Alpenhof Hotels AG", "eu-central", "de"),
    ("elbe-medien", "Elbe Medien KG", "eu-central", "en"),
    ("vienna-legal", "Vienna Legal Partners", "eu-central", "en"),
    ("rhein-office", "Rhein Office Service", "eu-central", "de"),
    ("granite-bank", "Granite Savings Bank", "us-east", "en"),
    ("cascade-tools", "Cascade Tools Inc.", "us-west", "en"),
    ("sierra-schools", "Sierra Unified Schools", "us-west", "es"),
    ("redwood-labs", "Redwood Labs", "us-west", "en"),
    ("maple-retail", "Maple Retail Ltd.", "us-east", "en"),
    ("bordeaux-vins", "Bordeaux Vins SA", "eu-west", "fr"),
    ("provence-bio", "Provence Bio SAS", "eu-west", "fr"),
    ("madrid-motor", "Madrid Motor SA", "eu-west", "es"),
    ("valencia-agro", "Valencia Agro Coop", "eu-west", "es"),
    ("hamburg-port", "Hamburg Port Services", "eu-central", "de"),
    ("zurich-reinsure", "Zürich Reinsurance AG", "eu-central", "de"),
    ("munich-dental", "Munich Dental Group", "eu-central", "de"),
    ("andes-mining", "Andes Mining SA", "latam", "es"),
    ("rio-textil", "Rio Têxtil Ltda.", "latam", "es"),
    ("pampa-foods", "Pampa Foods SRL", "latam", "es"),
    ("osaka-robotics", "Osaka Robotics K.K.", "ap-northeast", "en"),
    ("seoul-fintech", "Seoul Fintech Co.", "ap-northeast", "en"),
    ("sydney-build", "Sydney Build Pty", "ap-southeast", "en"),
    ("auckland-air", "Auckland Air Freight", "ap-southeast", "en"),
    ("singapore-trade", "Singapore Trade Hub", "ap-southeast", "en"),
    ("nordic-energy", "Nordic Energy AB", "eu-north", "en"),
    ("oslo-shipping", "Oslo Shipping AS", "eu-north", "en"),
    ("helsinki-games", "Helsinki Games Oy", "eu-north", "en"),
    ("dublin-data", "Dublin Data Ltd.", "eu-west", "en"),
    ("lisboa-turismo", "Lisboa Turismo Lda.", "eu-west", "es"),
    ("brussels-policy", "Brussels Policy Institute", "eu-west", "fr"),
    ("geneve-watch", "Genève Horlogerie SA", "eu-central", "fr"),
    ("texas-ranch", "Texas Ranch Supply", "us-central", "en"),
    ("chicago-freight", "Chicago Freight Lines", "us-central", "en"),
    ("denver-outdoor", "Denver Outdoor Gear", "us-central", "en"),
)
SEGMENT_OWNERS = 10  # the first ten above own printer-x / px-200 / 2024-03
OTHER_ASSETS: tuple[dict[str, Any], ...] = (
    {"product": "printer-x", "model": "px-100", "batch": "2022-11"},
    {"product": "printer-x", "model": "px-200", "batch": "2023-09"},
    {"product": "router-y", "model": "ry-10", "batch": "b17"},
    {"product": "router-y", "model": "ry-20", "batch": "b21"},
    {"product": "sensor-z", "model": "sz-1", "batch": "2023-q4"},
    {"product": "sensor-z", "model": "sz-2", "batch": "2024-q1"},
)
FIRST_NAMES = ("Alex", "Sam", "Robin", "Kim", "Jordan", "Lea", "Noah", "Mia", "Luca", "Emma", "Paul", "Sofia")
LAST_NAMES = ("Meyer", "Garcia", "Dubois", "Novak", "Rossi", "Berg", "Kowalski", "Silva", "Moreau", "Fischer")
TIERS = ("standard", "premium", "standard", "enterprise", "free")
COUNTRY_CODE = {"de": "49", "fr": "33", "es": "34", "en": "1"}


def install_base_customers() -> list[dict[str, Any]]:
    """The 40 generated organisations (deterministic: same ids, contacts and assets every run)."""
    out: list[dict[str, Any]] = []
    for i, (stem, name, region, language) in enumerate(INSTALL_BASE_ORGS):
        domain = f"{stem}.example"
        contacts: list[dict[str, Any]] = []
        for j in range(1 + (i % 3 == 0)):
            first, last = FIRST_NAMES[(i + j) % len(FIRST_NAMES)], LAST_NAMES[(i * 3 + j) % len(LAST_NAMES)]
            contact: dict[str, Any] = {
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower()}@{domain}",
                "language": language,
            }
            if j == 0 and i % 4 == 1:  # a quarter of the organisations take SMS notices
                contact.update(phone=f"+{COUNTRY_CODE[language]}555{i:07d}", sms_opt_in=True)
            if j == 1 and i % 9 == 0:  # a few second contacts unsubscribed from notices by email
                contact["email_opt_out"] = True
            contacts.append(contact)
        if i < SEGMENT_OWNERS:
            assets = [{"product": "printer-x", "model": "px-200", "batch": "2024-03", "quantity": 2 + i % 5}]
        else:
            assets = [dict(OTHER_ASSETS[i % len(OTHER_ASSETS)], quantity=1 + i % 7)]
            if i % 5 == 0:
                assets.append(dict(OTHER_ASSETS[(i + 3) % len(OTHER_ASSETS)]))
        out.append(
            {
                "customer_id": stem,
                "name": name,
                "region": region,
                "tier": TIERS[i % len(TIERS)],
                "language": language,
                "email_domains": [domain],
                "contacts": contacts,
                "install_base": assets,
            }
        )
    return out


def demo_customers() -> list[CustomerIn]:
    return [CustomerIn.model_validate(c) for c in (*DEMO_CUSTOMERS, *install_base_customers())]


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
    from functions.composition import container  # noqa: PLC0415
    from functions.knowledge.models import ArticleIn, ArticleQuery, TransitionIn  # noqa: PLC0415
    from functions.knowledge.rules import Action  # noqa: PLC0415

    container().self_service.seed_fixes("seed")
    service = container().knowledge
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


DEMO_CALENDAR: dict[str, Any] = {
    "calendar_id": "business-hours",
    "name": "Business hours (Mon-Fri 09:00-17:00 UTC)",
    "timezone": "UTC",
    "hours": {day: [{"start": "09:00", "end": "17:00"}] for day in ("mon", "tue", "wed", "thu", "fri")},
}
DEMO_POLICY: dict[str, Any] = {
    "policy_id": "default",
    "name": "Default",
    "calendar_id": "business-hours",
    "targets": {
        "urgent": {"first_response_minutes": 30, "resolution_minutes": 240},
        "high": {"first_response_minutes": 60, "resolution_minutes": 480},
        "normal": {"first_response_minutes": 240, "resolution_minutes": 1440},
        "low": {"first_response_minutes": 480, "resolution_minutes": 2880},
    },
    "warn_before_minutes": 30,
    "rank": 1000,
}


def seed_sla() -> list[str]:
    """A business-hours calendar and a default policy covering every case, once (kept if they exist)."""
    from functions.composition import container  # noqa: PLC0415
    from functions.sla.models import CalendarCreate, SlaPolicyCreate  # noqa: PLC0415

    sla = container().sla
    created: list[str] = []
    try:
        sla.calendars.get(DEMO_CALENDAR["calendar_id"])
    except NotFound:
        sla.create_calendar(CalendarCreate.model_validate(DEMO_CALENDAR))
        created.append(DEMO_CALENDAR["calendar_id"])
    try:
        sla.policies.get(DEMO_POLICY["policy_id"])
    except NotFound:
        sla.create_policy(SlaPolicyCreate.model_validate(DEMO_POLICY))
        created.append(DEMO_POLICY["policy_id"])
    return created
