"""The sweep's bulk reads and writes: the outbox filled in chunks, disputes moved up together, on both databases."""

import json
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from stages import dispute_service, nudge_service
from stages.catalogue import default_catalogue
from stages.dispute_service import Case
from stages.disputes import Dispute, DisputeEventKind
from stages.meetings import Meeting
from stages.nudges import Nudge, NudgeKind, NudgePolicy, Snooze, due_subject
from stages.relationships import Relationship, RelationshipDraft, Side
from storage.database import Database
from storage.sweep_helpers import SweepHelpers
from storage.tables import NudgeRow

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TEAM = "T1"


@pytest.fixture
def database(database_url: str) -> Database:
    db = Database(database_url)
    db.upgrade()
    return db


@pytest.fixture
def acme(database: Database) -> Relationship:
    draft = RelationshipDraft("Acme Alliance", "Acme Ltd", "U1", "U2", "C1", 90).validated()
    with database.uow(TEAM) as uow:
        saved = uow.relationships.add(Relationship.start(TEAM, draft, created_by="U1", now=NOW))
        uow.commit()
    return saved


def nudge(relationship: Relationship, n: int, recipient: str = "U1") -> Nudge:
    detail = {"name": 'Acme "Alliance" \u00e9 ünïcode', "due": f"2026-11-{n:02d}", "tier": n}
    return Nudge(NudgeKind.REVIEW, f"{relationship.id}@{n}", 0, "2026-11-25/0", recipient, relationship.id or 0, detail)


def stored(database: Database) -> list[NudgeRow]:
    with database.sessions() as session:
        return list(session.exec(select(NudgeRow).order_by(NudgeRow.subject)))


def test_the_outbox_counts_only_new_nudges_and_keeps_each_once(database: Database, acme: Relationship) -> None:
    with database.uow(TEAM) as uow:
        assert uow.nudges.enqueue([nudge(acme, 1), nudge(acme, 2)], NOW) == 2
        uow.commit()
    later = NOW + timedelta(hours=1)
    again = [nudge(acme, n) for n in range(1, 8)] + [nudge(acme, 7)]  # 1 and 2 known; 7 twice in the batch
    with database.uow(TEAM) as uow:
        assert uow.nudges.enqueue(again, later) == 5
        uow.commit()

    rows = stored(database)
    assert [r.subject for r in rows] == [f"{acme.id}@{n}" for n in range(1, 8)]
    first, last = rows[0], rows[-1]
    assert (first.created_at, last.created_at) == (NOW, later)  # a known nudge keeps its first record
    assert last.not_before == later and last.created_at.tzinfo == UTC
    assert (last.team_id, last.kind, last.tier, last.status, last.attempts) == (TEAM, "review", 0, "pending", 0)
    assert json.loads(last.detail) == {"name": 'Acme "Alliance" \u00e9 ünïcode', "due": "2026-11-07", "tier": 7}


def test_a_batch_of_new_nudges_is_queued_whole_and_one_with_a_known_or_repeated_key_keeps_each_once(
    database: Database, acme: Relationship
) -> None:
    with database.uow(TEAM) as uow:  # all new: each row as the sweep's other way would have written it
        assert uow.nudges.enqueue([nudge(acme, 1), nudge(acme, 2), nudge(acme, 3, recipient="U2")], NOW) == 3
        uow.commit()
    only = stored(database)[2]
    assert (only.team_id, only.kind, only.tier, only.recipient_id, only.status, only.attempts) == (
        TEAM,
        "review",
        0,
        "U2",
        "pending",
        0,
    )
    assert only.created_at == only.not_before == NOW and only.relationship_id == acme.id
    assert json.loads(only.detail) == {"name": 'Acme "Alliance" \u00e9 ünïcode', "due": "2026-11-03", "tier": 3}

    later = NOW + timedelta(hours=1)
    # Known keys away from the batch's first, middle and last, and a key twice in another batch.
    beside_known = [nudge(acme, 4), nudge(acme, 2), nudge(acme, 5), nudge(acme, 3, recipient="U2"), nudge(acme, 6)]
    twice = [nudge(acme, 7), nudge(acme, 8), nudge(acme, 7), nudge(acme, 9)]
    with database.uow(TEAM) as uow:
        assert uow.nudges.enqueue(beside_known, later) == 3
        assert uow.nudges.enqueue(twice, later) == 3
        uow.commit()
    rows = stored(database)
    assert sorted((r.subject, r.recipient_id) for r in rows) == sorted(
        [(f"{acme.id}@{n}", "U1") for n in (1, 2, 4, 5, 6, 7, 8, 9)] + [(f"{acme.id}@3", "U2")]
    )
    assert {r.subject: r.created_at for r in rows}[f"{acme.id}@2"] == NOW  # a known nudge keeps its first record


