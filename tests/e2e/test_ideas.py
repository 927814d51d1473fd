"""The value-creation ideas register, end to end through signed Slack requests: listed by next decision, added
through its form (every wrong field told under it, a decision date in the past refused, the same form sent twice
adding one idea), moved on one step at a time with what each status needs, dropped with a reason, flagged stale
on the sixtieth day unmoved and kept going, the value delivered summed, kept internal from the partner, audited,
and refused to a third organisation."""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.records.evidence_pack import write_pack
from bot.records.plan_document import render_html, render_markdown
from bot.sandbox.harness import Sandbox
from bot.slack import ids
from bot.slack.wording import Copy
from stages import idea_service, rmp
from stages.catalogue import default_catalogue
from stages.errors import OutsideTheRelationship
from stages.ideas import IdeaMove, IdeaStatus, idea_draft, idea_move
from tests.conftest import START
from tests.e2e.helpers import ALICE, BOB, last_ephemeral, relationship, shown
from tests.e2e.test_joint_relationships import GLOBEX, INITECH, IRENE, JOINT, PAT, QUINN, joint_at_any_hour


@pytest.fixture
def joint(tmp_path: Path) -> Iterator[Sandbox]:
    """Acme Alliance in #acme-globex with Globex's people named, and Initech's Irene in the channel too."""
    with joint_at_any_hour(tmp_path / "accord.db") as box:
        yield box


def listed(sandbox: Sandbox, user: str = ALICE) -> str:
    sandbox.driver.command(user, JOINT, "ideas Acme Alliance")
    return shown(last_ephemeral(sandbox, user))


def idea_form(**changes: object) -> dict[str, object]:
    decision = (START.date() + timedelta(days=14)).isoformat()
    answers: dict[str, object] = {
        "title": "Share the warehouse <!channel>",
        "proposer": PAT,
        "idea_owner": BOB,
        "value_home": "Lower storage costs",
        "value_partner": "Faster deliveries",
        "expected_amount": "120,000",
        "expected_unit": "gbp",
        "expected_words": "A year's rent saved",
        "next_decision": decision,
    }
    return answers | changes


def add(sandbox: Sandbox, answers: dict[str, object], user: str = ALICE) -> dict[str, str]:
    sandbox.driver.command(user, JOINT, "ideas Acme Alliance")
    sandbox.driver.click(user, last_ephemeral(sandbox, user), ids.ACTION_IDEA_ADD)
    return sandbox.driver.submit(user, answers).errors


def press(sandbox: Sandbox, action: str, answers: dict[str, object], user: str = ALICE, idea: int = 1) -> str:
    """Press `action` on the idea of the list, send its form, and say what it came to."""
    sandbox.driver.command(user, JOINT, "ideas Acme Alliance")
    sandbox.driver.click(user, last_ephemeral(sandbox, user), action, block_id=f"idea:{idea}")
    assert sandbox.driver.submit(user, answers).errors == {}
    return shown(sandbox.workspace.current_modal(user))


def test_ideas_are_added_through_the_form_and_listed_by_next_decision(joint: Sandbox) -> None:
    assert "no open ideas" in listed(joint)
    assert add(joint, idea_form()) == {}
    assert "Added *Share the warehouse &lt;!channel&gt;*" in shown(joint.workspace.current_modal(ALICE))
    sooner = (START.date() + timedelta(days=3)).isoformat()
    assert add(joint, idea_form(title="Joint training", proposer=QUINN, next_decision=sooner)) == {}
    text = listed(joint)
    assert "2 open ideas" in text
    assert text.index("Joint training") < text.index("Share the warehouse")
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert f"Expected 120,000 GBP: A year's rent saved · proposed by <@{PAT}> · owner <@{BOB}>" in text
    assert "For us: Lower storage costs · For Globex: Faster deliveries" in text


def test_every_wrong_field_is_told_under_it_and_a_decision_date_in_the_past_is_refused(joint: Sandbox) -> None:
    yesterday = (START.date() - timedelta(days=1)).isoformat()
    wrong = idea_form(title=" ", value_partner=" ", expected_amount="lots", expected_unit=" ", next_decision=yesterday)
    errors = add(joint, wrong)
    assert set(errors) == {"title", "value_partner", "expected_amount", "expected_unit", "next_decision"}
    assert "in the past" in errors["next_decision"]
    assert "no open ideas" in listed(joint)


