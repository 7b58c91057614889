"""Chat and hand-off rules: tokens, transcript parts, hand-off validation (no AWS)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from functions.channels.chat.models import ChatMessage, HandoffIn
from functions.channels.chat.rules import (
    customer_view,
    handoff_subject,
    handoff_summary,
    new_session_id,
    session_token,
    transcript_parts,
    verify_session_token,
)
from functions.core.errors import Forbidden, Unauthorized

AT = datetime(2026, 1, 2, tzinfo=UTC)
HANDOFF = {
    "conversation_id": "c-1",
    "customer": {"email": "ann@example.org"},
    "transcript": [{"role": "bot", "text": "Hi!"}, {"role": "customer", "text": "  My   card\nwas declined  "}],
    "intent": "card_declined",
    "intent_confidence": 0.5,
}


def _msg(seq: int, text: str = "hi", role: str = "customer") -> ChatMessage:
    return ChatMessage(
        session_id="s", seq=seq, client_message_id=f"c{seq}", role=role, author_id="alice", text=text, at=AT
    )  # type: ignore[arg-type]


def test_session_ids_are_unique_and_well_formed():
    ids = {new_session_id() for _ in range(100)}

    assert len(ids) == 100
    assert all(i.startswith("chs_") and len(i) == 24 for i in ids)


def test_a_session_token_opens_its_own_session():
    sid = new_session_id()

    grant = verify_session_token(session_token(sid, "CB-100001"), sid, max_age=60)

    assert (grant.session_id, grant.case_id) == (sid, "CB-100001")


def test_a_session_token_for_another_session_is_forbidden():
    with pytest.raises(Forbidden):
        verify_session_token(session_token(new_session_id(), "CB-1"), new_session_id(), max_age=60)


def test_a_tampered_session_token_is_unauthorized():
    sid = new_session_id()

    with pytest.raises(Unauthorized):
        verify_session_token(session_token(sid, "CB-1") + "x", sid, max_age=60)


def test_an_old_session_token_has_expired():
    from functions.channels.chat.rules import SESSION_PURPOSE
    from functions.core import signing

    sid = new_session_id()
    token = signing.sign(SESSION_PURPOSE, {"session_id": sid, "case_id": "CB-1"}, issued_at=int(time.time()) - 3600)

    with pytest.raises(Forbidden, match="expired"):
        verify_session_token(token, sid, max_age=60)


def test_a_short_transcript_is_one_part():
    assert [len(p) for p in transcript_parts([_msg(i) for i in range(1, 4)])] == [3]


def test_an_empty_transcript_is_still_one_part():
    assert transcript_parts([]) == [[]]


def test_a_long_transcript_is_split_in_order_without_losing_a_turn():
    msgs = [_msg(i, "x" * 1000) for i in range(1, 51)]

    parts = transcript_parts(msgs, max_bytes=5_000)

    assert len(parts) > 1
    assert [line["seq"] for part in parts for line in part] == list(range(1, 51))
    assert all(sum(len(line["text"]) for line in part) <= 5_000 for part in parts)


def test_the_customer_view_of_a_turn_hides_agent_ids():
    view = customer_view(_msg(1, role="agent"))

    assert "author_id" not in view.model_dump()


def test_the_handoff_subject_is_the_customers_first_words_on_one_line():
    assert handoff_subject(HandoffIn.model_validate(HANDOFF)) == "My card was declined"


def test_a_handoff_without_customer_turns_is_named_after_the_intent():
    h = HandoffIn.model_validate({**HANDOFF, "transcript": [{"role": "bot", "text": "Hello"}]})

    assert handoff_subject(h) == "Chat hand-off: card_declined"


def test_the_handoff_summary_gives_reason_intent_and_confidence():
    summary = handoff_summary(HandoffIn.model_validate({**HANDOFF, "reason": "low confidence"}))

    assert "low confidence" in summary and "card_declined (50%)" in summary


@pytest.mark.parametrize("confidence", [-0.01, 1.01])
def test_handoff_confidence_must_be_between_0_and_1(confidence):
    with pytest.raises(ValidationError) as info:
        HandoffIn.model_validate({**HANDOFF, "intent_confidence": confidence})

    assert info.value.errors()[0]["loc"] == ("intent_confidence",)


def test_the_stored_handoff_is_the_shared_model():
    from functions.cases.models import Handoff

    stored = HandoffIn.model_validate(HANDOFF).stored()

    assert type(stored) is Handoff and stored.conversation_id == "c-1"
