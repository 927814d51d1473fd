"""The meetings of a workspace's relationships' joint management teams."""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from stages.meetings import Meeting
from stages.nudges import DueMeeting
from stages.relationships import RelationshipStatus, Side
from storage.mapping import entity_from_row, inserted, row_values, table
from storage.tables import MeetingRow, RelationshipRow

LINES = ("home_attendees", "partner_attendees", "decisions")  # tuples kept one item per line


class SqlMeetingRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, meeting: Meeting, form_key: str) -> Meeting | None:
        """The meeting stored; None if the form `form_key` recorded one already (the same form sent again)."""
        values = row_values(meeting, skip=("id", "team_id", "side", *LINES))
        values |= {name: "\n".join(getattr(meeting, name)) for name in LINES}
        row = MeetingRow(team_id=self._team_id, form_key=form_key, side=meeting.side.value, **values)
        return _meeting(row) if inserted(self._session, row) else None

    def due(self, today: date, cadence_days: int) -> list[DueMeeting]:
        return meetings_due(self._session, (self._team_id,), today, cadence_days)

    def of(self, relationship_id: int) -> list[Meeting]:
        """The relationship's meetings, the latest first."""
        query = select(MeetingRow).where(
            MeetingRow.team_id == self._team_id, MeetingRow.relationship_id == relationship_id
        )
        return [
            _meeting(row)
            for row in self._session.exec(query.order_by(col(MeetingRow.held_on).desc(), col(MeetingRow.id).desc()))
        ]


def meetings_due(session: Session, team_ids: Sequence[str], today: date, cadence_days: int) -> list[DueMeeting]:
    """Active relationships of these workspaces whose team is due to meet: no joint meeting for `cadence_days`
    (counted from the relationship's start before the first). Only what the reminder rules read, past the ORM: the
    last joint meeting of each relationship is found by the database, in one query for the whole batch."""
    meeting, relationship = table(MeetingRow).c, table(RelationshipRow).c
    last = (
        sa_select(meeting.team_id, meeting.relationship_id, func.max(meeting.held_on).label("held_on"))
        .where(meeting.team_id.in_(list(team_ids)), meeting.internal.is_(False))
        .group_by(meeting.team_id, meeting.relationship_id)
        .subquery()
    )
    cutoff = today - timedelta(days=cadence_days)  # a last meeting on or before it is a cadence old today
    began_by = datetime.combine(cutoff + timedelta(days=1), time(), UTC)  # began on the cutoff day or before
    query = (
        sa_select(
            relationship.id,
            relationship.team_id,
            relationship.name,
            relationship.owner_id,
            relationship.partner_manager_id,
            relationship.partner_team_id,
            last.c.held_on,
            relationship.created_at,
        )
        .outerjoin(last, and_(last.c.relationship_id == relationship.id, last.c.team_id == relationship.team_id))
        .where(
            relationship.team_id.in_(list(team_ids)),
            relationship.status == RelationshipStatus.ACTIVE.value,
            or_(
                and_(last.c.held_on.is_not(None), last.c.held_on <= cutoff),
                and_(last.c.held_on.is_(None), relationship.created_at < began_by),
            ),
        )
    )
    found = []
    for rid, team_id, name, owner, partner_manager, partner_team, held_on, created_at in session.connection().execute(
        query
    ):
        since = held_on or created_at.date()
        joint_manager = partner_manager if partner_team is not None else None
        found.append(
            DueMeeting(rid, team_id, name, owner, joint_manager, held_on, since + timedelta(days=cadence_days))
        )
    return found


def _meeting(row: MeetingRow) -> Meeting:
    lines = {name: tuple(line for line in getattr(row, name).split("\n") if line) for name in LINES}
    return entity_from_row(Meeting, row, side=Side(row.side), **lines)
