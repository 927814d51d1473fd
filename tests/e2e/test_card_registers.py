"""The registers from the relationship card pinned in the shared channel, end to end through signed Slack requests:
Globex's people, who have no `/accord` there, press *Risks*, *Ideas*, *Actions* or *Knowledge map* and are told
the register as Globex may see it (the joint entries and Globex's own internal ones, never Acme's), with its
buttons, by which they add to it; Initech's Irene is told she takes no part and shown nothing."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Ephemeral, Message
from bot.slack import ids
from stages import action_service, idea_service, risk_service
from stages.relationships import Side
from tests.conftest import START
from tests.e2e.helpers import ALICE, BOB, CAROL, last_ephemeral, relationship, shown
from tests.e2e.test_actions import action_form
from tests.e2e.test_actions import add as add_action
from tests.e2e.test_ideas import add as add_idea
from tests.e2e.test_ideas import idea_form
from tests.e2e.test_joint_relationships import GLOBEX, IRENE, JOINT, PAT, QUINN, joint_at_any_hour
from tests.e2e.test_knowledge import add as add_item
from tests.e2e.test_knowledge import item_form
from tests.e2e.test_risks import add as add_risk
from tests.e2e.test_risks import risk_form

OUTSIDE = "only the two organisations' people can take part"


@pytest.fixture
def joint(tmp_path: Path) -> Iterator[Sandbox]:
    """Acme Alliance in #acme-globex with Globex's Pat and Quinn named, Acme's Carol and Initech's Irene in it too;
    its card pinned there."""
    with joint_at_any_hour(tmp_path / "accord.db", {CAROL}) as box:
        yield box


def card(sandbox: Sandbox) -> Message:
    """The relationship card, as it is now in the shared channel."""
    return next(m for m in sandbox.workspace.top_level(JOINT) if m.ts == relationship(sandbox).card_ts)


def from_card(sandbox: Sandbox, user: str, action_id: str) -> Ephemeral:
    """`user` presses one of the card's register buttons; what they alone were told."""
    told_before = len(sandbox.workspace.ephemerals_for(user))
    sandbox.driver.click(user, card(sandbox), action_id)
    told = sandbox.workspace.ephemerals_for(user)
    assert len(told) == told_before + 1, "the press was answered once, privately"
    return told[-1]


def buttons(ephemeral: Ephemeral) -> set[str]:
    """What the buttons told press: those in a row, and those beside an entry."""
    elements = [e for b in ephemeral.blocks for e in [*b.get("elements", []), b.get("accessory") or {}]]
    return {e["action_id"] for e in elements if "action_id" in e}


def test_the_card_offers_each_register_beside_its_other_buttons(joint: Sandbox) -> None:
    shown_card = card(joint)
    labels = [
        e["text"]["text"] for b in shown_card.blocks if b["type"] == "actions" for e in b["elements"] if "value" in e
    ]
    assert labels == ["Start a health check", "Record meeting", "Risks", "Ideas", "Actions", "Knowledge map"]
    assert "*Risks*, *Ideas*, *Actions* and *Knowledge map* below" in shown(shown_card)


def test_globex_sees_the_joint_risks_from_the_card_and_never_acmes_internal_ones(joint: Sandbox) -> None:
    assert add_risk(joint, risk_form(title="Globex may walk away", internal=["internal"], risk_owner=BOB)) == {}
    assert add_risk(joint, risk_form(title="Key engineer leaves")) == {}
    theirs = from_card(joint, PAT, ids.ACTION_RISKS_SHOW)
    assert "Risk register of Acme Alliance*: 1 open risk" in shown(theirs)
    assert "Key engineer leaves" in shown(theirs) and "Globex may walk away" not in shown(theirs)
    assert buttons(theirs) >= {ids.ACTION_RISK_ADD, ids.ACTION_RISK_REVIEW, ids.ACTION_RISK_EDIT, ids.ACTION_RISK_CLOSE}
    ours = from_card(joint, ALICE, ids.ACTION_RISKS_SHOW)  # Acme's people see Acme's view there too
    assert "Globex may walk away* :lock: internal" in shown(ours) and "Key engineer leaves" in shown(ours)
    assert not any("Key engineer" in shown(m) for m in joint.workspace.top_level(JOINT))  # nothing posted


