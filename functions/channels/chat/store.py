"""DynamoDB access for chat sessions (single table).

Items:
  CHAT#{id} / #META                  the session     GSI1 CHATS#active / {created_at}#{id} while active,
                                                     then CHATS#ending / {created_at}#{id} from its end
                                                     until the transcript is on the case (then none)
  CHAT#{id} / MSG#{seq:08d}          one turn, seq 1, 2, 3 ... without gaps
  CHAT#{id} / CMID#{role}#{client}   client message id -> seq (a retried send is stored once)
Messages carry ``expires_at`` (TTL) = written + retention; the session gets it when it ends. The
transcript is copied onto the case when the session ends, so the chat items may expire.

Access patterns on GSI1 (sparse: only sessions that need attention carry GSI1PK):
  * live sessions for agents, longest waiting first: GSI1PK = CHATS#active;
  * idle sessions (``end_idle_chats``, every 5 minutes): GSI1PK = CHATS#active AND GSI1SK < cutoff
    (a session idle since the cutoff was created before it), filtered on the last turn being older
    than the cutoff. It reads only live sessions older than the idle limit: no extra index, and no
    extra index write on every turn (a last-activity sort key would cost one per turn);
  * ended sessions whose transcript is not on the case yet (a crash between the two steps), or
    whose transcript mail is still due (``transcript_mail`` pending: a transient SES failure, or a
    claim left ``sending`` by a crash): GSI1PK = CHATS#ending; the same job finishes them.

Appending a turn is one transaction: bump ``last_seq`` on the session only if it is still at the
value read and the session is active, put the turn, and claim the client message id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from functions.channels.chat.models import ChatMessage, ChatSession, Role, TranscriptMailState
from functions.core import dynamo
from functions.core.errors import Conflict, NotFound
from functions.core.timeutil import iso

ACTIVE = "CHATS#active"
ENDING = "CHATS#ending"


def session_pk(session_id: str) -> str:
    return f"CHAT#{session_id}"


def _msg_sk(seq: int) -> str:
    return f"MSG#{seq:08d}"


def _cmid_sk(role: str, client_message_id: str) -> str:
    return f"CMID#{role}#{client_message_id}"


def session_item(session: ChatSession, retention_seconds: int) -> dict[str, Any]:
    data = session.model_dump(mode="json")
    item: dict[str, Any] = {"PK": session_pk(session.session_id), "SK": "#META", "type": "chat_session", **data}
    if session.status == "active":
        item["GSI1PK"] = ACTIVE
        item["GSI1SK"] = f"{data['created_at']}#{session.session_id}"
    elif session.ended_at is not None:
        item["expires_at"] = int((session.ended_at + timedelta(seconds=retention_seconds)).timestamp())
    return dynamo.to_item(item)


class ChatStore(dynamo.TableStore):
    def __init__(self, table: Any | None = None, retention_seconds: int = 90 * 24 * 3600) -> None:
        super().__init__(table)
        self.retention_seconds = retention_seconds

    # -- sessions ----------------------------------------------------------
    def create(self, session: ChatSession) -> None:
        try:
            self.table.put_item(
                Item=session_item(session, self.retention_seconds), ConditionExpression="attribute_not_exists(PK)"
            )
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                raise Conflict(f"chat session {session.session_id} already exists") from exc
            raise

    def find(self, session_id: str) -> ChatSession | None:
        item = self.table.get_item(Key={"PK": session_pk(session_id), "SK": "#META"}, ConsistentRead=True).get("Item")
        return ChatSession.model_validate(dynamo.strip_keys(dynamo.from_item(item))) if item else None

    def get(self, session_id: str) -> ChatSession:
        session = self.find(session_id)
        if session is None:
            raise NotFound("chat session", session_id)
        return session

    def active(self, limit: int = 50, cursor: str | None = None) -> tuple[list[ChatSession], str | None]:
        """Active sessions, longest waiting first."""
        kwargs: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": Key("GSI1PK").eq(ACTIVE),
            "Limit": limit,
        }
        start = dynamo.decode_cursor(cursor)
        if start:
            kwargs["ExclusiveStartKey"] = start
        resp = self.table.query(**kwargs)
        items = [ChatSession.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in resp["Items"]]
        return items, dynamo.encode_cursor(resp.get("LastEvaluatedKey"))

    def idle_since(self, cutoff: datetime, limit: int = 200) -> list[ChatSession]:
        """Active sessions without a turn since ``cutoff`` (GSI1, eventually consistent: recheck before acting)."""
        stamp = iso(cutoff)
        kwargs: dict[str, Any] = {
            "IndexName": "GSI1",
            "KeyConditionExpression": Key("GSI1PK").eq(ACTIVE) & Key("GSI1SK").lt(stamp),
            "FilterExpression": Attr("last_message_at").not_exists() | Attr("last_message_at").lt(stamp),
        }
        return self._collect(kwargs, limit)

    def ending(self, limit: int = 200) -> list[ChatSession]:
        """Ended sessions whose transcript is not recorded on the case yet."""
        return self._collect({"IndexName": "GSI1", "KeyConditionExpression": Key("GSI1PK").eq(ENDING)}, limit)

    def _collect(self, kwargs: dict[str, Any], limit: int) -> list[ChatSession]:
        items = islice(self.query_items(**kwargs), limit)
        return [ChatSession.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in items]

    def end_idle(self, session_id: str, *, seen_seq: int, text: str, at: datetime) -> ChatSession | None:
        """End a session that had no turn after ``seen_seq``, with a last system turn saying why, atomically.

        None when the session got a turn (or ended) since it was read: it is not idle any more.
        """
        name = self.table.name
        pk = session_pk(session_id)
        seq = seen_seq + 1
        stamp = iso(at)
        expires = int((at + timedelta(seconds=self.retention_seconds)).timestamp())
        message = ChatMessage(
            session_id=session_id, seq=seq, client_message_id="idle-end", role="system", text=text, at=at
        )
        ops = [
            {
                "Update": {
                    "TableName": name,
                    "Key": {"PK": pk, "SK": "#META"},
                    "UpdateExpression": (
                        "SET #s = :ended, ended_at = :at, ended_by = :by, end_reason = :reason, updated_at = :at, "
                        "last_seq = :seq, last_message_at = :at, expires_at = :exp, GSI1PK = :ending"
                    ),
                    "ConditionExpression": "#s = :active AND last_seq = :seen",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {
                        ":ended": "ended",
                        ":active": "active",
                        ":at": stamp,
                        ":by": "system",
                        ":reason": text,
                        ":seq": seq,
                        ":seen": seen_seq,
                        ":exp": expires,
                        ":ending": ENDING,
                    },
                }
            },
            {
                "Put": {
                    "TableName": name,
                    "Item": dynamo.to_item(
                        {
                            "PK": pk,
                            "SK": _msg_sk(seq),
                            "type": "chat_message",
                            "expires_at": expires,
                            **message.model_dump(mode="json"),
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
        try:
            self.table.meta.client.transact_write_items(TransactItems=ops)
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):
                raise
            return None
        return self.get(session_id)

    def end(self, session_id: str, *, by: Role, reason: str | None, at: datetime) -> tuple[ChatSession, bool]:
        """End an active session. Returns (session, True), or (session, False) when it had already ended."""
        stamp = iso(at)
        try:
            resp = self.table.update_item(
                Key={"PK": session_pk(session_id), "SK": "#META"},
                UpdateExpression=(
                    "SET #s = :ended, ended_at = :at, ended_by = :by, end_reason = :reason, updated_at = :at, "
                    "expires_at = :exp, GSI1PK = :ending"
                ),
                ConditionExpression="attribute_exists(PK) AND #s = :active",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":ending": ENDING,
                    ":ended": "ended",
                    ":active": "active",
                    ":at": stamp,
                    ":by": by,
                    ":reason": reason,
                    ":exp": int((at + timedelta(seconds=self.retention_seconds)).timestamp()),
                },
                ReturnValues="ALL_NEW",
            )
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):
                raise
            return self.get(session_id), False
        return ChatSession.model_validate(dynamo.strip_keys(dynamo.from_item(resp["Attributes"]))), True

    def mark_transcript_recorded(self, session_id: str, *, mail_due: bool = False) -> None:
        """The transcript is on the case; without a mail due the session leaves ``ending``. With one,
        it stays there (the sweep's list) with its mail ``pending``, unless the mail has a state already."""
        key = {"PK": session_pk(session_id), "SK": "#META"}
        if not mail_due:
            self.table.update_item(
                Key=key,
                UpdateExpression="SET transcript_recorded = :t REMOVE GSI1PK, GSI1SK",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues={":t": True},
            )
            return
        self.table.update_item(
            Key=key,
            UpdateExpression="SET transcript_recorded = :t, transcript_mail = if_not_exists(transcript_mail, :p)",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":t": True, ":p": "pending"},
        )

    def claim_transcript_mail(self, session_id: str, at: datetime) -> int | None:
        """``pending`` -> ``sending``, conditionally: one sender at a time, never after ``sent``."""
        try:
            resp = self.table.update_item(
                Key={"PK": session_pk(session_id), "SK": "#META"},
                UpdateExpression=(
                    "SET transcript_mail = :sending, transcript_mail_claimed_at = :at, "
                    "transcript_mail_attempts = if_not_exists(transcript_mail_attempts, :zero) + :one"
                ),
                ConditionExpression="transcript_mail = :pending",
                ExpressionAttributeValues={
                    ":sending": "sending",
                    ":pending": "pending",
                    ":at": iso(at),
                    ":zero": 0,
                    ":one": 1,
                },
                ReturnValues="UPDATED_NEW",
            )
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                return None
            raise
        return int(resp["Attributes"]["transcript_mail_attempts"])

    def settle_transcript_mail(self, session_id: str, state: TranscriptMailState) -> None:
        """The claimed send's outcome; the session leaves ``ending`` unless the mail is pending again."""
        values: dict[str, Any] = {":state": state, ":sending": "sending", ":mailed": state == "sent"}
        update = "SET transcript_mail = :state, transcript_mailed = :mailed"
        if state != "pending":
            update += " REMOVE GSI1PK, GSI1SK"
        try:
            self.table.update_item(
                Key={"PK": session_pk(session_id), "SK": "#META"},
                UpdateExpression=update,
                ConditionExpression="transcript_mail = :sending",
                ExpressionAttributeValues=values,
            )
        except Exception as exc:
            if not dynamo.is_conditional_failure(exc):
                raise

    def typing(self, session_id: str, role: Role, at: datetime) -> bool:
        """Note that ``role`` (customer or agent) is typing at ``at``. False when the session is not
        active (ended, or none): typing into an ended chat says nothing."""
        try:
            self.table.update_item(
                Key={"PK": session_pk(session_id), "SK": "#META"},
                UpdateExpression=f"SET {role}_typing_at = :at",
                ConditionExpression="attribute_exists(PK) AND #s = :active",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":at": iso(at), ":active": "active"},
            )
        except Exception as exc:
            if dynamo.is_conditional_failure(exc):
                return False
            raise
        return True

    # -- messages ----------------------------------------------------------
    def by_client_id(self, session_id: str, role: str, client_message_id: str) -> ChatMessage | None:
        ptr = self.table.get_item(
            Key={"PK": session_pk(session_id), "SK": _cmid_sk(role, client_message_id)}, ConsistentRead=True
        ).get("Item")
        if not ptr:
            return None
        item = self.table.get_item(
            Key={"PK": session_pk(session_id), "SK": _msg_sk(int(ptr["seq"]))}, ConsistentRead=True
        ).get("Item")
        return ChatMessage.model_validate(dynamo.strip_keys(dynamo.from_item(item))) if item else None

    def append(
        self,
        session_id: str,
        *,
        role: Role,
        client_message_id: str,
        text: str,
        at: datetime,
        author_id: str | None = None,
        author_name: str | None = None,
        max_messages: int = 2000,
        attempts: int = 8,
    ) -> tuple[ChatMessage, bool]:
        """Append a turn. Returns (message, True), or (the earlier message, False) for a retried client id.

        Raises Conflict when the session has ended or is full, NotFound when there is no such session.
        """
        existing = self.by_client_id(session_id, role, client_message_id)
        if existing is not None:
            return existing, False
        name = self.table.name
        for _ in range(attempts):
            session = self.get(session_id)
            if session.status != "active":
                raise Conflict(f"chat session {session_id} has ended; start a new one")
            if session.last_seq >= max_messages:
                raise Conflict(f"chat session {session_id} is full ({max_messages} messages); start a new one")
            seq = session.last_seq + 1
            message = ChatMessage(
                session_id=session_id,
                seq=seq,
                client_message_id=client_message_id,
                role=role,
                author_id=author_id,
                author_name=author_name,
                text=text,
                at=at,
            )
            expires = int((at + timedelta(seconds=self.retention_seconds)).timestamp())
            pk = session_pk(session_id)
            ops = [
                {
                    "Update": {
                        "TableName": name,
                        "Key": {"PK": pk, "SK": "#META"},
                        "UpdateExpression": "SET last_seq = :seq, last_message_at = :at, updated_at = :at",
                        "ConditionExpression": "last_seq = :prev AND #s = :active",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {
                            ":seq": seq,
                            ":prev": seq - 1,
                            ":at": iso(at),
                            ":active": "active",
                        },
                    }
                },
                {
                    "Put": {
                        "TableName": name,
                        "Item": dynamo.to_item(
                            {
                                "PK": pk,
                                "SK": _msg_sk(seq),
                                "type": "chat_message",
                                "expires_at": expires,
                                **message.model_dump(mode="json"),
                            }
                        ),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                {
                    "Put": {
                        "TableName": name,
                        "Item": {
                            "PK": pk,
                            "SK": _cmid_sk(role, client_message_id),
                            "type": "chat_client_id",
                            "seq": seq,
                            "expires_at": expires,
                        },
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
            ]
            try:
                self.table.meta.client.transact_write_items(TransactItems=ops)
            except Exception as exc:
                if not dynamo.is_conditional_failure(exc):
                    raise
                reasons = dynamo.cancellation_reasons(exc)
                if len(reasons) == 3 and reasons[2] == "ConditionalCheckFailed":
                    earlier = self.by_client_id(session_id, role, client_message_id)
                    if earlier is not None:
                        return earlier, False
                continue  # another turn got this seq (or the session ended): read again
            return message, True
        raise Conflict(f"chat session {session_id} is too busy; try again")

    def messages(self, session_id: str, after: int = 0, limit: int = 100) -> list[ChatMessage]:
        resp = self.table.query(
            KeyConditionExpression=Key("PK").eq(session_pk(session_id))
            & Key("SK").between(_msg_sk(after + 1), _msg_sk(99_999_999)),
            Limit=limit,
            ConsistentRead=True,
        )
        return [ChatMessage.model_validate(dynamo.strip_keys(dynamo.from_item(i))) for i in resp["Items"]]

    def all_messages(self, session_id: str, page_size: int = 200) -> list[ChatMessage]:
        out: list[ChatMessage] = []
        while True:
            page = self.messages(session_id, after=out[-1].seq if out else 0, limit=page_size)
            out += page
            if len(page) < page_size:
                return out
