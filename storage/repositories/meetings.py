"""The meetings of a workspace's relationships' joint management teams."""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Column, ScalarSelect, func, update
from sqlalchemy import select as sa_select
from sqlalchemy.sql.base import ReadOnlyColumnCollection
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
        values = row_values(meeting, skip=("id", "team_id", *LINES))
        values |= {name: "\n".join(getattr(meeting, name)) for name in LINES}
        row = MeetingRow(team_id=self._team_id, form_key=form_key, **values)
        if not inserted(self._session, row):
            return None
        if not meeting.internal:
            relationship = table(RelationshipRow).c
            self._session.execute(
                update(RelationshipRow)
                .where(relationship.team_id == self._team_id, relationship.id == meeting.relationship_id)
                .values(meetings_from=_last_joint(relationship))
            )
        return _meeting(row)

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
    (counted from the relationship's start before the first). Only what the reminder rules read, past the ORM; the
    day each relationship's cadence counts from is kept on it, so only the due ones are read (their last joint
    meeting looked up one by one through its index)."""
    relationship = table(RelationshipRow).c
    cutoff = today - timedelta(days=cadence_days)  # counted from on or before it, the team is due to meet today
    query = sa_select(
        relationship.id,
        relationship.team_id,
        relationship.name,
        relationship.owner_id,
        relationship.partner_manager_id,
        relationship.partner_team_id,
        _last_joint(relationship),
        relationship.meetings_from,
    ).where(
        relationship.team_id.in_(list(team_ids)),
        relationship.status == RelationshipStatus.ACTIVE.value,
        relationship.meetings_from <= cutoff,
    )
    found = []
    for rid, team_id, name, owner, partner_manager, partner_team, last, since in session.connection().execute(query):
        joint_manager = partner_manager if partner_team is not None else None
        found.append(DueMeeting(rid, team_id, name, owner, joint_manager, last, since + timedelta(days=cadence_days)))
    return found


def _last_joint(relationship: ReadOnlyColumnCollection[str, Column[Any]]) -> ScalarSelect[date]:
    """The day of the relationship's last joint meeting (NULL before the first), through the meetings' index."""
    meeting = table(MeetingRow).c
    return (
        sa_select(func.max(meeting.held_on))
        .where(
            meeting.team_id == relationship.team_id,
            meeting.relationship_id == relationship.id,
            meeting.internal.is_(False),
        )
        .scalar_subquery()
    )


def _meeting(row: MeetingRow) -> Meeting:
    lines = {name: tuple(line for line in getattr(row, name).split("\n") if line) for name in LINES}
    return entity_from_row(Meeting, row, side=Side(row.side), **lines)
