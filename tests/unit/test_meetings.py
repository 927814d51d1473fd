"""The meetings' rules: the form's checks (a date in the future or before the relationship began refused, today
and the first day allowed), which side each attendee is on, who sees an internal meeting, and the cadence (due on
day 30, not 29)."""

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest

from stages.errors import InvalidInput
from stages.meetings import (
    DECISIONS_MAX,
    Meeting,
    MeetingDraft,
    meeting_draft,
    meeting_due,
    next_due,
    placed,
)
from stages.nudges import DueMeeting, NudgePolicy, meeting_due_nudges, meeting_due_subject
from stages.relationships import Relationship, RelationshipStatus, Side

TODAY = date(2027, 3, 10)
BEGAN = date(2027, 1, 4)
JOINT = Relationship(
    team_id="T1", name="Acme Globex", partner="Globex", owner_id="U0ALICE", sponsor_id="U0BOB",
    channel_id="C0JOINT", review_cadence_days=90, stage=5, status=RelationshipStatus.ACTIVE, created_by="U0ALICE",
    created_at=datetime(2027, 1, 4, 9, tzinfo=UTC), next_review_due=date(2027, 4, 4), partner_team_id="T2", id=7,
)  # fmt: skip
ORGS = {"U0ALICE": "T1", "U0CAROL": "T1", "U0PAT": "T2", "U0IRENE": "T3"}


def answers(**changes: object) -> dict[str, object]:
    typed: dict[str, object] = {
        "held_on_raw": "2027-03-09",
        "attendees": ["U0ALICE", "U0PAT"],
        "minutes": "Went through the delivery plan.",
        "decisions": "Hire a second engineer\n\n  Move the launch to May  ",
        "internal": False,
        "one_side_reason": "",
        "today": TODAY,
        "began": BEGAN,
    }
    return typed | changes


