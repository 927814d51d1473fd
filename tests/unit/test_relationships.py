"""The rules for starting a relationship, and how people refer to one by name."""

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stages.errors import InvalidInput
from stages.naming import clean_name, name_key, suggest
from stages.relationships import Relationship, RelationshipDraft, RelationshipStatus

NOW = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)


def draft(**changes: object) -> RelationshipDraft:
    values: dict[str, object] = {
        "name": "Acme Alliance",
        "partner": "Acme Ltd",
        "owner_id": "U1",
        "sponsor_id": "U2",
        "channel_id": "C1",
        "review_cadence_days": "90",
    }
    values.update(changes)
    return RelationshipDraft(**values)  # type: ignore[arg-type]


def problems(candidate: RelationshipDraft) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        candidate.validated()
    return {field: problem.code for field, problem in raised.value.by_field().items()}


def test_a_valid_draft_is_cleaned() -> None:
    valid = draft(name='  "Acme   Alliance" ', partner=" Acme  Ltd ", review_cadence_days=" 30 ").validated()
    assert (valid.name, valid.partner, valid.review_cadence_days) == ("Acme Alliance", "Acme Ltd", 30)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": ""}, {"name": "name_empty"}),
        ({"name": '""'}, {"name": "name_empty"}),
        ({"name": "x" * 81}, {"name": "too_long"}),
        ({"name": "Acme\nAlliance"}, {"name": "name_multiline"}),
        ({"partner": " "}, {"partner": "partner_empty"}),
        ({"partner": "p" * 121}, {"partner": "too_long"}),
        ({"owner_id": None}, {"owner": "person_missing"}),
        ({"sponsor_id": ""}, {"sponsor": "person_missing"}),
        ({"channel_id": None}, {"channel": "channel_missing"}),
        ({"review_cadence_days": None}, {"cadence": "cadence_missing"}),
        ({"review_cadence_days": "ninety"}, {"cadence": "cadence_not_number"}),
        ({"review_cadence_days": "7.5"}, {"cadence": "cadence_not_number"}),
        ({"review_cadence_days": "6"}, {"cadence": "cadence_range"}),
        ({"review_cadence_days": "366"}, {"cadence": "cadence_range"}),
    ],
)
def test_each_broken_rule_is_reported_against_its_field(changes: dict[str, object], expected: dict[str, str]) -> None:
    assert problems(draft(**changes)) == expected


def test_every_problem_is_reported_at_once() -> None:
    found = problems(draft(name="", partner="", owner_id=None, review_cadence_days="0"))
    assert set(found) == {"name", "partner", "owner", "cadence"}


@pytest.mark.parametrize("days", [7, 365])
def test_cadence_bounds_are_inclusive(days: int) -> None:
    assert draft(review_cadence_days=days).validated().review_cadence_days == days


def test_a_relationship_starts_at_stage_one_with_its_first_review_one_cadence_away() -> None:
    started = Relationship.start("T1", draft(review_cadence_days="30").validated(), created_by="U9", now=NOW)
    assert (started.stage, started.status, started.created_by) == (1, RelationshipStatus.ACTIVE, "U9")
    assert started.next_review_due == date(2026, 12, 25)
    assert not started.review_overdue(date(2026, 12, 25))
    assert started.review_overdue(date(2026, 12, 26))


def test_owner_and_sponsor_lead_the_relationship() -> None:
    started = Relationship.start("T1", draft().validated(), created_by="U1", now=NOW)
    assert started.is_leader("U1") and started.is_leader("U2")
    assert not started.is_leader("U3")


@given(st.text(max_size=40))
def test_name_keys_ignore_case_and_spacing(name: str) -> None:
    assert name_key(name) == name_key(name.upper().replace(" ", "  "))
    assert name_key(name) == name_key(f"  {name}  ")


def test_clean_name_removes_one_pair_of_matching_quotes() -> None:
    assert clean_name("\u201cAcme\u201d") == "Acme"
    assert clean_name("'O'Brien Ltd'") == "O'Brien Ltd"
    assert clean_name("O'Brien Ltd") == "O'Brien Ltd"
    assert clean_name('"Acme') == '"Acme'


def test_suggestions_put_containing_names_before_close_spellings() -> None:
    names = ["Acme Alliance", "Acme Europe", "Globex Supply", "Initech"]
    assert suggest("acme", names) == ["Acme Alliance", "Acme Europe"]
    assert suggest("Globx Suply", names) == ["Globex Supply"]
    assert suggest("Umbrella", names) == []
    assert suggest("", names) == []