def test_globex_adds_a_risk_from_the_card_and_acme_lists_it_as_globexs(joint: Sandbox) -> None:
    joint.driver.click(PAT, from_card(joint, PAT, ids.ACTION_RISKS_SHOW), ids.ACTION_RISK_ADD)
    assert joint.driver.submit(PAT, risk_form(title="Globex's supplier fails", risk_owner=QUINN)).errors == {}
    assert "Added *Globex's supplier fails* (score 12)" in shown(joint.workspace.current_modal(PAT))
    # Globex keeps one to itself, owned by one of its people: Acme never sees it, Globex does.
    joint.driver.click(PAT, from_card(joint, PAT, ids.ACTION_RISKS_SHOW), ids.ACTION_RISK_ADD)
    internal = risk_form(title="Acme may raise prices", risk_owner=QUINN, internal=["internal"])
    assert joint.driver.submit(PAT, internal).errors == {}
    joint.driver.command(ALICE, JOINT, "risks Acme Alliance")
    acmes = shown(last_ephemeral(joint, ALICE))
    assert "1 open risk" in acmes and "*Globex's supplier fails*\nOperational" in acmes
    assert f"owner <@{QUINN}>" in acmes and "Acme may raise prices" not in acmes
    globexs = shown(from_card(joint, PAT, ids.ACTION_RISKS_SHOW))
    assert "Globex's supplier fails" in globexs and "*Acme may raise prices* :lock: internal" in globexs
    uow = joint.database.uow(joint.workspace.team_id)
    [kept] = risk_service.register(uow, "Acme Alliance", joint.workspace.team_id).risks  # as Acme sees it
    assert (kept.title, kept.side, kept.raised_by) == ("Globex's supplier fails", Side.PARTNER, PAT)
    joint.driver.command(ALICE, JOINT, "history Acme Alliance")
    assert "added risk #1 to the risk register: “Globex's supplier fails”" in shown(last_ephemeral(joint, ALICE))


def test_globex_adds_an_idea_from_the_card_and_sees_the_joint_ideas_only(joint: Sandbox) -> None:
    assert add_idea(joint, idea_form(title="Acme's own pricing idea", internal=["internal"])) == {}
    theirs = from_card(joint, PAT, ids.ACTION_IDEAS_SHOW)
    assert "no open ideas" in shown(theirs) and "pricing idea" not in shown(theirs)
    joint.driver.click(PAT, theirs, ids.ACTION_IDEA_ADD)
    form = joint.workspace.current_modal(PAT)
    assert form is not None
    labels = {b["block_id"]: b["label"]["text"] for b in form.view["blocks"] if b["type"] == "input"}
    asked = [b["block_id"] for b in form.view["blocks"] if b.get("block_id") in ("value_home", "value_partner")]
    # Pat is asked what value means for Globex first, as "us": it is kept as the value for the partner (Globex).
    assert asked == ["value_partner", "value_home"] and labels["value_partner"] == "What value means for us"
    assert "for your organisation only" in str(form.view) and "not for Globex" not in str(form.view)
    answers = idea_form(title="Shared warehouse in Rotterdam", proposer=PAT, idea_owner=QUINN)
    answers |= {"value_partner": "Fuller trucks for Globex", "value_home": "Cheaper storage for Acme"}
    assert joint.driver.submit(PAT, answers).errors == {}
    assert "Added *Shared warehouse in Rotterdam*" in shown(joint.workspace.current_modal(PAT))
    joint.driver.command(ALICE, JOINT, "ideas Acme Alliance")
    acmes = shown(last_ephemeral(joint, ALICE))
    assert "2 open ideas" in acmes and "Shared warehouse in Rotterdam" in acmes
    assert f"proposed by <@{PAT}> · owner <@{QUINN}>" in acmes
    again = from_card(joint, QUINN, ids.ACTION_IDEAS_SHOW)
    assert "1 open idea" in shown(again) and "Shared warehouse in Rotterdam" in shown(again)
    assert buttons(again) >= {ids.ACTION_IDEA_ADD, ids.ACTION_IDEA_MOVE, ids.ACTION_IDEA_DROP}
    uow = joint.database.uow(joint.workspace.team_id)
    [kept] = idea_service.register(uow, "Acme Alliance", GLOBEX).ideas
    assert (kept.side, kept.raised_by, kept.owner_id) == (Side.PARTNER, PAT, QUINN)
    assert (kept.value_home, kept.value_partner) == ("Cheaper storage for Acme", "Fuller trucks for Globex")
    assert "For us: Fuller trucks for Globex · For your partner: Cheaper storage for Acme" in shown(again)
    assert "For us: Cheaper storage for Acme · For Globex: Fuller trucks for Globex" in acmes


