"""Portal use cases: show a customer their case (public part only), take their replies, mail a
fresh link on request (``PortalService``); mail a customer the link to their case and note it on
the case (``LinkMails``, also used by the web form for its acknowledgement). Ports (``ports.py``)
are passed in."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from functions.cases.models import Actor, ActorType, Case, CaseStatus, CaseUpdate, Channel, EventKind, Message
from functions.core.errors import Conflict, Duplicate, InvalidInput, NotFound
from functions.core.logs import logger
from functions.core.timeutil import utcnow
from functions.portal.links import CaseGrant, case_link, check_owner
from functions.portal.models import LinkRequestIn, PortalCase, PortalReplyIn, PortalReplyOut
from functions.portal.ports import (
    AgentNames,
    CaseEvents,
    CasePort,
    CustomerMailer,
    KnownIssueView,
    LinkKind,
    LinkLog,
    ProblemIssues,
    UploadedAttachments,
)
from functions.portal.rules import CUSTOMER_STATUS, email_sha256, public_view

Delivery = Literal["sent", "failed", "pending_no_mailer"]


class LinkMails:
    """Mails a customer the link to their case and notes the mail on the case (AUTO_REPLY, its
    Message-ID claimed as a pointer), so that a customer answering that mail threads back."""

    def __init__(self, cases: CaseEvents, mailer: CustomerMailer | None) -> None:
        self.cases = cases
        self.mailer = mailer

    def send(self, case: Case, to: str, link: str, kind: LinkKind, language: str | None = None) -> Delivery:
        """``sent``, ``failed`` (logged; the caller's work stands) or ``pending_no_mailer``. The mail is
        in the case's stored language, else ``language`` (the form's or the browser's), else English."""
        if self.mailer is None:
            return "pending_no_mailer"
        try:
            message_id = self.mailer.send_case_link(case, to=to, link=link, kind=kind, language=language)
        except Exception as exc:  # noqa: BLE001 - the case is there either way; a failed mail must not undo it
            logger().warning(
                "case link mail failed", extra={"case_id": case.case_id, "kind": kind, "error_type": type(exc).__name__}
            )
            return "failed"
        self._record(case, to, message_id, kind)
        return "sent"

    def _record(self, case: Case, to: str, message_id: str | None, kind: LinkKind) -> None:
        """Best effort: the mail has gone out either way."""
        body = (
            "Acknowledgement with the case link sent by email"
            if kind == "acknowledgement"
            else "A new case link was sent by email on request"
        )
        message = Message(channel=Channel.EMAIL, direction="out", body_text=body, message_id=message_id, to=[to])
        try:
            self.cases.add_event(
                case.case_id,
                EventKind.AUTO_REPLY,
                Actor(type=ActorType.SYSTEM, id=f"portal-{kind}"),
                body=body,
                message=message,
                visibility="public" if kind == "acknowledgement" else "internal",
                pointers=[message_id] if message_id else None,
            )
        except Exception as exc:  # noqa: BLE001
            logger().warning(
                "link mail not recorded", extra={"case_id": case.case_id, "error_type": type(exc).__name__}
            )


class PortalService:
    def __init__(
        self,
        cases: CasePort,
        *,
        base_url: str,
        link_mails: LinkMails,
        link_log: LinkLog | None = None,
        clock: Callable[[], datetime] = utcnow,
        problem_issues: ProblemIssues | None = None,
        link_mail_allowed: Callable[[str], bool] | None = None,
        attachments: UploadedAttachments | None = None,
        agent_names: AgentNames | None = None,
    ) -> None:
        """``link_mail_allowed(case_id)``: counts one more link mail for the case and says whether it
        is within the deployment's limit (None: no limit). ``agent_names``: the agents' directory, for
        the names customers see (without it, or without a display name: "Support")."""
        self.agent_names = agent_names
        self.attachments = attachments
        self.problem_issues = problem_issues
        self.link_mail_allowed = link_mail_allowed
        self.cases = cases
        self.base_url = base_url
        self.link_mails = link_mails
        self.link_log = link_log
        self.clock = clock

    def _owned_case(self, grant: CaseGrant) -> Case:
        case = self.cases.get(grant.case_id)
        check_owner(grant, case.contact_email)
        return case

    def _agent_name(self, agent_id: str) -> str | None:
        if self.agent_names is None:
            return None
        try:
            return self.agent_names(agent_id)
        except Exception as exc:  # noqa: BLE001 - the page shows "Support" then
            logger().warning("agent name not read", extra={"error_type": type(exc).__name__})
            return None

    def read(self, grant: CaseGrant, cursor: str | None = None) -> PortalCase:
        self._owned_case(grant)
        return public_view(self.cases.view(grant.case_id, public_only=True, cursor=cursor), self._agent_name)

    def page(self, grant: CaseGrant) -> tuple[PortalCase, str | None, list[KnownIssueView]]:
        """What the case page shows: the case, the contact's language, the known issue of its problem."""
        case = self._owned_case(grant)
        view = public_view(self.cases.view(grant.case_id, public_only=True), self._agent_name)
        issues: list[KnownIssueView] = []
        if case.problem_id and self.problem_issues is not None:
            try:
                issues = list(self.problem_issues(case.problem_id))
            except Exception as exc:  # noqa: BLE001 - the page shows the case either way
                logger().warning(
                    "known issue not read", extra={"case_id": case.case_id, "error_type": type(exc).__name__}
                )
        return view, case.language, issues

    def mark_solved(self, grant: CaseGrant) -> PortalCase:
        """ "This solved it": the customer resolves their case (nothing to do when it is already solved)."""
        case = self._owned_case(grant)
        if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            self.cases.update(
                case.case_id,
                self._customer(case),
                CaseUpdate(status=CaseStatus.RESOLVED, comment="The customer said this solved it"),
            )
        return self.read(grant)

    def reopen(self, grant: CaseGrant) -> PortalCase:
        """The customer reopens a solved case (409 when it is closed: they write in again)."""
        case = self._owned_case(grant)
        if case.status == CaseStatus.CLOSED:
            raise Conflict(f"case {case.case_id} is closed; write to us to open a new case")
        if case.status == CaseStatus.RESOLVED:
            self.cases.update(
                case.case_id,
                self._customer(case),
                CaseUpdate(status=CaseStatus.OPEN, comment="Reopened by the customer"),
            )
        return self.read(grant)

    @staticmethod
    def _customer(case: Case) -> Actor:
        return Actor(type=ActorType.CUSTOMER, id=case.contact_id, name=case.contact_name)

    def reply(self, grant: CaseGrant, reply: PortalReplyIn) -> PortalReplyOut:
        """The customer writes on their case. Re-opens a case waiting on them or resolved (409 if closed)."""
        case = self._owned_case(grant)
        key = f"portal:{case.case_id}:{reply.client_message_id or uuid.uuid4().hex}"
        if reply.attachments and self.attachments is None:
            raise InvalidInput("attachments are not accepted here")
        files = self.attachments(reply.attachments) if reply.attachments and self.attachments else []
        message = Message(
            channel=Channel.WEB,
            direction="in",
            body_text=reply.body,
            attachments=files,
            message_id=key,
            from_address=grant.email,
            from_name=case.contact_name,
            meta={"via": "portal"},
        )
        actor = Actor(type=ActorType.CUSTOMER, id=case.contact_id, name=case.contact_name)
        try:
            updated, event = self.cases.add_inbound(case.case_id, message, actor, pointers=[key])
        except Duplicate:
            current = self.cases.get(case.case_id)
            return PortalReplyOut(case_id=current.case_id, status=CUSTOMER_STATUS[current.status], duplicate=True)
        return PortalReplyOut(case_id=updated.case_id, status=CUSTOMER_STATUS[updated.status], event_id=event.event_id)

    def request_link(self, req: LinkRequestIn, language: str | None = None) -> None:
        """Mail a fresh link when case number and address match. Never tells the caller which it was.
        The mail speaks the case's language, else ``req.language`` or ``language`` (the page's or the
        browser's)."""
        case: Case | None
        try:
            case = self.cases.get(req.case_id)
        except NotFound:
            case = None
        matched = bool(case and case.contact_email and case.contact_email.lower() == req.email.lower())
        delivery: str = "none"
        if matched and case is not None:
            if self.link_mail_allowed is not None and not self.link_mail_allowed(case.case_id):
                delivery = "limited"  # the customer has the links already sent today; the answer is the same
            else:
                link = case_link(self.base_url, case.case_id, req.email)
                delivery = self.link_mails.send(case, req.email, link, "portal_link", req.language or language)
        if self.link_log is not None:
            self.link_log.record(
                at=self.clock(),
                case_id=req.case_id,
                email_sha256=email_sha256(req.email),
                matched=matched,
                delivery=delivery,
            )
        logger().info("portal link requested", extra={"case_id": req.case_id, "matched": matched, "delivery": delivery})
