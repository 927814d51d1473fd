"""The nudge outbox, snoozes, and the time zones Slack reported for people.

Enqueueing is one statement per few thousand nudges, and claiming is one statement: pending rows whose time has
come (or rows claimed by a sender that has been silent longer than a lease) are marked as this sender's. On
PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so concurrent senders take different rows without
waiting; SQLite runs one writer at a time anyway.
"""

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    ColumnElement,
    Executable,
    MetaData,
    Table,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    text,
    tuple_,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable
from sqlmodel import Session, col, select

from stages.nudges import Nudge, NudgeKind, NudgeStatus, QueuedNudge, Snooze, SnoozeKey, Snoozes
from storage.mapping import CHUNK, PlainReader, copy_rows, table
from storage.tables import NudgeRow, ProfileRow, SnoozeRow
from storage.text_guard import refuse_nul_in_rows

_KEY = ("kind", "subject", "tier", "period", "recipient_id")
# What each nudge brings to its outbox row, in this order (the rest is the same for the whole batch).
_PER_NUDGE = ("kind", "subject", "tier", "period", "recipient_id", "relationship_id", "detail")
_STAGED = ("team_id", *_PER_NUDGE)
_TEXTS = tuple(i for i, name in enumerate(_STAGED) if name not in ("tier", "relationship_id"))  # its strings
ERROR_MAX = 200
_QUEUED = PlainReader(QueuedNudge, table(NudgeRow), kind=NudgeKind, detail=json.loads, status=NudgeStatus)
Key = tuple[str, str, int, str, str]


class SqlNudgeRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def enqueue(self, nudges: Sequence[Nudge], now: datetime) -> int:
        return enqueue(self._session, {self._team_id: nudges}, now).get(self._team_id, 0)

    def known(self, keys: Sequence[Key]) -> set[Key]:
        if not keys:
            return set()
        columns = [table(NudgeRow).c[name] for name in _KEY]
        found: set[Key] = set()
        for start in range(0, len(keys), CHUNK):
            query = sa_select(*columns).where(
                col(NudgeRow.team_id) == self._team_id, tuple_(*columns).in_(list(keys[start : start + CHUNK]))
            )
            found |= {(k, s, t, p, r) for k, s, t, p, r in self._session.execute(query)}
        return found

    def get(self, nudge_id: int) -> QueuedNudge | None:
        outbox = table(NudgeRow)
        query = _QUEUED.select().where(outbox.c.team_id == self._team_id, outbox.c.id == nudge_id)
        return next(iter(_QUEUED.read(self._session, query)), None)

    def claim(self, worker: str, token: str, now: datetime, limit: int, lease: timedelta) -> list[QueuedNudge]:
        retaken = col(NudgeRow.status) == NudgeStatus.CLAIMED.value
        ready = or_(
            and_(col(NudgeRow.status) == NudgeStatus.PENDING.value, col(NudgeRow.not_before) <= now),
            and_(retaken, col(NudgeRow.claimed_at) < now - lease),
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
            .values(
                status=NudgeStatus.CLAIMED.value,
                claimed_by=worker,
                claimed_at=now,
                claim_token=token,
                # A sender that died holding the claim may have posted it: from its claim on, it is unconfirmed.
                unconfirmed_since=case(
                    (retaken, func.coalesce(col(NudgeRow.unconfirmed_since), col(NudgeRow.claimed_at))),
                    else_=col(NudgeRow.unconfirmed_since),
                ),
            )
            .returning(*_QUEUED.columns)
        )
        return sorted((_QUEUED.entity(row) for row in claimed), key=lambda n: n.id or 0)

    def renew(self, ids: Sequence[int], token: str, now: datetime) -> int:
        return self._set(ids, token, claimed_at=now)

    def sent(self, ids: Sequence[int], token: str, now: datetime, message: tuple[str, str] | None = None) -> int:
        channel, ts = message or (None, None)
        return self._set(
            ids,
            token,
            status=NudgeStatus.SENT.value,
            sent_at=now,
            claimed_by=None,
            message_channel=channel,
            message_ts=ts,
        )

    def release(
        self,
        ids: Sequence[int],
        token: str,
        not_before: datetime,
        error: str | None,
        unconfirmed_since: datetime | None = None,
    ) -> int:
        values: dict[str, Any] = {"status": NudgeStatus.PENDING.value, "not_before": not_before, "claimed_by": None}
        if error is not None:
            values |= {"attempts": col(NudgeRow.attempts) + 1, "last_error": error[:ERROR_MAX]}
        if unconfirmed_since is not None:  # the earliest such attempt is the one to look from
            values["unconfirmed_since"] = func.coalesce(col(NudgeRow.unconfirmed_since), unconfirmed_since)
        return self._set(ids, token, **values)

    def fail(self, ids: Sequence[int], token: str, reason: str) -> int:
        return self._set(ids, token, status=NudgeStatus.FAILED.value, last_error=reason[:ERROR_MAX], claimed_by=None)

    def cancel(self, ids: Sequence[int], token: str) -> int:
        return self._set(ids, token, status=NudgeStatus.CANCELLED.value, claimed_by=None)

    def withdraw(self, kind: NudgeKind, subject: str, recipient_id: str) -> int:
        """Cancel what is still to be sent of this kind and subject to this person (claimed ones are the sender's:
        it asks whether they are still due before posting)."""
        changed = self._session.exec(
            update(NudgeRow)
            .where(
                col(NudgeRow.team_id) == self._team_id,
                col(NudgeRow.kind) == kind.value,
                col(NudgeRow.subject) == subject,
                col(NudgeRow.recipient_id) == recipient_id,
                col(NudgeRow.status) == NudgeStatus.PENDING.value,
            )
            .values(status=NudgeStatus.CANCELLED.value)
        )
        return int(changed.rowcount)

    def failed(self, relationship_ids: Sequence[int]) -> list[QueuedNudge]:
        if not relationship_ids:
            return []
        outbox = table(NudgeRow)
        query = _QUEUED.select().where(
            outbox.c.team_id == self._team_id,
            outbox.c.status == NudgeStatus.FAILED.value,
            outbox.c.relationship_id.in_(list(relationship_ids)),
        )
        return _QUEUED.read(self._session, query.order_by(outbox.c.id))

    def with_open_messages(self) -> list[QueuedNudge]:
        """Of the kinds that can be settled: a notice's message is never brought up to date, so it is never read."""
        outbox = table(NudgeRow)
        query = _QUEUED.select().where(
            outbox.c.team_id == self._team_id,
            outbox.c.message_ts.is_not(None),
            outbox.c.closed_at.is_(None),
            outbox.c.kind.in_([kind.value for kind in NudgeKind if not kind.notice]),
        )
        return _QUEUED.read(self._session, query.order_by(outbox.c.id))

    def close(self, ids: Sequence[int], now: datetime) -> int:
        if not ids:
            return 0
        closed = self._session.execute(
            update(NudgeRow)
            .where(
                col(NudgeRow.team_id) == self._team_id,
                col(NudgeRow.id).in_(list(ids)),
                col(NudgeRow.closed_at).is_(None),
            )
            .values(closed_at=now)
            .execution_options(preserve_rowcount=True)
        )
        return int(closed.rowcount)  # type: ignore[attr-defined]

    def _claimed(self, ids: Sequence[int], token: str) -> list[ColumnElement[bool]]:
        return [
            col(NudgeRow.team_id) == self._team_id,
            col(NudgeRow.id).in_(list(ids)),
            col(NudgeRow.status) == NudgeStatus.CLAIMED.value,
            col(NudgeRow.claim_token) == token,
        ]

    def _set(self, ids: Sequence[int], token: str, **values: Any) -> int:
        if not ids:
            return 0
        changed = self._session.execute(
            update(NudgeRow)
            .where(*self._claimed(ids, token))
            .values(**values)
            .execution_options(preserve_rowcount=True)
        )
        return int(changed.rowcount)  # type: ignore[attr-defined]


def enqueue(session: Session, nudges: Mapping[str, Sequence[Nudge]], now: datetime) -> dict[str, int]:
    """Each workspace's nudges not in its outbox yet, added; how many were new, per workspace. The database keeps
    one of each key (a nudge twice in the batch, or already queued, is not new), whoever else enqueues at once.

    A sweep queues hundreds of thousands, so the rows go in bulk, past SQLAlchemy's per-row work: PostgreSQL gets
    them with COPY into a staging table and moves the new ones into the outbox with one statement; SQLite, in the
    process with no round trip to save, runs one prepared insert over each workspace's rows."""
    due = {team: theirs for team, theirs in nudges.items() if theirs}
    if not due:
        return {}
    if session.get_bind().dialect.name == "sqlite":
        return _insert_rows(session, due, now)
    return _copy_rows(session, due, now)


