"""The risk register, end to end through signed Slack requests: listed by score, added through its form (every
wrong field told under it, a review date in the past refused, the same form sent twice adding one risk), kept
internal from the partner, closed with an outcome, audited, and refused to a third organisation."""

import csv
import io
import struct
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.records.evidence_pack import write_pack
from bot.records.plan_document import render_html, render_markdown
from bot.sandbox.harness import Sandbox
from bot.slack import ids
from stages import risk_service, rmp
from stages.catalogue import default_catalogue
from stages.errors import OutsideTheRelationship
from stages.risks import risk_draft
from tests.conftest import START
from tests.e2e.helpers import ALICE, BOB, last_ephemeral, relationship, shown
from tests.e2e.test_joint_relationships import GLOBEX, INITECH, IRENE, JOINT, PAT, QUINN, joint_at_any_hour


@pytest.fixture
def joint(tmp_path: Path) -> Iterator[Sandbox]:
    """Acme Alliance in #acme-globex with Globex's people named, and Initech's Irene in the channel too."""
    with joint_at_any_hour(tmp_path / "accord.db") as box:
        yield box


def listed(sandbox: Sandbox, user: str = ALICE) -> str:
    sandbox.driver.command(user, JOINT, "risks Acme Alliance")
    return shown(last_ephemeral(sandbox, user))


def risk_form(**changes: object) -> dict[str, object]:
    review = (START.date() + timedelta(days=14)).isoformat()
    answers: dict[str, object] = {
        "title": "Key engineer leaves <!channel>",
        "category": "operational",
        "breakdown_effect": "Deliveries stop for a month",
        "likelihood": "3",
        "impact": "4",
        "risk_owner": PAT,
        "next_review": review,
    }
    return answers | changes


def add(sandbox: Sandbox, answers: dict[str, object], user: str = ALICE) -> dict[str, str]:
    sandbox.driver.command(user, JOINT, "risks Acme Alliance")
    sandbox.driver.click(user, last_ephemeral(sandbox, user), ids.ACTION_RISK_ADD)
    return sandbox.driver.submit(user, answers).errors


def test_risks_are_added_through_the_form_and_listed_by_score(joint: Sandbox) -> None:
    assert "no open risks" in listed(joint)
    assert add(joint, risk_form()) == {}
    assert "Added *Key engineer leaves &lt;!channel&gt;* (score 12)" in shown(joint.workspace.current_modal(ALICE))
    assert add(joint, risk_form(title="Globex is bought", likelihood="5", impact="5", risk_owner=BOB)) == {}
    text = listed(joint)
    assert "2 open risks" in text
    assert text.index("Globex is bought") < text.index("Key engineer leaves")
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert f"owner <@{PAT}>" in text


def test_every_wrong_field_is_told_under_it_and_a_review_date_in_the_past_is_refused(joint: Sandbox) -> None:
    yesterday = (START.date() - timedelta(days=1)).isoformat()
    errors = add(joint, risk_form(title="  ", breakdown_effect=" ", next_review=yesterday))
    assert set(errors) == {"title", "breakdown_effect", "next_review"}
    assert "in the past" in errors["next_review"]
    assert "no open risks" in listed(joint)


def test_an_owner_of_a_third_organisation_is_refused(joint: Sandbox) -> None:
    assert add(joint, risk_form(risk_owner=IRENE)) == {}
    assert "belongs to neither" in shown(joint.workspace.current_modal(ALICE))
    assert "no open risks" in listed(joint)


def test_the_same_form_sent_again_adds_one_risk(joint: Sandbox) -> None:
    r = relationship(joint)
    typed = {k: v for k, v in risk_form().items() if k != "risk_owner"}
    draft = risk_draft(**typed, description="", mitigation="", owner_id=PAT, internal=False, today=START.date())  # type: ignore[arg-type]
    uow = joint.database.uow(joint.workspace.team_id)
    kept = [
        risk_service.add_risk(uow, r.id or 0, draft, by=ALICE, organisation=r.team_id, now=START, form_key="V1")
        for _ in range(2)
    ]
    assert [k.first for k in kept] == [True, False]
    assert "1 open risk," in listed(joint)


def test_an_internal_risk_is_never_shown_to_the_partner_and_a_third_organisation_sees_nothing(joint: Sandbox) -> None:
    assert add(joint, risk_form(title="Globex may walk away", internal=["internal"], risk_owner=BOB)) == {}
    assert add(joint, risk_form(title="Shared risk")) == {}
    assert "*Globex may walk away* :lock: internal\nOperational" in listed(joint)
    uow = joint.database.uow(joint.workspace.team_id)
    theirs = risk_service.register(uow, "Acme Alliance", GLOBEX)
    assert [r.title for r in theirs.risks] == ["Shared risk"]
    with pytest.raises(OutsideTheRelationship):
        risk_service.register(uow, "Acme Alliance", INITECH)


