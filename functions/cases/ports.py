"""What the case service receives: its store, the contact directory, the reply channels and the
idempotency keys. ``tests/fakes/cases.py`` and ``tests/fakes/customers.py`` implement the stores
in memory; ``tests/fakes/idempotency.py`` the keys."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from functions.cases.models import Actor, Case, CasePage, CaseQuery, Message, TimelineEvent
from functions.customers.models import ContactRef, Customer

if TYPE_CHECKING:
    from functions.core.idempotency import Claim, Replay
    from functions.search.port import SearchHit, SearchQuery
    from functions.sla.models import CaseSla, SlaEvent


class CaseStorePort(Protocol):
    """Cases, their timelines and the message pointers (message id -> case)."""

    def next_number(self) -> int:
        """The next case number (a sequence: unique, increasing, gaps allowed)."""
        ...

    def get(self, case_id: str) -> Case:
        """The case (consistent read); NotFound."""
        ...

    def timeline(
        self, case_id: str, limit: int = 200, cursor: str | None = None
    ) -> tuple[list[TimelineEvent], str | None]:
        """The case's events, oldest first, one page; the cursor of the next page or None.
        InvalidInput for a cursor that is not one."""
        ...

    def event(self, case_id: str, event_id: str) -> TimelineEvent:
        """One timeline event; NotFound."""
        ...

    def find_by_pointers(self, keys: list[str]) -> str | None:
        """The case that any of these message ids belongs to (the first key that is known wins)."""
        ...

    def query(self, q: CaseQuery, now: datetime | None = None) -> CasePage:
        """A queue view: the cases ``functions.cases.rules.matches`` selects at ``now`` (``q.q`` is not
        looked at), in the order of ``q.sort`` (by update: the index's order, most recently updated
        first; a customer's cases most recently created first), one page, with ``total_estimate``
        on the first page when the view could be counted."""
        ...

    def sla_checks_due(self, now: datetime, limit: int = 500) -> list[str]:
        """The cases whose SLA clock's next check is at or before ``now`` (GSI5), soonest first."""
        ...

    def get_many(self, case_ids: list[str]) -> dict[str, Case]:
        """The cases of these ids that exist, by id."""
        ...

    def resolved_before(self, cutoff: datetime, limit: int = 500) -> list[Case]:
        """Resolved cases whose resolution is older than ``cutoff``."""
        ...

    def create(self, case: Case, events: list[TimelineEvent], pointers: list[str]) -> None:
        """Write a new case, its first events and its message pointers at once. Duplicate (and
        nothing written) when a pointer is known already or the case exists."""
        ...

    def save(
        self, case: Case, expected_version: int, events: list[TimelineEvent], pointers: list[str] | None = None
    ) -> None:
        """Replace the case (``case.version`` is the new version) if it is still at
        ``expected_version``, with its new events and pointers, at once. Duplicate when a pointer is
        known already, else VersionConflict when the version moved; nothing written either way."""
        ...

    def add_pointers(self, case_id: str, pointers: list[str]) -> None:
        """Point these message ids at the case; ids known already are left as they are."""
        ...


class Routed(Protocol):
    """Where the assignment rules send a new case."""

    @property
    def rule_id(self) -> str: ...
    @property
    def group_id(self) -> str: ...
    @property
    def assignee(self) -> str | None:
        """The group member whose turn it is; None: the case waits in the group."""
        ...


class CaseRouter(Protocol):
    """The assignment rules (the agents domain): asked once for every case opened."""

    def route_case(self, case: Case) -> Routed | None:
        """Where ``case`` goes (None: no rule matches). May take a round-robin turn."""
        ...


class ContactDirectory(Protocol):
    """Who an address belongs to (the customers domain)."""

    def contact_by_email(self, email: str) -> ContactRef | None: ...
    def customer_by_domain(self, domain: str) -> str | None: ...
    def get(self, customer_id: str) -> Customer:
        """The customer (its name and tier); NotFound."""
        ...


class ReplyChannel(Protocol):
    """Delivers an agent's reply through the channel a case came from."""

    def send_reply(self, case: Case, body: str, agent: Actor, thread: list[TimelineEvent]) -> Message: ...


class IdempotencyPort(Protocol):
    """Idempotency keys (functions.core.idempotency explains the guarantee)."""

    def claim(self, scope: str, key: str, fingerprint: str, *, wait_seconds: float = 0.0) -> Claim | Replay: ...
    def complete(self, claim: Claim, result: dict[str, Any]) -> bool: ...
    def release(self, claim: Claim) -> None: ...


class CaseSearch(Protocol):
    """The search index (``functions.search.port.SearchIndex``): what the queue's text search asks."""

    def search(self, query: SearchQuery) -> list[SearchHit]: ...


class SlaClock(Protocol):
    """The SLA domain's clock of a case (``functions.sla.service.SlaService``)."""

    def clock_for(
        self, *, priority: str, tier: str | None, channel: str | None, at: datetime, status: str = "new"
    ) -> CaseSla | None: ...

    def advance(
        self,
        sla: CaseSla | None,
        *,
        at: datetime,
        priority: str | None = None,
        status: str | None = None,
        responded: bool = False,
    ) -> CaseSla | None: ...

    def check(self, sla: CaseSla, now: datetime) -> tuple[CaseSla, list[SlaEvent]]: ...


class AttachmentLinks(Protocol):
    """Short-lived download links to stored attachments (reusable: the portal's downloads too)."""

    def download_url(self, key: str, *, content_type: str, at: datetime) -> tuple[str, datetime]:
        """A link to the object ``key`` and when it expires; the answer says ``attachment`` and the type."""
        ...