def _rows(team: str, nudges: Sequence[Nudge], tail: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The values of each nudge's outbox row in `_STAGED` order, then `tail`: built in one pass, as a sweep builds
    hundreds of thousands of them."""
    return [
        (team, n.kind.value, n.subject, n.tier, n.period, n.recipient_id, n.relationship_id, _json(n.detail), *tail)
        for n in nudges
    ]


def _json(detail: Mapping[str, str | int]) -> str:
    return orjson.dumps(detail).decode()


_STORED_NOW = table(NudgeRow).c.created_at.type


def _stored(session: Session, now: datetime) -> Any:
    """`now` as the outbox's moments are stored, for rows that go to the driver past SQLAlchemy."""
    dialect = session.get_bind().dialect
    return _STORED_NOW.dialect_impl(dialect).bind_processor(dialect)(now)  # type: ignore[misc]


def _insert_rows(session: Session, nudges: Mapping[str, Sequence[Nudge]], now: datetime) -> dict[str, int]:
    """How many of each workspace's nudges were new, on SQLite, which counts the rows each run of the insert added.

    The driver runs the insert in the session's transaction, past SQLAlchemy, whose work per statement a sweep of
    many small workspaces would pay thousands of times; so the check every statement gets is made here, once."""
    sql = _row_insert()
    stored_now = _stored(session, now)
    rows = {team: _rows(team, theirs, (stored_now, stored_now)) for team, theirs in nudges.items()}
    for theirs in rows.values():  # the moment after them is SQLAlchemy's rendering of a datetime
        refuse_nul_in_rows(theirs, _TEXTS, what=sql)
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        new = {}
        for team, theirs in rows.items():
            cursor.executemany(sql, theirs)
            new[team] = int(cursor.rowcount)
        return new
    finally:
        cursor.close()


@cache
def _row_insert() -> str:
    """SQLite's insert of one nudge, its parameters in `_STAGED` order and then the moment twice, built once."""
    nudge = table(NudgeRow)
    values: dict[str, Any] = {name: bindparam(name) for name in _STAGED}
    values |= {"created_at": bindparam("now"), "not_before": bindparam("now")}
    values |= {"status": literal_column(f"'{NudgeStatus.PENDING.value}'"), "attempts": literal_column("0")}
    statement = sqlite.insert(nudge).values(values).on_conflict_do_nothing(index_elements=["team_id", *_KEY])
    compiled = statement.compile(dialect=sqlite.dialect())
    if tuple(compiled.positiontup or ()) != (*_STAGED, "now", "now"):
        raise AssertionError(f"the outbox insert binds {compiled.positiontup}, not the rows' order")
    return str(compiled)


# Temporary: each connection has its own. Its columns are the outbox's, so what COPY takes the insert takes.
_STAGING = Table(
    "nudge_staged",
    MetaData(),
    *(Column(name, table(NudgeRow).c[name].type) for name in _STAGED),
    prefixes=["TEMPORARY"],
)


# Emptied after each move, in one step: deleting its rows one by one cost the server more than the insert saved.
_EMPTY_STAGING = text("TRUNCATE nudge_staged")


def _copy_rows(session: Session, nudges: Mapping[str, Sequence[Nudge]], now: datetime) -> dict[str, int]:
    """How many nudges were new, per workspace, on PostgreSQL.

    Nudges of a new period or of new subjects are all new: those go straight into the outbox with COPY, whose
    inserts check the outbox's key once, where moving them in from the staging table with `ON CONFLICT` checks it
    twice (the server's largest cost in a sweep: docs/performance.md). A batch goes that way only if none of three
    of its keys (its first, middle and last) is queued already; a key it holds twice, or finds queued after all
    (another sweep at the same moment), undoes it back to a savepoint, and it goes the careful way, staged.
    """
    rows = [row for team, theirs in nudges.items() for row in _rows(team, theirs)]
    if not _any_queued(session, (rows[0], rows[len(rows) // 2], rows[-1])):
        stored_now = _stored(session, now)
        try:
            with session.begin_nested():
                fresh = [(*row, stored_now, stored_now, *_FRESH) for row in rows]
                copy_rows(session, table(NudgeRow), _COPIED, fresh, _TEXTS)
        except Exception as error:  # the driver's own error: COPY runs past SQLAlchemy
            if getattr(error, "sqlstate", None) != _UNIQUE_VIOLATION:
                raise
        else:
            return {team: len(theirs) for team, theirs in nudges.items()}
    connection = session.connection()
    connection.execute(CreateTable(_STAGING, if_not_exists=True))
    copy_rows(session, _STAGING, _STAGED, rows, _TEXTS)
    new = {team: int(count) for team, count in connection.execute(_from_staging(), {"now": now})}
    connection.execute(_EMPTY_STAGING)
    return new


# What COPY straight into the outbox writes: the staged columns, then the moment twice and the state of a new nudge.
_COPIED = (*_STAGED, "created_at", "not_before", "status", "attempts")
_FRESH = (NudgeStatus.PENDING.value, 0)
_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE


def _any_queued(session: Session, rows: Sequence[tuple[Any, ...]]) -> bool:
    """Whether the outbox holds the key of any of `rows` (in `_STAGED` order)."""
    outbox = table(NudgeRow)
    key = tuple_(*(outbox.c[name] for name in ("team_id", *_KEY)))
    wanted = [row[: len(_KEY) + 1] for row in rows]
    return session.execute(sa_select(literal(1)).where(key.in_(wanted)).limit(1)).first() is not None


@cache
def _from_staging() -> Executable:
    """Move the staged nudges into the outbox, keeping only new keys; how many were new, per workspace. Built
    once: building it costs more than running it on a few rows."""
    nudge = table(NudgeRow)
    now = bindparam("now", type_=nudge.c.created_at.type)
    fixed = {
        "status": literal(NudgeStatus.PENDING.value, nudge.c.status.type),
        "created_at": now,
        "not_before": now,
        "attempts": literal(0, nudge.c.attempts.type),
    }
    moved = (
        postgresql.insert(nudge)
        .from_select([*fixed, *_STAGED], sa_select(*fixed.values(), *(_STAGING.c[name] for name in _STAGED)))
        .on_conflict_do_nothing(index_elements=["team_id", *_KEY])
        .returning(nudge.c.team_id)
        .cte("moved")
    )
    return sa_select(moved.c.team_id, func.count()).group_by(moved.c.team_id)


class SqlSnoozeRepository:
    def __init__(self, session: Session, team_id: str) -> None:
        self._session = session
        self._team_id = team_id

    def add(self, snooze: Snooze) -> Snooze | None:
        """One statement whoever else presses the same button at the same moment: the unique index keeps the
        first, and the others insert nothing."""
        values = {
            "team_id": self._team_id,
            "kind": snooze.kind.value,
            "subject": snooze.subject,
            "user_id": snooze.user_id,
            "until": snooze.until,
            "nudge_id": snooze.nudge_id,
            "days": snooze.days,
        }
        dialect = self._session.get_bind().dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SnoozeRow).values(values)
        statement = insert.on_conflict_do_nothing(index_elements=["team_id", "nudge_id", "user_id", "days"])
        inserted = self._session.execute(statement.execution_options(preserve_rowcount=True))
        return snooze if inserted.rowcount else None  # type: ignore[attr-defined]

    def recent(self, ended_since: datetime) -> Snoozes:
        return snoozes(self._session, (self._team_id,), ended_since).get(self._team_id, {})


def snoozes(session: Session, team_ids: Sequence[str], ended_since: datetime) -> dict[str, Snoozes]:
    """Each workspace's latest end of each person's snooze of each subject, ending after `ended_since`. Read past
    the ORM, grouped by the database: every sweep asks, most often of none."""
    snooze = table(SnoozeRow)
    key = (snooze.c.kind, snooze.c.subject, snooze.c.user_id)
    query = (
        sa_select(snooze.c.team_id, *key, func.max(snooze.c.until).label("until"))
        .where(snooze.c.team_id.in_(list(team_ids)), snooze.c.until > ended_since)
        .group_by(snooze.c.team_id, *key)
    )
    found: dict[str, dict[SnoozeKey, datetime]] = defaultdict(dict)
    for team, kind, subject, user, until in session.connection().execute(query):
        found[team][(kind, subject, user)] = until
    return dict(found)


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
