"""The customer's view of their case's timeline (functions/portal/rules.py): the signed links to
the case page that the mails carried are not shown on the page they open."""

from __future__ import annotations

import pytest

from functions.channels.email.rules import acknowledgement_text, reply_footer
from functions.portal.rules import without_case_links

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
