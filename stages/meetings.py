"""The joint management team's meetings: when the team met, who came from each side, what was said and decided.

BS 11000 asks that the relationship be monitored over time and that the joint management team keep ownership
of it ("DON'T delegate joint team management of the collaboration upwards"). A meeting kept on a cadence is the
evidence of both: the register records each one, and the relationship's manager is reminded once one is due.

Rules only: what a meeting holds, who may see it, who attended for which side, and when the next one is due.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from stages.errors import InvalidInput, Problem
from stages.naming import checked_text, hidden_characters, normal
from stages.relationships import Relationship, Side

MINUTES_MAX = 3000
DECISION_MAX = 300
DECISIONS_MAX = 20
DECISIONS_TEXT_MAX = 3000  # all of them, as typed (Slack's longest text input)
REASON_MAX = 300
ATTENDEES_MAX = 30
DEFAULT_CADENCE_DAYS = 30


@dataclass(frozen=True)
class MeetingDraft:
    """A meeting as typed in its form, checked; its attendees not yet placed on their sides."""

    held_on: date
    attendees: tuple[str, ...]
    minutes: str
    decisions: tuple[str, ...]
    internal: bool
    one_side_reason: str  # why a joint meeting had people of one side only (empty when both came)


@dataclass(frozen=True)
class Meeting:
    team_id: str
    relationship_id: int
    held_on: date
    home_attendees: tuple[str, ...]
    partner_attendees: tuple[str, ...]
    minutes: str
    decisions: tuple[str, ...]
    internal: bool  # one organisation's own meeting: seen only by that side
    side: Side  # the organisation that recorded it
    one_side_reason: str
    recorded_by: str
    recorded_at: datetime
    id: int | None = None

    def seen_by(self, side: Side) -> bool:
        """An internal meeting is its own organisation's business: the other side never sees it."""
        return not self.internal or side is self.side

    def attendees(self, side: Side) -> tuple[str, ...]:
        return self.home_attendees if side is Side.HOME else self.partner_attendees


@dataclass(frozen=True)
class MeetingSummary:
    """When the joint management team last met jointly, and when it is next due to (for `/accord status`)."""

    last: date | None
    next_due: date
    due: bool  # the next is due already


def summary(meetings: Sequence[Meeting], began: date, cadence_days: int, today: date) -> MeetingSummary:
    held = [m.held_on for m in meetings if not m.internal]
    due = next_due(meetings, began, cadence_days)
    return MeetingSummary(max(held, default=None), due, meeting_due(due, today))


def next_due(meetings: Sequence[Meeting], began: date, cadence_days: int) -> date:
    """When the next meeting of the joint management team is due: `cadence_days` after the last joint one.

    Before any, the cadence counts from the day the relationship began, not from its first joint stage: the model
    asks for the relationship to be monitored over time from the start, and in the strategy phase the home side's
    own team already runs it. Waiting for the partner's stages would leave the longest, least visible stretch
    unwatched. Internal meetings are each side's own preparation and keep no cadence: the team meets jointly.
    """
    held = [m.held_on for m in meetings if not m.internal]
    return max(held, default=began) + timedelta(days=cadence_days)


def meeting_due(next_meeting: date, today: date) -> bool:
    """A meeting is due on its day (30 days after the last, with the default cadence), not the day before."""
    return next_meeting <= today


def held_on(raw: str | None, today: date, began: date, problems: list[Problem]) -> date:
    """The meeting's date: today or past (it is a record of a meeting held), not before the relationship began."""
    if raw is None or not raw.strip():
        problems.append(Problem("held_on", "meeting_date_missing"))
        return today
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        problems.append(Problem("held_on", "date_invalid", {"value": raw}))
        return today
    if day > today:
        problems.append(Problem("held_on", "meeting_date_future"))
    elif day < began:
        problems.append(Problem("held_on", "meeting_date_before_start", {"began": began}))
    return day


def decision_lines(raw: str | None, problems: list[Problem]) -> tuple[str, ...]:
    """The decisions, one per line, blank lines dropped."""
    text = checked_text("decisions", raw, problems, limit=DECISIONS_TEXT_MAX)
    lines = tuple(" ".join(line.split()) for line in text.splitlines() if line.strip())
    if len(lines) > DECISIONS_MAX:
        problems.append(Problem("decisions", "meeting_decisions_too_many", {"most": DECISIONS_MAX}))
    elif any(len(line) > DECISION_MAX for line in lines):
        problems.append(Problem("decisions", "meeting_decision_too_long", {"limit": DECISION_MAX}))
    return lines


def meeting_draft(
    *,
    held_on_raw: str | None,
    attendees: Sequence[str],
    minutes: str | None,
    decisions: str | None,
    internal: bool,
    one_side_reason: str | None,
    today: date,
    began: date,
) -> MeetingDraft:
    """The form's answers as a meeting, or `InvalidInput` naming each field that is wrong."""
    problems: list[Problem] = []
    day = held_on(held_on_raw, today, began, problems)
    people = tuple(dict.fromkeys(attendees))
    if not people:
        problems.append(Problem("attendees", "meeting_attendees_missing"))
    elif len(people) > ATTENDEES_MAX:
        problems.append(Problem("attendees", "meeting_attendees_too_many", {"most": ATTENDEES_MAX}))
    reason = " ".join(normal(one_side_reason or "").split())
    if len(reason) > REASON_MAX:
        problems.append(Problem("one_side_reason", "too_long", {"limit": REASON_MAX, "length": len(reason)}))
    else:
        problems += hidden_characters("one_side_reason", reason)
    draft = MeetingDraft(
        held_on=day,
        attendees=people,
        minutes=checked_text("minutes", minutes, problems, limit=MINUTES_MAX, missing="meeting_minutes_missing"),
        decisions=decision_lines(decisions, problems),
        internal=internal,
        one_side_reason=reason,
    )
    if problems:
        raise InvalidInput(problems)
    return draft


def placed(
    draft: MeetingDraft, relationship: Relationship, organisations: Mapping[str, str], side: Side
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The attendees of each side (home, partner), by the organisation Slack says each is of (`organisations`:
    person to workspace); `InvalidInput` for someone of neither organisation, someone of the other side at an
    internal meeting of `side`, or a joint meeting of a joint relationship that had one side only and says not
    why."""
    problems: list[Problem] = []
    sides: dict[Side, list[str]] = {Side.HOME: [], Side.PARTNER: []}
    for person in draft.attendees:
        found = relationship.side_of(organisations.get(person, ""))
        if found is None:
            problems.append(Problem("attendees", "meeting_attendee_outside", {"person": person}))
        elif draft.internal and found is not side:
            problems.append(Problem("attendees", "meeting_attendee_internal", {"person": person}))
        else:
            sides[found].append(person)
    one_sided = not sides[Side.HOME] or not sides[Side.PARTNER]
    if not problems and relationship.is_joint and not draft.internal and one_sided and not draft.one_side_reason:
        problems.append(Problem("one_side_reason", "meeting_one_side", {"partner": relationship.partner}))
    if problems:
        raise InvalidInput(problems)
    return tuple(sides[Side.HOME]), tuple(sides[Side.PARTNER])


def meeting_subject(meeting_id: int) -> str:
    """How the audit trail names a meeting."""
    return f"meeting {meeting_id}"