def problems(**changes: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as wrong:
        meeting_draft(**answers(**changes))  # type: ignore[arg-type]
    return {p.field: p.code for p in wrong.value.problems}


def draft(**changes: object) -> MeetingDraft:
    return meeting_draft(**answers(**changes))  # type: ignore[arg-type]


def test_a_meeting_is_held_today_or_before_but_not_before_the_relationship_began() -> None:
    assert draft(held_on_raw="2027-03-10").held_on == TODAY
    assert draft(held_on_raw="2027-01-04").held_on == BEGAN
    assert problems(held_on_raw="2027-03-11") == {"held_on": "meeting_date_future"}
    assert problems(held_on_raw="2027-01-03") == {"held_on": "meeting_date_before_start"}


def test_decisions_are_one_per_line_and_each_wrong_field_is_named() -> None:
    assert draft().decisions == ("Hire a second engineer", "Move the launch to May")
    assert draft(decisions="").decisions == ()
    found = problems(held_on_raw="soon", attendees=[], minutes=" ", decisions="d\n" * (DECISIONS_MAX + 1))
    assert found == {
        "held_on": "date_invalid",
        "attendees": "meeting_attendees_missing",
        "minutes": "meeting_minutes_missing",
        "decisions": "meeting_decisions_too_many",
    }
    assert problems(decisions="x" * 301) == {"decisions": "meeting_decision_too_long"}
    assert problems(one_side_reason="a\u200bb") == {"one_side_reason": "hidden_character"}


def test_attendees_are_placed_on_the_side_slack_says_they_are_of() -> None:
    assert placed(draft(attendees=["U0PAT", "U0ALICE", "U0CAROL"]), JOINT, ORGS, Side.HOME) == (
        ("U0ALICE", "U0CAROL"),
        ("U0PAT",),
    )


def refusal(meeting: MeetingDraft, side: Side = Side.HOME) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as wrong:
        placed(meeting, JOINT, ORGS, side)
    return wrong.value.problems[0].field, wrong.value.problems[0].code


def test_someone_of_a_third_organisation_never_attends() -> None:
    assert refusal(draft(attendees=["U0ALICE", "U0PAT", "U0IRENE"])) == ("attendees", "meeting_attendee_outside")


def test_a_joint_meeting_of_one_side_says_why_and_an_internal_one_is_of_its_own_side_only() -> None:
    assert refusal(draft(attendees=["U0ALICE", "U0CAROL"])) == ("one_side_reason", "meeting_one_side")
    assert placed(draft(attendees=["U0ALICE"], one_side_reason="Globex's lead was ill"), JOINT, ORGS, Side.HOME)
    assert placed(draft(attendees=["U0ALICE"], internal=True), JOINT, ORGS, Side.HOME) == (("U0ALICE",), ())
    assert refusal(draft(internal=True)) == ("attendees", "meeting_attendee_internal")
    assert refusal(draft(attendees=["U0ALICE"], internal=True), Side.PARTNER) == (
        "attendees",
        "meeting_attendee_internal",
    )
    not_joint = replace(JOINT, partner_team_id=None)  # the partner is not on Slack: its people are named in minutes
    assert placed(draft(attendees=["U0ALICE"]), not_joint, ORGS, Side.HOME) == (("U0ALICE",), ())
    with pytest.raises(InvalidInput):
        placed(draft(), not_joint, ORGS, Side.HOME)


def meeting(held_on: date, *, internal: bool = False, side: Side = Side.HOME) -> Meeting:
    return Meeting(
        "T1", 7, held_on, ("U0ALICE",), ("U0PAT",), "m", (), internal, side, "", "U0ALICE",
        datetime(2027, 3, 1, tzinfo=UTC),
    )  # fmt: skip


def test_the_next_meeting_is_due_on_day_30_after_the_last_joint_one_not_on_day_29() -> None:
    due = next_due([meeting(date(2027, 2, 1)), meeting(date(2027, 2, 8))], BEGAN, 30)
    assert due == date(2027, 3, 10)
    assert not meeting_due(due, date(2027, 3, 9))  # day 29
    assert meeting_due(due, date(2027, 3, 10))  # day 30
    assert next_due([meeting(date(2027, 2, 8))], BEGAN, 14) == date(2027, 2, 22)


def test_before_any_meeting_the_cadence_counts_from_the_relationship_start_and_internal_ones_keep_none() -> None:
    assert next_due([], BEGAN, 30) == date(2027, 2, 3)
    assert next_due([meeting(date(2027, 3, 1), internal=True)], BEGAN, 30) == date(2027, 2, 3)


def test_an_internal_meeting_is_seen_only_by_its_own_side() -> None:
    internal = meeting(TODAY, internal=True, side=Side.PARTNER)
    assert internal.seen_by(Side.PARTNER) and not internal.seen_by(Side.HOME)
    assert meeting(TODAY).seen_by(Side.PARTNER)
    assert meeting(TODAY).attendees(Side.PARTNER) == ("U0PAT",)


def test_a_meeting_due_reminds_both_managers_from_its_day_every_few_days_and_a_snooze_quiets_one() -> None:
    due = DueMeeting(7, "T1", "Acme Globex", "U0ALICE", "U0QUINN", None, TODAY)
    policy = NudgePolicy(remind_every_days=3)

    def sent(on: date, snoozes: dict[tuple[str, str, str], datetime] | None = None) -> list[tuple[str, str]]:
        now = datetime.combine(on, time(9), UTC)
        return [(n.recipient_id, n.period) for n in meeting_due_nudges([due], policy, now, snoozes or {})]

    assert sent(date(2027, 3, 9)) == []  # the day before it is due
    assert sent(TODAY) == [("U0ALICE", "2027-03-10/0"), ("U0QUINN", "2027-03-10/0")]
    assert sent(date(2027, 3, 12))[0] == ("U0ALICE", "2027-03-10/0")
    assert sent(date(2027, 3, 13))[0] == ("U0ALICE", "2027-03-10/1")  # again three days on
    snoozed = {("meeting_due", meeting_due_subject(7, TODAY), "U0QUINN"): datetime(2027, 3, 20, tzinfo=UTC)}
    assert sent(date(2027, 3, 13), snoozed) == [("U0ALICE", "2027-03-10/1")]
    lone = replace(due, partner_manager_id=None)
    assert [n.recipient_id for n in meeting_due_nudges([lone], policy, datetime.combine(TODAY, time(9), UTC), {})] == [
        "U0ALICE"
    ]