def test_a_proposer_or_owner_of_a_third_organisation_is_refused(joint: Sandbox) -> None:
    for person in ("proposer", "idea_owner"):
        assert add(joint, idea_form(**{person: IRENE})) == {}
        assert "belongs to neither" in shown(joint.workspace.current_modal(ALICE))
    assert add(joint, idea_form(internal=["internal"], idea_owner=PAT)) == {}
    assert "choose one of your people" in shown(joint.workspace.current_modal(ALICE))
    assert "no open ideas" in listed(joint)


def test_the_same_form_sent_again_adds_one_idea(joint: Sandbox) -> None:
    r = relationship(joint)
    typed = idea_form()
    draft = idea_draft(
        title=str(typed["title"]), proposer_id=PAT, owner_id=BOB, value_home="a", value_partner="b",
        expected_amount="1", expected_unit="GBP", expected_words="c", next_decision=str(typed["next_decision"]),
        internal=False, today=START.date(),
    )  # fmt: skip
    uow = joint.database.uow(joint.workspace.team_id)
    kept = [
        idea_service.add_idea(uow, r.id or 0, draft, by=ALICE, organisation=r.team_id, now=START, form_key="V1")
        for _ in range(2)
    ]
    assert [k.first for k in kept] == [True, False]
    assert "1 open idea," in listed(joint)


def test_an_internal_idea_is_never_shown_to_the_partner_and_a_third_organisation_is_refused(joint: Sandbox) -> None:
    assert add(joint, idea_form(title="Buy Globex's depot", internal=["internal"])) == {}
    assert add(joint, idea_form(title="Shared idea")) == {}
    assert "*Buy Globex's depot* :lock: internal" in listed(joint)
    uow = joint.database.uow(joint.workspace.team_id)
    theirs = idea_service.register(uow, "Acme Alliance", GLOBEX)
    assert [i.title for i in theirs.ideas] == ["Shared idea"]
    with pytest.raises(OutsideTheRelationship):
        idea_service.register(uow, "Acme Alliance", INITECH)
    joint.driver.command(ALICE, JOINT, "ideas Acme Alliance")
    joint.driver.click(IRENE, last_ephemeral(joint, ALICE), ids.ACTION_IDEA_ADD)
    assert joint.workspace.current_modal(IRENE) is None
    assert "only the two organisations' people" in shown(last_ephemeral(joint, IRENE))


def test_an_idea_moves_on_step_by_step_until_delivered_and_its_value_is_summed(joint: Sandbox) -> None:
    assert add(joint, idea_form()) == {}
    later = (START.date() + timedelta(days=30)).isoformat()
    assert "is now agreed, next decision by" in press(joint, ids.ACTION_IDEA_MOVE, {"next_decision": later})
    joint.driver.command(ALICE, JOINT, "ideas Acme Alliance")
    agreed_list = last_ephemeral(joint, ALICE)
    assert "· Agreed" in shown(agreed_list)
    assert "is now in delivery" in press(joint, ids.ACTION_IDEA_MOVE, {"next_decision": later})
    joint.driver.click(ALICE, agreed_list, ids.ACTION_IDEA_MOVE)  # the list from before it moved on
    assert "has moved since this was opened (it is in delivery)" in shown(last_ephemeral(joint, ALICE))
    joint.driver.command(ALICE, JOINT, "ideas Acme Alliance")
    joint.driver.click(ALICE, last_ephemeral(joint, ALICE), ids.ACTION_IDEA_MOVE)
    errors = joint.driver.submit(ALICE, {"delivered_amount": "-5"}).errors
    assert errors.keys() == {"delivered_amount"}
    assert joint.driver.submit(ALICE, {"delivered_amount": "80000.5"}).errors == {}
    assert "delivering *80,000.50 GBP*" in shown(joint.workspace.current_modal(ALICE))
    assert add(joint, idea_form(title="Joint training")) == {}
    assert "Joint training" in press(joint, ids.ACTION_IDEA_DROP, {"reason": "No budget this year"}, idea=2)
    text = listed(joint)
    assert "no open ideas" in text and "Value delivered: *80,000.50 GBP*" in text
    joint.driver.command(ALICE, JOINT, "history Acme Alliance")
    history = shown(last_ephemeral(joint, ALICE))
    assert "added idea #1 to the value-creation ideas" in history
    assert "moved idea #1 to agreed" in history
    assert "marked idea #1 delivered, 80000.50 GBP" in history
    assert "dropped idea #2: “No budget this year”" in history


