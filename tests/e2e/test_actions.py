"""The actions register, end to end through signed Slack requests: listed with the person's own first and the
overdue marked, added through its form (every wrong field told under it, a due date in the past refused, the same
form sent twice adding one action), kept internal from the partner, completed with a note by the owner or who
leads the owner's side (others refused), audited, and refused to a third organisation."""

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.records.evidence_pack import write_pack
from bot.records.plan_document import render_html, render_markdown
from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Ephemeral, Message
from bot.slack import ids
from stages import action_service, rmp
from stages.action_service import Owner
from stages.actions import action_draft
from stages.catalogue import default_catalogue
from stages.errors import OutsideTheRelationship
from stages.relationships import Side
from tests.conftest import START
from tests.e2e.helpers import ALICE, BOB, CAROL, fresh, last_ephemeral, relationship, shown
from tests.e2e.test_joint_relationships import GLOBEX, INITECH, IRENE, JOINT, PAT, QUINN, RAY, joint_at_any_hour


@pytest.fixture
def joint(tmp_path: Path) -> Iterator[Sandbox]:
    """Acme Alliance in #acme-globex with Globex's people named, Acme's Carol and Initech's Irene in it too."""
    with joint_at_any_hour(tmp_path / "accord.db", {CAROL}) as box:
        yield box


def listed(sandbox: Sandbox, user: str = ALICE, which: str = "Acme Alliance") -> str:
    sandbox.driver.command(user, JOINT, f"actions {which}".strip())
    return shown(last_ephemeral(sandbox, user))


def action_form(**changes: object) -> dict[str, object]:
    answers: dict[str, object] = {
        "title": "Send the forecast <!channel>",
        "action_owner": PAT,
        "due": (START.date() + timedelta(days=7)).isoformat(),
    }
    return answers | changes


def add(sandbox: Sandbox, answers: dict[str, object], user: str = ALICE) -> dict[str, str]:
    sandbox.driver.command(user, JOINT, "actions Acme Alliance")
    sandbox.driver.click(user, last_ephemeral(sandbox, user), ids.ACTION_ACTION_ADD)
    return sandbox.driver.submit(user, answers).errors


def complete(sandbox: Sandbox, user: str, note: str = "Sent on Friday", *, title: str | None = None) -> str:
    """`user` presses Complete on the register Alice sees (on the action titled `title`, else the first)."""
    sandbox.driver.command(ALICE, JOINT, "actions Acme Alliance")
    register = last_ephemeral(sandbox, ALICE)
    found = [
        b for b in register.blocks if b.get("block_id", "").startswith("action:") and (title or "") in shown_block(b)
    ]
    sandbox.driver.click(user, register, ids.ACTION_ACTION_COMPLETE, block_id=found[0]["block_id"])
    if sandbox.workspace.current_modal(user) is None:
        return shown(last_ephemeral(sandbox, user))
    sandbox.driver.submit(user, {"note": note})
    return shown(sandbox.workspace.current_modal(user))


def shown_block(block: dict[str, object]) -> str:
    text = block.get("text")
    return str(text.get("text", "")) if isinstance(text, dict) else ""


def test_actions_are_added_through_the_form_and_listed_the_persons_own_first(joint: Sandbox) -> None:
    assert "no open actions" in listed(joint)
    assert add(joint, action_form()) == {}
    assert "Added *Send the forecast &lt;!channel&gt;*" in shown(joint.workspace.current_modal(ALICE))
    later = (START.date() + timedelta(days=20)).isoformat()
    assert add(joint, action_form(title="Book the joint workshop", action_owner=ALICE, due=later)) == {}
    text = listed(joint)
    assert "2 open actions" in text
    assert text.index("Book the joint workshop") < text.index("Send the forecast")  # Alice's own first
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert f"owner <@{PAT}>" in text
    bobs = listed(joint, BOB)
    assert bobs.index("Send the forecast") < bobs.index("Book the joint workshop")  # then the soonest due
    mine = listed(joint, ALICE, "")
    assert "Your actions" in mine and "Book the joint workshop" in mine and "Send the forecast" not in mine


