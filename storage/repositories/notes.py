"""Notes taken from check-in threads."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from stages.checkins import Note
from stages.relationships import Side
from storage.mapping import entity_from_row, inserted, row_values
from storage.tables import CheckinRow, NoteRow


class SqlNoteRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, note: Note) -> Note | None:
        row = NoteRow(team_id=self._team_id, **row_values(note, skip=("id", "team_id")))
        if not inserted(self._session, row):
            return None  # this message was captured already (Slack retried the event)
        return _note(row)

    def by_message(self, channel_id: str, message_ts: str) -> Note | None:
        row = self._row(channel_id, message_ts)
        return _note(row) if row else None

    def update(self, note: Note) -> Note:
        row = self._row(note.channel_id, note.message_ts)
        if row is None:
            raise LookupError(f"no note for message {note.message_ts}")
        row.sqlmodel_update(row_values(note, skip=("id", "team_id")))
        self._session.flush()
        return _note(row)

    def delete(self, note: Note) -> None:
        row = self._row(note.channel_id, note.message_ts)
        if row is not None:
            self._session.delete(row)
            self._session.flush()

    def for_relationship(self, relationship_id: int) -> list[Note]:
        query = (
            select(NoteRow)
            .join(CheckinRow, col(CheckinRow.id) == NoteRow.checkin_id)
            .where(NoteRow.team_id == self._team_id, CheckinRow.relationship_id == relationship_id)
            .order_by(col(NoteRow.created_at), col(NoteRow.id))
        )
        return [_note(row) for row in self._session.exec(query)]

    def counts(self, checkin_id: int) -> dict[str | None, int]:
        query = (
            select(NoteRow.item_id, func.count())
            .where(NoteRow.team_id == self._team_id, NoteRow.checkin_id == checkin_id)
            .group_by(col(NoteRow.item_id))
        )
        return dict(self._session.exec(query).all())

    def _row(self, channel_id: str, message_ts: str) -> NoteRow | None:
        query = select(NoteRow).where(
            NoteRow.team_id == self._team_id, NoteRow.channel_id == channel_id, NoteRow.message_ts == message_ts
        )
        return self._session.exec(query).first()


def _note(row: NoteRow) -> Note:
    return entity_from_row(Note, row, author_side=Side(row.author_side))
