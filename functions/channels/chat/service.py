"""Chat use cases: start a session (opens a case), exchange turns, end (transcript onto the case),
and take over a conversation from a bot. Ports (``ports.py``: chat store, case service; an
idempotency store, a clock) are passed in.

Decisions (see also the module docs of store.py):
* A session opens its case at start (channel chat), so an agent can pick it up from the queue.
* Each turn is also an interaction on the case as it happens: a customer turn goes through
  ``CaseService.add_inbound`` (MESSAGE_IN; re-opens a case waiting on the customer), an agent turn
  is the MESSAGE_OUT that ``CaseService.reply`` records. Both carry message id ``chat:{session}:{seq}``,
  a case pointer, so a retried turn is recorded on the case once.
* When the session ends, the whole ordered transcript lands on the case as CHAT_TRANSCRIPT (public;
  split into parts when large), exactly once (pointer ``chat-transcript:{session}:{part}``).
* Starting is safe to repeat with an ``Idempotency-Key`` (functions.core.idempotency, scope
  ``chat-start:{sha256(email)[:16]}`` so a key only ever replays to the same address): a double
  click gets the same session (the second request waits up to START_WAIT_SECONDS for the first).
* Typing: each side says "typing" (``typing``) every few seconds while it types; the other side's
  read shows it for ``rules.TYPING_VISIBLE`` and not after the typist's own latest turn.
* The transcript is mailed to the customer, in the session's language, when the session ends
  (however it ends: customer, agent, idle job), through the ``TranscriptMail`` port. Its state is
  kept on the session (``transcript_mail``: pending, sending, sent, failed). Exactly once when SES
  comes back: each send is claimed on the session first (pending -> sending, conditional), so a
  repeated or resumed end never mails twice; a transient failure (throttling, a 5xx) puts it back to
  pending and the session stays in the sweep's list (``end_idle``, every 5 minutes), which sends it
  again; a refusal, or TRANSCRIPT_MAIL_ATTEMPTS failures, settle it as failed (noted on the case).
  A sent mail is noted on the case (AUTO_REPLY, pointer ``chat-transcript-mail:{session}``).
* Sessions nobody ends are ended by ``end_idle`` (scheduled every 5 minutes) after
  ``chat_idle_minutes`` without a turn: a last system turn says why, then the transcript lands on
  the case exactly as on a normal end. It also finishes sessions that ended without their
  transcript (a crash between the two steps), so running it twice, or after a crash, is harmless.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from functions.cases.models import Actor, ActorType, Case, CaseContext, Channel, EventKind, Message
from functions.channels.chat.models import (
    AgentChatPage,
    ChatAvailability,
    ChatMessage,
    ChatMessageIn,
    ChatSession,
    ChatSessionOut,
    ChatStarted,
    ChatStartIn,
    ChatTypingOut,
    CustomerChatMessage,
    CustomerChatPage,
    HandoffIn,
    HandoffOut,
    Role,
)
from functions.channels.chat.ports import (
    AgentAvailability,
    BusinessHours,
    CasePort,
    ChatStorePort,
    StartLimit,
    TranscriptMail,
)
from functions.channels.chat.rules import (
    TYPING_VISIBLE,
    SessionGrant,
    check_session_id,
    customer_view,
    handoff_subject,
    handoff_summary,
    idle_end_text,
    message_key,
    new_session_id,
    one_line,
    session_out,
    session_token,
    transcript_mail,
    transcript_parts,
    typing_now,
    verify_session_token,
)
from functions.core import idempotency
from functions.core.errors import Conflict, Duplicate, RateLimited, Unavailable
from functions.core.idempotency import IdempotencyPort
from functions.core.logs import logger
from functions.core.timeutil import utcnow
from functions.portal.links import case_link

START_WAIT_SECONDS = 3.0
# A transcript mail failing transiently is sent again by the sweep (every 5 minutes) this many times
# in all; a claim a crash left "sending" this long is settled as failed (it may have gone out).
TRANSCRIPT_MAIL_ATTEMPTS = 12
TRANSCRIPT_MAIL_CLAIM_STALE = timedelta(minutes=20)


class ChatService:
    def __init__(
        self,
        store: ChatStorePort,
        cases: CasePort,
        *,
        base_url: str,
        token_ttl: int,
        max_messages: int = 2000,
        idle_after: timedelta = timedelta(minutes=30),
        clock: Callable[[], datetime] = utcnow,
        idempotency: IdempotencyPort | None = None,
        agents_available: AgentAvailability | None = None,
        business_hours: BusinessHours | None = None,
        transcript_mail: TranscriptMail | None = None,
        start_limit: StartLimit | None = None,
        mail_retryable: Callable[[BaseException], bool] | None = None,
    ) -> None:
        """``mail_retryable(exc)``: is a failed transcript mail worth sending again (throttling, a 5xx)?"""
        self.mail_retryable = mail_retryable
        self.start_limit = start_limit
        self.transcript_mail = transcript_mail
        self.agents_available = agents_available
        self.business_hours = business_hours
        self.idempotency = idempotency
        self.idle_after = idle_after
        self.store = store
        self.cases = cases
        self.base_url = base_url
        self.token_ttl = token_ttl
        self.max_messages = max_messages
        self.clock = clock

    # -- customers ---------------------------------------------------------
    def availability(self) -> ChatAvailability:
        """Open when within business hours and an agent is available (each unknown: yes)."""
        if self.business_hours is not None and not self.business_hours(self.clock()):
            return ChatAvailability(open=False, reason="outside_business_hours")
        if self.agents_available is not None and not self.agents_available():
            return ChatAvailability(open=False, reason="no_agent_available")
        return ChatAvailability(open=True, reason="open")

    def grant(self, token: str, session_id: str) -> SessionGrant:
        check_session_id(session_id)
        return verify_session_token(token, session_id, max_age=self.token_ttl)

    def start_once(
        self, req: ChatStartIn, idempotency_key: str | None, client: str | None = None
    ) -> tuple[ChatStarted, bool]:
        """``start`` made safe to repeat: returns (started, replayed). A replay gets a fresh token
        for the same session and case; the same key with a different form is a 409."""
        if self.start_limit is not None:
            retry_after = self.start_limit(client, req.email)
            if retry_after is not None:
                logger().info("chat start refused", extra={"reason": "rate_limited"})
                raise RateLimited("too many chats started from here; please try again later", retry_after=retry_after)
        if idempotency_key is None or self.idempotency is None:
            return self.start(req), False
        scope = idempotency.scoped("chat-start", req.email)
        outcome = self.idempotency.claim(
            scope,
            idempotency_key,
            idempotency.fingerprint(req.model_dump(mode="json")),
            wait_seconds=START_WAIT_SECONDS,
        )
        if isinstance(outcome, idempotency.Replay):
            sid, case_id = str(outcome.result["session_id"]), str(outcome.result["case_id"])
            return self._started(sid, case_id, req.email), True
        opened: list[str] = []
        try:
            started = self.start(req, on_case=opened.append)
        except Exception:
            if not opened:  # nothing written: the key is free again
                self.idempotency.release(outcome)
            raise
        self.idempotency.complete(outcome, {"session_id": started.session_id, "case_id": started.case_id})
        return started, False

    def _started(self, sid: str, case_id: str, email: str) -> ChatStarted:
        return ChatStarted(
            session_id=sid,
            case_id=case_id,
            token=session_token(sid, case_id),
            expires_in=self.token_ttl,
            portal_url=case_link(self.base_url, case_id, email),
        )

    def start(self, req: ChatStartIn, on_case: Callable[[str], None] | None = None) -> ChatStarted:
        sid = new_session_id()
        case = self.cases.open_case(
            subject=f"Chat: {one_line(req.topic)}" if req.topic else "Chat conversation",
            channel=Channel.CHAT,
            actor=Actor(type=ActorType.CUSTOMER, name=req.name),
            contact_email=req.email,
            contact_name=req.name,
            product=req.product,
            language=req.language,
            context=CaseContext(chat_session_id=sid),
            pointers=[f"chat-session:{sid}"],
        )
        if on_case is not None:
            on_case(case.case_id)
        now = self.clock()
        self.store.create(
            ChatSession(
                session_id=sid,
                case_id=case.case_id,
                origin="widget",
                customer_name=req.name,
                customer_email=req.email,
                topic=req.topic,
                product=req.product,
                language=req.language,
                created_at=now,
                updated_at=now,
            )
        )
        logger().info("chat session started", extra={"session_id": sid, "case_id": case.case_id})
        return self._started(sid, case.case_id, req.email)

    def customer_send(self, grant: SessionGrant, msg: ChatMessageIn) -> tuple[CustomerChatMessage, bool]:
        session = self.store.get(grant.session_id)
        stored, created = self.store.append(
            grant.session_id,
            role="customer",
            client_message_id=msg.client_message_id,
            text=msg.text,
            at=self.clock(),
            author_name=session.customer_name,
            max_messages=self.max_messages,
        )
        if stored.text != msg.text:
            raise Conflict("client_message_id was already used for a different message")
        self._mirror(session, stored)  # also on a retry: the case pointer makes it exactly-once
        return customer_view(stored), created

    def _mirror(self, session: ChatSession, m: ChatMessage) -> None:
        key = message_key(session.session_id, m.seq)
        message = Message(
            channel=Channel.CHAT,
            direction="in",
            body_text=m.text,
            message_id=key,
            from_address=session.customer_email,
            from_name=session.customer_name,
            meta={"session_id": session.session_id, "seq": m.seq},
        )
        actor = Actor(type=ActorType.CUSTOMER, name=session.customer_name)
        try:
            self.cases.add_inbound(session.case_id, message, actor, pointers=[key])
        except Duplicate:
            pass
        except Conflict as exc:
            # The case was closed under a live chat: the turn stays in the session and its transcript.
            logger().warning("chat turn not added to case", extra={"case_id": session.case_id, "error": exc.code})

    def customer_poll(self, grant: SessionGrant, after: int, limit: int) -> CustomerChatPage:
        session = self.store.get(grant.session_id)
        msgs = self.store.messages(grant.session_id, after=after, limit=limit)
        return CustomerChatPage(
            session_id=session.session_id,
            status=session.status,
            messages=[customer_view(m) for m in msgs],
            last_seq=msgs[-1].seq if msgs else max(after, 0),
            agent_typing=session.status == "active"
            and typing_now(session.agent_typing_at, _last_turn_at(session, msgs, "agent"), self.clock()),
            transcript_mailed=session.transcript_mailed,
        )

    # -- typing (both sides) ---------------------------------------------------
    def customer_typing(self, grant: SessionGrant) -> ChatTypingOut:
        return self._typing(grant.session_id, "customer")

    def agent_typing(self, session_id: str) -> ChatTypingOut:
        check_session_id(session_id)
        self.store.get(session_id)  # NotFound for an agent's unknown session
        return self._typing(session_id, "agent")

    def _typing(self, session_id: str, role: Role) -> ChatTypingOut:
        if not self.store.typing(session_id, role, self.clock()):
            raise Conflict("the chat has ended")
        return ChatTypingOut(session_id=session_id, role=role, visible_for=int(TYPING_VISIBLE.total_seconds()))

    # -- agents ------------------------------------------------------------
    def agent_view(self, session_id: str, after: int, limit: int) -> AgentChatPage:
        check_session_id(session_id)
        session = self.store.get(session_id)
        msgs = self.store.messages(session_id, after=after, limit=limit)
        typing = session.status == "active" and typing_now(
            session.customer_typing_at, _last_turn_at(session, msgs, "customer"), self.clock()
        )
        return AgentChatPage(
            session=session, messages=msgs, last_seq=msgs[-1].seq if msgs else after, customer_typing=typing
        )

    def active(self, limit: int, cursor: str | None) -> tuple[list[ChatSession], str | None]:
        return self.store.active(limit=limit, cursor=cursor)

    def agent_turn(self, case: Case, body: str, agent: Actor) -> Message | None:
        """Put an agent's reply into the case's live session. None when there is no live session."""
        sid = case.context.chat_session_id
        session = self.store.find(sid) if sid else None
        if session is None or session.status != "active":
            return None
        try:
            m, _ = self.store.append(
                session.session_id,
                role="agent",
                client_message_id=uuid.uuid4().hex,
                text=body,
                at=self.clock(),
                author_id=agent.id,
                author_name=agent.name,
                max_messages=self.max_messages,
            )
        except Conflict:
            return None  # ended (or full) in the meantime
        return Message(
            channel=Channel.CHAT,
            direction="out",
            body_text=body,
            message_id=message_key(session.session_id, m.seq),
            meta={"session_id": session.session_id, "seq": m.seq},
        )

    # -- both --------------------------------------------------------------
    def end(self, session_id: str, *, role: Role, reason: str | None = None) -> ChatSessionOut:
        """End the session (idempotent) and put its transcript on the case (exactly once)."""
        check_session_id(session_id)
        session, _ = self.store.end(session_id, by=role, reason=reason, at=self.clock())
        if not session.transcript_recorded:
            mailed = self._record_transcript(session)
            session = session.model_copy(update={"transcript_recorded": True, "transcript_mailed": mailed})
        logger().info("chat session ended", extra={"session_id": session_id, "case_id": session.case_id, "by": role})
        return session_out(session)

    def end_idle(self, idle: timedelta | None = None, now: datetime | None = None, limit: int = 200) -> list[str]:
        """End sessions without a turn for ``idle`` (default: ``idle_after``; a last system turn says
        so) and record their transcripts; finish transcripts of sessions that ended without one.
        Returns the ended ids."""
        idle = idle or self.idle_after
        now = now or self.clock()
        text = idle_end_text(idle)
        ended: list[str] = []
        for candidate in self.store.idle_since(now - idle, limit=limit):
            session = self.store.end_idle(candidate.session_id, seen_seq=candidate.last_seq, text=text, at=now)
            if session is None:
                continue  # a turn arrived (or it ended) since the index was read: not idle any more
            self._record_transcript(session)
            ended.append(session.session_id)
            logger().info("idle chat ended", extra={"session_id": session.session_id, "case_id": session.case_id})
        for session in self.store.ending(limit=limit):
            if session.session_id in ended:
                continue
            if not session.transcript_recorded:
                self._record_transcript(session)
            else:
                self._finish_mail(session, now)
        return ended

    def _record_transcript(self, session: ChatSession) -> bool:
        """The transcript onto the case (exactly once) and mailed to the customer (at most once);
        True when mailed."""
        messages = self.store.all_messages(session.session_id)
        parts = transcript_parts(messages)
        system = Actor(type=ActorType.SYSTEM, id="chat")
        for i, lines in enumerate(parts, start=1):
            label = f"Chat transcript ({len(messages)} message(s))" + (
                f", part {i} of {len(parts)}" if len(parts) > 1 else ""
            )
            try:
                self.cases.add_event(
                    session.case_id,
                    EventKind.CHAT_TRANSCRIPT,
                    system,
                    body=label,
                    data={
                        "session_id": session.session_id,
                        "started_at": session.created_at.isoformat(),
                        "ended_at": session.ended_at.isoformat() if session.ended_at else None,
                        "ended_by": session.ended_by,
                        "reason": session.end_reason,
                        "part": i,
                        "parts": len(parts),
                        "messages": lines,
                    },
                    visibility="public",
                    pointers=[f"chat-transcript:{session.session_id}:{i}"],
                )
            except Duplicate:
                continue
        due = self._mail_due(session, messages)
        self.store.mark_transcript_recorded(session.session_id, mail_due=due)
        return self._mail_transcript(session, messages) if due else False

    def _mail_due(self, session: ChatSession, messages: list[ChatMessage]) -> bool:
        return self.transcript_mail is not None and bool(session.customer_email) and bool(messages)

    def _mail_transcript(self, session: ChatSession, messages: list[ChatMessage]) -> bool:
        """Send the pending transcript mail once: claimed on the session first (``pending`` ->
        ``sending``), so a repeated end, the sweep and a retry never send it twice. A transient
        failure (throttling, a 5xx, the network) puts it back to ``pending`` for the sweep, up to
        TRANSCRIPT_MAIL_ATTEMPTS; a refusal fails it. True when mailed now."""
        assert self.transcript_mail is not None and session.customer_email  # noqa: S101 - _mail_due said so
        attempt = self.store.claim_transcript_mail(session.session_id, self.clock())
        if attempt is None:
            return False  # sent, being sent, or given up already
        link = case_link(self.base_url, session.case_id, session.customer_email) if self.base_url else None
        subject, text = transcript_mail(session, messages, link, self._case_language(session))
        try:
            self.transcript_mail.send_case_mail(session.case_id, to=session.customer_email, subject=subject, body=text)
        except Exception as exc:  # noqa: BLE001 - the transcript is on the case either way
            again = self._mail_retryable(exc) and attempt < TRANSCRIPT_MAIL_ATTEMPTS
            self.store.settle_transcript_mail(session.session_id, "pending" if again else "failed")
            logger().warning(
                "chat transcript mail failed",
                extra={
                    "session_id": session.session_id,
                    "case_id": session.case_id,
                    "error_type": type(exc).__name__,
                    "attempt": attempt,
                    "tried_again": again,
                },
            )
            self._note(
                session,
                EventKind.DELIVERY_FAILED,
                f"The chat transcript could not be mailed ({type(exc).__name__})"
                + ("; it is tried again." if again else "."),
                visibility="internal",
                pointer=f"chat-transcript-mail-failed:{session.session_id}:{attempt}",
            )
            return False
        self.store.settle_transcript_mail(session.session_id, "sent")
        self._note(
            session,
            EventKind.AUTO_REPLY,
            "Chat transcript sent to the customer by email",
            visibility="public",
            pointer=f"chat-transcript-mail:{session.session_id}",
        )
        return True

    def _case_language(self, session: ChatSession) -> str | None:
        """The case's stored language (the session's, else the contact's on record)."""
        try:
            return self.cases.get(session.case_id).language
        except Exception:  # noqa: BLE001 - the session's language then
            return None

    def _mail_retryable(self, exc: BaseException) -> bool:
        return isinstance(exc, Unavailable) or (self.mail_retryable is not None and self.mail_retryable(exc))

    def _finish_mail(self, session: ChatSession, now: datetime) -> None:
        """The sweep's part of a transcript mail still due: send a pending one again; settle a claim
        a crash left ``sending`` (older than TRANSCRIPT_MAIL_CLAIM_STALE) as failed, unsent, since it
        may have gone out: at most once."""
        if session.transcript_mail == "pending" and session.customer_email and self.transcript_mail is not None:
            self._mail_transcript(session, self.store.all_messages(session.session_id))
        elif session.transcript_mail == "sending" and (
            session.transcript_mail_claimed_at is None
            or now - session.transcript_mail_claimed_at > TRANSCRIPT_MAIL_CLAIM_STALE
        ):
            self.store.settle_transcript_mail(session.session_id, "failed")
            logger().warning(
                "chat transcript mail left unsettled",
                extra={"session_id": session.session_id, "case_id": session.case_id},
            )

    def _note(self, session: ChatSession, kind: EventKind, body: str, *, visibility: str, pointer: str) -> None:
        """A note of the transcript mail on the case (once per pointer; best effort: the mail's state
        is on the session)."""
        assert session.customer_email  # noqa: S101 - only for a mail due
        message = Message(channel=Channel.EMAIL, direction="out", body_text=body, to=[session.customer_email])
        try:
            self.cases.add_event(
                session.case_id,
                kind,
                Actor(type=ActorType.SYSTEM, id="chat-transcript"),
                body=body,
                message=message if kind == EventKind.AUTO_REPLY else None,
                visibility=visibility,
                pointers=[pointer],
            )
        except Duplicate:
            pass
        except Exception as exc:  # noqa: BLE001
            logger().warning(
                "chat transcript mail not noted", extra={"case_id": session.case_id, "error_type": type(exc).__name__}
            )

    # -- bots --------------------------------------------------------------
    def handoff(self, h: HandoffIn, bot: Actor) -> HandoffOut:
        """Open a case for a bot's conversation (idempotent on conversation_id) and a session to continue in."""
        pointer = f"handoff:{h.conversation_id}"
        existing = self.cases.find_case_for_message_ids([pointer])
        if existing:
            return self._handoff_result(self.cases.get(existing), h, replayed=True)
        stored = h.stored()
        sid = new_session_id()
        try:
            case = self.cases.open_case(
                subject=handoff_subject(h),
                description=next((t.text for t in h.transcript if t.role == "customer"), ""),
                channel=Channel.CHAT,
                actor=bot,
                contact_email=h.customer.email,
                contact_name=h.customer.name,
                contact_phone=h.customer.phone,
                customer_id=h.customer.customer_id,
                product=h.product,
                language=h.language,
                context=CaseContext(handoff=stored, chat_session_id=sid),
                pointers=[pointer, f"chat-session:{sid}"],
                extra_events=[
                    (
                        EventKind.HANDOFF,
                        {"body": handoff_summary(h), "data": stored.model_dump(mode="json"), "visibility": "internal"},
                    )
                ],
            )
        except Duplicate:
            existing = self.cases.find_case_for_message_ids([pointer])
            if not existing:
                raise
            return self._handoff_result(self.cases.get(existing), h, replayed=True)
        logger().info("bot hand-off", extra={"case_id": case.case_id, "session_id": sid})
        return self._handoff_result(case, h, replayed=False)

    def _handoff_result(self, case: Case, h: HandoffIn, *, replayed: bool) -> HandoffOut:
        sid = case.context.chat_session_id
        if not sid:
            raise Conflict(f"case {case.case_id} has no chat session")
        session = self.store.find(sid)
        if session is None:  # first attempt stopped between the case and the session: finish it
            now = self.clock()
            session = ChatSession(
                session_id=sid,
                case_id=case.case_id,
                origin="handoff",
                customer_name=h.customer.name,
                customer_email=h.customer.email,
                topic=h.intent,
                product=h.product,
                language=h.language,
                created_at=now,
                updated_at=now,
            )
            try:
                self.store.create(session)
            except Conflict:
                session = self.store.get(sid)
        return HandoffOut(
            case=case,
            session=session_out(session),
            customer_token=session_token(sid, case.case_id),
            replayed=replayed,
        )


def _last_turn_at(session: ChatSession, messages: list[ChatMessage], role: Role) -> datetime | None:
    """When ``role`` last spoke, as far as a read knows: its latest turn on this page, else the
    session's latest turn of anyone (a turn ends the typing that came before it)."""
    return next((m.at for m in reversed(messages) if m.role == role), session.last_message_at)