def test_every_wrong_field_is_told_under_it_and_a_due_date_in_the_past_is_refused(joint: Sandbox) -> None:
    yesterday = (START.date() - timedelta(days=1)).isoformat()
    errors = add(joint, action_form(title="  ", due=yesterday))
    assert set(errors) == {"title", "due"}
    assert "in the past" in errors["due"]
    assert "no open actions" in listed(joint)


def test_an_owner_of_a_third_organisation_is_refused(joint: Sandbox) -> None:
    assert add(joint, action_form(action_owner=IRENE)) == {}
    assert "belongs to neither" in shown(joint.workspace.current_modal(ALICE))
    assert "no open actions" in listed(joint)


def test_the_same_form_sent_again_adds_one_action(joint: Sandbox) -> None:
    r = relationship(joint)
    draft = action_draft(title="Send it", owner_id=PAT, due="2026-12-01", internal=False, today=START.date())
    uow = joint.database.uow(joint.workspace.team_id)
    kept = [
        action_service.add_action(
            uow, r.id or 0, draft, owner=Owner(Side.PARTNER, ""), by=ALICE, organisation=r.team_id, now=START,
            form_key="V1",
        ).first
        for _ in range(2)
    ]  # fmt: skip
    assert kept == [True, False]
    assert "1 open action," in listed(joint)


def test_an_internal_action_is_never_shown_to_the_partner_and_a_third_organisation_sees_nothing(
    joint: Sandbox,
) -> None:
    assert add(joint, action_form(title="Check Globex's figures", internal=["internal"], action_owner=BOB)) == {}
    assert add(joint, action_form(title="Shared action")) == {}
    assert add(joint, action_form(title="Ours but Pat's", internal=["internal"])) == {}
    assert "your own organisation" in shown(joint.workspace.current_modal(ALICE))  # an internal action stays ours
    assert "*Check Globex's figures* :lock: internal" in listed(joint)
    uow = joint.database.uow(joint.workspace.team_id)
    theirs = action_service.register(uow, "Acme Alliance", GLOBEX, PAT)
    assert [a.title for a in theirs.actions] == ["Shared action"]
    assert [a.title for _, a in action_service.mine(uow, BOB, GLOBEX)] == []
    with pytest.raises(OutsideTheRelationship):
        action_service.register(uow, "Acme Alliance", INITECH, IRENE)


def test_an_action_is_completed_with_a_note_once_by_who_may_and_audited(joint: Sandbox) -> None:
    assert add(joint, action_form()) == {}  # Pat's, of Globex
    assert "Only the action's owner" in complete(joint, BOB)  # Acme's sponsor does not lead Globex's side
    assert "Only the action's owner" in complete(joint, RAY)  # nor does Globex's Ray
    assert "only the two organisations' people can take part" in complete(joint, IRENE)  # Initech's Irene
    assert joint.workspace.current_modal(IRENE) is None
    assert "1 open action," in listed(joint)
    joint.driver.command(ALICE, JOINT, "actions Acme Alliance")
    register = last_ephemeral(joint, ALICE)
    joint.driver.click(QUINN, register, ids.ACTION_ACTION_COMPLETE)  # Globex's relationship manager may
    assert joint.driver.submit(QUINN, {"note": "  "}).errors.keys() == {"note"}
    assert joint.driver.submit(QUINN, {"note": "Sent on Friday"}).errors == {}
    assert "Completed *Send the forecast" in shown(joint.workspace.current_modal(QUINN))
    joint.driver.click(PAT, register, ids.ACTION_ACTION_COMPLETE)  # the old list's button, after it was completed
    joint.driver.submit(PAT, {"note": "Again"})
    assert "was completed already" in shown(joint.workspace.current_modal(PAT))
    assert "no open actions" in listed(joint)
    joint.driver.command(ALICE, JOINT, "history Acme Alliance")
    history = shown(last_ephemeral(joint, ALICE))
    assert "added action #1 to the actions register" in history
    assert "completed action #1: “Sent on Friday”" in history


