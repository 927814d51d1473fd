"""The knowledge maps of a workspace's relationships."""

from typing import Any

from sqlmodel import Session, col, select

from stages.knowledge import Classification, KnowledgeItem
from stages.relationships import Side
from storage.mapping import entity_from_row, inserted, row_values
from storage.tables import KnowledgeItemRow


class SqlKnowledgeRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, item: KnowledgeItem, form_key: str) -> KnowledgeItem | None:
        """The item stored; None if the form `form_key` added one already (the same form sent again)."""
        row = KnowledgeItemRow(team_id=self._team_id, form_key=form_key, **row_values(item, skip=("id", "team_id")))
        return _item(row) if inserted(self._session, row) else None

    def get(self, item_id: int) -> KnowledgeItem | None:
        row = self._session.exec(
            select(KnowledgeItemRow).where(KnowledgeItemRow.team_id == self._team_id, KnowledgeItemRow.id == item_id)
        ).first()
        return _item(row) if row else None

    def of(self, relationship_id: int, *, retired: bool = False) -> list[KnowledgeItem]:
        """The relationship's live items (and, with `retired`, its retired ones too), oldest first."""
        query = select(KnowledgeItemRow).where(
            KnowledgeItemRow.team_id == self._team_id, KnowledgeItemRow.relationship_id == relationship_id
        )
        if not retired:
            query = query.where(col(KnowledgeItemRow.retired_at).is_(None))
        return [_item(row) for row in self._session.exec(query.order_by(col(KnowledgeItemRow.id)))]

    def save(self, item: KnowledgeItem) -> bool:
        """Store a live item's edited words, owner and class; False if it was retired meanwhile."""
        words = {"title": item.title, "description": item.description, "terms": item.terms}
        holder = {"owner_id": item.owner_id, "classification": item.classification.value, "side": item.side.value}
        return self._change(item, words | holder)

    def retire(self, item: KnowledgeItem) -> bool:
        """Store that the item was retired; False if it was already (a second press, another person)."""
        return self._change(item, {"retired_at": item.retired_at, "retired_by": item.retired_by})

    def _change(self, item: KnowledgeItem, values: dict[str, Any]) -> bool:
        query = select(KnowledgeItemRow).where(
            KnowledgeItemRow.team_id == self._team_id,
            KnowledgeItemRow.id == item.id,
            col(KnowledgeItemRow.retired_at).is_(None),
        )
        row = self._session.exec(query).first()
        if row is None:
            return False
        row.sqlmodel_update(values)
        self._session.add(row)
        self._session.flush()
        return True


def _item(row: KnowledgeItemRow) -> KnowledgeItem:
    return entity_from_row(KnowledgeItem, row, classification=Classification(row.classification), side=Side(row.side))
