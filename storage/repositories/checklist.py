"""Checklist item states (current) and answers (every change, append-only)."""

from sqlalchemy import update
from sqlmodel import Session, col, select

from stages.checklist import Answer, AnswerKind, ItemState, ItemStatus
from stages.relationships import Side
from storage.mapping import entity_from_row, inserted, row_values
from storage.tables import AnswerRow, ItemStateRow


class SqlChecklistRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def states(self, relationship_id: int) -> dict[str, ItemState]:
        query = select(ItemStateRow).where(
            ItemStateRow.team_id == self._team_id, ItemStateRow.relationship_id == relationship_id
        )
        return {row.item_id: _state(row) for row in self._session.exec(query)}

    def save(self, state: ItemState) -> bool:
        values = row_values(state, skip=("version",))
        if state.version == 0:  # False: another answer created it first
            return inserted(self._session, ItemStateRow(team_id=self._team_id, version=1, **values))
        saved = self._session.exec(
            update(ItemStateRow)
            .where(
                col(ItemStateRow.team_id) == self._team_id,
                col(ItemStateRow.relationship_id) == state.relationship_id,
                col(ItemStateRow.item_id) == state.item_id,
                col(ItemStateRow.version) == state.version,
            )
            .values(version=state.version + 1, **values)
        )
        self._session.expire_all()
        return bool(saved.rowcount == 1)

    def record(self, answer: Answer) -> Answer:
        row = AnswerRow(team_id=self._team_id, **row_values(answer))
        self._session.add(row)
        self._session.flush()
        return _answer(row)

    def history(self, relationship_id: int, item_id: str) -> list[Answer]:
        query = (
            select(AnswerRow)
            .where(
                AnswerRow.team_id == self._team_id,
                AnswerRow.relationship_id == relationship_id,
                AnswerRow.item_id == item_id,
            )
            .order_by(col(AnswerRow.id))
        )
        return [_answer(row) for row in self._session.exec(query)]

    def answers(self, relationship_id: int) -> list[Answer]:
        query = (
            select(AnswerRow)
            .where(AnswerRow.team_id == self._team_id, AnswerRow.relationship_id == relationship_id)
            .order_by(col(AnswerRow.id))
        )
        return [_answer(row) for row in self._session.exec(query)]

    def assigned_to(self, user_id: str) -> list[ItemState]:
        query = (
            select(ItemStateRow)
            .where(ItemStateRow.team_id == self._team_id, ItemStateRow.assignee_id == user_id)
            .order_by(col(ItemStateRow.relationship_id), col(ItemStateRow.id))
        )
        return [_state(row) for row in self._session.exec(query)]


def _state(row: ItemStateRow) -> ItemState:
    return entity_from_row(ItemState, row, status=ItemStatus(row.status))


def _answer(row: AnswerRow) -> Answer:
    return entity_from_row(
        Answer,
        row,
        kind=AnswerKind(row.kind),
        status=ItemStatus(row.status) if row.status else None,
        actor_side=Side(row.actor_side),
    )