def test_a_risk_is_closed_with_its_outcome_once_and_audited(joint: Sandbox) -> None:
    assert add(joint, risk_form()) == {}
    joint.driver.command(ALICE, JOINT, "risks Acme Alliance")
    register = last_ephemeral(joint, ALICE)
    joint.driver.click(ALICE, register, ids.ACTION_RISK_CLOSE)
    assert joint.driver.submit(ALICE, {"outcome": "  "}).errors.keys() == {"outcome"}
    assert joint.driver.submit(ALICE, {"outcome": "Hired a second engineer"}).errors == {}
    assert "Closed *Key engineer leaves" in shown(joint.workspace.current_modal(ALICE))
    joint.driver.click(ALICE, register, ids.ACTION_RISK_CLOSE)  # the old list's button, after it closed
    joint.driver.submit(ALICE, {"outcome": "Again"})
    assert "was closed already" in shown(joint.workspace.current_modal(ALICE))
    assert "no open risks" in listed(joint)
    joint.driver.command(ALICE, JOINT, "history Acme Alliance")
    history = shown(last_ephemeral(joint, ALICE))
    assert "added risk #1 to the risk register" in history
    assert "closed risk #1: “Hired a second engineer”" in history


def test_a_review_rescores_the_risk_once_and_is_audited(joint: Sandbox) -> None:
    assert add(joint, risk_form()) == {}
    joint.driver.command(ALICE, JOINT, "risks Acme Alliance")
    register = last_ephemeral(joint, ALICE)
    later = (START.date() + timedelta(days=60)).isoformat()
    joint.driver.click(ALICE, register, ids.ACTION_RISK_REVIEW)
    today = START.date().isoformat()
    assert joint.driver.submit(ALICE, {"note": "Cross-trained", "next_review": today}).errors.keys() == {"next_review"}
    answers = {"note": "Cross-trained a second engineer", "likelihood": "1", "next_review": later}
    assert joint.driver.submit(ALICE, answers).errors == {}
    assert "Reviewed *Key engineer leaves" in shown(joint.workspace.current_modal(ALICE))
    joint.driver.click(ALICE, register, ids.ACTION_RISK_REVIEW)  # the list's button from before that review
    joint.driver.submit(ALICE, {"note": "Again", "next_review": later})
    assert "nothing more was saved" in shown(joint.workspace.current_modal(ALICE))
    assert "*4* · *Key engineer leaves" in listed(joint)
    joint.driver.command(ALICE, JOINT, "history Acme Alliance")
    assert "reviewed risk #1, scored 12 before and 4 now: “Cross-trained a second engineer”" in shown(
        last_ephemeral(joint, ALICE)
    )


def test_an_overdue_review_nudges_its_owner_once_until_it_is_reviewed(joint: Sandbox) -> None:
    today = START.date().isoformat()
    assert add(joint, risk_form(risk_owner=BOB, next_review=today)) == {}
    joint.run_nudges()
    assert risk_nudges(joint) == []  # due today: not overdue yet
    joint.advance(timedelta(days=1))
    joint.run_nudges()
    joint.run_nudges()
    assert risk_nudges(joint) == [(BOB, "sent")]
    dm = joint.workspace.top_level(joint.workspace.im_with(BOB).id)[-1]
    told = shown(dm)
    assert "The review of the risk *Key engineer leaves &lt;!channel&gt;* of *Acme Alliance*" in told
    assert "1 day overdue" in told
    joint.driver.click(BOB, dm, ids.ACTION_NUDGE_OPEN)
    later = (START.date() + timedelta(days=30)).isoformat()
    assert joint.driver.submit(BOB, {"note": "Cross-trained", "next_review": later}).errors == {}
    joint.advance(timedelta(days=5))
    joint.run_nudges()
    assert risk_nudges(joint) == [(BOB, "sent")]  # reviewed: no more reminders until the new date passes


def test_an_internal_risk_is_owned_by_the_organisation_that_keeps_it(joint: Sandbox) -> None:
    assert add(joint, risk_form(internal=["internal"])) == {}  # Pat is Globex's
    assert "choose one of your people" in shown(joint.workspace.current_modal(ALICE))
    assert "no open risks" in listed(joint)


def risk_nudges(sandbox: Sandbox) -> list[tuple[str, str]]:
    with sandbox.database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT recipient_id, status FROM nudge WHERE kind = 'risk_review' ORDER BY id")
        ).all()
    return [(r[0], r[1]) for r in rows]


def test_the_heat_map_is_posted_in_the_shared_channel_counting_the_joint_risks_only(joint: Sandbox) -> None:
    assert add(joint, risk_form(title="Globex may walk away", internal=["internal"], risk_owner=BOB)) == {}
    assert add(joint, risk_form(title="Shared risk")) == {}
    joint.driver.command(ALICE, JOINT, "risks Acme Alliance map")
    [posted] = [m for m in joint.workspace.top_level(JOINT) if m.files]
    assert "1 open risk (the joint ones" in shown(posted)
    assert "Globex may walk away" not in shown(posted)
    png = joint.emulator.uploads[posted.files[0]["id"]]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (800, 450)


