"""The customer's view of their case's timeline (functions/portal/rules.py): the signed links to
the case page that the mails carried are not shown on the page they open, and support staff are
named by a display name or not at all, never by an internal id or address."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.cases.models import Actor, ActorType, EventKind, TimelineEvent
from functions.channels.email.rules import acknowledgement_text, reply_footer
from functions.portal.rules import public_event, shown_name, without_case_links

LINK = "https://help.example.com/portal/cases/CB-1042?token=gAAAAABn" + "x" * 180


@pytest.mark.parametrize("lang", ["en", "de", "fr", "es"])
def test_the_acknowledgement_shows_without_the_link_and_its_lead_in(lang):
    text = acknowledgement_text("CB-1042", "Ann", LINK, lang)
    without = acknowledgement_text("CB-1042", "Ann", None, lang)

    assert without_case_links(text) == without.strip("\n")


def test_a_quoted_acknowledgement_in_a_reply_loses_the_link_too():
    quoted = "\n".join("> " + line if line else ">" for line in acknowledgement_text("CB-1042", None, LINK).split("\n"))
    text = f"Thanks, here is the photo.\n\nOn Monday support wrote:\n{quoted}"

    shown = without_case_links(text)

    assert "token=" not in shown and "/portal/cases/" not in shown
    assert "You can follow your case here" not in shown
    assert shown.startswith("Thanks, here is the photo.") and "> Please keep [CB-1042]" in shown


def test_a_link_inside_a_line_is_cut_out_with_its_colon():
    assert without_case_links(reply_footer("CB-1042", LINK, "en")) == "Your case CB-1042"
    assert without_case_links(f"see <{LINK}> for more") == "see  for more"


def test_text_without_a_case_link_is_unchanged():
    text = "See https://example.com/manual/ch3 for the jam:\n\nit still jams.\n"
    assert without_case_links(text) == text


# -- who wrote: support staff by a display name, never by an internal id or address ------------------

AT = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)


def _reply(actor_id: str, name: str | None = None) -> TimelineEvent:
    return TimelineEvent(
        case_id="CB-1042",
        event_id="e1",
        at=AT,
        kind=EventKind.MESSAGE_OUT,
        actor=Actor(type=ActorType.AGENT, id=actor_id, name=name),
        visibility="public",
        body="We are sending a new tray.",
    )


@pytest.mark.parametrize(
    ("directory", "shown"),
    [
        ({"alice": "Alice Meyer"}, "Alice Meyer"),
        ({"alice": "alice"}, None),  # a directory entry without a name falls back to the id
        ({"alice": "alice@desk.example"}, None),  # ... or to the address
        ({}, None),  # not in the directory (the shared development token)
    ],
)
def test_an_agent_is_named_by_the_directorys_display_name_or_not_at_all(directory, shown):
    event = public_event(_reply("alice"), directory.get)

    assert event is not None and event.author == "support" and event.author_name == shown


def test_an_agent_id_is_never_shown_even_as_the_actors_name():
    assert public_event(_reply("bob@desk.example", name="bob@desk.example")).author_name is None
    assert shown_name("  ", "bob") is None and shown_name("bob", "bob") is None
    assert shown_name("Bob Stone", "bob") == "Bob Stone"


def test_chat_transcript_lines_name_the_agent_by_the_directory_too():
    event = TimelineEvent(
        case_id="CB-1042",
        event_id="e2",
        at=AT,
        kind=EventKind.CHAT_TRANSCRIPT,
        actor=Actor(type=ActorType.SYSTEM),
        visibility="public",
        data={
            "messages": [
                {"role": "customer", "author_name": "Ann", "text": "Hi", "at": AT.isoformat()},
                {"role": "agent", "author_id": "alice", "author_name": "alice", "text": "Hello", "at": AT.isoformat()},
                {"role": "agent", "author_id": "carl", "author_name": None, "text": "Bye", "at": AT.isoformat()},
            ]
        },
    )

    lines = public_event(event, {"alice": "Alice Meyer", "carl": "carl@desk.example"}.get).transcript

    assert [line.author_name for line in lines] == ["Ann", "Alice Meyer", None]
