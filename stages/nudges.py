"""When Accord nudges whom: overdue reviews, disputes past their tier's limit, exit strategies due for review.

Rules only: given the state of things and `now`, which nudges are due. Each has a key (kind, subject, tier,
period, recipient) that is the same however many times, and by however many processes, it is worked out; the
outbox keeps one row per key, so a nudge is sent once however often the sweep runs.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import assert_never
from zoneinfo import ZoneInfo

from stages.actions import zone
from stages.catalogue import Cadences, ChecklistItem, Role, Stage
from stages.checklist import ItemState
from stages.disputes import TOP_TIER, Dispute, Tier, handed_over, partner_counterpart
from stages.exits import ExitStrategy
from stages.joint_team import TeamPair, members
from stages.pseudonyms import erased_name
from stages.relationships import Relationship, Side


class NudgeKind(StrEnum):
    REVIEW = "review"  # a relationship review is due or overdue
    EXIT_REVIEW = "exit_review"  # the joint exit strategy review is due or overdue
    DISPUTE = "dispute"  # a dispute has outstayed its tier's time limit
    DISPUTE_ESCALATED = "dispute_escalated"  # a dispute has moved up to the recipient's tier
    DISPUTE_THREAD = "dispute_thread"  # a dispute moved up by itself: its thread (the recipient is the channel)
    # Notices: someone else gave the recipient a part in a relationship. Told once; nothing to settle or snooze.
    SPONSOR_NAMED = "sponsor_named"  # the recipient is now a relationship's executive sponsor
    OWNER_NAMED = "owner_named"  # the recipient is now a relationship's owner
    ITEM_ASSIGNED = "item_assigned"  # a check-in item was assigned to the recipient
    EXIT_REVIEWED_WITH = "exit_reviewed_with"  # an exit strategy version names the recipient as reviewed with
    HEALTH_CHECK = "health_check"  # the recipient is asked to take a health check (and reminded until they do)
    HEALTH_DUE = "health_due"  # the relationship's next health check is due to be started
    RISK_REVIEW = "risk_review"  # the review of a risk the recipient owns is overdue
    ACTION_OVERDUE = "action_overdue"  # an action the recipient owns (or whose owner's side they sponsor) is overdue
    IDEA_STALE = "idea_stale"  # a value-creation idea the recipient owns has not moved for IDEA_STALE_DAYS
    MEETING_DUE = "meeting_due"  # the joint management team of the recipient's relationship is due to meet

    @property
    def notice(self) -> bool:
        """Whether it tells of something done (once, never settled or snoozed) rather than asks for something due."""
        match self:
            case (
                NudgeKind.SPONSOR_NAMED | NudgeKind.OWNER_NAMED | NudgeKind.ITEM_ASSIGNED | NudgeKind.EXIT_REVIEWED_WITH
            ):
                return True
            case (
                NudgeKind.REVIEW
                | NudgeKind.EXIT_REVIEW
                | NudgeKind.DISPUTE
                | NudgeKind.DISPUTE_ESCALATED
                | NudgeKind.DISPUTE_THREAD
                | NudgeKind.HEALTH_CHECK
                | NudgeKind.HEALTH_DUE
                | NudgeKind.RISK_REVIEW
                | NudgeKind.ACTION_OVERDUE
                | NudgeKind.IDEA_STALE
                | NudgeKind.MEETING_DUE
            ):
                return False
            case unknown:
                assert_never(unknown)


class NudgeStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"  # no longer due by the time it could be sent (the review was done, say)


@dataclass(frozen=True)
class NudgePolicy:
    remind_every_days: int = 3  # a due review or exit review is raised again this often
    escalate_after_days: int = 7  # ... and also goes to the executive sponsor once this overdue
    dispute_grace_days: int = 1  # a dispute nudged for outstaying its tier climbs a tier this long after
    idea_stale_days: int = 60  # a value-creation idea unmoved this long is stale: its owner is asked to decide
    meeting_cadence_days: int = 30  # the joint management team meets at least this often


# A key of a nudge's detail: about what one organisation keeps to itself, so never told in a channel it shares.
PRIVATE = "private"


@dataclass(frozen=True)
class Nudge:
    kind: NudgeKind
    subject: str
    tier: int
    period: str
    recipient_id: str
    relationship_id: int
    detail: Mapping[str, str | int] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, int, str, str]:
        return (self.kind.value, self.subject, self.tier, self.period, self.recipient_id)


SnoozeKey = tuple[str, str, str]  # kind, subject, user
Snoozes = Mapping[SnoozeKey, datetime]  # the latest snooze of each, even if over: its end starts a new series


def due_subject(relationship: Relationship, due: date) -> str:
    """A review (or exit review) is one subject per due date: once it is done, the next date is a new subject."""
    return _due_subject(relationship.id, due.isoformat())


def _due_subject(relationship_id: int | None, on: str) -> str:
    return f"{relationship_id}@{on}"


def dispute_id(subject: str) -> int:
    """The dispute a dispute's nudge is about (its subject is the dispute's id); `ValueError` if it names none."""
    if not (subject.isascii() and subject.isdigit()):
        raise ValueError(f"the nudge subject {subject!r} names no dispute")
    return int(subject)


def health_round_id(subject: str) -> int:
    """The health check round a health check's nudge is about (its subject is `health:<round id>`)."""
    number = subject.removeprefix("health:")
    if number == subject or not (number.isascii() and number.isdigit()):
        raise ValueError(f"the nudge subject {subject!r} names no health check")
    return int(number)


