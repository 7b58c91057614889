"""Agents' replies by email: threaded to the customer's last message, sent with SES."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from functions.cases.models import Actor, Case, Channel, EventKind, Message, TimelineEvent
from functions.channels.email import logic
from functions.channels.email.mailer import Mailer, compose
from functions.core.errors import Conflict

if TYPE_CHECKING:
    from functions.core.settings import Settings


def _thread_ids(thread: list[TimelineEvent]) -> tuple[str | None, list[str], str | None]:
    """(the customer's last Message-ID, every Message-ID in order, the last inbound subject)."""
    ids: list[str] = []
    last_in: str | None = None
    subject: str | None = None
    for event in thread:
        msg = event.message
        if msg is None or event.kind not in (EventKind.MESSAGE_IN, EventKind.MESSAGE_OUT, EventKind.AUTO_REPLY):
            continue
        if msg.message_id and not msg.message_id.startswith("sha256:"):
            ids += [str(r) for r in msg.meta.get("references", [])]
            ids.append(msg.message_id)
        if msg.direction == "in" and msg.message_id and not msg.message_id.startswith("sha256:"):
            last_in = msg.message_id
            subject = msg.subject or subject
    return last_in, list(dict.fromkeys(ids)), subject


class EmailReplyChannel:
    """The reply channel of email (and of web-form, phone and API cases): ``CaseService.reply``'s port."""

    def __init__(
        self, mailer: Mailer, settings: Settings, portal_link: Callable[[str, str | None], str | None]
    ) -> None:
        self.mailer = mailer
        self.settings = settings
        self._portal_link = portal_link

    def send_reply(self, case: Case, body: str, agent: Actor, thread: list[TimelineEvent]) -> Message:
        if not case.contact_email:
            raise Conflict(f"case {case.case_id} has no contact address to reply to")
        s = self.settings
        last_in, ids, last_subject = _thread_ids(thread)
        link = self._portal_link(case.case_id, case.contact_email)
        text = body.rstrip() + "\n"
        if link:
            text += f"\n--\nYour case {case.case_id}: {link}\n"
        mail = compose(
            from_address=s.support_address,
            from_name=s.support_name,
            to=case.contact_email,
            subject=logic.reply_subject(case.case_id, last_subject or case.subject),
            body=text,
            mail_domain=s.mail_domain,
            in_reply_to=last_in,
            references=logic.references_header(ids) or None,
        )
        sent = self.mailer.send(mail)
        return Message(
            channel=Channel.EMAIL,
            direction="out",
            body_text=body,
            subject=str(mail["Subject"]),
            message_id=sent.message_id,
            from_address=s.support_address,
            from_name=s.support_name,
            to=[case.contact_email],
            meta={
                "extra_message_ids": [sent.provider_message_id] if sent.provider_message_id else [],
                "in_reply_to": last_in,
                "agent": agent.id,
            },
        )


class CaseLinkMailer:
    """Mails a customer the link to their case (the portal's ``CustomerMailer`` port)."""

    def __init__(self, mailer: Mailer, settings: Settings) -> None:
        self.mailer = mailer
        self.settings = settings

    def send_case_link(self, case: Case, *, to: str, link: str, kind: str = "portal_link") -> str | None:
        """Returns our Message-ID. The caller records the event; replies to this mail thread back
        through the case token in the subject."""
        s = self.settings
        intro = (
            f"we have opened case {case.case_id} for your request."
            if kind == "acknowledgement"
            else f"here is your link to case {case.case_id}."
        )
        body = f"Hello,\n\n{intro}\n\nYou can follow your case here:\n{link}\n\nPlease keep [{case.case_id}] in the subject if you write to us.\n"
        mail = compose(
            from_address=s.support_address,
            from_name=s.support_name,
            to=to,
            subject=logic.reply_subject(case.case_id, case.subject),
            body=body,
            mail_domain=s.mail_domain,
            auto_submitted="auto-generated",
        )
        return self.mailer.send(mail).message_id