def added_from(
    sandbox: Sandbox, user: str, where: Message | Ephemeral, answers: dict[str, object], **which: str
) -> str:
    """Press Add action on `where` and send the form; what the form said before and after, one after the other."""
    sandbox.driver.click(user, where, ids.ACTION_ACTION_ADD, **which)
    before = shown(sandbox.workspace.current_modal(user))
    assert sandbox.driver.submit(user, answers).errors == {}
    return before + "\n" + shown(sandbox.workspace.current_modal(user))


def test_an_action_out_of_an_internal_risk_is_internal_and_says_where_it_came_from(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "risks Acme Alliance")
    joint.driver.click(ALICE, last_ephemeral(joint, ALICE), ids.ACTION_RISK_ADD)
    risk = {"title": "Globex may walk", "category": "breakdown", "breakdown_effect": "No supply", "likelihood": "2"}
    risk |= {"impact": "5", "risk_owner": BOB, "next_review": "2026-12-20", "internal": ["internal"]}
    assert joint.driver.submit(ALICE, risk).errors == {}
    joint.driver.command(ALICE, JOINT, "risks Acme Alliance")
    said = added_from(
        joint, ALICE, last_ephemeral(joint, ALICE), action_form(title="Find a second supplier", action_owner=BOB)
    )
    assert "coming out of risk #1" in said and "Internal: it comes out of something kept" in said
    assert "internal to your organisation" in said
    assert "*Find a second supplier* :lock: internal" in listed(joint) and "from risk #1" in listed(joint)
    uow = joint.database.uow(joint.workspace.team_id)
    assert action_service.register(uow, "Acme Alliance", GLOBEX, PAT).actions == ()


def test_the_owner_turns_a_flagged_health_check_gap_into_an_action_and_nobody_else_may(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "health Acme Alliance")
    assert (
        joint.driver.submit(
            ALICE, {"participants": [ALICE, BOB, CAROL, PAT, QUINN, RAY], "dimensions": "Trust\nCommunication"}
        ).errors
        == {}
    )
    announcement = next(
        m for m in reversed(joint.workspace.top_level(JOINT)) if ids.ACTION_HEALTH_ANSWER in str(m.blocks)
    )
    for person, score in ((ALICE, "100"), (BOB, "100"), (CAROL, "100"), (PAT, "0"), (QUINN, "0"), (RAY, "0")):
        joint.driver.click(person, announcement, ids.ACTION_HEALTH_ANSWER)
        assert joint.driver.submit(person, {"score:0": score, "score:1": "50"}).errors == {}
    joint.driver.click(ALICE, announcement, ids.ACTION_HEALTH_CLOSE)
    results = next(m for m in reversed(joint.workspace.top_level(JOINT)) if "can turn it into an action" in shown(m))
    assert "*Trust*: the two organisations see it 100 points apart" in shown(results)
    joint.driver.click(PAT, results, ids.ACTION_ACTION_ADD)
    assert "Only the relationship's owner" in shown(last_ephemeral(joint, PAT))
    modal = joint.workspace.current_modal(PAT)
    assert modal is None or modal.view["callback_id"] != ids.VIEW_ACTION_ADD
    said = added_from(joint, ALICE, results, action_form(title="Agree a trust charter", action_owner=QUINN))
    assert "coming out of the gaps of health check #1" in said
    assert "from the gaps of health check #1" in listed(joint, BOB)


def test_an_action_is_added_from_a_resolved_dispute_by_either_side(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "dispute Acme Alliance deliveries late")
    parent = next(m for m in reversed(joint.workspace.top_level(JOINT)) if ids.ACTION_DISPUTE_RESOLVE in str(m.blocks))
    assert ids.ACTION_ACTION_ADD not in str(parent.blocks)  # open: nothing agreed yet to follow through
    joint.driver.click(ALICE, parent, ids.ACTION_DISPUTE_RESOLVE)
    answers = {"resolution": "Weekly forecasts", "root_cause": "No forecast shared"}
    assert joint.driver.submit(ALICE, answers).errors == {}
    said = added_from(joint, PAT, fresh(joint, parent), action_form(title="Share the forecast weekly"))
    assert "coming out of dispute #1" in said
    assert "from dispute #1" in listed(joint)