def risk_review_subject(risk_id: int, due: date) -> str:
    """A risk's review is one subject per review date: once reviewed, the next date is a new subject."""
    return f"risk:{risk_id}@{due.isoformat()}"


def risk_review_of(subject: str) -> tuple[int, date]:
    """The risk and review date a risk review's nudge is about; `ValueError` if the subject names none."""
    number, _, due = subject.removeprefix("risk:").partition("@")
    if not subject.startswith("risk:") or not (number.isascii() and number.isdigit()):
        raise ValueError(f"the nudge subject {subject!r} names no risk")
    return int(number), date.fromisoformat(due)


@dataclass(frozen=True, slots=True)
class DueRiskReview:
    """What the reminder rules need of an open risk whose review date has passed."""

    risk_id: int
    relationship_id: int
    team_id: str
    name: str  # the relationship's
    title: str
    owner_id: str
    due: date


def reminder_period(
    kind: NudgeKind,
    subject: str,
    person: str,
    start: date,
    today: date,
    now: datetime,
    policy: NudgePolicy,
    snoozes: Snoozes,
) -> str | None:
    """The period of a series of reminders to `person` from `start`, one every `remind_every_days` (a snooze's end
    starts a new series), or None: not started yet on `today` (the person's date), or snoozed at `now`."""
    until = snoozes.get((kind.value, subject, person))
    if until is not None:
        if until > now:
            return None
        start = max(start, until.date())
    if today < start:
        return None
    return f"{start.isoformat()}/{(today - start).days // policy.remind_every_days}"


def risk_review_nudges(
    due: Sequence[DueRiskReview], policy: NudgePolicy, now: datetime, snoozes: Snoozes
) -> list[Nudge]:
    """Each overdue risk review's owner, the day after its date and every few days after until it is reviewed
    (a snooze's end starts a new series)."""
    today, kind = now.date(), NudgeKind.RISK_REVIEW
    nudges = []
    for review in due:
        subject = risk_review_subject(review.risk_id, review.due)
        start = review.due + timedelta(days=1)
        period = reminder_period(kind, subject, review.owner_id, start, today, now, policy, snoozes)
        if period is None:
            continue
        detail: dict[str, str | int] = {"name": review.name, "due": review.due.isoformat(), "title": review.title}
        nudges.append(Nudge(kind, subject, 0, period, review.owner_id, review.relationship_id, detail))
    return nudges


def action_subject(action_id: int) -> str:
    """An action is one subject until it is completed (its due date never moves)."""
    return f"action:{action_id}"


def action_of(subject: str) -> int:
    """The action an overdue action's nudge is about; `ValueError` if the subject names none."""
    number = subject.removeprefix("action:")
    if number == subject or not (number.isascii() and number.isdigit()):
        raise ValueError(f"the nudge subject {subject!r} names no action")
    return int(number)


@dataclass(frozen=True, slots=True)
class DueAction:
    """What the reminder rules need of an open action that may be overdue where its owner is."""

    action_id: int
    relationship_id: int
    team_id: str
    name: str  # the relationship's
    title: str
    owner_id: str
    owner_side: str
    owner_tz: str
    due: date
    internal: bool
    sponsor_id: str  # the relationship's executive sponsor, at home
    partner_sponsor_id: str | None


