"""The one place where ports meet their adapters. Everything is built lazily and cached."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from functions.core.settings import get_settings

if TYPE_CHECKING:
    from functions.cases.logic import CaseService
    from functions.customers.store import CustomerStore


@lru_cache(maxsize=1)
def customer_store() -> CustomerStore:
    from functions.customers.store import CustomerStore  # noqa: PLC0415

    return CustomerStore()


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
    )


def reset() -> None:
    """Forget built services (tests and the local stack change settings between runs)."""
    from functions.core import aws  # noqa: PLC0415
    from functions.core.settings import reset_settings  # noqa: PLC0415

    customer_store.cache_clear()
    case_service.cache_clear()
    reset_settings()
    aws.reset_clients()
