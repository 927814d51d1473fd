"""Each kind of nudge has everything it needs, and what is missing fails here, loudly, rather than in a person's
Slack."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from jinja2 import UndefinedError

from bot.nudges.blocks import has_other_button, in_thread, item_blocks
from bot.slack.wording import Copy, human_date
from stages.catalogue import default_catalogue
from stages.checklist import ItemState
from stages.exits import ExitStrategy
from stages.health import HealthRound, HealthSettings, asking, default_participants, due_round_nudges
from stages.nudges import (
    DueAction,
    DueIdea,
    DueMeeting,
    DueRiskReview,
    Nudge,
    NudgeKind,
    NudgeStatus,
    QueuedNudge,
    action_nudges,
    assignment_nudges,
    dispute_check,
    escalation_nudges,
    exit_review_notices,
    idea_stale_nudges,
    meeting_due_nudges,
    risk_review_nudges,
    role_nudges,
    thread_nudges,
)
from stages.relationships import Relationship
from tests.unit.test_nudges import CADENCES, DUE, POLICY, at, dispute, exit_review_nudges, relationship, review_nudges

COPY = Copy()
CATALOGUE = default_catalogue()
LINK = "https://acme.slack.com/archives/C1/p1700000000000200"


def every_kind_of_nudge() -> list[Nudge]:
    """One nudge of each kind, as the rules make them."""
    r = relationship(next_exit_review_due=DUE)
    posted = replace(dispute(tier=2, now=at(0)), channel_id="C1", thread_ts="1700000000.000100")
    handed_to_sponsor = replace(posted, tier=3, owner_id=r.sponsor_id)
    lingering = dispute(days_at_tier=8, now=at(0))
    stage = CATALOGUE.stage(1)
    item = stage.items[0]
    unassigned = ItemState(7, item.id, version=3)
    assigned = replace(unassigned, assignee_id="U4CAROL")
    strategy = ExitStrategy("T1", 7, 2, "t", "p", None, None, ("U4CAROL", "U1OWNER"), "U1OWNER", at(0))
    return [
        *role_nudges(None, r, by="U4CAROL", now=at(0), roles=CATALOGUE.roles),
        *assignment_nudges(r, stage, item, unassigned, assigned, by="U1OWNER", link=LINK),
        *exit_review_notices(r, strategy),
        *review_nudges(r, at(0), POLICY, {}),
        *exit_review_nudges(r, r.next_exit_review_due, at(0), POLICY, {}),
        *dispute_check(lingering, r, at(0), CADENCES, POLICY, {}).nudges,
        *escalation_nudges(handed_to_sponsor, r, at(0)),
        *thread_nudges(posted, r, at(0)),
        *asking(r, health_round(r), default_participants(r)[:1], "0"),
        *due_round_nudges(r, [closed_round(r)], HealthSettings(b"k"), at(0), {}),
        *risk_review_nudges(
            [DueRiskReview(5, r.id or 0, "T1", r.name, "Key engineer leaves", "U4CAROL", DUE)],
            POLICY,
            at(0) + timedelta(days=30),
            {},
        ),
        *action_nudges(
            [DueAction(6, r.id or 0, "T1", r.name, "Send it", "U4CAROL", "home", "", DUE, False, "U4CAROL", None)],
            POLICY,
            at(0) + timedelta(days=30),
            {},
        ),
        *idea_stale_nudges(
            [DueIdea(6, r.id or 0, "T1", r.name, "Share the warehouse", "U4CAROL", DUE)],
            POLICY,
            at(0) + timedelta(days=90),
            {},
        ),
        *meeting_due_nudges([DueMeeting(r.id or 0, "T1", r.name, r.owner_id, None, None, DUE)], POLICY, at(0), {}),
    ]


def health_round(r: Relationship) -> HealthRound:
    people = tuple(default_participants(r))
    return HealthRound("T1", r.id or 0, 1, ("Trust", "Value"), people, r.owner_id, at(0), at(10), one_sided=True, id=3)


def closed_round(r: Relationship) -> HealthRound:
    """A round that closed a cadence (90 days) before the due date."""
    return replace(health_round(r), closed_at=at(-90))


def queued(nudge: Nudge, nudge_id: int) -> QueuedNudge:
    return QueuedNudge(
        "T1",
        nudge.kind,
        nudge.subject,
        nudge.tier,
        nudge.period,
        nudge.recipient_id,
        nudge.relationship_id,
        nudge.detail,
        NudgeStatus.CLAIMED,
        at(0),
        at(0),
        claim_token="token",
        id=nudge_id,
    )


def test_the_rules_make_every_kind_of_nudge() -> None:
    assert sorted(n.kind for n in every_kind_of_nudge()) == sorted(NudgeKind)


@pytest.mark.parametrize("nudge", every_kind_of_nudge(), ids=lambda n: n.kind.value)
def test_every_kind_of_direct_message_nudge_has_its_words_and_buttons(nudge: Nudge) -> None:
    if in_thread(nudge.kind):  # told by the dispute's thread, in the disputes' words
        return
    section, *actions = item_blocks(COPY, queued(nudge, 5), DUE + timedelta(days=2))
    text = section.to_dict()["text"]["text"]
    assert "*Acme Alliance*" in text
    labels = [button["text"]["text"] for block in actions for button in block.to_dict()["elements"]]
    assert all(labels)
    if nudge.kind.notice:  # told once: nothing to snooze, at most a link to where it points
        assert labels in ([], ["Open check-in thread"])
    else:  # its way to act (a stale idea has two: Keep going, or Drop), then the snoozes
        assert labels[2 if has_other_button(nudge.kind) else 1 :] == ["Snooze 1 day", "Snooze 1 week"]


def test_a_thread_nudge_has_no_direct_message_to_be_part_of() -> None:
    [told] = [n for n in every_kind_of_nudge() if in_thread(n.kind)]
    with pytest.raises(ValueError, match="thread"):
        item_blocks(COPY, queued(told, 5), DUE)


def test_a_nudge_missing_a_detail_its_words_need_raises() -> None:
    review = next(n for n in every_kind_of_nudge() if n.kind is NudgeKind.REVIEW)
    with pytest.raises(UndefinedError, match="name"):
        item_blocks(COPY, queued(replace(review, detail={"due": DUE.isoformat()}), 5), DUE)


# The kinds whose words say how a due date stands (an overdue action and a stale idea say how long it has been).
UNDATED = (NudgeKind.ACTION_OVERDUE, NudgeKind.IDEA_STALE)
DATED = [n for n in every_kind_of_nudge() if "due" in n.detail and n.kind not in UNDATED]


@pytest.mark.parametrize("nudge", DATED, ids=lambda n: n.kind.value)
def test_a_due_date_is_told_as_it_stands_on_the_readers_own_day(nudge: Nudge) -> None:
    due = date.fromisoformat(str(nudge.detail["due"]))

    def said(today: date) -> str:
        section, *_ = item_blocks(COPY, queued(nudge, 5), today)
        return str(section.to_dict()["text"]["text"])

    # Due today in UTC is still tomorrow west of it, where the message may arrive the evening before.
    eve, on_the_day, later = said(due - timedelta(days=1)), said(due), said(due + timedelta(days=2))
    assert f"on {human_date(due)}" in eve and "overdue" not in eve and "-1" not in eve
    assert "today" in on_the_day and "overdue" not in on_the_day and "0 days" not in on_the_day
    assert "2 days overdue" in later
