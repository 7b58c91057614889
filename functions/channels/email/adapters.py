"""Outbound mail: the SES sender, and the email adapters of ports other domains define.

* ``SesMailer``: the ``Mailer`` port (``ports.Mailer``) over SES ``SendRawEmail``.
* ``EmailReplyChannel``: the cases domain's ``ReplyChannel`` for email (and web-form, phone and API
  cases): an agent's reply, threaded to the customer's last message.
* ``CaseLinkMailer``: the portal's ``CustomerMailer``: the link to a case, mailed to its customer.
"""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from functions.cases.models import Actor, Case, Channel, Message, TimelineEvent
from functions.channels.email import rules
from functions.channels.email.compose import compose
from functions.channels.email.models import SentMail
from functions.core import aws
from functions.core.errors import Conflict

if TYPE_CHECKING:
    from functions.channels.email.ports import Mailer


class SesMailer:
    """Sends raw MIME with SES. SES may rewrite Message-ID, so both ids are returned."""

    def __init__(self, ses: Any | None = None) -> None:
        self._ses = ses

    @property
    def ses(self) -> Any:
        if self._ses is None:
            self._ses = aws.client("ses")
        return self._ses

    def send(self, message: EmailMessage) -> SentMail:
        resp = self.ses.send_raw_email(
            Source=str(message["From"]),
            Destinations=[str(message["To"])],
            RawMessage={"Data": message.as_bytes()},
        )
        ses_id = resp.get("MessageId")
        return SentMail(
            message_id=str(message["Message-ID"]).strip(),
            provider_message_id=f"<{ses_id}@email.amazonses.com>" if ses_id else None,
        )


class EmailReplyChannel:
    """The reply channel of email (and of web-form, phone and API cases): ``CaseService.reply``'s port."""

    def __init__(
        self,
        mailer: Mailer,
        *,
        from_address: str,
        from_name: str | None,
        mail_domain: str,
        portal_link: Callable[[str, str | None], str | None],
    ) -> None:
        self.mailer = mailer
        self.from_address = from_address
        self.from_name = from_name
        self.mail_domain = mail_domain
        self._portal_link = portal_link

    def send_reply(self, case: Case, body: str, agent: Actor, thread: list[TimelineEvent]) -> Message:
        if not case.contact_email:
            raise Conflict(f"case {case.case_id} has no contact address to reply to")
        last_in, ids, last_subject = rules.thread_ids(thread)
        link = self._portal_link(case.case_id, case.contact_email)
        text = body.rstrip() + "\n"
        if link:
            text += f"\n--\n{rules.reply_footer(case.case_id, link, case.language)}\n"
        mail = compose(
            from_address=self.from_address,
            from_name=self.from_name,
            to=case.contact_email,
            subject=rules.reply_subject(case.case_id, last_subject or case.subject),
            body=text,
            mail_domain=self.mail_domain,
            in_reply_to=last_in,
            references=rules.references_header(ids) or None,
        )
        sent = self.mailer.send(mail)
        return Message(
            channel=Channel.EMAIL,
            direction="out",
            body_text=body,
            subject=str(mail["Subject"]),
            message_id=sent.message_id,
            from_address=self.from_address,
            from_name=self.from_name,
            to=[case.contact_email],
            meta={
                "extra_message_ids": [sent.provider_message_id] if sent.provider_message_id else [],
                "in_reply_to": last_in,
                "agent": agent.id,
            },
        )


class CaseLinkMailer:
    """Mails a customer the link to their case (the portal's ``CustomerMailer`` port)."""

    def __init__(self, mailer: Mailer, *, from_address: str, from_name: str | None, mail_domain: str) -> None:
        self.mailer = mailer
        self.from_address = from_address
        self.from_name = from_name
        self.mail_domain = mail_domain

    def send_case_link(
        self, case: Case, *, to: str, link: str, kind: str = "portal_link", language: str | None = None
    ) -> str | None:
        """Returns our Message-ID. The caller records the event; replies to this mail thread back
        through the case token in the subject. In the case's stored language, else ``language`` (the
        form's or the browser's), else English."""
        from functions.core.i18n import negotiate  # noqa: PLC0415

        lang = negotiate(case.language, language)
        intro = "mail.ack_intro" if kind == "acknowledgement" else "mail.link_intro"
        body = rules.case_mail_text(intro, case.case_id, case.contact_name, link, lang)
        mail = compose(
            from_address=self.from_address,
            from_name=self.from_name,
            to=to,
            subject=rules.reply_subject(case.case_id, case.subject),
            body=body,
            mail_domain=self.mail_domain,
            auto_submitted="auto-generated",
        )
        return self.mailer.send(mail).message_id

    def send_case_mail(self, case_id: str, *, to: str, subject: str, body: str) -> str | None:
        """A plain-text mail about the case (the chat's transcript): ``subject`` carries the case
        token, so a reply threads back. Returns our Message-ID."""
        mail = compose(
            from_address=self.from_address,
            from_name=self.from_name,
            to=to,
            subject=subject,
            body=body,
            mail_domain=self.mail_domain,
            auto_submitted="auto-generated",
        )
        return self.mailer.send(mail).message_id
