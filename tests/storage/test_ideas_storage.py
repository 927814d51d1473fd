"""The ideas register's storage on both databases: one idea per form, exact amounts, a move or a decision stored
only if the idea has not moved since the form was opened, nothing after it closed, and stale ideas found by the
sweep on the sixtieth day unmoved, not the fifty-ninth."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from stages import idea_service, nudge_service
from stages.catalogue import default_catalogue
from stages.errors import OutsideTheRelationship
from stages.ideas import Amount, IdeaStatus, idea_draft, idea_move
from stages.nudges import NudgeKind, NudgePolicy
from stages.relationships import Relationship, RelationshipDraft
from storage.database import Database

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TEAM = "T1"


def acme(database: Database) -> Relationship:
    draft = RelationshipDraft("Acme Alliance", "Acme Ltd", "U1", "U2", "C1", 90).validated()
    with database.uow(TEAM) as uow:
        saved = uow.relationships.add(Relationship.start(TEAM, draft, created_by="U1", now=NOW))
        uow.commit()
    return saved


def add(database: Database, relationship: Relationship, form_key: str, **changes: object) -> idea_service.Added:
    typed: dict[str, object] = {
        "title": "Share the warehouse", "proposer_id": "U1", "owner_id": "U2", "value_home": "Lower costs",
        "value_partner": "Faster deliveries", "expected_amount": "1234567.89", "expected_unit": "GBP",
        "expected_words": "Rent saved", "next_decision": "2026-12-20", "internal": False, "today": NOW.date(),
    } | changes  # fmt: skip
    draft = idea_draft(**typed)  # type: ignore[arg-type]
    uow = database.uow(TEAM)
    return idea_service.add_idea(
        uow, relationship.id or 0, draft, by="U1", organisation=TEAM, now=NOW, form_key=form_key
    )


def test_the_same_form_adds_one_idea_with_its_amount_exact(database: Database) -> None:
    r = acme(database)
    assert [add(database, r, "V1").first, add(database, r, "V1").first, add(database, r, "V2").first] == [
        True, False, True
    ]  # fmt: skip
    found = idea_service.register(database.uow(TEAM), "Acme Alliance", TEAM)
    assert [i.expected_amount for i in found.ideas] == [Decimal("1234567.89")] * 2
    with pytest.raises(OutsideTheRelationship):
        idea_service.register(database.uow(TEAM), "Acme Alliance", "T3")


def test_a_move_is_stored_once_and_a_delivered_idea_moves_no_more(database: Database) -> None:
    r = acme(database)
    idea = add(database, r, "V1").idea
    uow = database.uow(TEAM)
    later = NOW + timedelta(days=3)
    agree = idea_move(now=IdeaStatus.PROPOSED, to="agreed", next_decision="2027-01-10", today=later.date())
    moves = [
        idea_service.move_idea(
            uow, idea.id or 0, agree, seen=IdeaStatus.PROPOSED, by="U2", organisation=TEAM, now=later
        )
        for _ in range(2)
    ]
    assert [m.first for m in moves] == [True, False]
    assert (moves[0].idea.status, moves[0].idea.moved_on) == (IdeaStatus.AGREED, later.date())
    start = idea_move(now=IdeaStatus.AGREED, to="in_delivery", next_decision="2027-01-20", today=later.date())
    assert idea_service.move_idea(
        uow, idea.id or 0, start, seen=IdeaStatus.AGREED, by="U2", organisation=TEAM, now=later
    ).first
    deliver = idea_move(
        now=IdeaStatus.IN_DELIVERY, to="delivered", delivered_amount="99.5", delivered_unit="eur", today=later.date()
    )
    assert idea_service.move_idea(
        uow, idea.id or 0, deliver, seen=IdeaStatus.IN_DELIVERY, by="U2", organisation=TEAM, now=later
    ).first
    kept = idea_service.keep_going(
        uow, idea.id or 0, later.date() + timedelta(days=9), seen=later.date(), by="U2", organisation=TEAM, now=later
    )
    assert not kept.first  # delivered: nothing keeps it going
    with uow.reading():
        stored = uow.ideas.get(idea.id or 0)
        assert stored is not None and stored.delivered == Amount(Decimal("99.50"), "EUR")
        assert uow.ideas.of(r.id or 0) == [] and len(uow.ideas.of(r.id or 0, closed=True)) == 1
        assert uow.ideas.owned_by("U2") == []
        actions = [e.action for e in uow.audit.all(r.id or 0)]
    assert actions.count("idea.moved") == 3 and actions.count("idea.added") == 1


def test_keeping_an_idea_going_is_stored_once_for_the_date_its_form_saw(database: Database) -> None:
    r = acme(database)
    idea = add(database, r, "V1").idea
    uow = database.uow(TEAM)
    later = NOW + timedelta(days=60)
    kept = [
        idea_service.keep_going(
            uow, idea.id or 0, later.date() + timedelta(days=d), seen=NOW.date(), by="U2", organisation=TEAM, now=later
        )
        for d in (10, 20)
    ]
    assert [k.first for k in kept] == [True, False]
    with uow.reading():
        [owned] = uow.ideas.owned_by("U2")
    assert owned == replace(idea, next_decision=later.date() + timedelta(days=10), moved_on=later.date())


def test_the_sweep_finds_ideas_stale_on_the_sixtieth_day_unmoved_and_reminds_every_few_days(
    database: Database,
) -> None:
    r = acme(database)
    add(database, r, "V1")
    kept = add(database, r, "V2", title="Joint training", owner_id="U3").idea
    cadences, policy = default_catalogue().cadences, NudgePolicy(remind_every_days=3, idea_stale_days=60)

    def swept(days: int) -> list[tuple[str, str]]:
        found, _ = nudge_service.due_nudges(database.uow(TEAM), cadences, policy, NOW + timedelta(days=days))
        return sorted((n.recipient_id, n.period) for n in found if n.kind is NudgeKind.IDEA_STALE)

    assert swept(59) == []
    uow = database.uow(TEAM)
    on = (NOW + timedelta(days=60)).date()
    assert idea_service.keep_going(
        uow,
        kept.id or 0,
        on + timedelta(days=5),
        seen=NOW.date(),
        by="U3",
        organisation=TEAM,
        now=NOW + timedelta(days=60),
    ).first
    assert swept(60) == [("U2", f"{on}/0")]  # the one kept going that day moved: not stale
    assert swept(62) == [("U2", f"{on}/0")]
    assert swept(63) == [("U2", f"{on}/1")]
    with database.sweeping([TEAM]) as sweep:
        assert [d.title for d in sweep.sweep.ideas_stale((NOW + timedelta(days=120)).date(), 60)] == [
            "Share the warehouse", "Joint training"
        ]  # fmt: skip
