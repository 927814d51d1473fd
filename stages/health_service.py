"""Use cases of the health check: start a round, answer it (and change the answer), close it, remind those who
have not answered, and read the results of every round for the trend.

Nothing here stores who gave which answer: a respondent is kept as a keyed hash, and an answer under another
keyed hash, so that a person can change theirs while nobody without the key can tell whose it is.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from stages.audit import SYSTEM, Action
from stages.errors import InvalidInput, NotAllowed, Problem, Stale
from stages.health import (
    DEFAULT_DIMENSIONS,
    PARTICIPANTS_MAX,
    HealthAnswer,
    HealthResults,
    HealthRound,
    HealthSettings,
    LatestHealth,
    NotAParticipant,
    Participant,
    RoundAlreadyOpen,
    RoundClosed,
    TrendPoint,
    answer,
    answer_key,
    asking,
    default_participants,
    due_round_nudges,
    health_subject,
    latest_health,
    next_round_due,
    respondent_hash,
    results,
    round_draft,
    trend_point,
)
from stages.homes import NO_HOMES, HomesToDraw, homes
from stages.nudge_service import SNOOZE_MEMORY
from stages.nudges import NudgeKind, Snoozes, reachable
from stages.ports import UnitOfWork
from stages.register_access import relationship_of
from stages.relationships import Relationship, Side, taking_part

ACTION = "health"


def may_lead(relationship: Relationship, user_id: str, organisation: str) -> Side:
    """The side of someone who may start or close a round: the owner or sponsor of either organisation (at the
    partner, its executive sponsor or relationship manager); `NotAllowed` or `OutsideTheRelationship` otherwise."""
    side = taking_part(relationship, organisation)
    if not relationship.signs_for(user_id, side):
        raise NotAllowed(ACTION, relationship.owner_id, relationship.sponsor_id)
    return side


@dataclass(frozen=True)
class RoundForm:
    """What the form that starts a round begins with: the last round's dimensions (or the default set) and the
    default participants."""

    relationship: Relationship
    dimensions: tuple[str, ...]
    participants: tuple[Participant, ...]


def round_form(uow: UnitOfWork, which: int | str, by: str, organisation: str) -> RoundForm:
    with uow.reading():
        relationship = relationship_of(uow, which)
        may_lead(relationship, by, organisation)
        _none_open(uow, relationship)
        rounds = uow.health.rounds(relationship.id or 0)
        team = uow.joint_teams.of(relationship.id or 0)
    dimensions = rounds[-1].dimensions if rounds else DEFAULT_DIMENSIONS
    return RoundForm(relationship, dimensions, tuple(default_participants(relationship, team)))


@dataclass(frozen=True)
class Started:
    relationship: Relationship
    health_round: HealthRound
    home_for: HomesToDraw  # its leaders and the people it asks here: their Home tabs show it


def start_round(
    uow: UnitOfWork,
    relationship_id: int,
    *,
    by: str,
    organisation: str,
    now: datetime,
    dimensions: str | None,
    closes_on: str | None,
    participants: Sequence[Participant],
) -> Started:
    """Open a round and queue everyone's invitation; `RoundAlreadyOpen` if the relationship has one (a second
    press of the form's button included)."""
    draft = round_draft(dimensions, closes_on, now=now)
    if not participants:
        raise InvalidInput([Problem("participants", "participants_missing")])
    if len(participants) > PARTICIPANTS_MAX:
        raise InvalidInput(
            [Problem("participants", "too_long", {"limit": PARTICIPANTS_MAX, "length": len(participants)})]
        )
    with uow:
        relationship = relationship_of(uow, relationship_id)
        may_lead(relationship, by, organisation)
        _none_open(uow, relationship)
        number = uow.health.latest_number(relationship_id) + 1
        wanted = HealthRound(
            uow.team_id,
            relationship_id,
            number,
            draft.dimensions,
            tuple(participants),
            by,
            now,
            draft.closes_at,
            one_sided=not relationship.is_joint,
        )
        saved = uow.health.add(wanted)
        if saved is None:
            raise RoundAlreadyOpen(relationship.name, draft.closes_at)
        uow.nudges.enqueue(asking(relationship, saved, saved.participants, "0"), now)
        uow.audit.record(
            relationship_id, by, now, Action.HEALTH_STARTED, f"health check {number}", after=_public(saved)
        )
        leaders = _homes(uow, now, by, relationship, saved)
        uow.commit()
    return Started(relationship, saved, leaders)


@dataclass(frozen=True)
class AnswerForm:
    relationship: Relationship
    health_round: HealthRound
    previous: HealthAnswer | None  # the person's own answer, to change