def test_the_reviewer_is_offered_to_add_actions_out_of_the_review_recorded(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "review Acme Alliance")
    ratings = {"delivery": "4", "trust": "3", "value": "4", "governance": "5"}
    assert joint.driver.submit(ALICE, {"summary": "Slow quarter", "internal": ["internal"], **ratings}).errors == {}
    offer = joint.workspace.top_level(joint.workspace.im_with(ALICE).id)[-1]
    assert "Anything to follow up from this review" in shown(offer)
    said = added_from(joint, ALICE, offer, action_form(title="Raise prices", action_owner=BOB))
    assert "coming out of the relationship review #1" in said and "internal to your organisation" in said
    assert "*Raise prices* :lock: internal" in listed(joint)


def test_the_partners_owner_is_told_in_the_shared_channel_and_completes_the_action_from_there(joint: Sandbox) -> None:
    today = START.date().isoformat()
    assert add(joint, action_form(due=today)) == {}  # Pat's, of Globex, which has no Accord of its own
    assert (
        add(joint, action_form(title="Check their figures", action_owner=BOB, due=today, internal=["internal"])) == {}
    )
    joint.run_nudges()
    assert ids.ACTION_NUDGE_OPEN not in str([m.blocks for m in joint.workspace.top_level(JOINT)])  # due today
    joint.advance(timedelta(days=1))
    joint.run_nudges()
    mention = next(m for m in reversed(joint.workspace.top_level(JOINT)) if ids.ACTION_NUDGE_OPEN in str(m.blocks))
    told = shown(mention)
    assert f"<@{PAT}>" in told and "*Send the forecast &lt;!channel&gt;* of *Acme Alliance* is overdue" in told
    assert "Check their figures" not in told  # the internal one goes to Bob alone
    assert "Check their figures" in shown(joint.workspace.top_level(joint.workspace.im_with(BOB).id)[-1])
    joint.driver.click(PAT, mention, ids.ACTION_NUDGE_OPEN)
    modal = joint.workspace.current_modal(PAT)
    assert modal is not None and modal.view["callback_id"] == ids.VIEW_ACTION_COMPLETE
    assert joint.driver.submit(PAT, {"note": "Sent it"}).errors == {}
    assert "Completed *Send the forecast" in shown(joint.workspace.current_modal(PAT))
    assert "Send the forecast" not in listed(joint)


def test_status_counts_the_open_actions_and_those_overdue(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "status Acme Alliance")
    assert "*Actions* 0 open: `/accord actions Acme Alliance`" in shown(last_ephemeral(joint, ALICE))
    assert add(joint, action_form(action_owner=BOB, due=START.date().isoformat())) == {}
    assert add(joint, action_form(title="Book the workshop")) == {}
    joint.advance(timedelta(days=1))
    joint.driver.command(ALICE, JOINT, "status Acme Alliance")
    assert "*Actions* 2 open, 1 overdue" in shown(last_ephemeral(joint, ALICE))


def test_the_home_tab_lists_the_persons_overdue_actions_to_complete(joint: Sandbox) -> None:
    assert add(joint, action_form(action_owner=BOB, due=START.date().isoformat())) == {}
    assert "Your action" not in shown(joint.driver.open_home(BOB))  # due today: not overdue yet
    joint.advance(timedelta(days=1))
    home = joint.driver.open_home(BOB)
    assert "Your action *Send the forecast &lt;!channel&gt;* of *Acme Alliance* is overdue by 1 day" in shown(home)
    assert "Your action" not in shown(joint.driver.open_home(ALICE))
    joint.driver.click(BOB, home, ids.ACTION_ACTION_COMPLETE)
    assert joint.driver.submit(BOB, {"note": "Sent"}).errors == {}
    assert "Your action" not in shown(joint.driver.open_home(BOB))