def test_globex_adds_an_action_for_quinn_from_the_card_and_each_finds_their_own_first(joint: Sandbox) -> None:
    soon = (START.date() + timedelta(days=2)).isoformat()
    assert add_action(joint, action_form(title="Book the joint workshop", action_owner=ALICE, due=soon)) == {}
    assert add_action(joint, action_form(title="Check Globex's figures", action_owner=BOB, internal=["internal"])) == {}
    joint.driver.click(PAT, from_card(joint, PAT, ids.ACTION_ACTIONS_SHOW), ids.ACTION_ACTION_ADD)
    assert joint.driver.submit(PAT, action_form(title="Sign the Rotterdam lease", action_owner=QUINN)).errors == {}
    assert "Added *Sign the Rotterdam lease*" in shown(joint.workspace.current_modal(PAT))
    quinns = shown(from_card(joint, QUINN, ids.ACTION_ACTIONS_SHOW))
    assert "2 open actions" in quinns and "Check Globex's figures" not in quinns
    assert quinns.index("Sign the Rotterdam lease") < quinns.index("Book the joint workshop")  # Quinn's own first
    alices = from_card(joint, ALICE, ids.ACTION_ACTIONS_SHOW)
    assert "3 open actions" in shown(alices) and f"owner <@{QUINN}>" in shown(alices)
    assert shown(alices).index("Book the joint workshop") < shown(alices).index("Sign the Rotterdam lease")
    assert {ids.ACTION_ACTION_ADD, ids.ACTION_ACTION_COMPLETE} <= buttons(alices)
    uow = joint.database.uow(joint.workspace.team_id)
    [kept] = [a for a in action_service.register(uow, "Acme Alliance", GLOBEX, PAT).actions if a.owner_id == QUINN]
    assert (kept.side, kept.added_by, kept.owner_side) == (Side.PARTNER, PAT, Side.PARTNER)


def test_globex_sees_its_view_of_the_knowledge_map_from_the_card(joint: Sandbox) -> None:
    assert add_item(joint, item_form(title="Acme pricing model", classification="never", terms="")) == {}
    assert add_item(joint, item_form(title="Delivery schedules", classification="free", terms="")) == {}
    theirs = from_card(joint, PAT, ids.ACTION_KNOWLEDGE_SHOW)
    assert "Delivery schedules" in shown(theirs) and "Acme pricing model" not in shown(theirs)
    assert ids.ACTION_KNOWLEDGE_ADD in buttons(theirs)


def test_initechs_irene_presses_the_cards_registers_and_is_told_she_takes_no_part(joint: Sandbox) -> None:
    assert add_risk(joint, risk_form(title="Key engineer leaves")) == {}
    assert add_idea(joint, idea_form(title="Shared warehouse")) == {}
    assert add_action(joint, action_form(title="Send the forecast")) == {}
    assert add_item(joint, item_form(title="Delivery schedules", classification="free", terms="")) == {}
    for action in (ids.ACTION_RISKS_SHOW, ids.ACTION_IDEAS_SHOW, ids.ACTION_ACTIONS_SHOW, ids.ACTION_KNOWLEDGE_SHOW):
        told = from_card(joint, IRENE, action)
        assert OUTSIDE in shown(told) and "*Acme Alliance* is a relationship between" in shown(told), action
        assert buttons(told) == set() and joint.workspace.current_modal(IRENE) is None
        for title in ("Key engineer leaves", "Shared warehouse", "Send the forecast", "Delivery schedules"):
            assert title not in shown(told)
