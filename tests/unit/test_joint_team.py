"""The joint management team's rules: a role and its pair of counterparts, one person of each side."""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from stages.errors import InvalidInput
from stages.joint_team import PAIRS_MAX, ROLE_MAX, PairDraft, TeamPair, checked_rows, members, paired
from stages.relationships import Relationship, RelationshipStatus, Side

ACME, GLOBEX, INITECH = "T0ACME", "T0GLOBEX", "T0INITECH"
DANA, ERIN, RAY, SAM, IRENE = "U0DANA", "U0ERIN", "U0RAY", "U0SAM", "U0IRENE"
ORGANISATIONS = {DANA: ACME, ERIN: ACME, RAY: GLOBEX, SAM: GLOBEX, IRENE: INITECH}

JOINT = Relationship(
    team_id=ACME, name="Acme Alliance", partner="Globex", owner_id="U0ALICE", sponsor_id="U0BOB",
    channel_id="C0JOINT", review_cadence_days=90, stage=4, status=RelationshipStatus.ACTIVE, created_by="U0ALICE",
    created_at=datetime(2026, 11, 1, tzinfo=UTC), next_review_due=date(2027, 2, 1), partner_team_id=GLOBEX, id=1,
)  # fmt: skip


def codes(error: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {p.field: p.code for p in error.value.problems}


def test_empty_rows_are_dropped_and_filled_ones_keep_their_row_number() -> None:
    rows = [PairDraft("", (), 1), PairDraft("  Delivery   lead ", (DANA, RAY), 2), PairDraft("", (), 3)]
    assert checked_rows(rows) == [PairDraft("Delivery lead", (DANA, RAY), 2)]


def test_a_row_needs_both_its_role_and_its_people() -> None:
    with pytest.raises(InvalidInput) as error:
        checked_rows([PairDraft("Finance", (), 1), PairDraft("", (DANA,), 2)])
    assert codes(error) == {"team_people_1": "team_people_missing", "team_role_2": "team_role_missing"}


def test_a_role_is_at_most_its_length_and_a_pair_at_most_two() -> None:
    assert checked_rows([PairDraft("x" * ROLE_MAX, (DANA,), 1)])
    with pytest.raises(InvalidInput) as error:
        checked_rows([PairDraft("x" * (ROLE_MAX + 1), (DANA, RAY, SAM), 1)])
    assert codes(error) == {"team_role_1": "too_long", "team_people_1": "team_pair_too_many"}


def test_a_person_holds_one_role() -> None:
    with pytest.raises(InvalidInput) as error:
        checked_rows([PairDraft("Delivery", (DANA, RAY), 1), PairDraft("Finance", (RAY,), 2)])
    assert codes(error) == {"team_people_2": "team_person_twice"}


def test_a_team_has_at_most_its_number_of_roles() -> None:
    enough = [PairDraft(f"Role {n}", (f"U{n}",), n) for n in range(1, PAIRS_MAX + 1)]
    assert len(checked_rows(enough)) == PAIRS_MAX
    with pytest.raises(InvalidInput) as error:
        checked_rows([*enough, PairDraft("One more", ("U99",), PAIRS_MAX + 1)])
    assert codes(error) == {f"team_role_{PAIRS_MAX + 1}": "team_too_large"}


def test_each_person_is_placed_on_their_organisations_side() -> None:
    pairs = paired([PairDraft("Delivery", (RAY, DANA), 1), PairDraft("Finance", (ERIN,), 2)], JOINT, ORGANISATIONS)
    assert pairs == [TeamPair("Delivery", DANA, RAY), TeamPair("Finance", ERIN, None)]
    assert members(pairs) == [DANA, RAY, ERIN]
    assert members(pairs, Side.PARTNER) == [RAY]


def test_a_pair_is_one_of_each_side_and_of_the_two_organisations_only() -> None:
    rows = [PairDraft("Delivery", (DANA, ERIN), 1), PairDraft("Legal", (IRENE,), 2)]
    with pytest.raises(InvalidInput) as error:
        paired(rows, JOINT, ORGANISATIONS)
    assert codes(error) == {"team_people_1": "team_pair_same_side", "team_people_2": "team_person_outside"}


def test_without_a_partner_taking_part_only_our_own_people_are_named() -> None:
    alone = replace(JOINT, partner_team_id=None)
    assert paired([PairDraft("Delivery", (DANA,), 1)], alone, ORGANISATIONS) == [TeamPair("Delivery", DANA, None)]
    with pytest.raises(InvalidInput) as error:
        paired([PairDraft("Delivery", (RAY,), 1)], alone, ORGANISATIONS)
    assert codes(error) == {"team_people_1": "team_person_not_ours"}
