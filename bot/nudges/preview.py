"""`accord nudges --dry-run`: what the nudge job would send now, and to whom, without sending or storing it.

It reads like the rest of Accord: the workspace and people by name as the directory last knew them (it asks Slack
nothing, as an export does not), dates and times as people write them, in each person's own time zone, and each
nudge as a short sentence.
"""

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import assert_never
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.nudges.blocks import days_since
from bot.nudges.delivery import Nudger
from bot.slack.wording import human_date, human_datetime
from stages import nudge_service
from stages.directory import KnownNames
from stages.dispute_service import Case
from stages.nudges import Nudge, NudgeKind
from stages.ports import UnitOfWork

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ROLES = ("owner", "executive sponsor")  # whom a review nudge is for, by its tier


def preview(nudger: Nudger) -> str:
    lines: list[str] = []
    for team_id in nudger.teams():
        lines += _workspace(nudger, nudger.uow(team_id), team_id)
    return "\n".join(lines) or "No workspace has data yet."


def _workspace(nudger: Nudger, uow: UnitOfWork, team_id: str) -> list[str]:
    now = nudger.clock.now()
    due, climbing = nudge_service.due_nudges(uow, nudger.catalogue.cadences, nudger.policy, now)
    new = nudge_service.unsent(uow, due)
    with uow.reading():
        names = KnownNames(uow.directory.all())
    by_person: dict[str, list[Nudge]] = defaultdict(list)
    for nudge in new:
        by_person[nudge.recipient_id].append(nudge)
    lines = [
        f"Workspace {names.workspace(team_id)}: {_count(len(new), 'new nudge')}"
        f" for {_count(len(by_person), 'person', 'people')} as of {human_datetime(now)}"
    ]
    for person, nudges in sorted(by_person.items(), key=lambda item: names.person(item[0]).casefold()):
        zone = _zone(nudger, uow, names, person)
        opens = nudger.hours.next_open(now, zone)
        when = "now" if opens <= now else f"at {human_datetime(opens, zone)}, when their working hours begin"
        lines.append(f"  To {names.person(person)}, {when}:")
        today = max(now, opens).astimezone(zone).date()  # the day the message would go out, where they are
        lines += [f"    - {_sentence(nudge, today)}" for nudge in nudges]
    lines += [f"  {_climb(case, now)}" for case in climbing]
    return lines


def _sentence(nudge: Nudge, today: date) -> str:
    """The nudge as a short phrase, e.g. "the review of Acme Alliance, due 25 Jan 2027, as its owner"."""
    name, days = nudge.detail.get("name", ""), days_since(nudge, today)
    match nudge.kind:
        case NudgeKind.REVIEW:
            return f"the review of {name}, {_due(nudge, days)}"
        case NudgeKind.EXIT_REVIEW:
            return f"the joint review of the exit strategy of {name}, {_due(nudge, days)}"
        case NudgeKind.DISPUTE:
            return f"{_dispute(nudge, days)}, past its time limit at tier {nudge.tier}"
        case NudgeKind.DISPUTE_ESCALATED:
            return f"{_dispute(nudge, days)}, now theirs at tier {nudge.tier}"
        case NudgeKind.DISPUTE_THREAD:
            return f"{_dispute(nudge, days)}, moved up to tier {nudge.tier} (told in its thread)"
        case NudgeKind.HEALTH_DUE:
            return f"the next health check of {name}, {_due(nudge, days)}"
        case NudgeKind.MEETING_DUE:
            return f"the next meeting of the joint management team of {name}, {_due(nudge, days)}"
        case NudgeKind.HEALTH_CHECK:
            return f"the health check of {name}, closing {nudge.detail.get('closes', '')}"
        case NudgeKind.RISK_REVIEW:
            return f"the review of the risk “{nudge.detail.get('title', '')}” of {name}, {_due(nudge, days)}"
        case NudgeKind.ACTION_OVERDUE:
            return f"the action “{nudge.detail.get('title', '')}” of {name}, {_due(nudge, days)}"
        case NudgeKind.IDEA_STALE:
            return f"the stale idea “{nudge.detail.get('title', '')}” of {name}, unmoved for {days} days"
        case NudgeKind.SPONSOR_NAMED | NudgeKind.OWNER_NAMED | NudgeKind.ITEM_ASSIGNED | NudgeKind.EXIT_REVIEWED_WITH:
            raise ValueError(f"a {nudge.kind.value} notice is queued by what someone did, never by the sweep")
        case unknown:
            assert_never(unknown)


def _due(nudge: Nudge, overdue: int) -> str:
    due = f"due {human_date(date.fromisoformat(str(nudge.detail['due'])))}, as its {ROLES[min(nudge.tier, 1)]}"
    return f"{due} ({_count(overdue, 'day')} overdue)" if overdue > 0 else due


def _dispute(nudge: Nudge, age: int) -> str:
    return f"dispute #{nudge.subject} on {nudge.detail.get('name', '')}, open {_count(age, 'day')}"


def _climb(case: Case, now: datetime) -> str:
    dispute = case.dispute
    age = _count((now - dispute.raised_at).days, "day")
    return (
        f"Dispute #{dispute.id} on {case.relationship.name}, open {age}, would move up from tier {dispute.tier}"
        f" to tier {dispute.tier + 1}"
    )


def _zone(nudger: Nudger, uow: UnitOfWork, names: KnownNames, person: str) -> ZoneInfo:
    """Where the person is: as the nudge job last heard from Slack, else as the directory knows them, else the
    configured default."""
    with uow.reading():
        remembered = uow.profiles.time_zone(person, EPOCH)  # however old: Slack is not asked
    entry = names.entry(person)
    for name in (remembered, entry.tz if entry is not None else None):
        if name:
            try:
                return ZoneInfo(name)
            except ZoneInfoNotFoundError:
                continue
    return ZoneInfo(nudger.default_tz)


def _count(number: int, thing: str, things: str | None = None) -> str:
    return f"{number} {thing if number == 1 else things or thing + 's'}"
