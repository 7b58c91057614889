"""Web-form intake: one submission -> one case (or one held record when a bot filled the honeypot).

Decisions:
* Honeypot filled: answer 202 ``{"status": "received"}`` with no case, and keep the whole
  submission in the held log (``store.HeldSubmissions``) so a person caught by mistake can
  still be answered. Nothing is dropped silently; the bot learns nothing.
* ``Idempotency-Key``: the pointer ``web:{sha256(email)[:16]}:{key}`` goes in with the case,
  atomically (no functions.core.idempotency claim: there is no in-progress window at all).
  Scoping by address means a guessed key cannot fetch someone else's case link.
  A replay with the same form returns the same case; the same key with a different form is 409.
* Attachments are uploaded by the browser straight to S3 through presigned POSTs (``presign``:
  the policy fixes the key, the type and the size); the form sends their keys, and each must be
  there, of an allowed type and size, when the case is opened (else 400 naming ``attachments``).
* Abuse: every submission counts per client (IP) and per address per hour (``rates``, DynamoDB,
  hashed keys). Past the soft limits the form needs a solved proof-of-work challenge
  (``new_challenge``; 429 ``challenge_required`` without one); past the hard limits it is refused
  (429 ``rate_limited`` with Retry-After). A solved challenge counts once: its id is claimed in the
  rate counters (a hashed key with the challenge's TTL), so a replayed solution asks again.
* A form sent after a self-service search records that the session opened a case (deflection
  analytics), best effort: the session id is also in the first message's meta.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from functions.cases.models import Actor, ActorType, Attachment, Case, Channel, EventKind, Message
from functions.channels.web.models import Challenge, UploadIn, UploadOut, WebCaseIn, WebCaseOut
from functions.channels.web.ports import CasePort, Deflection, HeldLog, LinkSender, RateCounter, UploadStore
from functions.channels.web.rules import (
    allowed_types,
    fingerprint,
    idempotency_pointer,
    is_bot,
    rate_key,
    solves,
    upload_key,
)
from functions.core import limits as rate_limits
from functions.core.errors import ChallengeRequired, Conflict, Duplicate, InvalidInput, RateLimited
from functions.core.logs import logger
from functions.core.timeutil import utcnow
from functions.portal.links import case_link

CHALLENGE_PURPOSE = "web-challenge"


@dataclass(frozen=True)
class Submitted:
    out: WebCaseOut
    status: int
    replayed: bool = False


class WebIntake:
    def __init__(
        self,
        cases: CasePort,
        *,
        base_url: str,
        held: HeldLog | None = None,
        links: LinkSender | None = None,
        deflection: Deflection | None = None,
        require_consent: bool = False,
        clock: Callable[[], datetime] = utcnow,
        uploads: UploadStore | None = None,
        upload_max_bytes: int = 10 * 1024 * 1024,
        upload_max_files: int = 5,
        upload_ttl_seconds: int = 300,
        upload_content_types: str = "image/png,image/jpeg,application/pdf,text/plain",
        rates: RateCounter | None = None,
        limits: tuple[int, int, int, int] = (5, 30, 3, 10),
        challenge_bits: int = 16,
        challenge_ttl_seconds: int = 600,
    ) -> None:
        self.rates = rates
        self.client_limit, self.client_max, self.address_limit, self.address_max = limits
        self.challenge_bits = challenge_bits
        self.challenge_ttl_seconds = challenge_ttl_seconds
        self.uploads = uploads
        self.upload_max_bytes = upload_max_bytes
        self.upload_max_files = upload_max_files
        self.upload_ttl_seconds = upload_ttl_seconds
        self.upload_types = allowed_types(upload_content_types)
        self.cases = cases
        self.base_url = base_url
        self.held = held
        self.links = links
        self.deflection = deflection
        self.require_consent = require_consent
        self.clock = clock

    def submit(
        self,
        form: WebCaseIn,
        idempotency_key: str | None = None,
        client: str | None = None,
        language: str | None = None,
    ) -> Submitted:
        """Open the case and send the acknowledgement: in the case's language (the form's, else the
        contact's on record), else ``language`` (the browser's), else English."""
        if self.require_consent and not form.consent:
            raise InvalidInput(
                "please accept the privacy notice",
                fields=[{"field": "consent", "message": "must be true", "type": "consent_required"}],
            )
        if is_bot(form):
            return self._hold(form)
        self._guard(form, client)
        print_ = fingerprint(form)
        pointer = idempotency_pointer(form.email, idempotency_key) if idempotency_key else None
        if pointer:
            existing = self.cases.find_case_for_message_ids([pointer])
            if existing:
                return self._replay(existing, form, print_)
        attachments = self._attachments(form.attachments)
        try:
            case = self._open(form, print_, pointer, attachments)
        except Duplicate:
            existing = self.cases.find_case_for_message_ids([pointer]) if pointer else None
            if not existing:
                raise
            return self._replay(existing, form, print_)
        link = case_link(self.base_url, case.case_id, form.email)
        ack = (
            self.links.send(case, form.email, link, "acknowledgement", language) if self.links else "pending_no_mailer"
        )
        logger().info("web case opened", extra={"case_id": case.case_id, "acknowledgement": ack})
        if form.selfservice_session:
            self._record_deflection(form.selfservice_session, case.case_id)
        return Submitted(WebCaseOut(status="created", case_id=case.case_id, portal_url=link, acknowledgement=ack), 201)

    # -- steps -------------------------------------------------------------
    def _hold(self, form: WebCaseIn) -> Submitted:
        if self.held is not None:
            self.held.record(at=self.clock(), reason="honeypot", form=form.model_dump(mode="json"))
        logger().info("web submission held", extra={"reason": "honeypot"})
        return Submitted(WebCaseOut(status="received"), 202)

    def _open(self, form: WebCaseIn, print_: str, pointer: str | None, attachments: list[Attachment]) -> Case:
        message = Message(
            attachments=attachments,
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
        return self.cases.open_case(
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

    # -- abuse protection -----------------------------------------------------------
    def new_challenge(self) -> Challenge:
        import secrets  # noqa: PLC0415

        from functions.core import signing  # noqa: PLC0415

        token = signing.sign(CHALLENGE_PURPOSE, {"n": secrets.token_hex(8), "b": self.challenge_bits})
        return Challenge(challenge=token, bits=self.challenge_bits, expires_in=self.challenge_ttl_seconds)

    def _solved(self, form: WebCaseIn) -> bool:
        from functions.core import signing  # noqa: PLC0415

        if not form.challenge or not form.solution:
            return False
        try:
            data = signing.verify(CHALLENGE_PURPOSE, form.challenge, max_age=self.challenge_ttl_seconds)
        except Exception:  # noqa: BLE001 - tampered or expired: not solved
            return False
        if not solves(form.challenge, form.solution, int(data.get("b", self.challenge_bits))):
            return False
        return self._first_use(str(data.get("n") or form.challenge))

    def _first_use(self, challenge_id: str) -> bool:
        """Claim a solved challenge: True the first time, False for a replay (until it expires)."""
        if self.rates is None:
            return True
        key = rate_key("challenge", challenge_id)
        return self.rates.hit(key, "used", self.challenge_ttl_seconds + 60) == 1

    def _guard(self, form: WebCaseIn, client: str | None) -> None:
        """Count the submission per client and per address; ask for a challenge, or refuse."""
        if self.rates is None:
            return
        now = self.clock().timestamp()
        # Hits within the last hour (a sliding estimate, functions/core/limits.py): an hour's
        # boundary does not reset them.
        by_client = rate_limits.recent_hits(self.rates, rate_key("ip", client), 3600, now) if client else 0
        by_address = rate_limits.recent_hits(self.rates, rate_key("email", form.email), 3600, now)
        if by_client > self.client_max or by_address > self.address_max:
            logger().info("web submission refused", extra={"reason": "rate_limited"})
            raise RateLimited("too many messages; please try again later", retry_after=3600 - int(now % 3600))
        if (by_client > self.client_limit or by_address > self.address_limit) and not self._solved(form):
            raise ChallengeRequired(
                "too many messages from here: solve the challenge (GET /web/challenge) and send it with the form",
                fields=[{"field": "challenge", "message": "required now", "type": "challenge_required"}],
            )

    # -- attachments -----------------------------------------------------------
    def presign(self, req: UploadIn) -> UploadOut:
        """A presigned POST for one file: its key, and the policy S3 holds the upload to."""
        content_type = self._check_upload(req.content_type, req.size)
        now = self.clock()
        key = upload_key(now.date().isoformat(), uuid.uuid4().hex, req.filename)
        assert self.uploads is not None  # noqa: S101 - _check_upload refused otherwise
        url, fields = self.uploads.presign(key, content_type, self.upload_max_bytes, self.upload_ttl_seconds)
        return UploadOut(
            key=key,
            url=url,
            fields=fields,
            expires_at=now + timedelta(seconds=self.upload_ttl_seconds),
            max_bytes=self.upload_max_bytes,
        )

    def _check_upload(self, content_type: str, size: int) -> str:
        """The file's type (lower case) when a file of that type and size may be attached; else 400."""
        if self.uploads is None:
            raise InvalidInput("attachments are not accepted here")
        content_type = content_type.split(";")[0].strip().lower()
        if content_type not in self.upload_types:
            raise InvalidInput(
                f"files of type {content_type} are not accepted",
                fields=[
                    {
                        "field": "content_type",
                        "message": "one of: " + ", ".join(sorted(self.upload_types)),
                        "type": "enum",
                    }
                ],
            )
        if size > self.upload_max_bytes:
            raise InvalidInput(
                f"at most {self.upload_max_bytes} bytes per file",
                fields=[{"field": "size", "message": f"at most {self.upload_max_bytes}", "type": "too_large"}],
            )
        return content_type

    def store_upload(self, filename: str, content_type: str, data: bytes) -> str:
        """A file a page posted itself (a form without JavaScript): the same type and size limits as a
        presigned upload; stored under an upload key, which the form then sends like an uploaded one."""
        content_type = self._check_upload(content_type, len(data))
        if not data:
            raise InvalidInput("the file is empty", fields=[{"field": "files", "message": "empty", "type": "missing"}])
        key = upload_key(self.clock().date().isoformat(), uuid.uuid4().hex, filename)
        assert self.uploads is not None  # noqa: S101 - _check_upload refused otherwise
        self.uploads.put(key, data, content_type)
        return key

    def attachments(self, keys: list[str]) -> list[Attachment]:
        """Uploaded files as a message's attachments (the case page's replies use the same checks)."""
        return self._attachments(keys)

    def _attachments(self, keys: list[str]) -> list[Attachment]:
        """Each uploaded file as the message's attachment (400 naming ``attachments`` when one is missing,
        too large or of a type not accepted)."""
        if not keys:
            return []
        if len(keys) > self.upload_max_files:
            raise InvalidInput(
                f"at most {self.upload_max_files} attachments",
                fields=[{"field": "attachments", "message": f"at most {self.upload_max_files}", "type": "too_long"}],
            )
        found = []
        for i, key in enumerate(dict.fromkeys(keys)):
            head = self.uploads.head(key) if self.uploads is not None else None
            if head is None or head.size > self.upload_max_bytes or head.content_type.lower() not in self.upload_types:
                raise InvalidInput(
                    "an attachment was not uploaded (or not as announced); upload it again",
                    fields=[{"field": f"attachments.{i}", "message": "not found", "type": "missing"}],
                )
            found.append(
                Attachment(
                    filename=key.rsplit("/", 1)[-1],
                    content_type=head.content_type,
                    size=head.size,
                    md5=head.md5,
                    s3_key=key,
                )
            )
        return found

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

    def _record_deflection(self, session_id: str, case_id: str) -> None:
        if self.deflection is None:
            return
        try:
            self.deflection(session_id, case_id)
        except Exception:  # noqa: BLE001 - the case is open; the session id is also in its first message's meta
            logger().exception("opened_case event not recorded", extra={"case_id": case_id})
