"""The Home tabs waiting to be drawn again: asked for in a change's transaction, crossed off once drawn."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, select

from storage.mapping import table
from storage.tables import HomeRedrawRow

_HOME_REDRAW = table(HomeRedrawRow)


class SqlHomeRedrawRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def ask(self, user_ids: Sequence[str], at: datetime) -> None:
        """One upsert, in the order of the ids: changes asking for the same people at once wait for each other
        (the later ask wins) instead of failing on the key or locking each other's rows in opposite orders."""
        if not user_ids:
            return
        insert = postgresql.insert if self._session.get_bind().dialect.name == "postgresql" else sqlite.insert
        rows = [{"team_id": self._team_id, "user_id": user, "asked_at": at} for user in sorted(set(user_ids))]
        statement = insert(_HOME_REDRAW).values(rows)
        latest = func.greatest if self._session.get_bind().dialect.name == "postgresql" else func.max
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["team_id", "user_id"],
                set_={"asked_at": latest(_HOME_REDRAW.c.asked_at, statement.excluded.asked_at)},
            )
        )

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
