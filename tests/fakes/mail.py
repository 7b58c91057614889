"""An in-memory fake of the ``Mailer`` port (functions/channels/email/ports.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage

from functions.channels.email.models import SentMail


@dataclass
class FakeMailer:
    """Keeps every mail it is asked to send; ``fail_with`` makes the next sends raise it."""

    sent: list[EmailMessage] = field(default_factory=list)
    fail_with: Exception | None = None

    def send(self, message: EmailMessage) -> SentMail:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(message)
        n = len(self.sent)
        return SentMail(message_id=str(message["Message-ID"]), provider_message_id=f"<fake-{n}@email.example>")

    def to(self, address: str) -> list[EmailMessage]:
        """The mails sent to ``address`` (case-insensitive), in order."""
        return [m for m in self.sent if address.lower() in str(m["To"]).lower()]