def test_the_plan_and_the_evidence_pack_hold_acmes_actions_and_never_those_globex_keeps_to_itself(
    joint: Sandbox, tmp_path: Path
) -> None:
    assert add(joint, action_form(title="Check their figures", action_owner=BOB, internal=["internal"])) == {}
    assert add(joint, action_form(title="Shared | action")) == {}
    assert add(joint, action_form(title="Book the workshop", action_owner=ALICE)) == {}
    uow = joint.database.uow(joint.workspace.team_id)
    action_service.complete_action(uow, 3, by=ALICE, organisation=relationship(joint).team_id, now=START, note="Booked")
    draft = action_draft(
        title="Audit Acme's invoices", owner_id=PAT, due="2026-12-01", internal=True, today=START.date()
    )
    globex_own = action_service.add_action(
        uow, relationship(joint).id or 0, draft, owner=Owner(Side.PARTNER, ""), by=PAT, organisation=GLOBEX, now=START,
        form_key="G1",
    )  # fmt: skip
    assert globex_own.action.internal and globex_own.action.side is Side.PARTNER
    evidence = rmp.evidence(uow, default_catalogue(), relationship(joint).id or 0, START)
    markdown = render_markdown(evidence.plan)
    governance = markdown[markdown.index("## 4. Governance") : markdown.index("## 5.")]
    assert "- Shared \\| action (owner" in governance or "- Shared | action (owner" in governance
    # The plan is Acme's, never posted where Globex reads it: Acme's internal action is in it, marked.
    assert "Check their figures (owner Bob Okafor; due 2 Dec 2026; internal, not shared with Globex)" in governance
    assert (
        "Completed actions:" in governance and "Book the workshop, completed" in governance and "Booked" in governance
    )
    html = render_html(evidence.plan)
    assert "Check their figures" in html
    assert "Audit Acme" not in markdown and "Audit Acme" not in html  # Globex's own business
    files = write_pack(evidence, tmp_path / "pack.zip")
    assert "registers/actions.csv" in files
    with zipfile.ZipFile(tmp_path / "pack.zip") as pack:
        rows = list(csv.DictReader(io.StringIO(pack.read("registers/actions.csv").decode())))
        everything = "".join(pack.read(name).decode(errors="replace") for name in pack.namelist())
    assert [(r["title"], r["kept"], r["note"]) for r in rows] == [
        ("Check their figures", "internal", ""),
        ("Shared | action", "joint", ""),
        ("Book the workshop", "joint", "Booked"),
    ]
    assert rows[1]["owner id"] == PAT and rows[1]["owner's organisation"] == "Globex"
    assert "Audit Acme" not in everything  # nor in the audit trail, the plan's versions or anything else


def test_either_organisation_adds_actions_out_of_a_joint_meeting_from_its_summary(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "meeting Acme Alliance")
    meeting = {"attendees": [ALICE, PAT], "minutes": "Went through the plan", "decisions": "Hire a second engineer"}
    assert joint.driver.submit(ALICE, meeting).errors == {}
    summary = joint.workspace.top_level(JOINT)[-1]
    assert "Meeting of the joint management team" in summary.text
    said = added_from(joint, PAT, summary, action_form(title="Hire a second engineer", action_owner=QUINN))
    assert "coming out of meeting #1" in said
    assert "*Hire a second engineer*" in listed(joint)
    joint.driver.click(IRENE, summary, ids.ACTION_ACTION_ADD)  # of neither organisation
    assert joint.workspace.current_modal(IRENE) is None


def test_an_internal_meetings_actions_are_internal_and_offered_to_who_recorded_it_alone(joint: Sandbox) -> None:
    posted_before = len(joint.workspace.top_level(JOINT))
    joint.driver.command(ALICE, JOINT, "meeting Acme Alliance")
    meeting = {"attendees": [ALICE, BOB], "minutes": "Our own view", "internal": ["internal"]}
    assert joint.driver.submit(ALICE, meeting).errors == {}
    assert len(joint.workspace.top_level(JOINT)) == posted_before  # nothing of it in the shared channel
    offer = joint.workspace.top_level(joint.workspace.im_with(ALICE).id)[-1]
    assert "What did the meeting of *Acme Alliance* agree to do?" in shown(offer)
    said = added_from(joint, ALICE, offer, action_form(title="Check their figures", action_owner=BOB))
    assert "coming out of meeting #1" in said and "internal to your organisation" in said
    assert "*Check their figures* :lock: internal" in listed(joint)
