"""`accord nudges --dry-run`: what the nudge job would send now, and to whom, without sending or storing it."""

from collections import defaultdict
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.nudges.delivery import Nudger
from stages import nudge_service

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def preview(nudger: Nudger) -> str:
    lines: list[str] = []
    now = nudger.clock.now()
    for team_id in nudger.teams():
        uow = nudger.uow(team_id)
        due, climbing = nudge_service.due_nudges(uow, nudger.catalogue.cadences, nudger.policy, now)
        new = nudge_service.unsent(uow, due)
        by_person = defaultdict(list)
        for nudge in new:
            by_person[nudge.recipient_id].append(nudge)
        stamp = f"{now:%Y-%m-%d %H:%M} UTC"
        lines.append(f"Workspace {team_id}: {len(new)} new nudge(s) for {len(by_person)} person(s) as of {stamp}")
        for person, nudges in sorted(by_person.items()):
            with uow:
                zone_name = uow.profiles.time_zone(person, EPOCH) or nudger.default_tz  # any remembered one
            opens = nudger.hours.next_open(now, ZoneInfo(zone_name))
            when = "now" if opens <= now else f"at {opens:%Y-%m-%d %H:%M} UTC (outside working hours in {zone_name})"
            lines.append(f"  to {person}, {when}:")
            lines += [f"    - {n.kind.value} {n.detail.get('name', '')} (tier {n.tier}, {n.period})" for n in nudges]
        for case in climbing:
            lines.append(
                f"  dispute #{case.dispute.id} on {case.relationship.name} would move up from tier {case.dispute.tier}"
            )
    return "\n".join(lines) or "No workspace has data yet."
