"""The relationship health check: both organisations rate the relationship on anchored scales, anonymously, and
see where their views differ (the perception gap). BS 11000 asks that relationship health be monitored over time;
the gap is how hidden disagreement becomes visible.

Rules only: what a round asks, who takes part for which group, what an answer may hold, and the results worked
out from answers that carry no name.
"""

import hashlib
import hmac
import random
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import assert_never

from stages.errors import DomainError, InvalidInput, Problem
from stages.joint_team import TeamPair, members
from stages.naming import checked_text, hidden_characters, normal
from stages.nudges import DueReview, Nudge, NudgeKind, NudgePolicy, Reminders, Snoozes
from stages.relationships import Relationship, Side

SCALE = (0, 25, 50, 75, 100)  # each step is described in words where it is asked
DEFAULT_DIMENSIONS = (
    "Trust",
    "Communication",
    "Shared objectives",
    "Value delivered",
    "Governance and decisions",
    "Behaviours",
    "Handling of issues",
    "Knowledge sharing",
    "Exit readiness",
)
DIMENSIONS_MIN, DIMENSIONS_MAX = 2, 12
DIMENSION_MAX = 60
COMMENT_MAX = 1000
PARTICIPANTS_MAX = 100
DEFAULT_OPEN_DAYS = 10
LONGEST_OPEN_DAYS = 60


class Group(StrEnum):
    """Whose figures are set side by side: the two organisations, or in a round without a partner the
    relationship's sponsors and its working team."""

    HOME = "home"
    PARTNER = "partner"
    SPONSORS = "sponsors"
    TEAM = "team"

    @property
    def side(self) -> Side:
        """The organisation the group's people belong to."""
        match self:
            case Group.PARTNER:
                return Side.PARTNER
            case Group.HOME | Group.SPONSORS | Group.TEAM:
                return Side.HOME
            case unknown:
                assert_never(unknown)


@dataclass(frozen=True)
class HealthSettings:
    """How anonymous the results stay, when a gap is worth flagging, and the key the respondents' hashes use."""

    key: bytes
    min_respondents: int = 3
    gap_alert: float = 20
    remind_every_days: int = 3
    cadence_days: int = 90  # the next round is due this long after the last one closed
    escalate_after_days: int = 7  # ...and its reminder also goes to the sponsor once this overdue


# The thresholds alone, for readers of results (the plan, an export): reading results needs no key.
RESULTS_ONLY = HealthSettings(b"")


