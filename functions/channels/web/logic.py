"""Web-form intake: one submission -> one case (or one held record when a bot filled the honeypot).

Decisions:
* Honeypot filled: answer 202 ``{"status": "received"}`` with no case, and keep the whole
  submission in the held log (``store.HeldSubmissions``) so a person caught by mistake can
  still be answered. Nothing is dropped silently; the bot learns nothing.
* ``Idempotency-Key``: the pointer ``web:{sha256(email)[:16]}:{key}`` goes in with the case,
  atomically. Scoping by address means a guessed key cannot fetch someone else's case link.
  A replay with the same form returns the same case; the same key with a different form is 409.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from functions.cases.models import (
    Actor,
    ActorType,
    Case,
    CaseUpdate,
    CaseView,
    Channel,
    EventKind,
    Message,
    TimelineEvent,
)
from functions.channels.web.models import HONEYPOT_FIELD, WebCaseIn, WebCaseOut
from functions.core.errors import Conflict, Duplicate, InvalidInput
from functions.core.logs import logger
from functions.core.timeutil import utcnow
from functions.portal.links import case_link
from functions.portal.notify import CustomerMailer, record_link_mail


class CaseIntake(Protocol):
    """The part of functions.cases.logic.CaseService the web form uses."""

    @property
    def open_case(self) -> Callable[..., Case]: ...

    def get(self, case_id: str) -> Case: ...
    def view(
        self, case_id: str, *, public_only: bool = False, limit: int = 200, cursor: str | None = None
    ) -> CaseView: ...
    def update(self, case_id: str, agent: Actor, change: CaseUpdate, if_match: int | None = None) -> Case: ...
    @property
    def add_event(self) -> Callable[..., TimelineEvent]: ...
    def find_case_for_message_ids(self, ids: list[str]) -> str | None: ...


class HeldLog(Protocol):
    def record(self, *, at: datetime, reason: str, form: dict[str, Any]) -> str: ...


@dataclass(frozen=True)
class Submitted:
    out: WebCaseOut
    status: int
    replayed: bool = False


def fingerprint(form: WebCaseIn) -> str:
    """Stable hash of what the customer submitted (the honeypot aside)."""
    data = form.model_dump(mode="json", exclude={HONEYPOT_FIELD})
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def idempotency_pointer(email: str, key: str) -> str:
    return f"web:{hashlib.sha256(email.lower().encode()).hexdigest()[:16]}:{key}"


def is_bot(form: WebCaseIn) -> bool:
    return bool(form.website and form.website.strip())


class WebIntake:
    def __init__(
        self,
        cases: CaseIntake,
        *,
        base_url: str,
        held: HeldLog | None = None,
        mailer: CustomerMailer | None = None,
        require_consent: bool = False,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.cases = cases
        self.base_url = base_url
        self.held = held
        self.mailer = mailer
        self.require_consent = require_consent
        self.clock = clock

    def submit(self, form: WebCaseIn, idempotency_key: str | None = None) -> Submitted:
        if self.require_consent and not form.consent:
            raise InvalidInput(
                "please accept the privacy notice",
                fields=[{"field": "consent", "message": "must be true", "type": "consent_required"}],
            )
        if is_bot(form):
            return self._hold(form)
        print_ = fingerprint(form)
        pointer = idempotency_pointer(form.email, idempotency_key) if idempotency_key else None
        if pointer:
            existing = self.cases.find_case_for_message_ids([pointer])
            if existing:
                return self._replay(existing, form, print_)
        try:
            case = self._open(form, print_, pointer)
        except Duplicate:
            existing = self.cases.find_case_for_message_ids([pointer]) if pointer else None
            if not existing:
                raise
            return self._replay(existing, form, print_)
        link = case_link(self.base_url, case.case_id, form.email)
        ack = self._acknowledge(case, form.email, link)
        logger().info("web case opened", extra={"case_id": case.case_id, "acknowledgement": ack})
        return Submitted(WebCaseOut(status="created", case_id=case.case_id, portal_url=link, acknowledgement=ack), 201)

    # -- steps -------------------------------------------------------------
    def _hold(self, form: WebCaseIn) -> Submitted:
        if self.held is not None:
            self.held.record(at=self.clock(), reason="honeypot", form=form.model_dump(mode="json"))
        logger().info("web submission held", extra={"reason": "honeypot"})
        return Submitted(WebCaseOut(status="received"), 202)

    def _open(self, form: WebCaseIn, print_: str, pointer: str | None) -> Case:
        message = Message(
            channel=Channel.WEB,
            direction="in",
            subject=form.subject,
            body_text=form.description,
            message_id=f"web:{uuid.uuid4().hex}",
            from_address=form.email,
            from_name=form.name,
            meta={
                "fingerprint": print_,
                "consent": form.consent,
                **({"selfservice_session": form.selfservice_session} if form.selfservice_session else {}),
                **{k: v for k, v in (("product", form.product), ("model", form.model), ("batch", form.batch)) if v},
            },
        )
        actor = Actor(type=ActorType.CUSTOMER, name=form.name)
        case = self.cases.open_case(
            subject=form.subject,
            description=form.description,
            channel=Channel.WEB,
            actor=actor,
            message=message,
            contact_email=form.email,
            contact_name=form.name,
            contact_phone=form.phone,
            category=form.category,
            product=form.product,
            model=form.model,
            batch=form.batch,
            language=form.language,
            pointers=[p for p in (pointer, message.message_id) if p],
        )
        return case

    def _replay(self, case_id: str, form: WebCaseIn, print_: str) -> Submitted:
        case = self.cases.get(case_id)
        if (case.contact_email or "").lower() != form.email.lower():
            raise Conflict("Idempotency-Key was already used for another submission")
        first = self.cases.view(case_id, limit=5).timeline
        original = next((e.message for e in first if e.kind == EventKind.MESSAGE_IN and e.message), None)
        if original is None or original.meta.get("fingerprint") != print_:
            raise Conflict("Idempotency-Key was already used with a different form; use a new key for a new request")
        link = case_link(self.base_url, case.case_id, form.email)
        return Submitted(WebCaseOut(status="created", case_id=case.case_id, portal_url=link), 201, replayed=True)

    def _acknowledge(self, case: Case, email: str, link: str) -> str:
        if self.mailer is None:
            return "pending_no_mailer"
        try:
            message_id = self.mailer.send_case_link(case, to=email, link=link, kind="acknowledgement")
        except Exception as exc:  # noqa: BLE001 - the case is open; a failed acknowledgement must not undo it
            logger().warning(
                "acknowledgement failed", extra={"case_id": case.case_id, "error_type": type(exc).__name__}
            )
            return "failed"
        record_link_mail(self.cases, case, email, message_id, "acknowledgement")
        return "sent"