def test_what_a_dry_run_would_add_leaves_out_what_the_outbox_already_holds(
    database: Database, acme: Relationship
) -> None:
    queued, other, to_someone_else = nudge(acme, 1), nudge(acme, 2), nudge(acme, 1, recipient="U2")
    with database.uow(TEAM) as uow:
        uow.nudges.enqueue([queued], NOW)
        uow.commit()
    assert nudge_service.unsent(database.uow(TEAM), [queued, other, to_someone_else]) == [other, to_someone_else]
    assert nudge_service.unsent(database.uow("T2"), [queued]) == [queued]  # another workspace's outbox


def test_an_empty_sweep_enqueues_nothing(database: Database) -> None:
    with database.uow(TEAM) as uow:
        assert uow.nudges.enqueue([], NOW) == 0


def raise_dispute(database: Database, relationship: Relationship, summary: str, raised: datetime) -> Dispute:
    return dispute_service.raise_dispute(
        database.uow(TEAM), relationship.id or 0, by="U3", now=raised, text=summary
    ).case.dispute


def test_the_ladder_moves_disputes_together_but_not_one_someone_moved_first(
    database: Database, acme: Relationship
) -> None:
    raised = NOW - timedelta(days=9)
    late = raise_dispute(database, acme, "Deliveries late", raised)
    moved_by_hand = raise_dispute(database, acme, "Invoices wrong", raised)
    cadences = default_catalogue().cadences
    with database.uow(TEAM) as uow:
        overdue = uow.disputes.past_limit(NOW, cadences)
    assert sorted((d.id, r) for d, r in overdue) == [(late.id, acme), (moved_by_hand.id, acme)]

    # Between the sweep's read and its move, the owner escalates one dispute by hand.
    dispute_service.escalate(
        database.uow(TEAM),
        moved_by_hand.id or 0,
        by="U1",
        organisation=TEAM,
        now=NOW,
        from_tier=1,
        reason="No answer from them",
    )
    with database.sweeping([TEAM]) as uow:
        climbed = dispute_service.climb_many(uow, [Case(d, r) for d, r in overdue], now=NOW)
        uow.commit()

    assert [c.dispute for c in climbed] == [replace(late.escalated(NOW, acme), version=late.version + 1)]
    with database.uow(TEAM) as uow:
        by_hand = uow.disputes.get(moved_by_hand.id or 0)
        assert by_hand is not None and by_hand.tier == 2 and by_hand.tier_since == NOW
        assert [(e.kind, e.actor_id, e.tier) for e in uow.disputes.events(late.id or 0)] == [
            (DisputeEventKind.RAISED, "U3", 1),
            (DisputeEventKind.ESCALATED, dispute_service.LADDER, 2),
        ]
        assert [e.actor_id for e in uow.disputes.events(moved_by_hand.id or 0)][-1] == "U1"
        [audit] = [e for e in uow.audit.all(acme.id or 0) if e.actor_id == dispute_service.LADDER]
    assert (audit.action, audit.subject) == ("dispute.escalated", f"dispute {late.id}")
    assert audit.before is not None and audit.after is not None
    assert (audit.before["tier"], audit.after["tier"], audit.after["tier_since"]) == (1, 2, NOW.isoformat())


