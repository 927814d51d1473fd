"""The meetings of a workspace's relationships' joint management teams."""

from sqlmodel import Session, col, select

from stages.meetings import Meeting
from stages.relationships import Side
from storage.mapping import entity_from_row, inserted, row_values
from storage.tables import MeetingRow

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

    def of(self, relationship_id: int) -> list[Meeting]:
        """The relationship's meetings, the latest first."""
        query = select(MeetingRow).where(
            MeetingRow.team_id == self._team_id, MeetingRow.relationship_id == relationship_id
        )
        return [
            _meeting(row)
            for row in self._session.exec(query.order_by(col(MeetingRow.held_on).desc(), col(MeetingRow.id).desc()))
        ]


def _meeting(row: MeetingRow) -> Meeting:
    lines = {name: tuple(line for line in getattr(row, name).split("\n") if line) for name in LINES}
    return entity_from_row(Meeting, row, side=Side(row.side), **lines)
