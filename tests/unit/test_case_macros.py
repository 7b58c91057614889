"""Canned replies (functions/cases/macros): rendering (pure, safe, missing values visible),
translations, who sees and changes which macro; on the in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.cases.macros import rules
from functions.cases.macros.models import Macro, MacroIn, MacroText
from functions.cases.macros.service import MacroService
from functions.cases.models import Actor, ActorType, Channel
from functions.cases.service import CaseService
from functions.core.errors import Forbidden, NotFound, VersionConflict
from tests.fakes.cases import FakeCaseStore
from tests.fakes.records import InMemoryRecords

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALICE, BOB = "alice@desk.example", "bob@desk.example"


class Names:
    def agent(self, agent_id: str) -> str | None:
        return {ALICE: "Alice Wong"}.get(agent_id)

    def customer(self, customer_id: str) -> str | None:
        return {"CU-1": "Nordwerk GmbH"}.get(customer_id)


@pytest.fixture
def world():
    cases = CaseService(FakeCaseStore(), clock=lambda: T0)
    macros = MacroService(InMemoryRecords("macro", "macro_id"), cases, Names(), lambda: T0)
    return cases, macros


def _case(cases: CaseService, **over) -> str:
    data = {"subject": "Printer jams", "channel": Channel.EMAIL, "actor": Actor(type=ActorType.CUSTOMER)} | over
    return cases.open_case(**data).case_id


def _macro(**over) -> MacroIn:
    return MacroIn.model_validate({"title": "Thanks", "body": "Hi {{customer.name}}, about {{case.id}}."} | over)


# -- rendering ------------------------------------------------------------------------------------


def test_placeholders_are_replaced_in_one_pass_and_a_value_is_never_read_again():
    body, missing = rules.render(
        "Hi {{ customer.name }}! {{case.id}}", {"customer.name": "{{agent.id}}", "case.id": "CB-1"}
    )
    assert (body, missing) == ("Hi {{agent.id}}! CB-1", [])


def test_a_missing_or_unknown_placeholder_stays_visible_and_is_listed_once():
    body, missing = rules.render("{{customer.name}} {{nope}} {{customer.name}}", {"customer.name": None})
    assert body == "{{customer.name}} {{nope}} {{customer.name}}" and missing == ["customer.name", "nope"]


@pytest.mark.parametrize(
    "text",
    ["{{ __class__ }}", "{% for x in y %}", "{{case.id|upper}}", "{{ case.id() }}", "${case.id}", "{{7*7}}"],
)
def test_anything_but_a_plain_placeholder_is_text(text):
    assert rules.render(text, {"case.id": "CB-1"}) == (text, [])


def test_the_case_s_language_picks_the_translation_then_its_base_then_the_macro_s_own():
    macro = Macro(
        macro_id="MC-1",
        title="Thanks",
        body="Thanks",
        translations={"de": MacroText(body="Danke"), "fr-CH": MacroText(title="Merci!", body="Merci")},
        owner=ALICE,
        created_at=T0,
        updated_at=T0,
    )
    assert rules.translation(macro, "de-AT") == ("de", MacroText(title="Thanks", body="Danke"))
    assert rules.translation(macro, "FR-ch") == ("fr-CH", MacroText(title="Merci!", body="Merci"))
    assert rules.translation(macro, "it")[0] is None and rules.translation(macro, None)[1].body == "Thanks"


# -- the service ----------------------------------------------------------------------------------


def test_the_preview_renders_the_case_the_customer_and_the_agent_in_the_case_s_language(world):
    cases, macros = world
    case_id = _case(cases, contact_name="Anna Schmidt", language="de")
    macro = macros.create(
        _macro(translations={"de": {"body": "Hallo {{customer.name}}, zu {{case.id}}: {{agent.name}}"}}), ALICE, False
    )
    preview = macros.preview(case_id, macro.macro_id, ALICE)
    assert (preview.language, preview.body, preview.missing) == (
        "de",
        f"Hallo Anna Schmidt, zu {case_id}: Alice Wong",
        [],
    )


def test_the_customer_s_organisation_stands_in_for_a_contact_without_a_name_and_a_missing_name_shows(world):
    cases, macros = world
    with_org = _case(cases, customer_id="CU-1")
    without = _case(cases)
    macro = macros.create(_macro(body="Hi {{customer.name}} from {{agent.name}}"), BOB, False)
    assert macros.preview(with_org, macro.macro_id, BOB).body == "Hi Nordwerk GmbH from {{agent.name}}"
    anonymous = macros.preview(without, macro.macro_id, BOB)
    assert anonymous.body == "Hi {{customer.name}} from {{agent.name}}"
    assert anonymous.missing == ["customer.name", "agent.name"]


def test_agents_see_their_own_and_the_shared_macros_only(world):
    _, macros = world
    mine = macros.create(_macro(title="b mine"), ALICE, False)
    shared = macros.create(_macro(title="A shared", visibility="shared"), BOB, True)
    theirs = macros.create(_macro(title="c theirs"), BOB, False)
    assert [m.macro_id for m in macros.list(ALICE)] == [shared.macro_id, mine.macro_id]
    with pytest.raises(NotFound):
        macros.get(theirs.macro_id, ALICE)
    with pytest.raises(NotFound):
        macros.preview("CB-1", theirs.macro_id, ALICE)


def test_only_admins_create_share_or_change_shared_macros(world):
    _, macros = world
    with pytest.raises(Forbidden):
        macros.create(_macro(visibility="shared"), ALICE, False)
    shared = macros.create(_macro(visibility="shared"), BOB, True)
    with pytest.raises(Forbidden):
        macros.replace(shared.macro_id, _macro(title="mine now"), ALICE, False, None)
    with pytest.raises(Forbidden):
        macros.delete(shared.macro_id, BOB, False, None)  # its author too, without the role
    mine = macros.create(_macro(), ALICE, False)
    with pytest.raises(Forbidden):
        macros.replace(mine.macro_id, _macro(visibility="shared"), ALICE, False, None)
    changed = macros.replace(shared.macro_id, _macro(title="New", visibility="shared"), ALICE, True, 1)
    assert (changed.title, changed.version, changed.owner) == ("New", 2, BOB)


def test_a_stale_version_is_a_conflict_and_nothing_changes(world):
    _, macros = world
    macro = macros.create(_macro(), ALICE, False)
    macros.replace(macro.macro_id, _macro(title="Second"), ALICE, False, 1)
    with pytest.raises(VersionConflict):
        macros.replace(macro.macro_id, _macro(title="Third", version=1), ALICE, False, None)
    with pytest.raises(VersionConflict):
        macros.delete(macro.macro_id, ALICE, False, 1)
    assert macros.get(macro.macro_id, ALICE).title == "Second"
    macros.delete(macro.macro_id, ALICE, False, 2)
    assert macros.list(ALICE) == []