def test_a_resolved_dispute_does_not_climb(database: Database, acme: Relationship) -> None:
    dispute = raise_dispute(database, acme, "Deliveries late", NOW - timedelta(days=9))
    dispute_service.resolve(
        database.uow(TEAM),
        dispute.id or 0,
        by="U1",
        organisation=TEAM,
        now=NOW,
        resolution="Credit note",
        root_cause="Forecasting",
    )
    with database.sweeping([TEAM]) as uow:
        assert dispute_service.climb_many(uow, [Case(dispute, acme)], now=NOW) == []
    with database.uow(TEAM) as uow:
        assert uow.disputes.events(dispute.id or 0)[-1].kind is DisputeEventKind.RESOLVED


def test_a_unit_of_work_beside_another_writes_while_it_is_open_where_the_database_allows(
    database: Database, acme: Relationship
) -> None:
    with database.uow(TEAM) as uow:
        assert uow.nudges.enqueue([nudge(acme, 1)], NOW) == 1  # this transaction has written and stays open
        beside = uow.beside()
        if database.is_sqlite:
            assert beside is None  # one writer at a time: the sweep's parts run one after another
            return
        assert beside is not None
        with beside:
            assert beside.nudges.enqueue([nudge(acme, 2)], NOW) == 1
            beside.commit()
        assert [r.subject for r in stored(database)] == [f"{acme.id}@2"]  # committed on its own
        uow.commit()
    assert [r.subject for r in stored(database)] == [f"{acme.id}@1", f"{acme.id}@2"]


def relationship_in(database: Database, team: str, name: str, created: datetime) -> Relationship:
    """A relationship whose first review falls due 7 days after `created`."""
    draft = RelationshipDraft(name, "Acme Ltd", "U1", "U2", "C1", 7).validated()
    with database.uow(team) as uow:
        saved = uow.relationships.add(Relationship.start(team, draft, created_by="U1", now=created))
        uow.commit()
    return saved


def outbox_of(database: Database) -> dict[str, set[tuple[str, str, int | None]]]:
    """What each workspace's outbox holds: (kind, recipient, relationship) of each nudge."""
    found: dict[str, set[tuple[str, str, int | None]]] = {}
    for row in stored(database):
        found.setdefault(row.team_id, set()).add((row.kind, row.recipient_id, row.relationship_id))
    return found


@pytest.fixture
def helpers() -> Iterator[SweepHelpers]:
    pool = SweepHelpers(2, large=1)  # any database counts as large: its sweep goes to the helpers
    yield pool
    pool.close()


def helper_pids() -> set[int | None]:
    return {child.pid for child in multiprocessing.active_children()}