def test_an_idea_is_flagged_stale_on_the_sixtieth_day_unmoved_and_kept_going(joint: Sandbox) -> None:
    assert add(joint, idea_form()) == {}
    joint.advance(timedelta(days=59))
    assert "stale" not in listed(joint)
    joint.advance(timedelta(days=1))
    assert f"· Proposed · :hourglass: stale, unmoved since {START.day} Nov 2026\nExpected 120,000 GBP" in listed(joint)
    today = joint.clock.now().date()
    joint.driver.command(ALICE, JOINT, "ideas Acme Alliance")
    joint.driver.click(ALICE, last_ephemeral(joint, ALICE), ids.ACTION_IDEA_KEEP)
    assert joint.driver.submit(ALICE, {"next_decision": today.isoformat()}).errors.keys() == {"next_decision"}
    later = (today + timedelta(days=20)).isoformat()
    assert joint.driver.submit(ALICE, {"next_decision": later}).errors == {}
    assert "keeps going" in shown(joint.workspace.current_modal(ALICE))
    assert "stale" not in listed(joint)
    joint.driver.command(ALICE, JOINT, "history Acme Alliance")
    assert "kept idea #1 going" in shown(last_ephemeral(joint, ALICE))


def idea_nudges(sandbox: Sandbox) -> list[tuple[str, str, str]]:
    with sandbox.database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT recipient_id, period, status FROM nudge WHERE kind = 'idea_stale' ORDER BY id")
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def test_a_stale_idea_nudges_its_owner_from_the_sixtieth_day_until_it_is_kept_going(joint: Sandbox) -> None:
    assert add(joint, idea_form()) == {}  # Bob owns it
    joint.advance(timedelta(days=59))
    joint.run_nudges()
    assert idea_nudges(joint) == []  # unmoved for 59 days: not stale yet
    joint.advance(timedelta(days=1))
    joint.run_nudges()
    joint.run_nudges()
    sixtieth = (START.date() + timedelta(days=60)).isoformat()
    assert idea_nudges(joint) == [(BOB, f"{sixtieth}/0", "sent")]
    dm = joint.workspace.top_level(joint.workspace.im_with(BOB).id)[-1]
    told = shown(dm)
    assert "The value-creation idea *Share the warehouse &lt;!channel&gt;* of *Acme Alliance*" in told
    assert "has not moved for 60 days" in told
    joint.advance(timedelta(days=3))
    joint.run_nudges()
    assert [period for _, period, _ in idea_nudges(joint)] == [f"{sixtieth}/0", f"{sixtieth}/1"]  # every few days
    joint.driver.click(BOB, dm, ids.ACTION_NUDGE_OPEN)  # Keep going
    later = (joint.clock.now().date() + timedelta(days=30)).isoformat()
    assert joint.driver.submit(BOB, {"next_decision": later}).errors == {}
    assert "keeps going" in shown(joint.workspace.current_modal(BOB))
    joint.advance(timedelta(days=6))
    joint.run_nudges()
    assert len(idea_nudges(joint)) == 2  # it moved: no more reminders until it is stale again


def test_the_partners_owner_is_told_in_the_shared_channel_and_drops_the_idea_from_there(joint: Sandbox) -> None:
    assert add(joint, idea_form(idea_owner=PAT)) == {}
    joint.advance(timedelta(days=60))
    joint.run_nudges()
    mention = joint.workspace.top_level(JOINT)[-1]
    assert f"<@{PAT}>" in shown(mention) and "has not moved for 60 days" in shown(mention)
    joint.driver.click(PAT, mention, ids.ACTION_NUDGE_OTHER)  # Drop
    assert joint.driver.submit(PAT, {"reason": " "}).errors.keys() == {"reason"}
    assert joint.driver.submit(PAT, {"reason": "Globex has no space left"}).errors == {}
    assert "is now dropped: Globex has no space left" in shown(joint.workspace.current_modal(PAT))
    assert "no open ideas" in listed(joint)
    # Not hers, and of neither organisation (the idea's buttons: the run also told Quinn a meeting is due).
    [idea_block] = [b["block_id"] for b in mention.blocks if ids.ACTION_NUDGE_OTHER in str(b)]
    joint.driver.click(IRENE, mention, ids.ACTION_NUDGE_OPEN, block_id=idea_block)
    assert joint.workspace.current_modal(IRENE) is None
    joint.driver.command(ALICE, JOINT, "history Acme Alliance")
    assert "dropped idea #1: “Globex has no space left”" in shown(last_ephemeral(joint, ALICE))