def action_nudges(due: Sequence[DueAction], policy: NudgePolicy, now: datetime, snoozes: Snoozes) -> list[Nudge]:
    """Each overdue action's owner, from the day after its due date in the owner's own time zone and every few
    days after until it is completed; once it is `escalate_after_days` overdue, the sponsor of the owner's side
    too (the partner's sponsor for a partner's action). A partner's action says so, and an internal one that it is
    (`PRIVATE`): its people are told through their own organisation's installation of Accord, never in the channel
    shared with this side."""
    kind = NudgeKind.ACTION_OVERDUE
    nudges = []
    for action in due:
        partners = action.owner_side == Side.PARTNER.value
        today = now.astimezone(zone(action.owner_tz)).date()
        subject = action_subject(action.action_id)
        detail: dict[str, str | int] = {"name": action.name, "due": action.due.isoformat(), "title": action.title}
        if partners:
            detail["side"] = Side.PARTNER.value
        if action.internal:
            detail[PRIVATE] = 1
        sponsor = action.partner_sponsor_id if partners else action.sponsor_id
        late = action.due + timedelta(days=1)
        told = [(0, action.owner_id, late)]
        if sponsor and sponsor != action.owner_id:
            told.append((1, sponsor, action.due + timedelta(days=max(1, policy.escalate_after_days))))
        for tier, person, start in told:
            period = reminder_period(kind, subject, person, start, today, now, policy, snoozes)
            if period is not None:
                nudges.append(Nudge(kind, subject, tier, period, person, action.relationship_id, detail))
    return nudges


def idea_stale_subject(idea_id: int, moved_on: date) -> str:
    """A stale idea is one subject per day it last moved: kept going or moved on, it is a new subject."""
    return f"idea:{idea_id}@{moved_on.isoformat()}"


def idea_stale_of(subject: str) -> tuple[int, date]:
    """The idea and the day it last moved a stale idea's nudge is about; `ValueError` if the subject names none."""
    number, _, moved_on = subject.removeprefix("idea:").partition("@")
    if not subject.startswith("idea:") or not (number.isascii() and number.isdigit()):
        raise ValueError(f"the nudge subject {subject!r} names no idea")
    return int(number), date.fromisoformat(moved_on)


@dataclass(frozen=True, slots=True)
class DueIdea:
    """What the reminder rules need of an open idea that has not moved for a while."""

    idea_id: int
    relationship_id: int
    team_id: str
    name: str  # the relationship's
    title: str
    owner_id: str
    moved_on: date


def idea_stale_nudges(due: Sequence[DueIdea], policy: NudgePolicy, now: datetime, snoozes: Snoozes) -> list[Nudge]:
    """Each stale idea's owner, on the day it turns stale (`idea_stale_days` unmoved) and every few days after
    until it is kept going, moved on or dropped (a snooze's end starts a new series)."""
    today, kind = now.date(), NudgeKind.IDEA_STALE
    nudges = []
    for idea in due:
        subject = idea_stale_subject(idea.idea_id, idea.moved_on)
        start = idea.moved_on + timedelta(days=policy.idea_stale_days)
        period = reminder_period(kind, subject, idea.owner_id, start, today, now, policy, snoozes)
        if period is None:
            continue
        detail: dict[str, str | int] = {"name": idea.name, "due": idea.moved_on.isoformat(), "title": idea.title}
        nudges.append(Nudge(kind, subject, 0, period, idea.owner_id, idea.relationship_id, detail))
    return nudges


def meeting_due_subject(relationship_id: int, due: date) -> str:
    """A relationship's meeting is one subject per due date: once one is held, the next date is a new subject."""
    return f"meeting:{relationship_id}@{due.isoformat()}"


@dataclass(frozen=True, slots=True)
class DueMeeting:
    """What the reminder rules need of an active relationship whose joint management team is due to meet."""

    relationship_id: int
    team_id: str
    name: str
    owner_id: str
    partner_manager_id: str | None  # a joint relationship's: the partner's relationship manager is told too
    last: date | None  # the last joint meeting, None before the first
    due: date


def meeting_due_nudges(due: Sequence[DueMeeting], policy: NudgePolicy, now: datetime, snoozes: Snoozes) -> list[Nudge]:
    """The relationship's manager of each side (the owner at home, and the partner's relationship manager in a
    joint relationship) reminded from the day a meeting is due and every few days after until one is recorded (a
    snooze's end starts a new series). The team runs the relationship: its managers are asked, not the sponsors."""
    today, kind = now.date(), NudgeKind.MEETING_DUE
    nudges = []
    for meeting in due:
        subject = meeting_due_subject(meeting.relationship_id, meeting.due)
        last = meeting.last.isoformat() if meeting.last else ""
        detail: dict[str, str | int] = {"name": meeting.name, "due": meeting.due.isoformat(), "last": last}
        for recipient in dict.fromkeys(p for p in (meeting.owner_id, meeting.partner_manager_id) if p):
            period = reminder_period(kind, subject, recipient, meeting.due, today, now, policy, snoozes)
            if period is not None:
                nudges.append(Nudge(kind, subject, 0, period, recipient, meeting.relationship_id, detail))
    return nudges


