"""The nudge outbox, snoozes, and the time zones Slack reported for people.

Claiming is one statement: pending rows whose time has come (or rows claimed by a sender that has been silent
longer than a lease) are marked as this sender's. On PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`,
so concurrent senders take different rows without waiting; SQLite runs one writer at a time anyway.
"""

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Insert, and_, or_, tuple_, update
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from stages.nudges import Nudge, NudgeKind, NudgeStatus, QueuedNudge, Snooze, Snoozes
from storage.tables import NudgeRow, ProfileRow, SnoozeRow

CLAIM_LEASE = timedelta(minutes=10)  # a claim older than this belongs to a sender that died
ERROR_MAX = 200
Key = tuple[str, str, int, str, str]


class SqlNudgeRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def enqueue(self, nudges: Sequence[Nudge], now: datetime) -> int:
        rows = [
            {
                "team_id": self._team_id,
                "kind": n.kind.value,
                "subject": n.subject,
                "tier": n.tier,
                "period": n.period,
                "recipient_id": n.recipient_id,
                "relationship_id": n.relationship_id,
                "detail": json.dumps(dict(n.detail)),
                "status": NudgeStatus.PENDING.value,
                "created_at": now,
                "not_before": now,
                "attempts": 0,
            }
            for n in {n.key: n for n in nudges}.values()
        ]
        if not rows:
            return 0
        inserted = self._session.execute(
            _insert(self._session)
            .on_conflict_do_nothing(  # type: ignore[attr-defined]
                index_elements=["team_id", "kind", "subject", "tier", "period", "recipient_id"]
            )
            .returning(col(NudgeRow.id)),
            rows,
        )
        return len(inserted.all())

    def known(self, keys: Sequence[Key]) -> set[Key]:
        if not keys:
            return set()
        columns = [
            col(c) for c in (NudgeRow.kind, NudgeRow.subject, NudgeRow.tier, NudgeRow.period, NudgeRow.recipient_id)
        ]
        found: set[Key] = set()
        for start in range(0, len(keys), 500):
            query = sa_select(*columns).where(
                col(NudgeRow.team_id) == self._team_id, tuple_(*columns).in_(list(keys[start : start + 500]))
            )
            found |= {(k, s, t, p, r) for k, s, t, p, r in self._session.execute(query)}
        return found

    def claim(self, worker: str, now: datetime, limit: int) -> list[QueuedNudge]:
        ready = or_(
            and_(col(NudgeRow.status) == NudgeStatus.PENDING.value, col(NudgeRow.not_before) <= now),
            and_(col(NudgeRow.status) == NudgeStatus.CLAIMED.value, col(NudgeRow.claimed_at) < now - CLAIM_LEASE),
        )
        picked = (
            select(NudgeRow.id)
            .where(NudgeRow.team_id == self._team_id, ready)
            .order_by(col(NudgeRow.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = self._session.execute(
            update(NudgeRow)
            .where(col(NudgeRow.id).in_(picked.scalar_subquery()))
            .values(status=NudgeStatus.CLAIMED.value, claimed_by=worker, claimed_at=now)
            .returning(*NudgeRow.__table__.columns)  # type: ignore[attr-defined]
        )
        return sorted((_queued(row._mapping) for row in claimed), key=lambda n: n.id or 0)

    def sent(self, ids: Sequence[int], now: datetime) -> None:
        self._set(ids, status=NudgeStatus.SENT.value, sent_at=now, claimed_by=None)

    def release(self, ids: Sequence[int], not_before: datetime, error: str | None) -> None:
        values: dict[str, Any] = {"status": NudgeStatus.PENDING.value, "not_before": not_before, "claimed_by": None}
        if error is not None:
            values |= {"attempts": col(NudgeRow.attempts) + 1, "last_error": error[:ERROR_MAX]}
        self._set(ids, **values)

    def fail(self, ids: Sequence[int], reason: str) -> None:
        self._set(ids, status=NudgeStatus.FAILED.value, last_error=reason[:ERROR_MAX], claimed_by=None)

    def cancel(self, ids: Sequence[int]) -> None:
        self._set(ids, status=NudgeStatus.CANCELLED.value, claimed_by=None)

    def failed(self, relationship_ids: Sequence[int]) -> list[QueuedNudge]:
        if not relationship_ids:
            return []
        query = select(NudgeRow).where(
            NudgeRow.team_id == self._team_id,
            NudgeRow.status == NudgeStatus.FAILED.value,
            col(NudgeRow.relationship_id).in_(relationship_ids),
        )
        return [_queued(row.model_dump()) for row in self._session.exec(query.order_by(col(NudgeRow.id)))]

    def _set(self, ids: Sequence[int], **values: Any) -> None:
        if ids:
            self._session.execute(
                update(NudgeRow)
                .where(col(NudgeRow.team_id) == self._team_id, col(NudgeRow.id).in_(list(ids)))
                .values(**values)
            )


def _insert(session: Session) -> Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(NudgeRow)
    return sqlite.insert(NudgeRow)


def _queued(row: Any) -> QueuedNudge:
    return QueuedNudge(
        team_id=row["team_id"],
        kind=NudgeKind(row["kind"]),
        subject=row["subject"],
        tier=row["tier"],
        period=row["period"],
        recipient_id=row["recipient_id"],
        relationship_id=row["relationship_id"],
        detail=json.loads(row["detail"]),
        status=NudgeStatus(row["status"]),
        created_at=row["created_at"],
        not_before=row["not_before"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        sent_at=row["sent_at"],
        id=row["id"],
    )


class SqlSnoozeRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, snooze: Snooze) -> Snooze:
        self._session.add(
            SnoozeRow(
                team_id=self._team_id,
                kind=snooze.kind.value,
                subject=snooze.subject,
                user_id=snooze.user_id,
                until=snooze.until,
            )
        )
        self._session.flush()
        return snooze

    def recent(self, ended_since: datetime) -> Snoozes:
        query = select(SnoozeRow).where(SnoozeRow.team_id == self._team_id, SnoozeRow.until > ended_since)
        latest: dict[tuple[str, str, str], datetime] = {}
        for row in self._session.exec(query):
            key = (row.kind, row.subject, row.user_id)
            latest[key] = max(latest.get(key, row.until), row.until)
        return latest


class SqlProfileRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def time_zone(self, user_id: str, fresh_since: datetime) -> str | None:
        row = self._session.get(ProfileRow, (self._team_id, user_id))
        return row.tz if row is not None and row.fetched_at >= fresh_since else None

    def remember(self, user_id: str, tz: str, now: datetime) -> None:
        row = self._session.get(ProfileRow, (self._team_id, user_id))
        if row is None:
            self._session.add(ProfileRow(team_id=self._team_id, user_id=user_id, tz=tz, fetched_at=now))
        else:
            row.tz, row.fetched_at = tz, now
        self._session.flush()
