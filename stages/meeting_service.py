"""Use cases of the joint management team's meetings: read a relationship's meetings and when the next is due,
and record one.

Anyone of either organisation taking part may read and record meetings; an internal meeting is seen only by the
organisation that held it.
"""

from dataclasses import dataclass
from datetime import date, datetime

from stages.audit import Action
from stages.joint_team import TeamPair
from stages.meetings import Meeting, MeetingDraft, MeetingSummary, meeting_subject, next_due, summary
from stages.ports import UnitOfWork
from stages.register_access import relationship_of
from stages.relationships import Relationship, Side, taking_part


@dataclass(frozen=True)
class Minutes:
    """The meetings one side may see, the latest first, and when the joint management team next meets."""

    relationship: Relationship
    side: Side
    meetings: tuple[Meeting, ...]
    next_due: date


def minutes(uow: UnitOfWork, which: int | str, organisation: str, cadence_days: int) -> Minutes:
    with uow.reading():
        relationship = relationship_of(uow, which)
        side = taking_part(relationship, organisation)
        held = uow.meetings.of(relationship.id or 0)
    due = next_due(held, relationship.created_at.date(), cadence_days)
    return Minutes(relationship, side, tuple(m for m in held if m.seen_by(side)), due)


def summary_of(uow: UnitOfWork, relationship: Relationship, cadence_days: int, today: date) -> MeetingSummary:
    """The team's last joint meeting and when the next is due (for `/accord status`)."""
    with uow.reading():
        held = uow.meetings.of(relationship.id or 0)
    return summary(held, relationship.created_at.date(), cadence_days, today)


@dataclass(frozen=True)
class Recorded:
    relationship: Relationship
    meeting: Meeting
    first: bool  # False: the same form was sent again, and recorded nothing more


def record_meeting(
    uow: UnitOfWork,
    relationship_id: int,
    draft: MeetingDraft,
    attendees: tuple[tuple[str, ...], tuple[str, ...]],
    *,
    by: str,
    organisation: str,
    now: datetime,
    form_key: str,
) -> Recorded:
    """Record the meeting, audited; a form sent twice records it once. `attendees` (home, partner) are placed on
    their sides before, by who Slack says they are."""
    with uow:
        relationship = relationship_of(uow, relationship_id)
        side = taking_part(relationship, organisation)
        home, partner = attendees
        wanted = Meeting(
            uow.team_id,
            relationship_id,
            draft.held_on,
            home,
            partner,
            draft.minutes,
            draft.decisions,
            draft.internal,
            side,
            draft.one_side_reason,
            by,
            now,
        )
        saved = uow.meetings.add(wanted, form_key)
        if saved is None:
            return Recorded(relationship, wanted, first=False)
        uow.audit.record(
            relationship_id,
            by,
            now,
            Action.MEETING_RECORDED,
            meeting_subject(saved.id or 0),
            after={
                "held_on": saved.held_on.isoformat(),
                "home_attendees": list(home),
                "partner_attendees": list(partner),
                "decisions": len(saved.decisions),
                "internal": saved.internal,
            },
            side=side,
        )
        uow.commit()
    return Recorded(relationship, saved, first=True)


def relationship_for(uow: UnitOfWork, which: int | str, organisation: str) -> tuple[Relationship, list[TeamPair]]:
    """The relationship whose meetings the person's organisation takes part in, and its joint management team
    (who attend by default)."""
    with uow.reading():
        relationship = relationship_of(uow, which)
        taking_part(relationship, organisation)
        team = uow.joint_teams.of(relationship.id or 0)
    return relationship, team