@pytest.mark.parametrize("apart", [False, True], ids=["in one process", "in helper processes"])
def test_a_sweep_over_a_batch_of_workspaces_queues_each_ones_nudges_in_its_own_outbox_and_no_others(
    database: Database, helpers: SweepHelpers, apart: bool
) -> None:
    """The same outcome whether the sweep's parts run in this process or in helper processes."""
    sweeper = Database(database.url, helpers=helpers) if apart else database
    cadences = default_catalogue().cadences
    reviewed = {team: relationship_in(database, team, f"Review {team}", NOW - timedelta(days=10)) for team in "AB"}
    disputed = relationship_in(database, "B", "Disputed B", NOW + timedelta(days=1))  # its review not due yet
    climbing = dispute_service.raise_dispute(
        database.uow("B"), disputed.id or 0, by="U3", now=NOW - timedelta(days=20), text="Late"
    ).case.dispute
    outside = relationship_in(database, "C", "Outside C", NOW - timedelta(days=10))
    outside_dispute = dispute_service.raise_dispute(
        database.uow("C"), outside.id or 0, by="U3", now=NOW - timedelta(days=20), text="Late"
    ).case.dispute

    before = helper_pids()
    results = nudge_service.sweep_many(sweeper.sweeping(["A", "B", "empty"]), cadences, NudgePolicy(), NOW)
    assert bool(helper_pids() - before) is apart

    a, b = (reviewed[team].id for team in "AB")
    assert outbox_of(database) == {
        "A": {("review", "U1", a)},
        "B": {
            ("review", "U1", b),
            ("dispute", "U1", disputed.id),  # its owner, past the limit (and still its owner at tier 2)
        },
    }
    assert {team: r.enqueued for team, r in results.items()} == {"A": 1, "B": 2, "empty": 0}
    assert [(c.dispute.id, c.dispute.tier) for c in results["B"].escalated] == [(climbing.id, 2)]
    with database.uow("C") as uow:  # a workspace outside the batch is left as it was
        assert [(d.id, d.tier) for d in uow.disputes.open()] == [(outside_dispute.id, 1)]
    with database.uow("B") as uow:
        assert [e.kind for e in uow.disputes.events(climbing.id or 0)][-1] is DisputeEventKind.ESCALATED

    assert {team: (r.due, r.enqueued) for team, r in results.items()} == {"A": (1, 1), "B": (2, 2), "empty": (0, 0)}

    again = nudge_service.sweep_many(sweeper.sweeping(["A", "B"]), cadences, NudgePolicy(), NOW)
    # Queued and told once; B's dispute, moved up, is within its new tier's limit.
    assert [(r.due, r.enqueued, r.escalated) for r in again.values()] == [(1, 0, []), (1, 0, [])]


