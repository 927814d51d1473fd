"""The risk register's rules: the form's checks (a review date in the past refused, today allowed), the score,
the ranking, the heat map and who sees an internal risk."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from stages.errors import InvalidInput
from stages.relationships import Side
from stages.risks import Risk, RiskCategory, heat_map, level, outcome_text, ranked, risk_draft, risk_review

TODAY = date(2027, 3, 10)


def draft(**changes: object) -> dict[str, object]:
    answers: dict[str, object] = {
        "title": "Key engineer leaves",
        "description": "",
        "category": "operational",
        "breakdown_effect": "Delivery stops for a month",
        "likelihood": "3",
        "impact": "4",
        "owner_id": "U1",
        "mitigation": "",
        "next_review": "2027-04-01",
        "internal": False,
        "today": TODAY,
    }
    return answers | changes


def problems(**changes: object) -> dict[str, str]:
    with pytest.raises(InvalidInput) as wrong:
        risk_draft(**draft(**changes))  # type: ignore[arg-type]
    return {p.field: p.code for p in wrong.value.problems}


def test_a_review_date_in_the_past_is_refused_and_today_is_allowed() -> None:
    assert problems(next_review="2027-03-09") == {"next_review": "risk_review_past"}
    assert risk_draft(**draft(next_review="2027-03-10")).next_review == TODAY  # type: ignore[arg-type]


def test_each_wrong_field_is_named() -> None:
    found = problems(
        title=" ", category="weather", breakdown_effect="", likelihood="6", impact="²", owner_id=None, next_review="x"
    )
    assert found == {
        "title": "risk_title_missing",
        "category": "risk_category_missing",
        "breakdown_effect": "risk_effect_missing",
        "likelihood": "risk_rating_missing",
        "impact": "risk_rating_missing",
        "risk_owner": "risk_owner_missing",
        "next_review": "date_invalid",
    }
    assert problems(title="x" * 151)["title"] == "too_long"
    assert problems(title="a\u200bb")["title"] == "hidden_character"


def test_a_closed_risk_needs_its_outcome() -> None:
    with pytest.raises(InvalidInput):
        outcome_text("  ")
    assert outcome_text(" Hired a second engineer ") == "Hired a second engineer"


def risk(likelihood: int, impact: int, **changes: object) -> Risk:
    made = Risk(
        "T1", 1, "r", "", RiskCategory.FINANCIAL, "e", likelihood, impact, "U1", "", TODAY, False, Side.HOME, "U1",
        datetime(2027, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    return replace(made, **changes)  # type: ignore[arg-type]


def test_open_risks_rank_by_score_then_review_and_closed_ones_drop_out() -> None:
    low, high, soon = risk(1, 2, id=1), risk(4, 5, id=2), risk(2, 1, id=3, next_review=date(2027, 3, 1))
    closed = risk(5, 5, id=4, closed_at=datetime(2027, 3, 5, tzinfo=UTC))
    assert [r.id for r in ranked([low, high, soon, closed])] == [2, 3, 1]  # an equal score: the sooner review first
    assert (high.score, level(high.score), level(8), level(7)) == (20, "high", "medium", "low")


def test_the_heat_map_counts_open_risks_by_impact_row_and_likelihood_column() -> None:
    cells = heat_map([risk(1, 5), risk(1, 5), risk(5, 1), risk(3, 3, closed_at=datetime(2027, 3, 5, tzinfo=UTC))])
    assert cells[0] == [2, 0, 0, 0, 0]  # impact 5
    assert cells[4] == [0, 0, 0, 0, 1]  # impact 1
    assert sum(map(sum, cells)) == 3


def test_an_internal_risk_is_seen_only_by_its_own_side_and_a_review_is_overdue_the_day_after() -> None:
    internal = risk(2, 2, internal=True, side=Side.PARTNER)
    assert internal.seen_by(Side.PARTNER) and not internal.seen_by(Side.HOME)
    assert risk(2, 2).seen_by(Side.PARTNER)
    assert not risk(2, 2).review_overdue(TODAY)
    assert risk(2, 2).review_overdue(date(2027, 3, 11))


def test_a_review_sets_a_new_score_and_a_next_review_after_today() -> None:
    def review(on: str) -> object:
        return risk_review(note="Still likely", likelihood="2", impact="5", next_review=on, today=TODAY)

    with pytest.raises(InvalidInput) as wrong:
        review("2027-03-10")
    assert [(p.field, p.code) for p in wrong.value.problems] == [("next_review", "date_not_future")]
    reviewed = risk(4, 4).reviewed(review("2027-03-11"))  # type: ignore[arg-type]
    assert (reviewed.score, reviewed.next_review) == (10, date(2027, 3, 11))
    with pytest.raises(InvalidInput) as wrong:
        risk_review(note=" ", likelihood="0", impact="3", next_review="2027-03-09", today=TODAY)
    assert {p.field: p.code for p in wrong.value.problems} == {
        "note": "risk_note_missing", "likelihood": "risk_rating_missing", "next_review": "risk_review_past"
    }  # fmt: skip