def answer_form(
    uow: UnitOfWork, settings: HealthSettings, round_id: int, user_id: str, organisation: str, now: datetime
) -> AnswerForm:
    with uow.reading():
        relationship, health_round = _answering(uow, round_id, user_id, organisation, now)
        previous = uow.health.answer_of(round_id, answer_key(settings.key, round_id, user_id))
    return AnswerForm(relationship, health_round, previous)


@dataclass(frozen=True)
class Answered:
    relationship: Relationship
    health_round: HealthRound
    first: bool  # False: it replaced the person's earlier answer
    home_for: HomesToDraw  # the person's: the check no longer waits for them


def give_answer(
    uow: UnitOfWork,
    settings: HealthSettings,
    round_id: int,
    *,
    user_id: str,
    organisation: str,
    now: datetime,
    scores: Sequence[str | None],
    comments: Sequence[str | None],
    improve: str | None,
) -> Answered:
    """Keep the person's answer (in place of their earlier one); their reminders stop. `RoundClosed` once the
    round closed, `NotAParticipant` for someone it did not ask. No audit event: its time would tell whose
    answer changed."""
    with uow:
        relationship, health_round = _answering(uow, round_id, user_id, organisation, now)
        asked = health_round.participant(user_id)
        if asked is None:
            raise NotAParticipant(relationship.name)
        given = answer(
            health_round, answer_key(settings.key, round_id, user_id), asked.group, scores, comments, improve
        )
        first = uow.health.answer(respondent_hash(settings.key, round_id, user_id), given)
        uow.nudges.withdraw(NudgeKind.HEALTH_CHECK, health_subject(round_id), user_id)
        theirs = homes(uow, now, user_id) if asked.group.side is Side.HOME else NO_HOMES
        uow.commit()
    return Answered(relationship, health_round, first, theirs)


@dataclass(frozen=True)
class Closed:
    relationship: Relationship
    health_round: HealthRound
    results: HealthResults
    trend: tuple[TrendPoint, ...]  # every closed round's indexes, this one last
    home_for: HomesToDraw = NO_HOMES  # its leaders and the people it asked here, once it closed


def close_round(
    uow: UnitOfWork,
    settings: HealthSettings,
    round_id: int,
    *,
    by: str | None,
    organisation: str | None,
    now: datetime,
) -> Closed | None:
    """Close the round early (`by` a leader) or at its date (`by` None, the sweep); None if it was closed
    already (a double press, another sweep), so its results are posted once."""
    with uow:
        health_round = uow.health.get(round_id)
        if health_round is None:
            raise Stale(f"health round {round_id}")
        relationship = relationship_of(uow, health_round.relationship_id)
        if by is not None:
            may_lead(relationship, by, organisation or "")
        if not health_round.open:
            return None
        closed = health_round.closed(now, by)
        if not uow.health.close(closed):
            return None
        summary = results(closed, uow.health.answers(round_id), settings)
        uow.audit.record(
            relationship.id or 0,
            by or SYSTEM,
            now,
            Action.HEALTH_CLOSED,
            f"health check {closed.number}",
            after={"index": summary.index, "respondents": [g.respondents for g in summary.groups]},
        )
        told = _homes(uow, now, by, relationship, closed)
        uow.commit()
    return Closed(relationship, closed, summary, tuple(trend(uow, settings, relationship.id or 0)), told)


def results_of(uow: UnitOfWork, settings: HealthSettings, round_id: int) -> Closed:
    """A closed round's results, as posted (to post again what a failure kept from its channel)."""
    with uow.reading():
        health_round = uow.health.get(round_id)
        if health_round is None or health_round.open:
            raise Stale(f"closed health round {round_id}")
        relationship = relationship_of(uow, health_round.relationship_id)
        summary = results(health_round, uow.health.answers(round_id), settings)
        points = trend(uow, settings, relationship.id or 0)
    return Closed(relationship, health_round, summary, tuple(p for p in points if p.number <= health_round.number))


def trend(uow: UnitOfWork, settings: HealthSettings, relationship_id: int) -> list[TrendPoint]:
    """Every closed round's indexes, oldest first."""
    with uow.reading():
        return [
            trend_point(r, results(r, uow.health.answers(r.id or 0), settings))
            for r in uow.health.rounds(relationship_id)
            if not r.open
        ]


def due_to_close(uow: UnitOfWork, now: datetime) -> list[HealthRound]:
    with uow.reading():
        return [r for r in uow.health.open_rounds() if r.closes_at <= now]