def test_a_part_queues_its_due_items_a_slice_at_a_time_with_the_outcome_of_one_go(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five reviews due in two workspaces, queued two at a time: slices cut across the workspaces, and each
    workspace's count adds up over the slices it falls in."""
    monkeypatch.setattr(nudge_service, "SLICE", 2)
    cadences = default_catalogue().cadences
    due = [relationship_in(database, team, f"Review {n}", NOW - timedelta(days=10)) for n, team in enumerate("ABABA")]

    results = nudge_service.sweep_many(database.sweeping(["A", "B"]), cadences, NudgePolicy(), NOW)

    assert outbox_of(database) == {team: {("review", "U1", r.id) for r in due if r.team_id == team} for team in "AB"}
    assert {team: (r.due, r.enqueued) for team, r in results.items()} == {"A": (3, 3), "B": (2, 2)}
    again = nudge_service.sweep_many(database.sweeping(["A", "B"]), cadences, NudgePolicy(), NOW)
    assert {team: (r.due, r.enqueued) for team, r in again.items()} == {"A": (3, 0), "B": (2, 0)}


def test_the_sweep_of_a_small_database_stays_in_its_own_process(database: Database) -> None:
    """Helpers start for a database of `LARGE` relationships or more: a few rows would not pay for their start."""
    pool = SweepHelpers(2)
    try:
        small = Database(database.url, helpers=pool)
        relationship_in(small, "A", "Review A", NOW - timedelta(days=10))
        before = helper_pids()
        results = nudge_service.sweep_many(small.sweeping(["A"]), default_catalogue().cadences, NudgePolicy(), NOW)
        assert results["A"].enqueued == 1
        assert helper_pids() == before
    finally:
        pool.close()


def test_a_snooze_quiets_only_its_own_workspaces_nudges(database: Database) -> None:
    quiet = relationship_in(database, "A", "Quiet A", NOW - timedelta(days=10))
    loud = relationship_in(database, "B", "Loud B", NOW - timedelta(days=10))
    subject_of_b = due_subject(loud, loud.next_review_due or NOW.date())
    subject_of_a = due_subject(quiet, quiet.next_review_due or NOW.date())
    until = NOW + timedelta(days=3)
    with database.uow("A") as uow:
        uow.snoozes.add(Snooze("A", NudgeKind.REVIEW, subject_of_a, "U1", until, 1, 3))
        # The same words in A that B's nudge has: still A's snooze, not B's.
        uow.snoozes.add(Snooze("A", NudgeKind.REVIEW, subject_of_b, "U1", until, 2, 3))
        uow.commit()

    cadences = default_catalogue().cadences
    results = nudge_service.sweep_many(database.sweeping(["A", "B"]), cadences, NudgePolicy(), NOW)

    assert outbox_of(database) == {"B": {("review", "U1", loud.id)}}
    assert (results["A"].enqueued, results["B"].enqueued) == (0, 1)


def meeting_held(database: Database, relationship: Relationship, days_ago: int, *, internal: bool = False) -> None:
    held = NOW.date() - timedelta(days=days_ago)
    meeting = Meeting(relationship.team_id, relationship.id or 0, held, ("U1",), (), "m", (), internal, Side.HOME, "",
                      "U1", NOW)  # fmt: skip
    with database.uow(relationship.team_id) as uow:
        assert uow.meetings.add(meeting, f"V{relationship.id}-{days_ago}") is not None
        uow.commit()


def test_a_sweep_reminds_the_managers_of_relationships_whose_team_has_not_met_for_a_cadence(database: Database) -> None:
    def started(team: str, name: str, days_ago: int) -> Relationship:
        return relationship_in(database, team, name, NOW - timedelta(days=days_ago))

    young, due = started("A", "Day 29", 29), started("A", "Day 30", 30)  # no meeting yet: from the start
    joint = relationship_in(database, "A", "Joint", NOW - timedelta(days=90))
    with database.uow("A") as uow:  # the partner's relationship manager is told too
        joint = uow.relationships.update(replace(joint, partner_team_id="TP", partner_manager_id="UP"))
        uow.commit()
    meeting_held(database, joint, 30)
    met, only_internal = started("A", "Met", 90), started("A", "Only internal", 90)
    meeting_held(database, met, 45)
    meeting_held(database, met, 29)
    meeting_held(database, only_internal, 31)
    meeting_held(database, only_internal, 2, internal=True)  # a side's own meeting keeps no cadence
    started("C", "Outside the batch", 90)

    nudge_service.sweep_many(database.sweeping(["A", "B"]), default_catalogue().cadences, NudgePolicy(), NOW)

    queued = {
        (row.team_id, row.recipient_id, row.relationship_id) for row in stored(database) if row.kind == "meeting_due"
    }
    assert queued == {("A", "U1", due.id), ("A", "U1", joint.id), ("A", "UP", joint.id), ("A", "U1", only_internal.id)}
    assert young.id not in {r for _, _, r in queued}
    with database.uow("A") as uow:  # the same rules for one workspace
        found = {(n.recipient_id, n.relationship_id) for n in nudge_service.due_nudges(
            uow, default_catalogue().cadences, NudgePolicy(), NOW
        )[0] if n.kind is NudgeKind.MEETING_DUE}  # fmt: skip
    assert found == {(recipient, r) for _, recipient, r in queued}


def test_a_sweep_after_a_helper_died_starts_fresh_helpers_and_queues_everything(
    database: Database, helpers: SweepHelpers
) -> None:
    """A helper killed between two runs of the nudge job (out of memory, say) does not stop the next sweep."""
    sweeper = Database(database.url, helpers=helpers)
    due = relationship_in(database, "A", "Review A", NOW - timedelta(days=10))
    helpers.start()
    first = min(pid for pid in helper_pids() if pid is not None)
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while first in helper_pids() and time.monotonic() < deadline:
        time.sleep(0.05)

    results = nudge_service.sweep_many(sweeper.sweeping(["A"]), default_catalogue().cadences, NudgePolicy(), NOW)

    assert results["A"].enqueued == 1
    assert outbox_of(database) == {"A": {("review", "U1", due.id)}}