def respondent_hash(key: bytes, round_id: int, user_id: str) -> str:
    """Who has answered a round, as only the holder of the key can tell: what stops a second answer."""
    return hmac.new(key, f"respondent:{round_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def answer_key(key: bytes, round_id: int, user_id: str) -> str:
    """Which stored answer is the person's own, so that they can change it; another keyed hash than the
    respondent's, so that the two tables cannot be joined without the key."""
    return hmac.new(key, f"answer:{round_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Participant:
    user_id: str
    group: Group


def default_participants(relationship: Relationship, team: Sequence[TeamPair] = ()) -> list[Participant]:
    """Who is asked unless the round's starter chooses otherwise: the sponsors, relationship managers and joint
    management team (`team`) of both sides (in a round without a partner, its sponsor against its working team)."""
    one_sided = not relationship.is_joint
    people = [
        Participant(relationship.sponsor_id, Group.SPONSORS if one_sided else Group.HOME),
        Participant(relationship.owner_id, Group.TEAM if one_sided else Group.HOME),
    ]
    people += [Participant(person, Group.TEAM if one_sided else Group.HOME) for person in members(team, Side.HOME)]
    if not one_sided:
        partners = [relationship.partner_sponsor_id, relationship.partner_manager_id, *members(team, Side.PARTNER)]
        people += [Participant(person, Group.PARTNER) for person in partners if person]
    unique: dict[str, Participant] = {}
    for p in people:
        unique.setdefault(p.user_id, p)
    return list(unique.values())


def group_of(relationship: Relationship, side: Side) -> Group:
    """The group a person of `side`, not among the default participants, is asked in."""
    if not relationship.is_joint:
        return Group.TEAM
    match side:
        case Side.HOME:
            return Group.HOME
        case Side.PARTNER:
            return Group.PARTNER
        case unknown:
            assert_never(unknown)


def groups(one_sided: bool) -> tuple[Group, Group]:
    return (Group.SPONSORS, Group.TEAM) if one_sided else (Group.HOME, Group.PARTNER)


@dataclass(frozen=True)
class HealthRound:
    team_id: str
    relationship_id: int
    number: int
    dimensions: tuple[str, ...]
    participants: tuple[Participant, ...]
    opened_by: str
    opened_at: datetime
    closes_at: datetime
    one_sided: bool
    closed_at: datetime | None = None
    closed_by: str | None = None
    results_ts: str | None = None  # the results' message, once posted
    message_ts: str | None = None  # the round's announcement, with its buttons
    id: int | None = None

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def taking_answers(self, now: datetime) -> bool:
        """Open and before its closing time (which the sweep may not have reached yet)."""
        return self.open and now < self.closes_at

    def participant(self, user_id: str) -> Participant | None:
        return next((p for p in self.participants if p.user_id == user_id), None)

    def closed(self, now: datetime, by: str | None) -> "HealthRound":
        return replace(self, closed_at=now, closed_by=by)

    @property
    def groups(self) -> tuple[Group, Group]:
        return groups(self.one_sided)


def health_subject(round_id: int) -> str:
    """The subject of a round's invitations and reminders in the outbox."""
    return f"health:{round_id}"


def asking(
    relationship: Relationship, health_round: HealthRound, people: Sequence[Participant], period: str
) -> list[Nudge]:
    """The invitations (period "0") or reminders (each later period) of a round to these people. A partner's
    person is told in the shared channel, the others by direct message: the detail says which side they are on."""
    closes = health_round.closes_at.date().isoformat()
    return [
        Nudge(
            NudgeKind.HEALTH_CHECK,
            health_subject(health_round.id or 0),
            0,
            period,
            p.user_id,
            relationship.id or 0,
            {"name": relationship.name, "closes": closes, "side": p.group.side.value},
        )
        for p in people
    ]


def next_round_due(rounds: Sequence[HealthRound], cadence_days: int) -> date | None:
    """When the relationship's next round should start: a cadence after its last one closed; None while one is
    open, or before its first (a relationship's first health check is its leaders' choice)."""
    closed = [r.closed_at for r in rounds if r.closed_at is not None]
    if not closed or any(r.open for r in rounds):
        return None
    return max(closed).date() + timedelta(days=cadence_days)


def due_round_nudges(
    relationship: Relationship,
    rounds: Sequence[HealthRound],
    settings: HealthSettings,
    now: datetime,
    snoozes: Snoozes,
) -> list[Nudge]:
    """The owner reminded to start the next round once it is due, every few days, and the sponsor too once it is
    long overdue (as for a review). Each names the round it follows, so starting the next one settles it."""
    due = next_round_due(rounds, settings.cadence_days)
    found = DueReview.of(relationship, due) if due is not None else None
    if found is None:
        return []
    policy = NudgePolicy(settings.remind_every_days, settings.escalate_after_days)
    after = max(r.number for r in rounds)
    nudges = Reminders(NudgeKind.HEALTH_DUE, now, policy, snoozes)(found)
    return [replace(n, detail={**n.detail, "after": after}) for n in nudges]


class RoundClosed(DomainError):
    """The round no longer takes answers: it closed (at its date or early)."""

    def __init__(self, relationship_name: str, closed: datetime) -> None:
        super().__init__(relationship_name)
        self.relationship_name = relationship_name
        self.closed = closed


class RoundAlreadyOpen(DomainError):
    """A relationship has one open round at a time."""

    def __init__(self, relationship_name: str, closes_at: datetime) -> None:
        super().__init__(relationship_name)
        self.relationship_name = relationship_name
        self.closes_at = closes_at


class NotAParticipant(DomainError):
    """The person was not asked to take part in this round."""

    def __init__(self, relationship_name: str) -> None:
        super().__init__(relationship_name)
        self.relationship_name = relationship_name


@dataclass(frozen=True)
class RoundDraft:
    dimensions: tuple[str, ...]
    closes_at: datetime


def round_draft(dimensions: str | None, closes_on: date | str | None, *, now: datetime) -> RoundDraft:
    """The dimensions (one a line) and closing date as typed, or `InvalidInput` naming each field that is wrong."""
    problems: list[Problem] = []
    names = [" ".join(normal(line).split()) for line in (dimensions or "").splitlines()]
    names = [name for name in names if name]
    if not DIMENSIONS_MIN <= len(names) <= DIMENSIONS_MAX:
        problems.append(
            Problem(
                "dimensions", "dimensions_count", {"min": DIMENSIONS_MIN, "max": DIMENSIONS_MAX, "count": len(names)}
            )
        )
    for name in names:
        if len(name) > DIMENSION_MAX:
            problems.append(Problem("dimensions", "too_long", {"limit": DIMENSION_MAX, "length": len(name)}))
        problems += hidden_characters("dimensions", name)
    if len({name.casefold() for name in names}) < len(names):
        problems.append(Problem("dimensions", "dimensions_repeated"))
    closes = _closing_day(closes_on, now.date(), problems)
    if problems:
        raise InvalidInput(problems)
    return RoundDraft(tuple(names), datetime.combine(closes, time(0), tzinfo=now.tzinfo))


def _closing_day(raw: date | str | None, today: date, problems: list[Problem]) -> date:
    if raw is None or not str(raw).strip():
        problems.append(Problem("closes", "health_close_missing"))
        return today
    try:
        day = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
    except ValueError:
        problems.append(Problem("closes", "date_invalid", {"value": str(raw)}))
        return today
    if day <= today:
        problems.append(Problem("closes", "health_close_past"))
    elif day > today + timedelta(days=LONGEST_OPEN_DAYS):
        problems.append(Problem("closes", "health_close_too_far", {"days": LONGEST_OPEN_DAYS}))
    return day


@dataclass(frozen=True)
class HealthAnswer:
    """One person's answer, as stored: scores and comments per dimension, and no name or time."""

    round_id: int
    key: str  # `answer_key`: only the holder of the key can tell whose
    group: Group
    scores: Mapping[str, int]
    comments: Mapping[str, str] = field(default_factory=dict)
    improve: str | None = None


def answer(
    health_round: HealthRound,
    key: str,
    group: Group,
    scores: Sequence[str | None],
    comments: Sequence[str | None],
    improve: str | None,
) -> HealthAnswer:
    """An answer from the form, its scores and comments in the order of the round's dimensions; `InvalidInput`
    (naming `score:<n>` or `comment:<n>`) for a missing or unknown step or an over-long comment."""
    problems: list[Problem] = []
    marks: dict[str, int] = {}
    notes: dict[str, str] = {}
    for index, dimension in enumerate(health_round.dimensions):
        raw = scores[index] if index < len(scores) else None
        value = int(raw) if raw is not None and raw.isascii() and raw.isdigit() else None
        if value not in SCALE:
            problems.append(Problem(f"score:{index}", "health_score_missing"))
        else:
            marks[dimension] = value
        text = comments[index] if index < len(comments) else None
        said = checked_text(f"comment:{index}", text, problems, limit=COMMENT_MAX)
        if said:
            notes[dimension] = said
    wished = checked_text("improve", improve, problems, limit=COMMENT_MAX)
    if problems:
        raise InvalidInput(problems)
    return HealthAnswer(health_round.id or 0, key, group, marks, notes, wished or None)


# ----- results


@dataclass(frozen=True)
class Figure:
    """One group's view of one dimension: the mean of its scores and their spread (population standard deviation)."""

    score: float
    spread: float


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    figures: Mapping[Group, Figure | None]  # None: the group's figures are withheld (too few answers)
    gap: float | None  # between the two groups' scores, when both are shown
    flagged: bool


@dataclass(frozen=True)
class GroupResult:
    group: Group
    respondents: int
    shown: bool  # whether enough answered for its figures to be shown
    index: float | None  # the mean of its dimension scores


@dataclass(frozen=True)
class HealthResults:
    """What a closed round shows: aggregates per group only, the largest gaps first, comments without names."""

    groups: tuple[GroupResult, GroupResult]
    dimensions: tuple[DimensionResult, ...]
    index: float | None  # the overall index: the mean of the shown groups' indexes
    comments: Mapping[str, tuple[str, ...]]  # per dimension, of shown groups only, shuffled
    improvements: tuple[str, ...]  # "what would most improve this relationship", shuffled
    min_respondents: int

    @property
    def gap(self) -> float | None:
        """The gap between the two groups' indexes, when both are shown."""
        first, second = self.groups
        if first.index is None or second.index is None:
            return None
        return abs(first.index - second.index)


def results(
    health_round: HealthRound, answers: Sequence[HealthAnswer], settings: HealthSettings, *, seed: str = ""
) -> HealthResults:
    """The round's results. A group with fewer than `min_respondents` answers shows no figure and no comment;
    comments are shuffled (with `seed`, so the same round reads the same everywhere it is shown)."""
    by_group = {g: [a for a in answers if a.group is g] for g in health_round.groups}
    shown = {g: len(found) >= settings.min_respondents for g, found in by_group.items()}
    dims = []
    for order, dimension in enumerate(health_round.dimensions):
        figures: dict[Group, Figure | None] = {}
        for g, found in by_group.items():
            scores = [a.scores[dimension] for a in found if dimension in a.scores]
            figures[g] = Figure(statistics.fmean(scores), statistics.pstdev(scores)) if shown[g] and scores else None
        first, second = (figures[g] for g in health_round.groups)
        gap = abs(first.score - second.score) if first and second else None
        dims.append((order, DimensionResult(dimension, figures, gap, gap is not None and gap > settings.gap_alert)))
    dims.sort(key=lambda pair: (-(pair[1].gap if pair[1].gap is not None else -1), pair[0]))
    group_results = []
    for g in health_round.groups:
        shown_figures = [f for _, d in dims if (f := d.figures[g]) is not None]
        index = statistics.fmean(f.score for f in shown_figures) if shown_figures else None
        group_results.append(GroupResult(g, len(by_group[g]), shown[g], index))
    indexes = [r.index for r in group_results if r.index is not None]
    shuffle = random.Random(f"{health_round.id}:{seed}")  # noqa: S311 (an order that tells nothing; no secret)
    visible = [a for g, found in by_group.items() if shown[g] for a in found]
    comments = {}
    for dimension in health_round.dimensions:
        said = sorted(a.comments[dimension] for a in visible if dimension in a.comments)
        shuffle.shuffle(said)
        if said:
            comments[dimension] = tuple(said)
    improvements = sorted(a.improve for a in visible if a.improve)
    shuffle.shuffle(improvements)
    return HealthResults(
        (group_results[0], group_results[1]),
        tuple(d for _, d in dims),
        statistics.fmean(indexes) if indexes else None,
        comments,
        tuple(improvements),
        settings.min_respondents,
    )


@dataclass(frozen=True)
class TrendPoint:
    """One closed round's indexes, for the trend over time."""

    number: int
    closed_on: date
    index: float | None
    by_group: Mapping[Group, float | None]


def trend_point(health_round: HealthRound, found: HealthResults) -> TrendPoint:
    closed = health_round.closed_at or health_round.closes_at
    return TrendPoint(health_round.number, closed.date(), found.index, {g.group: g.index for g in found.groups})


@dataclass(frozen=True)
class HealthRecord:
    """A closed round with its results and the trend up to it, as the plan and the evidence pack keep it."""

    health_round: HealthRound
    results: HealthResults
    trend: tuple[TrendPoint, ...]  # every closed round's indexes up to this one, oldest first


def health_records(closed: Sequence[tuple[HealthRound, HealthResults]]) -> list[HealthRecord]:
    """The closed rounds (oldest first) with their results, each with the trend up to it."""
    points = [trend_point(r, found) for r, found in closed]
    return [HealthRecord(r, found, tuple(points[: n + 1])) for n, (r, found) in enumerate(closed)]


@dataclass(frozen=True)
class LatestHealth:
    """A relationship's latest closed health check at a glance: its overall index and which way it went."""

    number: int
    index: float | None
    direction: int  # 1 up, -1 down, 0 level (or no round before)


def latest_health(points: Sequence[TrendPoint]) -> LatestHealth | None:
    if not points:
        return None
    return LatestHealth(points[-1].number, points[-1].index, direction(points))


def direction(points: Sequence[TrendPoint]) -> int:
    """Whether the overall index went up (1), down (-1) or stayed (0) since the round before; 0 without two."""
    known = [p.index for p in points if p.index is not None]
    if len(known) < 2:
        return 0
    return (known[-1] > known[-2]) - (known[-1] < known[-2])
