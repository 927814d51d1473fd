"""The actions register: what someone of either organisation agreed to do, by when. Reviews, health checks,
meetings, risks and resolved disputes all end in things to do; BS 11000 asks that they are followed through, so
each is kept with its owner and due date until it is completed with a note.

Rules only: what an action holds, who may see and complete it, and when it is overdue. An action's due date is a
date, and it is overdue only once its owner's own local date (from their Slack time zone) is past it: an owner in
Auckland is late a day before one in Honolulu.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum
from typing import assert_never
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stages.errors import InvalidInput, Problem
from stages.naming import checked_text, hidden_characters, normal
from stages.relationships import Relationship, Side

TITLE_MAX = 150
NOTE_MAX = 2000
TZ_MAX = 64  # as long as Slack's zone names go, and the profile table keeps


class ActionSource(StrEnum):
    """What an action came out of; all but one added by hand name the source's id."""

    HAND = "hand"
    REVIEW = "review"
    HEALTH_GAP = "health_gap"
    MEETING = "meeting"
    RISK = "risk"
    DISPUTE = "dispute"


SOURCE_WORDS = {
    ActionSource.HAND.value: "added by hand",
    ActionSource.REVIEW.value: "review",
    ActionSource.HEALTH_GAP.value: "the gaps of health check",
    ActionSource.MEETING.value: "meeting",
    ActionSource.RISK.value: "risk",
    ActionSource.DISPUTE.value: "dispute",
}  # what the plan and the evidence pack call each source


@dataclass(frozen=True)
class ActionDraft:
    """An action as typed in its form, checked."""

    title: str
    owner_id: str
    due: date
    internal: bool


@dataclass(frozen=True)
class Action:
    team_id: str
    relationship_id: int
    title: str
    owner_id: str
    owner_side: Side  # the organisation the owner belongs to, as Slack said when it was added
    owner_tz: str  # the owner's time zone, as Slack said (an IANA name; empty when it said none)
    due: date
    source: ActionSource
    source_id: int | None
    internal: bool  # seen only by the side that recorded it
    side: Side  # the organisation that recorded it
    added_by: str
    added_at: datetime
    done_at: datetime | None = None
    done_by: str | None = None
    note: str | None = None
    id: int | None = None

    @property
    def open(self) -> bool:
        return self.done_at is None

    def seen_by(self, side: Side) -> bool:
        """An internal action is its own organisation's business: the other side never sees it."""
        return not self.internal or side is self.side

    def owner_today(self, now: datetime) -> date:
        """The owner's own date at `now`."""
        return now.astimezone(zone(self.owner_tz)).date()

    def overdue(self, now: datetime) -> bool:
        """Open, and its due date is past in the owner's time zone (due on its day, overdue the day after)."""
        return self.open and self.due < self.owner_today(now)

    def days_overdue(self, now: datetime) -> int:
        return max(0, (self.owner_today(now) - self.due).days) if self.open else 0

    def completed(self, now: datetime, by: str, note: str) -> "Action":
        return replace(self, done_at=now, done_by=by, note=note)


def known_zone(name: str) -> bool:
    """Whether `name` is a time zone Python knows, short enough to keep."""
    if not name or len(name) > TZ_MAX:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone(name: str) -> tzinfo:
    """The named time zone; UTC when there is none, or none Python knows."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def may_complete(action: Action, relationship: Relationship, user_id: str) -> bool:
    """The owner completes their action, or who leads the owner's side for it: the relationship's owner or
    executive sponsor at home, the partner's executive sponsor or relationship manager at the partner."""
    return user_id == action.owner_id or user_id in completers(action, relationship)


def completers(action: Action, relationship: Relationship) -> tuple[str, ...]:
    """Who besides the owner may complete the action: the leaders of the owner's side."""
    match action.owner_side:
        case Side.HOME:
            return (relationship.owner_id, relationship.sponsor_id)
        case Side.PARTNER:
            return tuple(p for p in (relationship.partner_sponsor_id, relationship.partner_manager_id) if p)
        case unknown:
            assert_never(unknown)


@dataclass(frozen=True)
class ActionSummary:
    """How many open actions one side sees, and of those how many are overdue."""

    open: int
    overdue: int


def summary(actions: Sequence[Action], side: Side, now: datetime) -> ActionSummary:
    seen = [a for a in actions if a.open and a.seen_by(side)]
    return ActionSummary(len(seen), sum(a.overdue(now) for a in seen))


def ranked(actions: Sequence[Action], user_id: str) -> list[Action]:
    """Open actions, the person's own first, then the soonest due."""
    return sorted((a for a in actions if a.open), key=lambda a: (a.owner_id != user_id, a.due, a.id or 0))


def due_day(raw: str | None, today: date, problems: list[Problem]) -> date:
    """The due date: a calendar date, today or later (an action already late when agreed is no plan)."""
    if raw is None or not raw.strip():
        problems.append(Problem("due", "action_due_missing"))
        return today
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        problems.append(Problem("due", "date_invalid", {"value": raw}))
        return today
    if day < today:
        problems.append(Problem("due", "action_due_past"))
    return day


def action_draft(
    *, title: str | None, owner_id: str | None, due: str | None, internal: bool, today: date
) -> ActionDraft:
    """The form's answers as an action, or `InvalidInput` naming each field that is wrong. `today` is the date of
    the person adding it."""
    problems: list[Problem] = []
    name = " ".join(normal(title or "").split())
    if not name:
        problems.append(Problem("title", "action_title_missing"))
    elif len(name) > TITLE_MAX:
        problems.append(Problem("title", "too_long", {"limit": TITLE_MAX, "length": len(name)}))
    else:
        problems += hidden_characters("title", name)
    if not owner_id:
        problems.append(Problem("action_owner", "action_owner_missing"))
    draft = ActionDraft(name, owner_id or "", due_day(due, today, problems), internal)
    if problems:
        raise InvalidInput(problems)
    return draft


def completion_note(raw: str | None) -> str:
    """What was done, required to complete an action."""
    problems: list[Problem] = []
    text = checked_text("note", raw, problems, limit=NOTE_MAX, missing="action_note_missing")
    if problems:
        raise InvalidInput(problems)
    return text


def action_subject(action_id: int) -> str:
    """How the audit trail names an action."""
    return f"action {action_id}"