def reachable(nudges: list[Nudge]) -> list[Nudge]:
    """The nudges to someone Slack can reach: an erased person keeps their parts under a pseudonym, with no
    account to message, so what would go to them goes to no one (the other tiers' people are still told)."""
    return [nudge for nudge in nudges if erased_name(nudge.recipient_id) is None]


@dataclass(frozen=True, slots=True)
class DueReview:
    """What the reminder rules need of an active relationship whose review (or exit strategy review) falls due on
    `due`: a sweep reads hundreds of thousands of these, and nothing else of each relationship."""

    relationship_id: int
    team_id: str
    name: str
    owner_id: str
    sponsor_id: str
    due: date
    partner_sponsor_id: str | None = None  # a joint relationship's: its exit strategy is reviewed by both sides

    @classmethod
    def of(cls, relationship: Relationship, due: date) -> "DueReview | None":
        """None for a relationship that is no longer managed, or not stored yet: nothing of it is due."""
        if relationship.exited or relationship.id is None:
            return None
        return cls(
            relationship.id,
            relationship.team_id,
            relationship.name,
            relationship.owner_id,
            relationship.sponsor_id,
            due,
            relationship.partner_sponsor_id if relationship.is_joint else None,
        )


class Reminders:
    """The reminders of one kind due at one moment: the owner on the due date and every few days after; the
    sponsor too once it is long overdue, unless the sponsor is the owner, who is already being reminded. Worked out
    once for all of a sweep's due reviews, which can be hundreds of thousands."""

    def __init__(self, kind: NudgeKind, now: datetime, policy: NudgePolicy, snoozes: Snoozes) -> None:
        self._kind, self._kind_value = kind, kind.value
        self._now, self._today = now, now.date()
        self._every = policy.remind_every_days
        self._sponsor_after = timedelta(days=policy.escalate_after_days)
        self._snoozes = snoozes

    def __call__(self, review: DueReview) -> list[Nudge]:
        due = review.due
        if self._today < due:
            return []
        on = due.isoformat()
        subject = _due_subject(review.relationship_id, on)
        detail: dict[str, str | int] = {"name": review.name, "due": on}
        nudges = []
        owner, sponsor = review.owner_id, review.sponsor_id
        if (period := self._period(subject, owner, due)) is not None:
            nudges.append(Nudge(self._kind, subject, 0, period, owner, review.relationship_id, detail))
        if sponsor != owner and (period := self._period(subject, sponsor, due + self._sponsor_after)) is not None:
            nudges.append(Nudge(self._kind, subject, 1, period, sponsor, review.relationship_id, detail))
        partner = review.partner_sponsor_id
        if self._kind is NudgeKind.EXIT_REVIEW and partner and (period := self._period(subject, partner, due)):
            # The exit strategy is joint: the partner's sponsor is reminded of its review as the owner is.
            nudges.append(Nudge(self._kind, subject, 0, period, partner, review.relationship_id, detail))
        return nudges

    def _period(self, subject: str, recipient: str, start: date) -> str | None:
        """Which reminder of the series is due now (None: none yet, or snoozed). A snooze's end starts a new
        series."""
        if self._snoozes and (until := self._snoozes.get((self._kind_value, subject, recipient))) is not None:
            if until > self._now:
                return None
            start = max(start, until.date())
        if self._today < start:
            return None
        return f"{start.isoformat()}/{(self._today - start).days // self._every}"


@dataclass(frozen=True)
class DisputeCheck:
    """What a dispute past its tier's limit calls for: nudges now, and whether it should climb a tier."""

    nudges: list[Nudge]
    escalate: bool


