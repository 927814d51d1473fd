"""The workspace, its people and channels by name: a cache of what Slack said, with the time it said it."""

from collections.abc import Collection, Sequence

from sqlmodel import Session, col, select

from stages.directory import DirectoryEntry, EntryKind
from storage.tables import DirectoryEntryRow


class SqlDirectoryRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def all(self) -> list[DirectoryEntry]:
        query = select(DirectoryEntryRow).where(col(DirectoryEntryRow.team_id) == self._team_id)
        return [_entry(row) for row in self._session.exec(query)]

    def among(self, entry_ids: Collection[str]) -> list[DirectoryEntry]:
        query = select(DirectoryEntryRow).where(
            col(DirectoryEntryRow.team_id) == self._team_id, col(DirectoryEntryRow.entry_id).in_(entry_ids)
        )
        return [_entry(row) for row in self._session.exec(query)]

    def remember(self, entries: Sequence[DirectoryEntry]) -> None:
        for entry in entries:
            row = self._session.get(DirectoryEntryRow, (self._team_id, entry.id))
            if row is None:
                row = DirectoryEntryRow(
                    team_id=self._team_id,
                    entry_id=entry.id,
                    kind=entry.kind.value,
                    name="",
                    fetched_at=entry.fetched_at,
                )
                self._session.add(row)
            row.kind, row.name, row.tz, row.fetched_at = entry.kind.value, entry.name[:255], entry.tz, entry.fetched_at
        self._session.flush()


def _entry(row: DirectoryEntryRow) -> DirectoryEntry:
    return DirectoryEntry(row.entry_id, EntryKind(row.kind), row.name, row.fetched_at, row.tz)
