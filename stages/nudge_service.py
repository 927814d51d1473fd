"""Use cases of nudges: the sweep that finds what is due and puts it in the outbox, and the outbox's bookkeeping.

Sweeps can run at any time, in any number of processes: the outbox holds one row per nudge key, a dispute
climbs a tier only if nobody moved it first, and senders claim rows before sending them.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import TypeVar, assert_never
from uuid import uuid4

from stages.catalogue import Cadences
from stages.dispute_service import Case, climb_many
from stages.disputes import Dispute, Tier
from stages.errors import Stale
from stages.joint_team import TeamPair
from stages.nudges import (
    ClaimLost,
    DueAction,
    DueIdea,
    DueMeeting,
    DueReview,
    DueRiskReview,
    Nudge,
    NudgeKind,
    NudgePolicy,
    Outcome,
    QueuedNudge,
    Reminders,
    Settled,
    Snooze,
    Snoozes,
    action_nudges,
    action_of,
    dispute_check,
    dispute_id,
    due_subject,
    escalation_nudges,
    health_round_id,
    idea_stale_nudges,
    idea_stale_of,
    meeting_due_nudges,
    reachable,
    risk_review_nudges,
    risk_review_of,
    thread_nudges,
)
from stages.ports import SweepRepository, SweepUnitOfWork, UnitOfWork
from stages.relationships import Relationship

SNOOZE_MEMORY = timedelta(days=60)  # how long an ended snooze still shapes its reminder series
# Due items a part works out and queues at a time, each slice in a write transaction of its own: the writer
# (SQLite's one) starts on the first slice while the rest are still being worked out, no part holds it long
# enough to keep the others waiting, and a part holds a slice's nudges in memory rather than all of them. At
# 1,000,000 relationships the first sweep on SQLite took about 1.2 s less than with one transaction per part.
SLICE = 60_000


@dataclass(frozen=True)
class SweepResult:
    due: int  # nudges due now, queued before or not
    enqueued: int  # of which new in the outbox
    escalated: list[Case] = field(default_factory=list)


def due_nudges(
    uow: UnitOfWork, cadences: Cadences, policy: NudgePolicy, now: datetime
) -> tuple[list[Nudge], list[Case]]:
    """Every nudge due as of `now`, and the disputes that should climb a tier (not moved yet)."""
    with uow.reading():
        snoozes = uow.snoozes.recent(now - SNOOZE_MEMORY)
        today = now.date()
        disputes, climbing = _dispute_nudges(uow.disputes.past_limit(now, cadences), cadences, policy, now, snoozes)
        reviews = _review_nudges(uow.relationships.reviews_due(today), policy, now, snoozes)
        exit_reviews = _exit_review_nudges(uow.relationships.exit_reviews_due(today), policy, now, snoozes)
        risk_reviews = risk_review_nudges(uow.risks.reviews_due(today), policy, now, snoozes)
        ideas = idea_stale_nudges(uow.ideas.stale(today, policy.idea_stale_days), policy, now, snoozes)
        meetings = meeting_due_nudges(uow.meetings.due(today, policy.meeting_cadence_days), policy, now, snoozes)
        actions = action_nudges(uow.actions.due_before(_latest_date(today)), policy, now, snoozes)
        return reviews + exit_reviews + risk_reviews + ideas + meetings + actions + disputes, climbing


def sweep_many(uow: SweepUnitOfWork, cadences: Cadences, policy: NudgePolicy, now: datetime) -> dict[str, SweepResult]:
    """Queue every due nudge of a batch of workspaces not queued yet, and move their overdue disputes up their
    ladders (telling the new tier); the result of each workspace of the batch.

    Each part (disputes, reviews, exit reviews, the registers' reviews, actions, ideas, meetings) reads what is due
    in the whole batch with one query, works out each workspace's nudges by the rules with that workspace's own
    snoozes, and queues them (a slice of the due items at a time, or for the disputes all in the transaction that
    moves them up), so a sweep of many small workspaces costs about what one of the same size does. The parts run
    side by side where that pays: while one works out its nudges another's are being written. Queueing a nudge is
    idempotent, so no part needs another's, nor a slice the slices before it (a sweep cut short is finished by the
    next), and those that only queue read what is due apart from their writes, which then hold a single writer
    (SQLite's) only for the inserts.
    """
    overdue = partial(_queue_overdue, policy=policy, now=now)
    stale_ideas = partial(_stale_ideas, stale_days=policy.idea_stale_days)
    meetings_due = partial(_meetings_due, cadence_days=policy.meeting_cadence_days)
    parts: list[Callable[[SweepUnitOfWork], dict[str, SweepResult]]] = [
        partial(_queue_disputes, cadences=cadences, policy=policy, now=now),
        partial(overdue, read=_reviews_due, rules=_review_nudges),
        partial(overdue, read=_exit_reviews_due, rules=_exit_review_nudges),
        partial(overdue, read=_risk_reviews_due, rules=risk_review_nudges),
        partial(overdue, read=_actions_due, rules=action_nudges),
        partial(overdue, read=stale_ideas, rules=idea_stale_nudges),
        partial(overdue, read=meetings_due, rules=meeting_due_nudges),
    ]
    results = uow.side_by_side(parts)
    return {team: _merged([r[team] for r in results if team in r]) for team in uow.team_ids}


def _merged(results: Sequence[SweepResult]) -> SweepResult:
    return SweepResult(
        sum(r.due for r in results), sum(r.enqueued for r in results), [c for r in results for c in r.escalated]
    )


Due = TypeVar("Due", DueReview, DueRiskReview, DueIdea, DueMeeting, DueAction)


def _queue_overdue(
    uow: SweepUnitOfWork,
    *,
    read: Callable[[SweepRepository, date], list[Due]],
    rules: Callable[[Sequence[Due], NudgePolicy, datetime, Snoozes], list[Nudge]],
    policy: NudgePolicy,
    now: datetime,
) -> dict[str, SweepResult]:
    """Queue what is due of one kind, a slice at a time (see `SLICE`)."""
    with uow.reading():
        snoozes = uow.sweep.snoozes(now - SNOOZE_MEMORY)
        everything = read(uow.sweep, now.date())
    found: Counter[str] = Counter()
    enqueued: Counter[str] = Counter()
    for start in range(0, len(everything), SLICE):
        due = _by_team(everything[start : start + SLICE], lambda r: r.team_id)
        nudges = {team: reachable(rules(items, policy, now, snoozes.get(team, {}))) for team, items in due.items()}
        with uow:
            enqueued.update(uow.sweep.enqueue(nudges, now))
            uow.commit()
        found.update({team: len(theirs) for team, theirs in nudges.items()})
    return {team: SweepResult(count, enqueued[team]) for team, count in found.items()}


def _queue_disputes(
    uow: SweepUnitOfWork, *, cadences: Cadences, policy: NudgePolicy, now: datetime
) -> dict[str, SweepResult]:
    """Nudge the owners of disputes past their tier's limit, and move up those past grace, telling the new tier's
    people and the dispute's thread."""
    with uow.reading():
        snoozes = uow.sweep.snoozes(now - SNOOZE_MEMORY)
        overdue = _by_team(uow.sweep.disputes_past_limit(now, cadences), lambda pair: pair[0].team_id)
    checked = {
        team: _dispute_nudges(pairs, cadences, policy, now, snoozes.get(team, {})) for team, pairs in overdue.items()
    }
    climbing = [case for _, cases in checked.values() for case in cases]
    with uow:  # a dispute someone moved or resolved since it was read stays as they left it (`climb_many`)
        escalated = _by_team(climb_many(uow, climbing, now=now) if climbing else [], lambda c: c.dispute.team_id)
        rosters = uow.sweep.joint_teams(
            [c.relationship.id or 0 for c in climbing if c.dispute.tier + 1 == Tier.JOINT_MANAGEMENT]
        )
        nudges = {
            team: found + _told_of_climbs(escalated.get(team, []), now, rosters) for team, (found, _) in checked.items()
        }
        nudges = {team: reachable(found) for team, found in nudges.items()}
        enqueued = uow.sweep.enqueue(nudges, now)
        uow.commit()
    return {
        team: SweepResult(len(found), enqueued.get(team, 0), escalated.get(team, [])) for team, found in nudges.items()
    }


def _told_of_climbs(escalated: Sequence[Case], now: datetime, rosters: Mapping[int, list[TeamPair]]) -> list[Nudge]:
    """The new tier's people, and the dispute's thread, told of each dispute the ladder moved up."""
    return [
        n
        for moved in escalated
        for n in escalation_nudges(moved.dispute, moved.relationship, now, rosters.get(moved.relationship.id or 0, []))
        + thread_nudges(moved.dispute, moved.relationship, now)
    ]


Item = TypeVar("Item")


def _by_team(items: Iterable[Item], team_of: Callable[[Item], str]) -> dict[str, list[Item]]:
    grouped: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        grouped[team_of(item)].append(item)
    return grouped


def _reviews_due(sweep: SweepRepository, today: date) -> list[DueReview]:
    return sweep.reviews_due(today)


def _exit_reviews_due(sweep: SweepRepository, today: date) -> list[DueReview]:
    return sweep.exit_reviews_due(today)


def _risk_reviews_due(sweep: SweepRepository, today: date) -> list[DueRiskReview]:
    return sweep.risk_reviews_due(today)


def _actions_due(sweep: SweepRepository, today: date) -> list[DueAction]:
    return sweep.actions_due_before(_latest_date(today))


def _latest_date(today: date) -> date:
    """The day after `today` (UTC's): the latest date anywhere on Earth, so actions overdue where their owners are
    fall before it, whatever their time zones."""
    return today + timedelta(days=1)


def _stale_ideas(sweep: SweepRepository, today: date, *, stale_days: int) -> list[DueIdea]:
    return sweep.ideas_stale(today, stale_days)


def _meetings_due(sweep: SweepRepository, today: date, *, cadence_days: int) -> list[DueMeeting]:
    return sweep.meetings_due(today, cadence_days)


def _review_nudges(due: Sequence[DueReview], policy: NudgePolicy, now: datetime, snoozes: Snoozes) -> list[Nudge]:
    reminders = Reminders(NudgeKind.REVIEW, now, policy, snoozes)
    return [n for d in due for n in reminders(d)]


def _exit_review_nudges(due: Sequence[DueReview], policy: NudgePolicy, now: datetime, snoozes: Snoozes) -> list[Nudge]:
    reminders = Reminders(NudgeKind.EXIT_REVIEW, now, policy, snoozes)
    return [n for d in due for n in reminders(d)]


def _dispute_nudges(
    overdue: Sequence[tuple[Dispute, Relationship]],
    cadences: Cadences,
    policy: NudgePolicy,
    now: datetime,
    snoozes: Snoozes,
) -> tuple[list[Nudge], list[Case]]:
    nudges: list[Nudge] = []
    climbing = []
    for dispute, relationship in overdue:
        check = dispute_check(dispute, relationship, now, cadences, policy, snoozes)
        nudges += check.nudges
        if check.escalate:
            climbing.append(Case(dispute, relationship))
    return nudges, climbing


def unsent(uow: UnitOfWork, nudges: list[Nudge]) -> list[Nudge]:
    """Of these nudges, the ones the outbox has not taken yet (what a dry run would add)."""
    with uow.reading():
        known = uow.nudges.known([n.key for n in nudges])
    return [n for n in nudges if n.key not in known]


def claim(uow: UnitOfWork, worker: str, now: datetime, limit: int, lease: timedelta) -> list[QueuedNudge]:
    """Take pending nudges whose time has come, so no other sender takes them too; and those whose claim is older
    than `lease`, whose sender must have died. Each claim has a token of its own, which fences out a sender that
    outlived its lease: whatever it does next with these nudges raises `ClaimLost`."""
    with uow:
        claimed = uow.nudges.claim(worker, uuid4().hex, now, limit, lease)
        uow.commit()
        return claimed


def check_claim(uow: UnitOfWork, nudges: Sequence[QueuedNudge], now: datetime) -> None:
    """`ClaimLost` unless the nudges are all still claimed by this sender; asked right before posting them, and
    renewing the claim: had the sender stalled near the end of its lease, another could otherwise take them over
    while this one posts, and both would post."""
    ids, token = _claim_of(nudges)
    with uow:
        renewed = uow.nudges.renew(ids, token, now)
        if renewed < len(ids):
            raise ClaimLost(f"nudges {ids} were taken over")
        uow.commit()


def still_due(uow: UnitOfWork, queued: QueuedNudge, cadences: Cadences) -> bool:
    """Whether the nudge still matters: the review not yet done, the dispute still open at that tier.
    `ValueError` for a nudge whose subject names nothing it could be about."""
    with uow.reading():
        return _settled(uow, queued) is None


def settled_since_sent(uow: UnitOfWork) -> list[tuple[QueuedNudge, Settled]]:
    """Sent nudges whose message still shows buttons though what they are about is done (elsewhere, since)."""
    found = []
    with uow.reading():
        for queued in uow.nudges.with_open_messages():
            try:
                outcome = _settled(uow, queued)
            except ValueError:
                continue  # a subject that names nothing: its message is left as it is
            if outcome is not None:
                found.append((queued, outcome))
    return found


def close(uow: UnitOfWork, nudge_ids: Sequence[int], now: datetime) -> None:
    """Record that these nudges' messages were brought up to date and no longer show their buttons."""
    with uow:
        uow.nudges.close(nudge_ids, now)
        uow.commit()


def _settled(uow: UnitOfWork, queued: QueuedNudge) -> Settled | None:
    if queued.kind.notice:
        return None  # told once, even of a relationship that has ended since: a notice has nothing to settle
    relationship = uow.relationships.get(queued.relationship_id)
    if relationship is None or relationship.exited:
        return Settled(Outcome.ENDED)
    match queued.kind:
        case NudgeKind.REVIEW:
            if _due_on(queued, relationship, relationship.next_review_due):
                return None
            last = next(iter(uow.reviews.recent(queued.relationship_id, 1)), None)
            return (
                Settled(Outcome.REVIEWED, last.reviewed_by, last.reviewed_at.date())
                if last
                else Settled(Outcome.REVIEWED)
            )
        case NudgeKind.EXIT_REVIEW:
            if _due_on(queued, relationship, relationship.next_exit_review_due):
                return None
            latest = uow.exit_strategies.latest(queued.relationship_id)
            return (
                Settled(Outcome.REVIEWED, latest.saved_by, latest.saved_at.date())
                if latest
                else Settled(Outcome.REVIEWED)
            )
        case NudgeKind.DISPUTE | NudgeKind.DISPUTE_ESCALATED | NudgeKind.DISPUTE_THREAD:
            dispute = uow.disputes.get(dispute_id(queued.subject))
            if dispute is None:
                return Settled(Outcome.ENDED)
            if not dispute.open:
                resolved_on = dispute.resolved_at.date() if dispute.resolved_at else None
                return Settled(Outcome.RESOLVED, dispute.resolved_by, resolved_on)
            if dispute.tier != queued.tier:
                return Settled(Outcome.MOVED, on=dispute.since().date(), tier=dispute.tier)
            return None
        case NudgeKind.HEALTH_DUE:
            rounds = uow.health.rounds(queued.relationship_id)
            if not rounds or rounds[-1].number <= int(queued.detail.get("after", 0)):
                return None
            return Settled(Outcome.STARTED, rounds[-1].opened_by, rounds[-1].opened_at.date())
        case NudgeKind.HEALTH_CHECK:
            health_round = uow.health.get(health_round_id(queued.subject))
            if health_round is None:
                return Settled(Outcome.ENDED)
            if health_round.closed_at is not None:
                return Settled(Outcome.CLOSED, on=health_round.closed_at.date())
            return None
        case NudgeKind.RISK_REVIEW:
            risk_id, due = risk_review_of(queued.subject)
            risk = uow.risks.get(risk_id)
            if risk is None or not risk.open:
                return Settled(Outcome.ENDED)
            return None if risk.next_review == due else Settled(Outcome.REVIEWED)
        case NudgeKind.ACTION_OVERDUE:
            action = uow.actions.get(action_of(queued.subject))
            if action is None:
                return Settled(Outcome.ENDED)
            if not action.open:
                return Settled(Outcome.COMPLETED, action.done_by, action.done_at.date() if action.done_at else None)
            return None
        case NudgeKind.IDEA_STALE:
            idea_id, moved_on = idea_stale_of(queued.subject)
            idea = uow.ideas.get(idea_id)
            if idea is None:
                return Settled(Outcome.ENDED)
            return None if idea.open and idea.moved_on == moved_on else Settled(Outcome.DECIDED, on=idea.moved_on)
        case NudgeKind.MEETING_DUE:
            held = [m for m in uow.meetings.of(queued.relationship_id) if not m.internal]
            if not held or held[0].held_on.isoformat() == queued.detail.get("last"):
                return None
            return Settled(Outcome.RECORDED, held[0].recorded_by, held[0].held_on)
        case NudgeKind.SPONSOR_NAMED | NudgeKind.OWNER_NAMED | NudgeKind.ITEM_ASSIGNED | NudgeKind.EXIT_REVIEWED_WITH:
            return None  # never reached: a notice is answered before the relationship is looked at
        case unknown:
            assert_never(unknown)


def _due_on(queued: QueuedNudge, relationship: Relationship, due: date | None) -> bool:
    return due is not None and queued.subject == due_subject(relationship, due)


def mark_sent(
    uow: UnitOfWork, nudges: Sequence[QueuedNudge], now: datetime, message: tuple[str, str] | None = None
) -> None:
    """Sent, in `message` (its channel and ts) if known: once what they are about is done, it is updated."""
    _fenced(uow, nudges, lambda ids, token: uow.nudges.sent(ids, token, now, message))


def retry_later(
    uow: UnitOfWork,
    nudges: Sequence[QueuedNudge],
    when: datetime,
    error: str | None = None,
    *,
    unconfirmed_since: datetime | None = None,
) -> None:
    """Back to pending until `when`; an `error` counts as a failed attempt (a wait for working hours does not).
    `unconfirmed_since` is when an attempt began that may have been posted all the same (its answer was lost)."""
    _fenced(uow, nudges, lambda ids, token: uow.nudges.release(ids, token, when, error, unconfirmed_since))


def give_back(uow: UnitOfWork, nudges: Sequence[QueuedNudge], when: datetime) -> None:
    """Back to pending until `when`, without counting an attempt: those of these nudges (one claim) this sender
    still holds. Those it already recorded as sent, failed or deferred are left as they are."""
    if not nudges:
        return
    ids, token = _claim_of(nudges)
    with uow:
        uow.nudges.release(ids, token, when, None)
        uow.commit()


def mark_failed(uow: UnitOfWork, nudges: Sequence[QueuedNudge], reason: str) -> None:
    _fenced(uow, nudges, lambda ids, token: uow.nudges.fail(ids, token, reason))


def mark_cancelled(uow: UnitOfWork, nudges: Sequence[QueuedNudge]) -> None:
    _fenced(uow, nudges, lambda ids, token: uow.nudges.cancel(ids, token))


def _fenced(uow: UnitOfWork, nudges: Sequence[QueuedNudge], change: Callable[[list[int], str], int]) -> None:
    """Record what became of nudges this sender claimed; `ClaimLost` if another sender took any of them over
    (those it still held are recorded all the same: it did what it says with them)."""
    ids, token = _claim_of(nudges)
    with uow:
        changed = change(ids, token)
        uow.commit()
    if changed < len(ids):
        raise ClaimLost(f"nudges {ids} were taken over")


def _claim_of(nudges: Sequence[QueuedNudge]) -> tuple[list[int], str]:
    tokens = {n.claim_token for n in nudges}
    if len(tokens) != 1 or None in tokens:
        raise ValueError(f"nudges {[n.id for n in nudges]} are not of one claim")
    return [n.id or 0 for n in nudges], str(tokens.pop())


@dataclass(frozen=True)
class Pressed:
    """A nudge whose button its person pressed, and what became of its subject (None: still due)."""

    nudge: QueuedNudge
    settled: Settled | None


def pressed(uow: UnitOfWork, nudge_id: int, by: str) -> Pressed:
    """The nudge `by` pressed the button of, and whether its subject is settled since. `Stale` if the outbox has no
    such nudge, or it is someone else's (only its person sees its buttons: anything else is forged)."""
    with uow.reading():
        nudge = uow.nudges.get(nudge_id)
        if nudge is None or nudge.recipient_id != by:
            raise Stale(f"nudge {nudge_id} of {by}")
        return Pressed(nudge, _settled(uow, nudge))


@dataclass(frozen=True)
class Snoozed:
    """A nudge and the snooze its person chose; None when that choice was made already (a double click)."""

    nudge: QueuedNudge
    snooze: Snooze | None


def snooze(uow: UnitOfWork, nudge_id: int, user_id: str, *, now: datetime, days: int) -> Snoozed:
    """Quiet the nudge's kind and subject for the person for `days`. The same choice on the same nudge again (a
    double click, a retried request) changes nothing (no snooze in the answer); another choice is a new snooze.
    `Stale` if the outbox has no such nudge."""
    with uow:
        nudge = uow.nudges.get(nudge_id)
        if nudge is None or nudge.kind.notice:  # a notice offers no snooze: a value naming one is not ours
            raise Stale(f"nudge {nudge_id}")
        wanted = Snooze(uow.team_id, nudge.kind, nudge.subject, user_id, now + timedelta(days=days), nudge_id, days)
        saved = uow.snoozes.add(wanted)
        if saved is None:
            return Snoozed(nudge, None)
        what = f"{nudge.kind.value} {nudge.subject}"
        uow.audit.record(nudge.relationship_id, user_id, now, "nudge.snoozed", what, after=saved)
        uow.commit()
        return Snoozed(nudge, saved)