def dispute_check(
    dispute: Dispute,
    relationship: Relationship,
    now: datetime,
    cadences: Cadences,
    policy: NudgePolicy,
    snoozes: Snoozes,
) -> DisputeCheck:
    """Past its tier's limit: nudge the dispute's owner; a grace period later, move it up a tier."""
    deadline = dispute.tier_deadline(cadences)
    if not dispute.open or deadline is None or now < deadline or dispute.id is None:
        return DisputeCheck([], escalate=False)
    subject = str(dispute.id)
    nudges = []
    snoozed_until = snoozes.get((NudgeKind.DISPUTE.value, subject, dispute.owner_id))
    if snoozed_until is None or snoozed_until <= now:
        detail = _dispute_detail(dispute, relationship, now)
        nudges.append(
            Nudge(NudgeKind.DISPUTE, subject, dispute.tier, "0", dispute.owner_id, relationship.id or 0, detail)
        )
    escalate = dispute.tier < TOP_TIER and now >= deadline + timedelta(days=policy.dispute_grace_days)
    return DisputeCheck(nudges, escalate)


def escalation_nudges(
    dispute: Dispute, relationship: Relationship, now: datetime, team: Sequence[TeamPair] = ()
) -> list[Nudge]:
    """Tell the dispute's new owner that it is now theirs (an owner it stays with is told in its thread only), in
    a joint relationship the partner's counterpart at the new tier, if it changed with it, and at the joint
    management team's tier everyone of `team`, both sides, that it is now before them."""
    detail = _dispute_detail(dispute, relationship, now)
    told = [dispute.owner_id] if handed_over(dispute, relationship) else []
    counterpart = partner_counterpart(dispute.tier, relationship)
    below = dispute.tier - 1
    if counterpart and below >= Tier.WORKING_LEVEL and counterpart != partner_counterpart(below, relationship):
        told.append(counterpart)
    subject, tier, rid = str(dispute.id), dispute.tier, relationship.id or 0
    nudges = [Nudge(NudgeKind.DISPUTE_ESCALATED, subject, tier, "0", person, rid, detail) for person in told]
    if dispute.tier == Tier.JOINT_MANAGEMENT:
        in_team = [p for p in members(team) if p not in told and p != dispute.owner_id]
        nudges += [
            Nudge(NudgeKind.DISPUTE_ESCALATED, subject, tier, "0", p, rid, detail | {"team": True}) for p in in_team
        ]
    return nudges


def thread_nudges(dispute: Dispute, relationship: Relationship, now: datetime) -> list[Nudge]:
    """Tell the dispute's thread that the ladder moved it, through the outbox like a nudge: the move and the
    message are then committed together, so a sender that dies in between cannot lose the message."""
    if dispute.channel_id is None or dispute.thread_ts is None:
        return []
    detail = _dispute_detail(dispute, relationship, now)
    return [
        Nudge(
            NudgeKind.DISPUTE_THREAD,
            str(dispute.id),
            dispute.tier,
            "0",
            dispute.channel_id,
            relationship.id or 0,
            detail,
        )
    ]


ROLE_KINDS = {"relationship_owner": NudgeKind.OWNER_NAMED, "executive_sponsor": NudgeKind.SPONSOR_NAMED}


def role_nudges(
    before: Relationship | None, after: Relationship, *, by: str, now: datetime, roles: Mapping[str, Role]
) -> list[Nudge]:
    """Tell whoever someone else made the relationship's owner or executive sponsor (at its start or by an edit)
    what the role asks of them, in the catalogue's words. The key holds the moment, so being named again later is
    told again, while the same change saved once is told once."""
    if after.id is None:
        return []
    people = {"relationship_owner": after.owner_id, "executive_sponsor": after.sponsor_id}
    earlier = {"relationship_owner": before.owner_id, "executive_sponsor": before.sponsor_id} if before else {}
    nudges = []
    for key, person in people.items():
        if person in (by, earlier.get(key)):
            continue
        role = roles[key]
        detail: dict[str, str | int] = {
            "name": after.name,
            "by": by,
            "owner": after.owner_id,
            "sponsor": after.sponsor_id,
            "role": role.name,
            "duties": role.description,
        }
        nudges.append(Nudge(ROLE_KINDS[key], str(after.id), 0, now.isoformat(), person, after.id, detail))
    return nudges


def assignment_nudges(
    relationship: Relationship,
    stage: Stage,
    item: ChecklistItem,
    before: ItemState,
    after: ItemState,
    *,
    by: str,
    link: str | None = None,
) -> list[Nudge]:
    """Tell the person a check-in item is now assigned to, unless they took it themselves or it already was
    theirs. The key holds the item's version after the change, so a repeat (which changes nothing) adds none."""
    person = after.assignee_id
    if person is None or person in (by, before.assignee_id) or relationship.id is None:
        return []
    detail: dict[str, str | int] = {
        "name": relationship.name,
        "by": by,
        "item": item.id,
        "text": item.text,
        "stage": stage.number,
        "stage_name": stage.name,
    }
    if link:
        detail["link"] = link
    subject = f"{relationship.id}:{item.id}"
    return [Nudge(NudgeKind.ITEM_ASSIGNED, subject, 0, str(before.version + 1), person, relationship.id, detail)]