def unposted(uow: UnitOfWork) -> list[HealthRound]:
    with uow.reading():
        return uow.health.unposted()


def posted(uow: UnitOfWork, round_id: int, *, results_ts: str | None = None, message_ts: str | None = None) -> None:
    with uow:
        uow.health.posted(round_id, results_ts=results_ts, message_ts=message_ts)
        uow.commit()


def remind(uow: UnitOfWork, settings: HealthSettings, now: datetime) -> int:
    """Queue a reminder, every few days of an open round, to each participant who has not answered, and to the
    owner of a relationship whose next round is due; how many were new. The outbox sends them in each person's
    working hours and drops them once the round closes (or the next one starts)."""
    with uow.reading():
        due = []
        snoozes: Snoozes | None = None  # read only when some relationship's next round is due
        for relationship_id, rounds in uow.health.by_relationship().items():
            current = rounds[-1]
            if current.open and current.closes_at <= now:
                continue  # closing: the sweep closes it first
            next_due = next_round_due(rounds, settings.cadence_days)
            if not current.open and (next_due is None or next_due > now.date()):
                continue  # its next round is not due yet
            relationship = uow.relationships.get(relationship_id)
            if relationship is None or relationship.exited:
                continue
            if not current.open:
                snoozes = uow.snoozes.recent(now - SNOOZE_MEMORY) if snoozes is None else snoozes
                due += due_round_nudges(relationship, rounds, settings, now, snoozes)
                continue
            round_id = current.id or 0
            hashes = {respondent_hash(settings.key, round_id, p.user_id): p for p in current.participants}
            answered = uow.health.answered(round_id, list(hashes))
            waiting = [p for h, p in hashes.items() if h not in answered]
            period = str((now.date() - current.opened_at.date()).days // settings.remind_every_days)
            due += asking(relationship, current, waiting, period)
    if not due:
        return 0
    with uow:
        added = uow.nudges.enqueue(reachable(due), now)
        uow.commit()
    return added


def latest(uow: UnitOfWork, settings: HealthSettings, relationship_id: int) -> LatestHealth | None:
    """The relationship's latest closed health check, with which way its index went since the one before."""
    return latest_health(trend(uow, settings, relationship_id))


def waiting_for(uow: UnitOfWork, settings: HealthSettings, user_id: str, now: datetime) -> list[AnswerForm]:
    """The open rounds that ask the person and that they have not answered yet (for their Home tab)."""
    with uow.reading():
        found = []
        for health_round in uow.health.open_rounds():
            if health_round.participant(user_id) is None or not health_round.taking_answers(now):
                continue
            respondent = respondent_hash(settings.key, health_round.id or 0, user_id)
            relationship = uow.relationships.get(health_round.relationship_id)
            if relationship is not None and not uow.health.answered(health_round.id or 0, [respondent]):
                found.append(AnswerForm(relationship, health_round, None))
        return found


def _answering(
    uow: UnitOfWork, round_id: int, user_id: str, organisation: str, now: datetime
) -> tuple[Relationship, HealthRound]:
    health_round = uow.health.get(round_id)
    if health_round is None:
        raise Stale(f"health round {round_id}")
    relationship = relationship_of(uow, health_round.relationship_id)
    side = taking_part(relationship, organisation)
    asked = health_round.participant(user_id)
    if asked is None or asked.group.side is not side:
        raise NotAParticipant(relationship.name)
    if not health_round.taking_answers(now):
        raise RoundClosed(relationship.name, health_round.closed_at or health_round.closes_at)
    return relationship, health_round


def _none_open(uow: UnitOfWork, relationship: Relationship) -> None:
    current = uow.health.open_round(relationship.id or 0)
    if current is not None:
        raise RoundAlreadyOpen(relationship.name, current.closes_at)


def _homes(
    uow: UnitOfWork, now: datetime, by: str | None, relationship: Relationship, health_round: HealthRound
) -> HomesToDraw:
    """The Home tabs a round's start or close changes: its leaders' (the index) and those it asks of this
    workspace (the check waiting); the partner's people have no Home tab here."""
    asked = [p.user_id for p in health_round.participants if p.group.side is Side.HOME]
    return homes(uow, now, by, relationship.owner_id, relationship.sponsor_id, *asked)


def _public(health_round: HealthRound) -> dict[str, object]:
    """What the audit trail keeps of a round: what it asks and of how many, until when."""
    return {
        "number": health_round.number,
        "dimensions": list(health_round.dimensions),
        "participants": len(health_round.participants),
        "closes_at": health_round.closes_at.isoformat(),
    }
