"""The Home tabs waiting to be drawn again: asked for in a change's transaction, crossed off once drawn."""

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, delete, select

from storage.tables import HomeRedrawRow


class SqlHomeRedrawRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def ask(self, user_ids: Sequence[str], at: datetime) -> None:
        for user_id in user_ids:
            row = self._session.get(HomeRedrawRow, (self._team_id, user_id))
            if row is None:
                self._session.add(HomeRedrawRow(team_id=self._team_id, user_id=user_id, asked_at=at))
            else:
                row.asked_at = max(row.asked_at, at)
        self._session.flush()

    def drawn(self, user_ids: Sequence[str], asked_at: datetime) -> None:
        self._session.exec(
            delete(HomeRedrawRow).where(
                col(HomeRedrawRow.team_id) == self._team_id,
                col(HomeRedrawRow.user_id).in_(user_ids),
                col(HomeRedrawRow.asked_at) <= asked_at,  # a later change's ask stands
            )
        )

    def waiting(self, asked_before: datetime) -> list[tuple[str, datetime]]:
        query = select(HomeRedrawRow).where(
            col(HomeRedrawRow.team_id) == self._team_id, col(HomeRedrawRow.asked_at) < asked_before
        )
        return [(row.user_id, row.asked_at) for row in self._session.exec(query)]
