"""The joint management team's meetings, end to end through signed Slack requests: recorded through the form
(the team chosen to start with, every wrong field told under it, the same form sent twice recording one meeting),
a joint meeting's summary posted in the shared channel and an internal one not, Globex's people recording from
the pinned card, Initech's Irene refused, listed with when the next is due, and audited."""

import csv
import io
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
from stages import meeting_service, rmp
from stages.catalogue import default_catalogue
from stages.meetings import meeting_draft
from tests.conftest import START
from tests.e2e.helpers import ALICE, BOB, last_ephemeral, relationship, shown
from tests.e2e.test_joint_relationships import GLOBEX, IRENE, JOINT, PAT, QUINN, joint_at_any_hour


@pytest.fixture
def joint(tmp_path: Path) -> Iterator[Sandbox]:
    """Acme Alliance in #acme-globex with Globex's people named, and Initech's Irene in the channel too."""
    with joint_at_any_hour(tmp_path / "accord.db") as box:
        yield box


def listed(sandbox: Sandbox, user: str = ALICE) -> str:
    sandbox.driver.command(user, JOINT, "meetings Acme Alliance")
    return shown(last_ephemeral(sandbox, user))


def meeting_form(**changes: object) -> dict[str, object]:
    answers: dict[str, object] = {
        "attendees": [ALICE, PAT],
        "minutes": "Went through the delivery plan <!channel>",
        "decisions": "Hire a second engineer\nMove the launch to May",
    }
    return answers | changes


def record(sandbox: Sandbox, answers: dict[str, object], user: str = ALICE) -> dict[str, str]:
    sandbox.driver.command(user, JOINT, "meeting Acme Alliance")
    return sandbox.driver.submit(user, answers).errors


def summaries(sandbox: Sandbox) -> list[str]:
    return [shown(m) for m in sandbox.workspace.top_level(JOINT) if "Meeting of the joint management team" in m.text]


def test_a_joint_meeting_is_recorded_and_its_summary_posted_in_the_shared_channel(joint: Sandbox) -> None:
    assert "none recorded yet" in listed(joint)
    assert record(joint, meeting_form()) == {}
    assert "Recorded the meeting of *Acme Alliance*" in shown(joint.workspace.current_modal(ALICE))
    [summary] = summaries(joint)
    assert f"*Attended* <@{ALICE}> (host), <@{PAT}> (Globex)" in summary
    assert "• Hire a second engineer\n• Move the launch to May" in summary
    assert "delivery plan" not in summary  # the minutes stay in the register
    text = listed(joint)
    assert "1 recorded" in text and f"Yours: <@{ALICE}> · Globex: <@{PAT}>" in text
    due = START.date() + timedelta(days=30)
    assert f"The next meeting is due by {due.day} {due:%b %Y}." in text
    joint.driver.command(ALICE, JOINT, "history Acme Alliance")
    assert "recorded a meeting of the joint management team held on" in shown(last_ephemeral(joint, ALICE))


def test_the_form_starts_with_the_joint_management_team_or_the_managers(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "meeting Acme Alliance")
    modal = joint.workspace.current_modal(ALICE)
    assert modal is not None
    attendees = next(b for b in modal.view["blocks"] if b.get("block_id") == ids.BLOCK_ATTENDEES)
    assert attendees["element"]["initial_users"] == [ALICE, QUINN]  # no team named yet: the managers of each side


def test_every_wrong_field_is_told_under_it_and_nothing_is_recorded(joint: Sandbox) -> None:
    tomorrow = (START.date() + timedelta(days=1)).isoformat()
    errors = record(joint, meeting_form(held_on=tomorrow, minutes=" ", decisions="x" * 301))
    assert set(errors) == {"held_on", "minutes", "decisions"}
    assert "once it was held" in errors["held_on"]
    before = (START.date() - timedelta(days=1)).isoformat()
    assert "the relationship began then" in record(joint, meeting_form(held_on=before))["held_on"]
    assert "none recorded yet" in listed(joint)


