"""The audit trail and the plan's versions: both only ever grow."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlmodel import Session, col, select

from stages.audit import AuditEvent, JSONable, snapshot
from stages.relationships import Side
from stages.versions import PlanVersion
from storage.mapping import insert_many, table
from storage.tables import AuditEventRow, PlanVersionRow


class SqlAuditRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def record(
        self,
        relationship_id: int | None,
        actor_id: str,
        at: datetime,
        action: str,
        subject: str,
        before: Any = None,
        after: Any = None,
        side: Side = Side.HOME,
    ) -> AuditEvent:
        row = AuditEventRow(
            actor_side=side.value,
            team_id=self._team_id,
            relationship_id=relationship_id,
            actor_id=actor_id,
            at=at,
            action=action,
            subject=subject[:120],
            before=_json(before),
            after=_json(after),
        )
        self._session.add(row)
        self._session.flush()
        return _event(row)

    def latest(self, relationship_id: int, limit: int) -> list[AuditEvent]:
        query = self._select(relationship_id).order_by(col(AuditEventRow.id).desc()).limit(limit)
        return [_event(row) for row in self._session.exec(query)]

    def all(self, relationship_id: int) -> list[AuditEvent]:
        return [
            _event(row) for row in self._session.exec(self._select(relationship_id).order_by(col(AuditEventRow.id)))
        ]

    def _select(self, relationship_id: int) -> Any:
        return select(AuditEventRow).where(
            AuditEventRow.team_id == self._team_id, AuditEventRow.relationship_id == relationship_id
        )


def _json(value: Any) -> str | None:
    return _dumped(snapshot(value))


def _dumped(snapshot: JSONable | None) -> str | None:
    return None if snapshot is None else orjson.dumps(snapshot, option=orjson.OPT_SORT_KEYS).decode()


def _event(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        team_id=row.team_id,
        relationship_id=row.relationship_id,
        actor_id=row.actor_id,
        at=row.at,
        action=row.action,
        subject=row.subject,
        before=json.loads(row.before) if row.before else None,
        after=json.loads(row.after) if row.after else None,
        actor_side=Side(row.actor_side),
        id=row.id,
    )


def record_events(session: Session, events: Sequence[AuditEvent]) -> None:
    """Many events at once (their before and after already snapshots), each in its own workspace."""
    rows = [
        {
            "team_id": e.team_id,
            "relationship_id": e.relationship_id,
            "actor_id": e.actor_id,
            "at": e.at,
            "action": e.action,
            "subject": e.subject[:120],
            "before": _dumped(e.before),
            "after": _dumped(e.after),
            "actor_side": e.actor_side.value,
        }
        for e in events
    ]
    insert_many(session, table(AuditEventRow), rows)


class SqlPlanVersionRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, version: PlanVersion) -> PlanVersion:
        row = PlanVersionRow(
            team_id=self._team_id,
            relationship_id=version.relationship_id,
            number=version.number,
            reason=version.reason[:120],
            created_by=version.created_by,
            created_at=version.created_at,
            content=json.dumps(version.content, sort_keys=True),
        )
        self._session.add(row)
        self._session.flush()
        return _version(row)

    def latest(self, relationship_id: int) -> PlanVersion | None:
        found = self.recent(relationship_id, 1)
        return found[0] if found else None

    def recent(self, relationship_id: int, limit: int) -> list[PlanVersion]:
        query = (
            select(PlanVersionRow)
            .where(PlanVersionRow.team_id == self._team_id, PlanVersionRow.relationship_id == relationship_id)
            .order_by(col(PlanVersionRow.number).desc())
            .limit(limit)
        )
        return [_version(row) for row in self._session.exec(query)]


def _version(row: PlanVersionRow) -> PlanVersion:
    return PlanVersion(
        row.team_id,
        row.relationship_id,
        row.number,
        row.reason,
        row.created_by,
        row.created_at,
        json.loads(row.content),
        row.id,
    )
