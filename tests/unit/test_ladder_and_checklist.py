"""Each rung of the dispute ladder and each checklist state is accounted for: one off the ladder is nobody's."""

import pytest

from stages.catalogue import default_catalogue
from stages.checklist import ItemStatus
from stages.disputes import TOP_TIER, Tier, tier_owner
from tests.unit.test_nudges import CADENCES, relationship


def test_the_ladder_and_the_catalogue_have_the_same_rungs() -> None:
    tiers = default_catalogue().cadences.dispute_tiers
    assert [t.tier for t in tiers] == [t.value for t in Tier]
    assert tiers[-1].tier == TOP_TIER and CADENCES.tier_days(TOP_TIER) is None


@pytest.mark.parametrize("tier", list(Tier))
def test_someone_answers_for_a_dispute_at_every_rung(tier: Tier) -> None:
    assert tier_owner(tier, relationship())


def test_a_dispute_off_the_ladder_is_nobodys_by_default() -> None:
    with pytest.raises(ValueError, match="4"):
        tier_owner(4, relationship())


def test_only_done_and_not_applicable_resolve_an_item() -> None:
    assert {s for s in ItemStatus if s.resolved} == {ItemStatus.DONE, ItemStatus.NOT_APPLICABLE}
