"""The value-creation ideas register's rules: the form's checks (a decision date in the past refused, today
allowed), the moves the model allows and what each needs, stale on the sixtieth day unmoved and not the
fifty-ninth, who sees an internal idea, and the value delivered summed for each currency or unit."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from stages.errors import InvalidInput
from stages.ideas import (
    Amount,
    Idea,
    IdeaMove,
    IdeaStatus,
    delivered_totals,
    drop_reason,
    idea_draft,
    idea_move,
    keep_going_date,
    ranked,
    summary,
)
from stages.relationships import Side

TODAY = date(2027, 3, 10)


def draft(**changes: object) -> dict[str, object]:
    answers: dict[str, object] = {
        "title": "Share the warehouse",
        "proposer_id": "U1",
        "owner_id": "U2",
        "value_home": "Lower storage costs",
        "value_partner": "Faster deliveries",
        "expected_amount": "120,000",
        "expected_unit": "gbp",
        "expected_words": "A year's rent saved",
        "next_decision": "2027-04-01",
        "internal": False,
        "today": TODAY,
    }
    return answers | changes


def problems(**changes: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as wrong:
        idea_draft(**draft(**changes))  # type: ignore[arg-type]
    return {p.field: p.code for p in wrong.value.problems}


def test_a_decision_date_in_the_past_is_refused_and_today_is_allowed() -> None:
    assert problems(next_decision="2027-03-09") == {"next_decision": "idea_decision_past"}
    assert idea_draft(**draft(next_decision="2027-03-10")).next_decision == TODAY  # type: ignore[arg-type]


def test_the_expected_value_is_an_amount_with_its_unit_and_words() -> None:
    checked = idea_draft(**draft())  # type: ignore[arg-type]
    assert checked.expected == Amount(Decimal(120000), "GBP")
    assert idea_draft(**draft(expected_amount="12.5", expected_unit="hours")).expected == Amount(  # type: ignore[arg-type]
        Decimal("12.50"), "hours"
    )
    assert problems(expected_amount="-1") == {"expected_amount": "idea_amount_invalid"}
    assert problems(expected_amount="1.005") == {"expected_amount": "idea_amount_decimals"}
    assert problems(expected_amount="NaN", expected_unit=" ") == {
        "expected_amount": "idea_amount_invalid", "expected_unit": "idea_unit_missing"
    }  # fmt: skip
    assert problems(expected_amount="1e12")["expected_amount"] == "idea_amount_invalid"
    assert problems(expected_unit="x" * 17)["expected_unit"] == "too_long"


def test_each_wrong_field_is_named() -> None:
    found = problems(
        title=" ", proposer_id=None, owner_id="", value_home=" ", value_partner="", expected_words="", next_decision="x"
    )
    assert found == {
        "title": "idea_title_missing",
        "proposer": "idea_proposer_missing",
        "idea_owner": "idea_owner_missing",
        "value_home": "idea_value_missing",
        "value_partner": "idea_value_missing",
        "expected_words": "idea_expected_missing",
        "next_decision": "date_invalid",
    }
    assert problems(title="x" * 151)["title"] == "too_long"
    assert problems(title="a\u200bb")["title"] == "hidden_character"


def idea(**changes: object) -> Idea:
    made = Idea(
        "T1", 1, "i", "U1", "U2", "h", "p", Decimal(100), "GBP", "w", IdeaStatus.PROPOSED, TODAY, False, Side.HOME,
        "U1", datetime(2027, 3, 1, tzinfo=UTC), TODAY,
    )  # fmt: skip
    return replace(made, **changes)  # type: ignore[arg-type]


def moved(now: IdeaStatus, to: str, **typed: str) -> object:
    return idea_move(now=now, to=to, today=TODAY, **typed)


def refused(now: IdeaStatus, to: str, **typed: str) -> dict[str, str]:
    with pytest.raises(InvalidInput) as wrong:
        moved(now, to, **typed)
    return {p.field: p.code for p in wrong.value.problems}


def test_an_idea_moves_one_step_forward_or_is_dropped_and_nothing_follows_delivered_or_dropped() -> None:
    soon = {"next_decision": "2027-03-20"}
    assert moved(IdeaStatus.PROPOSED, "agreed", **soon) == IdeaMove(IdeaStatus.AGREED, next_decision=date(2027, 3, 20))
    assert refused(IdeaStatus.PROPOSED, "in_delivery", **soon) == {"status": "idea_move_refused"}
    assert refused(IdeaStatus.PROPOSED, "delivered", delivered_amount="1", delivered_unit="GBP") == {
        "status": "idea_move_refused"
    }
    assert refused(IdeaStatus.AGREED, "proposed", **soon) == {"status": "idea_move_refused"}
    assert refused(IdeaStatus.DELIVERED, "dropped", reason="x") == {"status": "idea_move_refused"}
    assert refused(IdeaStatus.DROPPED, "agreed", **soon) == {"status": "idea_move_refused"}
    assert refused(IdeaStatus.AGREED, "weather") == {"status": "idea_status_missing"}
    for status in (IdeaStatus.PROPOSED, IdeaStatus.AGREED, IdeaStatus.IN_DELIVERY):
        assert refused(status, "dropped", reason=" ") == {"reason": "idea_reason_missing"}
    assert [s.next for s in IdeaStatus] == [
        IdeaStatus.AGREED, IdeaStatus.IN_DELIVERY, IdeaStatus.DELIVERED, None, None
    ]  # fmt: skip


def test_each_move_asks_for_what_its_status_needs() -> None:
    assert refused(IdeaStatus.PROPOSED, "agreed") == {"next_decision": "idea_decision_missing"}
    assert refused(IdeaStatus.AGREED, "in_delivery", next_decision="2027-03-09") == {
        "next_decision": "idea_decision_past"
    }
    assert refused(IdeaStatus.IN_DELIVERY, "delivered", delivered_amount="", delivered_unit="") == {
        "delivered_amount": "idea_amount_invalid", "delivered_unit": "idea_unit_missing"
    }  # fmt: skip
    move = idea_move(
        now=IdeaStatus.IN_DELIVERY, to="delivered", delivered_amount="80000", delivered_unit="gbp", today=TODAY
    )
    done = idea(status=IdeaStatus.IN_DELIVERY, moved_on=date(2027, 1, 1)).moved(move, TODAY)
    assert (done.status, done.delivered, done.moved_on, done.open) == (
        IdeaStatus.DELIVERED, Amount(Decimal(80000), "GBP"), TODAY, False
    )  # fmt: skip
    dropped = idea().moved(idea_move(now=IdeaStatus.PROPOSED, to="dropped", reason="No budget", today=TODAY), TODAY)
    assert (dropped.status, dropped.drop_reason, dropped.delivered) == (IdeaStatus.DROPPED, "No budget", None)


def test_an_idea_is_stale_on_the_sixtieth_day_unmoved_and_not_the_fifty_ninth() -> None:
    unmoved = idea(moved_on=TODAY)
    assert not unmoved.stale(TODAY + timedelta(days=59), 60)
    assert unmoved.stale(TODAY + timedelta(days=60), 60)
    assert not idea(status=IdeaStatus.DELIVERED).stale(TODAY + timedelta(days=600), 60)
    kept = unmoved.kept_going(TODAY + timedelta(days=90), TODAY + timedelta(days=60))
    assert not kept.stale(TODAY + timedelta(days=60), 60)
    assert kept.stale(TODAY + timedelta(days=120), 60)


def test_keeping_an_idea_going_sets_a_decision_date_after_today_and_a_drop_needs_its_reason() -> None:
    with pytest.raises(InvalidInput) as wrong:
        keep_going_date(TODAY.isoformat(), TODAY)
    assert [(p.field, p.code) for p in wrong.value.problems] == [("next_decision", "date_not_future")]
    assert keep_going_date("2027-03-11", TODAY) == date(2027, 3, 11)
    with pytest.raises(InvalidInput):
        drop_reason("  ")
    assert drop_reason(" It saves nothing ") == "It saves nothing"


def test_an_internal_idea_is_seen_by_its_own_side_only_and_delivered_value_is_summed_per_unit() -> None:
    internal = idea(internal=True, side=Side.PARTNER)
    assert internal.seen_by(Side.PARTNER) and not internal.seen_by(Side.HOME)
    done = {"status": IdeaStatus.DELIVERED}
    ideas = [
        idea(id=1, next_decision=date(2027, 5, 1)),
        idea(id=2, **done, delivered_amount=Decimal("10.50"), delivered_unit="GBP"),
        idea(id=3, **done, delivered_amount=Decimal(5), delivered_unit="GBP"),
        idea(id=4, **done, delivered_amount=Decimal(40), delivered_unit="hours", internal=True, side=Side.PARTNER),
        idea(id=5, status=IdeaStatus.DROPPED, drop_reason="x"),
        idea(id=6, moved_on=TODAY - timedelta(days=60)),
    ]
    assert delivered_totals(ideas) == [Amount(Decimal("15.50"), "GBP"), Amount(Decimal(40), "hours")]
    assert [i.id for i in ranked(ideas)] == [6, 1]
    home = summary(ideas, Side.HOME, TODAY, 60)
    assert (home.open, home.stale, home.delivered) == (2, 1, [Amount(Decimal("15.50"), "GBP")])