def test_the_plan_and_the_evidence_pack_hold_acmes_ideas_and_never_those_globex_keeps_to_itself(
    joint: Sandbox, tmp_path: Path
) -> None:
    assert add(joint, idea_form(title="Buy Globex's depot", internal=["internal"])) == {}
    assert add(joint, idea_form(title="Shared | idea", value_partner="Faster *deliveries*")) == {}
    assert add(joint, idea_form(title="Joint training", expected_unit="hours", expected_amount="40")) == {}
    assert add(joint, idea_form(title="Pooled trucks")) == {}
    uow = joint.database.uow(joint.workspace.team_id)
    org, today = relationship(joint).team_id, START.date()
    before = rmp.build(uow, default_catalogue(), relationship(joint).id or 0, START).content()
    for status, to, typed in (
        (IdeaStatus.PROPOSED, "agreed", {"next_decision": today.isoformat()}),
        (IdeaStatus.AGREED, "in_delivery", {"next_decision": today.isoformat()}),
        (IdeaStatus.IN_DELIVERY, "delivered", {"delivered_amount": "36", "delivered_unit": "hours"}),
    ):
        move = idea_move(now=status, to=to, today=today, **typed)
        assert idea_service.move_idea(uow, 3, move, seen=status, by=ALICE, organisation=org, now=START).first
    drop = IdeaMove(IdeaStatus.DROPPED, reason="No drivers")
    assert idea_service.move_idea(uow, 4, drop, seen=IdeaStatus.PROPOSED, by=ALICE, organisation=org, now=START).first
    theirs = idea_draft(
        title="Corner Acme's market", proposer_id=PAT, owner_id=QUINN, value_home="More orders",
        value_partner="Less competition", expected_amount="10", expected_unit="deals", expected_words="Ten deals",
        next_decision=today.isoformat(), internal=True, today=today,
    )  # fmt: skip
    kept = idea_service.add_idea(uow, 1, theirs, by=PAT, organisation=GLOBEX, now=START, form_key="G1")
    assert kept.first and kept.idea.internal
    evidence = rmp.evidence(uow, default_catalogue(), relationship(joint).id or 0, START)
    markdown = render_markdown(evidence.plan)
    section = markdown[markdown.index("## 11. Value creation") : markdown.index("## 12.")]
    assert "Value delivered: **36 hours**\n\nOpen value-creation ideas" in section
    assert "- Shared \\| idea (proposed; proposed by Pat Silva; owner Bob Okafor; next decision by" in section
    assert "  - Value for Globex: Faster *deliveries*" in section
    assert "  - Expected: 120,000 GBP: A year's rent saved" in section
    assert "Joint training, delivered" in section and "36 hours (expected 40 hours)" in section
    assert "Pooled trucks, dropped" in section and "No drivers" in section
    # The plan is Acme's, never posted where Globex reads it: Acme's internal idea is in it, marked; Globex's
    # own is not, nor anywhere in the evidence pack.
    assert "Buy Globex's depot (proposed; proposed by Pat Silva; owner Bob Okafor; next decision by" in section
    assert "internal, not shared with Globex)" in section and "Buy Globex" in render_html(evidence.plan)
    assert "Corner Acme" not in markdown and "Corner Acme" not in render_html(evidence.plan)
    changes = [c.path for c in rmp.diff(before, evidence.plan.content())]
    assert ("ideas", "3", "status") in changes and ("ideas", "4", "drop_reason") in changes
    assert not any(path[:2] == ("ideas", "1") for path in changes)
    added = replace(evidence.plan, ideas=(*evidence.plan.ideas, replace(evidence.plan.ideas[1], id=5)))
    [new] = [c for c in rmp.diff(evidence.plan.content(), added.content()) if c.path[0] == "ideas"]
    assert new.path == ("ideas", "5") and new.before is None  # a new idea is one change, holding the whole idea
    told = Copy()("plan_summary", "change", c=new, label="", before=new.before, after=new.after)
    assert "Value-creation idea #5 added: _Shared | idea_, proposed" in told
    files = write_pack(evidence, tmp_path / "pack.zip")
    assert "registers/ideas.csv" in files
    with zipfile.ZipFile(tmp_path / "pack.zip") as pack:
        rows = list(csv.DictReader(io.StringIO(pack.read("registers/ideas.csv").decode())))
        assert not any("Corner Acme" in pack.read(name).decode(errors="replace") for name in pack.namelist())
    assert [(r["title"], r["status"], r["kept"], r["delivered amount"], r["drop reason"]) for r in rows] == [
        ("Buy Globex's depot", "proposed", "internal", "", ""),
        ("Shared | idea", "proposed", "joint", "", ""),
        ("Joint training", "delivered", "joint", "36", ""),
        ("Pooled trucks", "dropped", "joint", "", "No drivers"),
    ]
    assert rows[0]["owner id"] == BOB and rows[0]["proposed by id"] == PAT and rows[0]["expected amount"] == "120000"


