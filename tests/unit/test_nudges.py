"""Who is nudged about what, when: the rules at their boundaries, and working hours across time zones."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.settings import parse_days, parse_hours
from stages.catalogue import default_catalogue
from stages.disputes import Dispute
from stages.nudges import (
    DueReview,
    Nudge,
    NudgeKind,
    NudgePolicy,
    Reminders,
    Snoozes,
    WorkingHours,
    dispute_check,
    escalation_nudges,
    reachable,
    thread_nudges,
)
from stages.relationships import Relationship, RelationshipDraft, RelationshipStatus

POLICY = NudgePolicy(remind_every_days=3, escalate_after_days=7, dispute_grace_days=1)
CADENCES = default_catalogue().cadences
DUE = date(2027, 2, 23)
START = datetime(2026, 11, 25, 10, tzinfo=UTC)


def relationship(**changes: object) -> Relationship:
    draft = RelationshipDraft("Acme Alliance", "Acme Ltd", "U1OWNER", "U2SPONSOR", "C1", 90).validated()
    started = Relationship.start("T1", draft, created_by="U1OWNER", now=START)
    return replace(started, **({"id": 7, "next_review_due": DUE} | changes))  # type: ignore[arg-type]


def review_nudges(relationship: Relationship, now: datetime, policy: NudgePolicy, snoozes: Snoozes) -> list[Nudge]:
    """The review reminders due now for one relationship, as a sweep works them out for each it reads."""
    return _reminders(NudgeKind.REVIEW, relationship, relationship.next_review_due, now, policy, snoozes)


def exit_review_nudges(
    relationship: Relationship, due: date | None, now: datetime, policy: NudgePolicy, snoozes: Snoozes
) -> list[Nudge]:
    return _reminders(NudgeKind.EXIT_REVIEW, relationship, due, now, policy, snoozes)


def _reminders(
    kind: NudgeKind, relationship: Relationship, due: date | None, now: datetime, policy: NudgePolicy, snoozes: Snoozes
) -> list[Nudge]:
    review = DueReview.of(relationship, due) if due else None
    return Reminders(kind, now, policy, snoozes)(review) if review else []


def at(days: int) -> datetime:
    """10:00 UTC, `days` after the due date."""
    return datetime.combine(DUE + timedelta(days=days), time(10), UTC)


def keys(nudges: list) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
    return [(n.recipient_id, n.tier, n.period) for n in nudges]


def test_nothing_before_the_due_date() -> None:
    assert review_nudges(relationship(), at(-1), POLICY, {}) == []


def test_the_owner_on_the_due_date_then_every_few_days() -> None:
    assert keys(review_nudges(relationship(), at(0), POLICY, {})) == [("U1OWNER", 0, "2027-02-23/0")]
    assert keys(review_nudges(relationship(), at(1), POLICY, {})) == [("U1OWNER", 0, "2027-02-23/0")]  # same one
    assert keys(review_nudges(relationship(), at(2), POLICY, {})) == [("U1OWNER", 0, "2027-02-23/0")]
    assert keys(review_nudges(relationship(), at(3), POLICY, {})) == [("U1OWNER", 0, "2027-02-23/1")]  # a reminder


def test_an_erased_owner_is_not_nudged_and_the_sponsor_still_is() -> None:
    erased = relationship(owner_id="erased-person-1")
    assert keys(reachable(review_nudges(erased, at(3), POLICY, {}))) == []
    assert [n.recipient_id for n in reachable(review_nudges(erased, at(7), POLICY, {}))] == ["U2SPONSOR"]


def test_the_sponsor_too_once_it_is_long_overdue() -> None:
    assert [n.recipient_id for n in review_nudges(relationship(), at(6), POLICY, {})] == ["U1OWNER"]
    escalated = review_nudges(relationship(), at(7), POLICY, {})
    assert keys(escalated) == [("U1OWNER", 0, "2027-02-23/2"), ("U2SPONSOR", 1, "2027-03-02/0")]
    assert all(n.kind is NudgeKind.REVIEW and n.subject == "7@2027-02-23" for n in escalated)
    assert escalated[0].detail == {"name": "Acme Alliance", "due": "2027-02-23"}


def test_a_snooze_silences_until_it_ends_and_then_starts_a_new_series() -> None:
    snoozes = {("review", "7@2027-02-23", "U1OWNER"): datetime(2027, 2, 24, 11, tzinfo=UTC)}
    assert review_nudges(relationship(), at(0), POLICY, snoozes) == []
    assert review_nudges(relationship(), at(1), POLICY, snoozes) == []  # 10:00, the snooze ends at 11:00
    after = review_nudges(relationship(), at(1) + timedelta(hours=1), POLICY, snoozes)
    assert keys(after) == [("U1OWNER", 0, "2027-02-24/0")]  # a new key: it is sent again once it ends
    assert keys(review_nudges(relationship(), at(4), POLICY, snoozes)) == [("U1OWNER", 0, "2027-02-24/1")]


def test_a_snooze_is_per_person() -> None:
    snoozes = {("review", "7@2027-02-23", "U1OWNER"): datetime(2027, 3, 30, tzinfo=UTC)}
    assert keys(review_nudges(relationship(), at(7), POLICY, snoozes)) == [("U2SPONSOR", 1, "2027-03-02/0")]


def test_an_exited_relationship_is_not_nudged() -> None:
    assert review_nudges(relationship(status=RelationshipStatus.EXITED), at(10), POLICY, {}) == []


def test_a_new_due_date_is_a_new_subject() -> None:
    later = relationship(next_review_due=at(90).date())
    assert review_nudges(later, at(90), POLICY, {})[0].subject == "7@2027-05-24"


def test_exit_reviews_follow_the_same_ladder() -> None:
    due = exit_review_nudges(relationship(), DUE, at(7), POLICY, {})
    assert [(n.kind, n.recipient_id, n.tier) for n in due] == [
        (NudgeKind.EXIT_REVIEW, "U1OWNER", 0),
        (NudgeKind.EXIT_REVIEW, "U2SPONSOR", 1),
    ]
    assert exit_review_nudges(relationship(), None, at(7), POLICY, {}) == []


def dispute(tier: int = 1, days_at_tier: float = 0, now: datetime = START) -> Dispute:
    since = now - timedelta(days=days_at_tier)
    return Dispute("T1", 7, "Late deliveries", "U3RAISER", since, "U1OWNER", tier=tier, tier_since=since, id=12)


def test_a_dispute_within_its_tier_limit_is_left_alone() -> None:
    check = dispute_check(dispute(days_at_tier=6.9), relationship(), START, CADENCES, POLICY, {})
    assert check.nudges == [] and not check.escalate


def test_a_dispute_past_its_limit_nudges_its_owner_then_climbs_after_the_grace() -> None:
    past = dispute_check(dispute(days_at_tier=7), relationship(), START, CADENCES, POLICY, {})
    assert keys(past.nudges) == [("U1OWNER", 1, "0")] and not past.escalate
    later = dispute_check(dispute(days_at_tier=8), relationship(), START, CADENCES, POLICY, {})
    assert keys(later.nudges) == [("U1OWNER", 1, "0")] and later.escalate


def test_the_top_tier_has_no_time_limit() -> None:
    check = dispute_check(dispute(tier=3, days_at_tier=100), relationship(), START, CADENCES, POLICY, {})
    assert check.nudges == [] and not check.escalate


def test_only_a_new_owner_is_told_a_dispute_is_now_theirs() -> None:
    r = relationship()
    joint = escalation_nudges(dispute(tier=2), r, START)  # the relationship's owner keeps it
    sponsors = escalation_nudges(replace(dispute(tier=3), owner_id="U2SPONSOR"), r, START)
    assert joint == []
    assert [(n.kind, n.recipient_id) for n in sponsors] == [(NudgeKind.DISPUTE_ESCALATED, "U2SPONSOR")]


def test_a_climb_tells_the_disputes_thread_once_per_tier_and_not_a_thread_never_posted() -> None:
    posted = replace(dispute(tier=2), channel_id="C1", thread_ts="1700000000.000100")
    [told] = thread_nudges(posted, relationship(), START)
    assert (told.kind, told.subject, told.tier, told.recipient_id) == (NudgeKind.DISPUTE_THREAD, "12", 2, "C1")
    assert told.key != thread_nudges(replace(posted, tier=3), relationship(), START)[0].key
    assert thread_nudges(dispute(tier=2), relationship(), START) == []  # its channel post failed: no thread


LONDON, NEW_YORK, TOKYO = ZoneInfo("Europe/London"), ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")
HOURS = WorkingHours()


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        (datetime(2026, 11, 25, 10, tzinfo=UTC), LONDON, datetime(2026, 11, 25, 10, tzinfo=UTC)),  # open: now
        (datetime(2026, 11, 25, 8, 59, tzinfo=UTC), LONDON, datetime(2026, 11, 25, 9, tzinfo=UTC)),  # opens soon
        (datetime(2026, 11, 25, 17, tzinfo=UTC), LONDON, datetime(2026, 11, 26, 9, tzinfo=UTC)),  # closed at 17:00
        (datetime(2026, 11, 27, 18, tzinfo=UTC), LONDON, datetime(2026, 11, 30, 9, tzinfo=UTC)),  # Friday evening
        (datetime(2026, 11, 25, 10, tzinfo=UTC), NEW_YORK, datetime(2026, 11, 25, 14, tzinfo=UTC)),  # 05:00 there
        (datetime(2026, 11, 25, 10, tzinfo=UTC), TOKYO, datetime(2026, 11, 26, 0, tzinfo=UTC)),  # 19:00 there
    ],
)
def test_working_hours_are_in_the_persons_own_time_zone(now: datetime, zone: ZoneInfo, expected: datetime) -> None:
    assert HOURS.next_open(now, zone) == expected


def test_working_hours_across_a_daylight_saving_change() -> None:
    # London moves to summer time on Sunday 28 March 2027: Monday's 09:00 is 08:00 UTC, Friday's was 09:00 UTC.
    friday_evening = datetime(2027, 3, 26, 18, tzinfo=UTC)
    assert HOURS.next_open(friday_evening, LONDON) == datetime(2027, 3, 29, 8, tzinfo=UTC)
    assert HOURS.next_open(datetime(2027, 3, 26, 8, 30, tzinfo=UTC), LONDON) == datetime(2027, 3, 26, 9, tzinfo=UTC)
    # New York changes two weeks earlier: on Monday 15 March 2027 09:00 there is 13:00 UTC.
    assert HOURS.next_open(datetime(2027, 3, 13, 12, tzinfo=UTC), NEW_YORK) == datetime(2027, 3, 15, 13, tzinfo=UTC)


def test_all_day_every_day() -> None:
    always = WorkingHours(frozenset(range(7)), time(0), time(0))
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert always.next_open(sunday_night, TOKYO) == sunday_night


@pytest.mark.parametrize(
    ("text", "days"),
    [("mon-fri", {0, 1, 2, 3, 4}), ("mon,wed,fri", {0, 2, 4}), ("sun-thu", {6, 0, 1, 2, 3}), ("Sat", {5})],
)
def test_working_days_settings(text: str, days: set[int]) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["monday-friday", "mon-funday", ""])
def test_bad_working_days_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="working days"):
        parse_days(text)


def test_working_hours_settings() -> None:
    assert parse_hours("08:30-18:00") == (time(8, 30), time(18))
    with pytest.raises(ValueError, match="working hours"):
        parse_hours("9 to 5")