def test_the_plan_and_the_evidence_pack_hold_the_register(joint: Sandbox, tmp_path: Path) -> None:
    assert add(joint, risk_form(title="Globex may walk away", internal=["internal"], risk_owner=BOB)) == {}
    assert add(joint, risk_form(title="Shared | risk", mitigation="Weekly *stand-up*")) == {}
    assert add(joint, risk_form(title="Currency swings")) == {}
    uow = joint.database.uow(joint.workspace.team_id)
    risk_service.close_risk(uow, 3, by=ALICE, organisation=relationship(joint).team_id, now=START, outcome="Hedged")
    evidence = rmp.evidence(uow, default_catalogue(), relationship(joint).id or 0, START)
    markdown = render_markdown(evidence.plan)
    risks = markdown[markdown.index("## 6. Risks") : markdown.index("## 7.")]
    assert "- **12** · Globex may walk away (Operational; likelihood 3 \u00d7 impact 4;" in risks
    assert "internal, not shared with Globex" in risks
    assert "Mitigation: Weekly *stand-up*" in risks
    assert "Closed risks:" in risks and "Currency swings, closed" in risks and "Hedged" in risks
    html = render_html(evidence.plan)
    assert html.count('src="data:image/png;base64,') == 1  # the heat map
    files = write_pack(evidence, tmp_path / "pack.zip")
    assert "registers/risks.csv" in files
    with zipfile.ZipFile(tmp_path / "pack.zip") as pack:
        rows = list(csv.DictReader(io.StringIO(pack.read("registers/risks.csv").decode())))
    assert [(r["title"], r["kept"], r["outcome"]) for r in rows] == [
        ("Globex may walk away", "internal", ""),
        ("Shared | risk", "joint", ""),
        ("Currency swings", "joint", "Hedged"),
    ]
    assert rows[0]["score"] == "12" and rows[0]["owner id"] == BOB


def test_status_counts_the_open_risks_and_those_overdue_for_review(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "status Acme Alliance")
    assert "*Risks* 0 open: `/accord risks Acme Alliance`" in shown(last_ephemeral(joint, ALICE))
    assert add(joint, risk_form(next_review=START.date().isoformat())) == {}
    assert add(joint, risk_form(title="Currency swings")) == {}
    joint.advance(timedelta(days=1))
    joint.driver.command(ALICE, JOINT, "status Acme Alliance")
    assert "*Risks* 2 open, 1 overdue for review" in shown(last_ephemeral(joint, ALICE))


def test_the_home_tab_lists_the_overdue_reviews_of_the_risks_the_person_owns(joint: Sandbox) -> None:
    assert add(joint, risk_form(risk_owner=BOB, next_review=START.date().isoformat())) == {}
    assert "which you own" not in shown(joint.driver.open_home(BOB))
    joint.advance(timedelta(days=1))
    home = joint.driver.open_home(BOB)
    assert "The review of the risk *Key engineer leaves &lt;!channel&gt;* of *Acme Alliance*" in shown(home)
    assert "which you own" not in shown(joint.driver.open_home(ALICE))
    joint.driver.click(BOB, home, ids.ACTION_RISK_REVIEW)
    later = (START.date() + timedelta(days=30)).isoformat()
    assert joint.driver.submit(BOB, {"note": "Still a risk", "next_review": later}).errors == {}
    assert "which you own" not in shown(joint.driver.open_home(BOB))


def test_a_risk_is_edited_once_and_audited_and_its_owner_is_checked(joint: Sandbox) -> None:
    assert add(joint, risk_form()) == {}
    joint.driver.command(ALICE, JOINT, "risks Acme Alliance")
    register = last_ephemeral(joint, ALICE)
    joint.driver.click(ALICE, register, ids.ACTION_RISK_EDIT)
    assert joint.driver.submit(ALICE, {"risk_owner": IRENE}).errors == {}
    assert "belongs to neither" in shown(joint.workspace.current_modal(ALICE))
    joint.driver.click(ALICE, register, ids.ACTION_RISK_EDIT)
    answers = {"title": "Two key engineers leave", "risk_owner": QUINN, "mitigation": "Pair on everything"}
    assert joint.driver.submit(ALICE, answers).errors == {}
    assert "Saved your changes to *Two key engineers leave*" in shown(joint.workspace.current_modal(ALICE))
    joint.driver.click(ALICE, register, ids.ACTION_RISK_EDIT)
    assert joint.driver.submit(ALICE, {}).errors == {}  # the form as it opened: the risk as it stands
    assert "Nothing was changed" in shown(joint.workspace.current_modal(ALICE))
    assert f"*Two key engineers leave*\nOperational · likelihood 3 \u00d7 impact 4 · owner <@{QUINN}>" in listed(joint)
    joint.driver.command(ALICE, JOINT, "history Acme Alliance")
    history = shown(last_ephemeral(joint, ALICE))
    assert "edited risk #1: its title, its owner, its mitigation" in history