def test_status_counts_the_open_and_stale_ideas_and_shows_the_value_delivered(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "status Acme Alliance")
    assert "*Value-creation ideas* 0 open: `/accord ideas Acme Alliance`" in shown(last_ephemeral(joint, ALICE))
    assert add(joint, idea_form()) == {}
    assert add(joint, idea_form(title="Joint training")) == {}
    joint.advance(timedelta(days=60))
    later = (joint.clock.now().date() + timedelta(days=9)).isoformat()
    assert "is now agreed" in press(joint, ids.ACTION_IDEA_MOVE, {"next_decision": later})
    assert "is now in delivery" in press(joint, ids.ACTION_IDEA_MOVE, {"next_decision": later})
    assert "delivering" in press(joint, ids.ACTION_IDEA_MOVE, {"delivered_amount": "1500"})
    joint.driver.command(ALICE, JOINT, "status Acme Alliance")
    assert "*Value-creation ideas* 1 open, 1 stale :hourglass: · delivered 1,500 GBP" in shown(
        last_ephemeral(joint, ALICE)
    )


def test_the_home_tab_lists_the_stale_ideas_the_person_owns_with_keep_going_and_drop(joint: Sandbox) -> None:
    assert add(joint, idea_form()) == {}  # Bob owns it
    joint.advance(timedelta(days=59))
    assert "which you own, has not moved" not in shown(joint.driver.open_home(BOB))
    joint.advance(timedelta(days=1))
    home = joint.driver.open_home(BOB)
    assert "The value-creation idea *Share the warehouse &lt;!channel&gt;* of *Acme Alliance*" in shown(home)
    assert "which you own, has not moved" not in shown(joint.driver.open_home(ALICE))
    joint.driver.click(BOB, home, ids.ACTION_IDEA_KEEP)
    later = (joint.clock.now().date() + timedelta(days=30)).isoformat()
    assert joint.driver.submit(BOB, {"next_decision": later}).errors == {}
    assert "which you own, has not moved" not in shown(joint.driver.open_home(BOB))
    joint.advance(timedelta(days=60))
    home = joint.driver.open_home(BOB)
    joint.driver.click(BOB, home, ids.ACTION_IDEA_DROP)
    assert joint.driver.submit(BOB, {"reason": "Nobody has time"}).errors == {}
    assert "which you own, has not moved" not in shown(joint.driver.open_home(BOB))
    assert "no open ideas" in listed(joint)


@pytest.mark.parametrize("metadata", ["", "x", "1@delivered", "1@weather", "9999@proposed"])
def test_a_move_form_that_names_no_open_idea_changes_nothing(joint: Sandbox, metadata: str) -> None:
    assert add(joint, idea_form()) == {}
    joint.driver.command(ALICE, JOINT, "ideas Acme Alliance")
    joint.driver.click(ALICE, last_ephemeral(joint, ALICE), ids.ACTION_IDEA_MOVE)
    record = joint.workspace.current_modal(ALICE)
    assert record is not None
    record.view["private_metadata"] = metadata
    later = (START.date() + timedelta(days=9)).isoformat()
    assert joint.driver.submit(ALICE, {"next_decision": later}).errors == {}
    assert "· Proposed" in listed(joint)