def test_a_joint_meeting_of_one_side_says_why_and_someone_of_a_third_organisation_is_refused(joint: Sandbox) -> None:
    assert record(joint, meeting_form(attendees=[ALICE, BOB])) == {}
    assert "say why they did not" in shown(joint.workspace.current_modal(ALICE))
    assert record(joint, meeting_form(attendees=[ALICE, PAT, IRENE])) == {}
    assert "belongs to neither" in shown(joint.workspace.current_modal(ALICE))
    assert "none recorded yet" in listed(joint)
    assert record(joint, meeting_form(attendees=[ALICE, BOB], one_side_reason="Globex's lead was ill")) == {}
    assert "Globex's lead was ill" in summaries(joint)[0]


def test_an_internal_meeting_is_not_posted_and_never_shown_to_the_partner(joint: Sandbox) -> None:
    assert record(joint, meeting_form(attendees=[ALICE, PAT], internal=["internal"])) == {}
    assert "your people only" in shown(joint.workspace.current_modal(ALICE))
    assert record(joint, meeting_form(attendees=[ALICE, BOB], internal=["internal"])) == {}
    assert "(not posted in its channel)" in shown(joint.workspace.current_modal(ALICE))
    assert summaries(joint) == []
    assert ":lock: internal" in listed(joint)
    uow = joint.database.uow(joint.workspace.team_id)
    assert meeting_service.minutes(uow, "Acme Alliance", GLOBEX, 30).meetings == ()


def test_the_same_form_sent_again_records_one_meeting(joint: Sandbox) -> None:
    r = relationship(joint)
    draft = meeting_draft(
        held_on_raw=START.date().isoformat(),
        attendees=[ALICE, PAT],
        minutes="m",
        decisions="",
        internal=False,
        one_side_reason="",
        today=START.date(),
        began=START.date(),
    )
    uow = joint.database.uow(joint.workspace.team_id)
    kept = [
        meeting_service.record_meeting(
            uow, r.id or 0, draft, ((ALICE,), (PAT,)), by=ALICE, organisation=r.team_id, now=START, form_key="V1"
        )
        for _ in range(2)
    ]
    assert [k.first for k in kept] == [True, False]
    assert "1 recorded" in listed(joint)


def test_globex_records_from_the_pinned_card_and_initechs_irene_is_refused(joint: Sandbox) -> None:
    card = next(m for m in joint.workspace.top_level(JOINT) if m.ts == relationship(joint).card_ts)
    joint.driver.click(PAT, card, ids.ACTION_MEETING_RECORD)
    assert joint.driver.submit(PAT, meeting_form(attendees=[QUINN, ALICE], decisions="")).errors == {}
    assert "No decisions recorded." in summaries(joint)[0]
    assert "recorded by <@U0GLXPAT>" in summaries(joint)[0]
    joint.driver.click(IRENE, card, ids.ACTION_MEETING_RECORD)
    assert joint.workspace.current_modal(IRENE) is None
    assert "Globex" in shown(last_ephemeral(joint, IRENE))  # told whose relationship it is, politely
    assert "1 recorded" in listed(joint)


def meeting_nudges(sandbox: Sandbox) -> list[tuple[str, str]]:
    with sandbox.database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT recipient_id, status FROM nudge WHERE kind = 'meeting_due' ORDER BY id")
        ).all()
    return [(r[0], r[1]) for r in rows]


def test_a_meeting_due_reminds_both_managers_from_day_30_until_one_is_recorded(joint: Sandbox) -> None:
    joint.advance(timedelta(days=29))
    joint.run_nudges()
    assert meeting_nudges(joint) == []  # day 29: not due yet
    joint.advance(timedelta(days=1))
    joint.run_nudges()
    joint.run_nudges()
    assert sorted(meeting_nudges(joint)) == [(ALICE, "sent"), (QUINN, "sent")]  # Globex's manager, as its people are
    dm = joint.workspace.top_level(joint.workspace.im_with(ALICE).id)[-1]
    assert "The joint management team of *Acme Alliance* is due to meet today" in shown(dm)
    assert "no meeting has been recorded yet" in shown(dm)
    joint.advance(timedelta(days=3))
    joint.run_nudges()
    assert len(meeting_nudges(joint)) == 4  # reminded again, every few days
    dm = joint.workspace.top_level(joint.workspace.im_with(ALICE).id)[-1]
    joint.driver.click(ALICE, dm, ids.ACTION_NUDGE_OPEN)
    assert joint.driver.submit(ALICE, meeting_form()).errors == {}
    joint.advance(timedelta(days=6))
    joint.run_nudges()
    assert len(meeting_nudges(joint)) == 4  # recorded: no more reminders until the next is due
    assert "The next meeting is due by" in listed(joint)


