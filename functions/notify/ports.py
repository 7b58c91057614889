"""The ports the notice records service receives (``service.py``): its store, the audience it walks
and writes, the problems and contacts it reads of other domains, and delivery's lifecycle.

Production parts: ``store.NoticeStore``, ``store.DirectoryAudience`` (source and sink),
``problems.store.ProblemStore``, ``customers.store.CustomerStore``, and the ``DeliveryService``
(``NoticeWorkflow``, defined with the contract both halves share: ``contract.py``). In-memory
fakes: ``tests/fakes/notices.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from functions.cases.models import Case
from functions.customers.models import ContactRef
from functions.notify.contract import AudienceManifest, Dispatch, NoticeWorkflow
from functions.notify.models import DirectoryEntry, Notice, NoticeEvent, NoticePage, NoticeQuery, NoticeStatus
from functions.problems.models import Problem

__all__ = [
    "AudienceSource",
    "Contacts",
    "NoticeStorePort",
    "NoticeWorkflow",
    "ProblemLookup",
    "SnapshotSink",
]


class NoticeStorePort(Protocol):
    """Notices, their timeline, their dispatches' texts and the customers' memberships.

    ``create`` raises ``Duplicate`` when the notice exists; ``save`` writes the notice (its
    version one up), its events and a new dispatch at once, only while the stored notice is at
    ``expected_version`` and the dispatch is new: else nothing is written and it raises
    ``VersionConflict``."""

    def next_number(self) -> int: ...
    def get(self, notice_id: str) -> Notice: ...
    def get_many(self, notice_ids: list[str]) -> list[Notice]: ...
    def of_problem(self, problem_id: str) -> list[Notice]: ...
    def with_status(self, status: NoticeStatus) -> list[Notice]: ...
    def page(self, q: NoticeQuery) -> NoticePage:
        """One page of notices, newest first (by problem: created; by status: changed; else created)."""
        ...

    def timeline(self, notice_id: str) -> list[NoticeEvent]: ...
    def dispatch(self, notice_id: str, seq: int) -> Dispatch | None: ...
    def dispatches(self, refs: list[tuple[str, int]]) -> dict[tuple[str, int], Dispatch]: ...
    def memberships(self, customer_id: str) -> list[str]: ...
    def create(self, notice: Notice, events: list[NoticeEvent]) -> None: ...
    def save(
        self, notice: Notice, expected_version: int, events: list[NoticeEvent], dispatch: Dispatch | None = None
    ) -> None: ...


class ProblemLookup(Protocol):
    """What notices read of problems (NotFound for an unknown one)."""

    def get(self, problem_id: str) -> Problem: ...


class AudienceSource(Protocol):
    """Where a notice's audience is read from: the problem's linked cases, the customer directory
    and the install base."""

    def linked_cases(self, problem_id: str) -> list[Case]: ...

    def directory_entry(self, customer_id: str) -> DirectoryEntry | None:
        """The customer's name, language and contacts; None for an unknown customer."""
        ...

    def owner_pages(self, product: str, model: str | None, batch: str | None) -> Iterable[list[dict[str, Any]]]:
        """Install-base assets of the product (model, batch), page after page; each asset a dict
        with ``customer_id`` and the segment's attributes."""
        ...

    def last_message_id(self, case_id: str) -> str | None: ...

    def customer_of_email(self, email: str) -> str | None: ...


class SnapshotSink(Protocol):
    """Where the audience snapshot is written (batch files, manifest, memberships)."""

    def put_batch(self, notice_id: str, batch: int, lines: list[str]) -> str: ...

    def put_manifest(self, manifest: AudienceManifest) -> None: ...

    def add_members(self, notice_id: str, problem_id: str, customer_ids: list[str]) -> None: ...


class Contacts(Protocol):
    """The customer directory's contacts, as notices use them: who a link or a phone belongs to,
    and the contact's channel choices (opt-outs)."""

    def contact_by_email(self, email: str) -> ContactRef | None: ...

    def contact_by_phone(self, phone: str) -> ContactRef | None: ...

    def set_contact_channels(
        self, customer_id: str, contact_id: str, *, email_opt_out: bool | None = None, sms_opt_in: bool | None = None
    ) -> bool: ...
