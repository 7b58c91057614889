"""Fault injection on the chat transcript mail, through the routes and the scheduled job on moto:
SES (SendRawEmail) throttles the mail once at the chat's end, the 5-minute job sends it, and the
customer gets exactly one transcript however often the job and the end run again."""

from __future__ import annotations

import email
import json
from email import policy

from tests.faults import inject

JSON = {"Content-Type": "application/json"}


def transcripts_in_outbox(to: str) -> int:
    """Transcript mails SES (moto) took for ``to``."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    count = 0
    for backend in ses_backends[DEFAULT_ACCOUNT_ID].values():
        for m in backend.sent_messages:
            msg = email.message_from_string(getattr(m, "raw_data", ""), policy=policy.default)
            if to in str(msg.get("To", "")) and "chat transcript" in str(msg.get("Subject", "")):
                count += 1
    return count


def test_a_transcript_mail_throttled_once_reaches_the_customer_exactly_once(client, agent_headers):
    body = {"name": "Ann Example", "email": "ann@example.org", "topic": "Router keeps rebooting"}
    chat = client.http.post("/chat/sessions", headers=JSON, body=json.dumps(body)).json_body
    customer = {**JSON, "Authorization": f"Bearer {chat['token']}"}
    said = client.http.post(
        f"/chat/sessions/{chat['session_id']}/messages",
        headers=customer,
        body=json.dumps({"client_message_id": "c-1", "text": "It reboots every ten minutes"}),
    )
    assert said.status_code == 201, said.body

    with inject(1.0, ("ses", "SendRawEmail")) as faults:
        ended = client.http.post(f"/chat/sessions/{chat['session_id']}/end", headers=customer)
    assert faults.injected[("ses", "SendRawEmail")] == 1
    assert ended.status_code == 200 and ended.json_body["transcript_mailed"] is False
    assert transcripts_in_outbox("ann@example.org") == 0

    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])
    for _ in range(3):
        client.lambda_.invoke("end_idle_chats", event)
    again = client.http.post(f"/chat/sessions/{chat['session_id']}/end", headers=customer)

    assert transcripts_in_outbox("ann@example.org") == 1
    assert again.json_body["transcript_mailed"] is True
    timeline = client.http.get(f"/cases/{chat['case_id']}", headers=agent_headers).json_body["timeline"]
    assert [e["body"] for e in timeline if e["kind"] == "auto_reply"] == [
        "Chat transcript sent to the customer by email"
    ]
