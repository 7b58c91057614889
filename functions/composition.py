"""The one place where ports meet their adapters. Everything is built lazily and cached."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from functions.core.settings import get_settings

if TYPE_CHECKING:
    from functions.cases.logic import CaseService
    from functions.core.idempotency import IdempotencyStore
    from functions.customers.store import CustomerStore
    from functions.knowledge.logic import KnowledgeService
    from functions.notify.logic import NoticeService
    from functions.problems.logic import EscalationStarter, ProblemService
    from functions.search.port import SearchIndex


@lru_cache(maxsize=1)
def customer_store() -> CustomerStore:
    from functions.customers.store import CustomerStore  # noqa: PLC0415

    return CustomerStore()


@lru_cache(maxsize=1)
def idempotency_store() -> IdempotencyStore:
    from functions.core.idempotency import IdempotencyStore  # noqa: PLC0415

    s = get_settings()
    return IdempotencyStore(
        retention_seconds=s.idempotency_retention_seconds, stale_after_seconds=s.idempotency_stale_after_seconds
    )


@lru_cache(maxsize=1)
def case_service() -> CaseService:
    from functions.cases.logic import CaseService  # noqa: PLC0415
    from functions.cases.store import CaseStore  # noqa: PLC0415
    from functions.channels.replies import reply_channels  # noqa: PLC0415

    return CaseService(
        CaseStore(),
        directory=customer_store(),
        reply_channels=reply_channels(),
        number_prefix=get_settings().case_number_prefix,
        idempotency=idempotency_store(),
    )


@lru_cache(maxsize=1)
def search_index() -> SearchIndex:
    """OpenSearch when an endpoint is configured (AWS), else the embedded engine on disk (local)."""
    from functions.search.engines import search_index_from_settings  # noqa: PLC0415

    return search_index_from_settings(get_settings())


def escalation_starter() -> EscalationStarter:
    """``functions.problems.escalation.starter()`` once that module exists, else a no-op."""
    import importlib  # noqa: PLC0415
    import importlib.util  # noqa: PLC0415

    from functions.problems.logic import NoEscalation  # noqa: PLC0415

    try:
        if importlib.util.find_spec("functions.problems.escalation") is None:
            return NoEscalation()
        module = importlib.import_module("functions.problems.escalation")
    except ImportError:
        return NoEscalation()
    factory = getattr(module, "starter", None)
    return factory() if callable(factory) else NoEscalation()


@lru_cache(maxsize=1)
def problem_service() -> ProblemService:
    from functions.problems.logic import ProblemService  # noqa: PLC0415
    from functions.problems.store import ProblemStore  # noqa: PLC0415

    return ProblemService(
        ProblemStore(),
        case_service(),
        customers=customer_store(),
        escalation=escalation_starter(),
        knowledge=_knowledge_service(),
        cost_per_channel=get_settings().problem_cost_per_channel,
    )


@lru_cache(maxsize=1)
def notice_service() -> NoticeService:
    from functions.core import resources  # noqa: PLC0415
    from functions.notify import handlers  # noqa: PLC0415
    from functions.notify.logic import NoticeService  # noqa: PLC0415
    from functions.notify.store import DirectoryAudience, NoticeStore, SnapshotStore  # noqa: PLC0415
    from functions.problems.store import ProblemStore  # noqa: PLC0415

    s = get_settings()
    store = NoticeStore()
    snapshots = SnapshotStore(s.name(resources.NOTICES_BUCKET.logical))
    directory = DirectoryAudience(store, snapshots, customer_store())
    return NoticeService(
        store,
        ProblemStore(),
        directory,
        directory,
        lambda: handlers.notice_workflow(),  # looked up at each use (tests replace it)
        snapshots=snapshots,
        batch_size=s.notice_batch_size,
        preview_customers=s.notice_preview_customers,
    )


def _knowledge_service() -> KnowledgeService:
    from functions.knowledge.handlers import knowledge_service  # noqa: PLC0415

    return knowledge_service()


def reset() -> None:
    """Forget built services (tests and the local stack change settings between runs)."""
    from functions.core import aws  # noqa: PLC0415
    from functions.core.settings import reset_settings  # noqa: PLC0415

    customer_store.cache_clear()
    idempotency_store.cache_clear()
    case_service.cache_clear()
    search_index.cache_clear()
    problem_service.cache_clear()
    notice_service.cache_clear()
    reset_settings()
    aws.reset_clients()
