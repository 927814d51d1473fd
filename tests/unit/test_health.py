"""The health check's rules on known answers: figures per group, gaps, spread and index computed exactly, the
anonymity threshold on each side, comments of withheld groups never shown, and the data each chart is drawn from."""

import math
import struct
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.charts import SIZE, draw_gap, draw_trend, gap_chart, trend_chart
from stages.errors import InvalidInput
from stages.health import (
    DEFAULT_DIMENSIONS,
    Group,
    HealthAnswer,
    HealthRound,
    HealthSettings,
    Participant,
    answer,
    answer_key,
    default_participants,
    direction,
    due_round_nudges,
    next_round_due,
    respondent_hash,
    results,
    round_draft,
    trend_point,
)
from stages.joint_team import TeamPair
from tests.unit.test_nudges import relationship

NOW = datetime(2026, 11, 25, 10, tzinfo=UTC)
SETTINGS = HealthSettings(b"key", min_respondents=3, gap_alert=20)
DIMENSIONS = ("Trust", "Communication", "Value")


def a_round(one_sided: bool = False) -> HealthRound:
    people = (Participant("U1", Group.HOME),)
    return HealthRound("T1", 7, 1, DIMENSIONS, people, "U1", NOW, NOW + timedelta(days=10), one_sided, id=4)


def given(group: Group, trust: int, communication: int, value: int, n: int, **extra: object) -> HealthAnswer:
    scores = {"Trust": trust, "Communication": communication, "Value": value}
    return HealthAnswer(4, f"{group}{n}", group, scores, **extra)  # type: ignore[arg-type]


HOME = [given(Group.HOME, 100, 50, 50, 1), given(Group.HOME, 75, 50, 75, 2), given(Group.HOME, 50, 50, 100, 3)]
PARTNER = [given(Group.PARTNER, 25, 50, 75, 1), given(Group.PARTNER, 25, 75, 75, 2), given(Group.PARTNER, 0, 25, 75, 3)]


def test_each_sides_score_spread_and_gap_are_exact_and_the_largest_gaps_come_first() -> None:
    found = results(a_round(), HOME + PARTNER, SETTINGS)
    assert [d.dimension for d in found.dimensions] == ["Trust", "Communication", "Value"]  # ties keep their order
    trust, communication, value = found.dimensions
    home, partner = trust.figures[Group.HOME], trust.figures[Group.PARTNER]
    assert home is not None and partner is not None
    assert (home.score, partner.score) == (75, pytest.approx(50 / 3))
    assert home.spread == pytest.approx(math.sqrt(1250 / 3))  # population standard deviation of 100, 75, 50
    assert trust.gap == pytest.approx(75 - 50 / 3) and trust.flagged
    assert value.gap == 0 and not value.flagged
    assert communication.gap == 0
    assert [g.index for g in found.groups] == [pytest.approx(200 / 3), pytest.approx((50 / 3 + 50 + 75) / 3)]
    assert found.index == pytest.approx((200 / 3 + (50 / 3 + 125) / 3) / 2)


@pytest.mark.parametrize("withheld", [Group.HOME, Group.PARTNER])
def test_a_side_below_the_threshold_shows_no_figure_no_gap_and_no_comment(withheld: Group) -> None:
    said = {"Trust": "only two of us"}
    few = [given(withheld, 0, 0, 0, n, comments=said, improve="tell") for n in (1, 2)]
    enough = [a for a in HOME + PARTNER if a.group is not withheld]
    found = results(a_round(), few + enough, SETTINGS)
    shown = {g.group: g for g in found.groups}
    assert not shown[withheld].shown and shown[withheld].index is None and shown[withheld].respondents == 2
    assert all(d.figures[withheld] is None and d.gap is None and not d.flagged for d in found.dimensions)
    assert found.comments == {} and found.improvements == ()
    assert found.index == next(g.index for g in found.groups if g.group is not withheld)


def test_at_the_threshold_a_side_is_shown() -> None:
    assert all(g.shown for g in results(a_round(), HOME + PARTNER, SETTINGS).groups)
    assert not any(g.shown for g in results(a_round(), HOME[:2] + PARTNER[:2], SETTINGS).groups)
    assert results(a_round(), HOME[:2], SETTINGS).index is None


def test_comments_are_shuffled_the_same_way_wherever_shown_and_carry_nothing_of_who() -> None:
    answers = [given(Group.HOME, 50, 50, 50, n, comments={"Trust": f"comment {n}"}) for n in range(8)]
    first = results(a_round(), answers, SETTINGS).comments["Trust"]
    assert sorted(first) == [f"comment {n}" for n in range(8)]
    assert results(a_round(), list(reversed(answers)), SETTINGS).comments["Trust"] == first


def test_a_one_sided_round_sets_the_sponsors_beside_the_working_team() -> None:
    r = relationship()
    people = default_participants(r)
    assert people == [Participant(r.sponsor_id, Group.SPONSORS), Participant(r.owner_id, Group.TEAM)]
    assert a_round(one_sided=True).groups == (Group.SPONSORS, Group.TEAM)


def test_the_joint_management_team_of_both_sides_is_asked_by_default_each_on_its_side() -> None:
    r = replace(relationship(), partner_team_id="T0GLOBEX", partner_sponsor_id="U0PAT", partner_manager_id="U0QUINN")
    team = [TeamPair("Delivery lead", "U0DANA", "U0RAY"), TeamPair("Finance", r.owner_id, None)]
    assert default_participants(r, team) == [
        Participant(r.sponsor_id, Group.HOME),
        Participant(r.owner_id, Group.HOME),
        Participant("U0DANA", Group.HOME),
        Participant("U0PAT", Group.PARTNER),
        Participant("U0QUINN", Group.PARTNER),
        Participant("U0RAY", Group.PARTNER),
    ]
    alone = relationship()
    assert Participant("U0DANA", Group.TEAM) in default_participants(alone, team)


