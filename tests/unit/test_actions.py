"""The actions register's rules: the form's checks (a due date in the past refused, today allowed), overdue only
once the owner's own date is past the due date, the owner's first in the list, who sees an internal action and
who may complete one."""

from datetime import UTC, date, datetime

import pytest

from stages.actions import (
    Action,
    ActionSource,
    action_draft,
    completion_note,
    known_zone,
    may_complete,
    ranked,
    summary,
)
from stages.errors import InvalidInput
from stages.relationships import Relationship, RelationshipStatus, Side

TODAY = date(2027, 3, 10)
# 11:30 UTC on the 11th: already the 12th in Auckland (UTC+13), still the 11th in London, the 10th in Honolulu
# (UTC-10) until 10:00 UTC... which has passed: 01:30 on the 11th there.
NOW = datetime(2027, 3, 11, 11, 30, tzinfo=UTC)


def action(**changes: object) -> Action:
    fields: dict[str, object] = {
        "team_id": "T1",
        "relationship_id": 1,
        "title": "Send the forecast",
        "owner_id": "U1",
        "owner_side": Side.HOME,
        "owner_tz": "Europe/London",
        "due": TODAY,
        "source": ActionSource.HAND,
        "source_id": None,
        "internal": False,
        "side": Side.HOME,
        "added_by": "U1",
        "added_at": datetime(2027, 3, 1, tzinfo=UTC),
        "id": 1,
    }
    return Action(**(fields | changes))  # type: ignore[arg-type]


def relationship() -> Relationship:
    return Relationship(
        "T1", "Acme Alliance", "Globex", "OWNER", "SPONSOR", "C1", 90, 1, RelationshipStatus.ACTIVE, "OWNER",
        NOW, TODAY, partner_team_id="T2", partner_sponsor_id="PSPONSOR", partner_manager_id="PMANAGER", id=1,
    )  # fmt: skip


def problems(**changes: object) -> dict[str, str]:
    answers: dict[str, object] = {"title": "Send it", "owner_id": "U1", "due": "2027-03-20", "internal": False}
    with pytest.raises(InvalidInput) as wrong:
        action_draft(**(answers | changes), today=TODAY)  # type: ignore[arg-type]
    return {p.field: p.code for p in wrong.value.problems}


def test_a_due_date_in_the_past_is_refused_and_today_is_allowed() -> None:
    assert problems(due="2027-03-09") == {"due": "action_due_past"}
    draft = action_draft(title=" Send  it ", owner_id="U1", due="2027-03-10", internal=True, today=TODAY)
    assert (draft.title, draft.due, draft.internal) == ("Send it", TODAY, True)


def test_each_wrong_field_is_named() -> None:
    assert problems(title=" ", owner_id=None, due="x") == {
        "title": "action_title_missing",
        "action_owner": "action_owner_missing",
        "due": "date_invalid",
    }
    assert problems(due="")["due"] == "action_due_missing"
    assert problems(title="x" * 151)["title"] == "too_long"
    assert problems(title="a\u200bb")["title"] == "hidden_character"


@pytest.mark.parametrize(
    ("tz", "due", "overdue"),
    [
        ("Europe/London", date(2027, 3, 11), False),  # due today in London: not yet late
        ("Europe/London", date(2027, 3, 10), True),
        ("Pacific/Auckland", date(2027, 3, 11), True),  # the 12th there already
        ("Pacific/Honolulu", date(2027, 3, 10), True),  # 01:30 on the 11th there
        ("Pacific/Honolulu", date(2027, 3, 11), False),
        ("", date(2027, 3, 10), True),  # no zone known: UTC
        ("Not/AZone", date(2027, 3, 11), False),
    ],
)
def test_an_action_is_overdue_once_the_owners_own_date_is_past_its_due_date(tz: str, due: date, overdue: bool) -> None:
    assert action(owner_tz=tz, due=due).overdue(NOW) is overdue


def test_the_day_before_in_honolulu_is_not_overdue_while_it_is_in_auckland() -> None:
    early = datetime(2027, 3, 11, 9, 30, tzinfo=UTC)  # 23:30 on the 10th in Honolulu, 22:30 on the 11th in Auckland
    assert not action(owner_tz="Pacific/Honolulu").overdue(early)
    assert action(owner_tz="Pacific/Auckland").overdue(early)
    assert action(owner_tz="Pacific/Auckland").days_overdue(early) == 1


def test_a_completed_action_is_never_overdue() -> None:
    done = action(due=date(2027, 1, 1)).completed(NOW, "U1", "Sent")
    assert not done.open and not done.overdue(NOW) and done.days_overdue(NOW) == 0


def test_the_persons_own_actions_come_first_then_the_soonest_due() -> None:
    mine = action(id=3, owner_id="ME", due=date(2027, 4, 1))
    soon = action(id=2, due=date(2027, 3, 12))
    later = action(id=1, due=date(2027, 3, 30))
    done = action(id=4, owner_id="ME").completed(NOW, "ME", "Done")
    assert [a.id for a in ranked([later, soon, mine, done], "ME")] == [3, 2, 1]


def test_an_internal_action_is_counted_by_its_own_side_only() -> None:
    internal = action(internal=True, side=Side.PARTNER, owner_side=Side.PARTNER, due=date(2027, 3, 1))
    joint = action(due=date(2027, 4, 1))
    theirs, ours = summary([internal, joint], Side.PARTNER, NOW), summary([internal, joint], Side.HOME, NOW)
    assert (theirs.open, theirs.overdue) == (2, 1)
    assert (ours.open, ours.overdue) == (1, 0)


def test_the_owner_or_who_leads_the_owners_side_completes_an_action() -> None:
    r = relationship()
    home = action(owner_id="U1")
    partners = action(owner_id="PAT", owner_side=Side.PARTNER)
    assert [may_complete(home, r, who) for who in ("U1", "OWNER", "SPONSOR", "PSPONSOR", "X")] == [
        True, True, True, False, False,
    ]  # fmt: skip
    assert [may_complete(partners, r, who) for who in ("PAT", "PSPONSOR", "PMANAGER", "OWNER")] == [
        True, True, True, False,
    ]  # fmt: skip


def test_completing_needs_a_note() -> None:
    with pytest.raises(InvalidInput):
        completion_note("  ")
    assert completion_note(" Sent on Friday ") == "Sent on Friday"


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("Pacific/Kiritimati", True),
        ("UTC", True),
        ("", False),
        ("Mars/Olympus_Mons", False),
        ("../../etc/passwd", False),
        ("Europe/" + "x" * 60, False),
    ],
)
def test_only_a_zone_python_knows_is_taken_from_slack(name: str, known: bool) -> None:
    assert known_zone(name) is known