def test_status_and_the_home_tab_tell_when_the_team_is_due_to_meet(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "status Acme Alliance")
    due = START.date() + timedelta(days=30)
    assert f"*Meetings* none recorded yet · next due {due.day} {due:%b %Y}: `/accord meetings Acme Alliance`" in shown(
        last_ephemeral(joint, ALICE)
    )
    assert "is due to meet" not in shown(joint.driver.open_home(ALICE))
    joint.advance(timedelta(days=30))
    home = joint.driver.open_home(ALICE)
    assert "The joint management team of *Acme Alliance* is due to meet" in shown(home)
    assert "is due to meet" not in shown(joint.driver.open_home(BOB))  # the sponsor does not run the meetings
    joint.driver.click(ALICE, home, ids.ACTION_MEETING_RECORD)
    assert joint.driver.submit(ALICE, meeting_form()).errors == {}
    assert "is due to meet" not in shown(joint.driver.open_home(ALICE))
    joint.driver.command(ALICE, JOINT, "status Acme Alliance")
    today, later = START.date() + timedelta(days=30), START.date() + timedelta(days=60)
    assert f"*Meetings* last {today.day} {today:%b %Y} · next due {later.day} {later:%b %Y}:" in shown(
        last_ephemeral(joint, ALICE)
    )


def test_the_plan_and_the_evidence_pack_hold_the_meetings(joint: Sandbox, tmp_path: Path) -> None:
    assert record(joint, meeting_form(decisions="Hire a *second* engineer")) == {}
    assert record(joint, meeting_form(attendees=[ALICE, BOB], internal=["internal"], minutes="Our own view")) == {}
    card = next(m for m in joint.workspace.top_level(JOINT) if m.ts == relationship(joint).card_ts)
    joint.driver.click(PAT, card, ids.ACTION_MEETING_RECORD)  # Globex's own: not Acme's plan to hold
    assert joint.driver.submit(PAT, meeting_form(attendees=[PAT, QUINN], internal=["internal"])).errors == {}
    assert "Recorded the internal meeting" in shown(joint.workspace.current_modal(PAT))
    uow = joint.database.uow(joint.workspace.team_id)
    evidence = rmp.evidence(uow, default_catalogue(), relationship(joint).id or 0, START)
    markdown = render_markdown(evidence.plan)
    governance = markdown[markdown.index("## 4. Governance") : markdown.index("## 5.")]
    due = START.date() + timedelta(days=30)
    assert f"- Meetings of the joint management team: 2 held, the latest first; next due {due.day} {due:%b %Y}" in (
        governance
    )
    assert (
        "(internal, not shared with Globex): attended by Alice Moreau, Bob Okafor\n    - Decided: Hire a" in governance
    )
    assert '<li>Decided: <span class="text">Hire a *second* engineer</span></li>' in render_html(evidence.plan)
    files = write_pack(evidence, tmp_path / "pack.zip")
    assert "registers/meetings.csv" in files
    with zipfile.ZipFile(tmp_path / "pack.zip") as pack:
        rows = list(csv.DictReader(io.StringIO(pack.read("registers/meetings.csv").decode())))
    assert [(r["kept"], r["decisions"], r["minutes"]) for r in rows] == [
        ("joint", "Hire a *second* engineer", "Went through the delivery plan <!channel>"),
        ("internal", "Hire a second engineer\nMove the launch to May", "Our own view"),
    ]
    assert rows[0]["attended (partner)"].endswith(f"({PAT})")