def test_the_respondent_and_answer_hashes_are_keyed_and_differ() -> None:
    assert respondent_hash(b"key", 4, "U1") != answer_key(b"key", 4, "U1")
    assert respondent_hash(b"key", 4, "U1") != respondent_hash(b"other", 4, "U1")
    assert respondent_hash(b"key", 4, "U1") != respondent_hash(b"key", 5, "U1")
    assert "U1" not in respondent_hash(b"key", 4, "U1")


def test_an_answer_needs_a_step_of_the_scale_for_every_dimension() -> None:
    with pytest.raises(InvalidInput) as refused:
        answer(a_round(), "k", Group.HOME, ["50", "30", None], ["", "", ""], None)
    assert [p.field for p in refused.value.problems] == ["score:1", "score:2"]
    kept = answer(a_round(), "k", Group.HOME, ["0", "100", "75"], [" fine ", "", ""], "  more ")
    assert kept.scores == {"Trust": 0, "Communication": 100, "Value": 75}
    assert kept.comments == {"Trust": "fine"} and kept.improve == "more"


def test_a_round_asks_two_to_twelve_distinct_dimensions_and_closes_in_the_future() -> None:
    assert round_draft("\n".join(DEFAULT_DIMENSIONS), "2026-12-05", now=NOW).dimensions == DEFAULT_DIMENSIONS
    with pytest.raises(InvalidInput) as refused:
        round_draft("Trust\ntrust", "2026-11-25", now=NOW)
    assert {p.code for p in refused.value.problems} == {"dimensions_repeated", "health_close_past"}
    with pytest.raises(InvalidInput):
        round_draft("Trust", "2026-12-05", now=NOW)


def test_the_gap_chart_is_handed_both_sides_scores_in_the_results_order() -> None:
    found = results(a_round(), HOME + PARTNER[:2], SETTINGS)
    chart = gap_chart("t", found, ("Acme", "Globex"))
    assert chart.dimensions == tuple(d.dimension for d in found.dimensions)
    assert chart.scores[0] == tuple(d.figures[Group.HOME].score for d in found.dimensions)  # type: ignore[union-attr]
    assert all(math.isnan(v) for v in chart.scores[1]) and all(math.isnan(g) for g in chart.gaps)
    png = draw_gap(chart)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24]) == SIZE


def test_the_trend_follows_the_rounds_and_says_which_way_it_went() -> None:
    first = results(a_round(), HOME + PARTNER, SETTINGS)
    later = HealthRound("T1", 7, 2, DIMENSIONS, (), "U1", NOW, NOW + timedelta(days=100), False, NOW, id=5)
    second = results(later, [*HOME, *(given(Group.PARTNER, 100, 100, 100, n) for n in range(3))], SETTINGS)
    points = [trend_point(a_round(), first), trend_point(later, second)]
    assert direction(points) == 1 and direction(points[:1]) == 0
    chart = trend_chart("t", points, ("Acme", "Globex"))
    assert chart.overall == (first.index, second.index)
    assert chart.by_group[1] == (first.groups[1].index, 100)
    assert struct.unpack(">II", draw_trend(chart)[16:24]) == SIZE


def test_the_key_is_health_key_else_derived_from_the_signing_secret_else_the_offline_one() -> None:
    from bot.settings import Settings

    assert Settings(_env_file=None, health_key="k1").health(b"offline").key == b"k1"  # type: ignore[call-arg]
    derived = Settings(_env_file=None, slack_signing_secret="s1", health_key=None).health(b"offline").key  # type: ignore[call-arg]
    assert derived not in (b"s1", b"offline") and len(derived) == 32
    assert Settings(_env_file=None, slack_signing_secret="s2").health(b"offline").key != derived  # type: ignore[call-arg]
    unset = Settings(_env_file=None, slack_signing_secret=None, health_key=None)  # type: ignore[call-arg]
    assert unset.health(b"offline").key == b"offline"


def test_the_next_round_falls_due_a_cadence_after_the_last_one_closed() -> None:
    closed = HealthRound("T1", 7, 1, DIMENSIONS, (), "U1", NOW, NOW, False, NOW + timedelta(days=3), id=4)
    assert next_round_due([], 90) is None  # the first is the leaders' choice
    assert next_round_due([closed], 90) == (NOW + timedelta(days=93)).date()
    assert next_round_due([closed, replace(closed, number=2, closed_at=None, id=5)], 90) is None  # one is open
    r = replace(relationship(), owner_id="U1OWNER", sponsor_id="U2SPONSOR")
    due = NOW + timedelta(days=93)
    assert due_round_nudges(r, [closed], SETTINGS, due - timedelta(days=1), {}) == []
    [owner] = due_round_nudges(r, [closed], SETTINGS, due, {})
    assert (owner.recipient_id, owner.kind.value, owner.detail["after"]) == ("U1OWNER", "health_due", 1)
    later = due_round_nudges(r, [closed], SETTINGS, due + timedelta(days=7), {})
    assert sorted(n.recipient_id for n in later) == ["U1OWNER", "U2SPONSOR"]  # a week overdue: the sponsor too