def exit_review_notices(relationship: Relationship, strategy: ExitStrategy) -> list[Nudge]:
    """Tell each person an exit strategy version says it was reviewed with, but the one who saved it."""
    if relationship.id is None:
        return []
    detail: dict[str, str | int] = {
        "name": relationship.name,
        "version": strategy.version,
        "by": strategy.saved_by,
        "channel": relationship.channel_id,
    }
    return [
        Nudge(
            NudgeKind.EXIT_REVIEWED_WITH,
            str(relationship.id),
            0,
            f"v{strategy.version}",
            person,
            relationship.id,
            detail,
        )
        for person in strategy.reviewed_with
        if person != strategy.saved_by
    ]


def _dispute_detail(dispute: Dispute, relationship: Relationship, now: datetime) -> dict[str, str | int | bool]:
    return {
        "name": relationship.name,
        "summary": dispute.summary,
        "tier": dispute.tier,
        "raised": dispute.raised_at.date().isoformat(),
    }


@dataclass(frozen=True)
class WorkingHours:
    """When people may be messaged, in their own time zone: by default Monday to Friday, 09:00 to 17:00."""

    days: frozenset[int] = frozenset(range(5))  # Monday is 0
    start: time = time(9)
    end: time = time(17)

    def next_open(self, now: datetime, zone: ZoneInfo) -> datetime:
        """`now` if it is within working hours where the person is, else when they next begin (in UTC)."""
        local = now.astimezone(zone)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            opens = datetime.combine(day, self.start, tzinfo=zone)
            closes = (
                datetime.combine(day, self.end, tzinfo=zone) if self.end > self.start else opens + timedelta(days=1)
            )
            if local < opens:
                return opens.astimezone(now.tzinfo)
            if local < closes:
                return now
        raise ValueError("working hours include no day of the week")


@dataclass(frozen=True)
class QueuedNudge:
    """A nudge in the outbox: waiting, claimed by a sender, sent, failed or cancelled."""

    team_id: str
    kind: NudgeKind
    subject: str
    tier: int
    period: str
    recipient_id: str
    relationship_id: int
    detail: Mapping[str, str | int]
    status: NudgeStatus
    created_at: datetime
    not_before: datetime
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    # When an attempt to post it began whose outcome is unknown (its sender died, or the answer never came back):
    # it may be in Slack already, so the next sender looks before posting again.
    unconfirmed_since: datetime | None = None
    # A new value for every claim: a sender whose lease lapsed finds it replaced, and stops.
    claim_token: str | None = None
    # The direct message it went out in, and when that message was told it is done (or snoozed) and lost its
    # buttons: what the nudge run looks at to bring old messages up to date.
    message_channel: str | None = None
    message_ts: str | None = None
    closed_at: datetime | None = None
    id: int | None = None


class Outcome(StrEnum):
    """Why a nudge no longer needs its person: what became of what it is about."""

    REVIEWED = "reviewed"  # the review (or exit strategy review) was recorded
    RESOLVED = "resolved"  # the dispute was resolved
    MOVED = "moved"  # the dispute has moved to another tier since
    ENDED = "ended"  # the relationship has ended
    SNOOZED = "snoozed"  # the person snoozed it
    CLOSED = "closed"  # the health check closed
    STARTED = "started"  # the next health check was started
    COMPLETED = "completed"  # the action was completed
    DECIDED = "decided"  # the idea was kept going, moved on or dropped
    RECORDED = "recorded"  # a meeting of the joint management team was recorded


@dataclass(frozen=True)
class Settled:
    """What became of a nudge's subject, and who did it when, as far as it is known."""

    outcome: Outcome
    by: str | None = None
    on: date | None = None
    tier: int | None = None


class ClaimLost(Exception):
    """Another sender took these nudges over (this one outlived its lease): post nothing more of the batch."""


@dataclass(frozen=True)
class Snooze:
    """A person's "not now" to a nudge: its kind and subject stay quiet for them until `until`. `nudge_id` and
    `days` are the button pressed, so pressing the same one again changes nothing."""

    team_id: str
    kind: NudgeKind
    subject: str
    user_id: str
    until: datetime
    nudge_id: int | None = None
    days: int | None = None
