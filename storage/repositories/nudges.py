"""The nudge outbox, snoozes, and the time zones Slack reported for people.

Enqueueing is one statement per few thousand nudges, and claiming is one statement: pending rows whose time has
come (or rows claimed by a sender that has been silent longer than a lease) are marked as this sender's. On
PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so concurrent senders take different rows without
waiting; SQLite runs one writer at a time anyway.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal,
    literal_column,
    or_,
    true,
    tuple_,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeEngine
from sqlmodel import Session, col, select

from stages.nudges import Nudge, NudgeKind, NudgeStatus, QueuedNudge, Snooze, SnoozeKey, Snoozes
from storage.mapping import CHUNK, PlainReader, table
from storage.tables import NudgeRow, ProfileRow, SnoozeRow

_KEY = ("kind", "subject", "tier", "period", "recipient_id")
_PER_NUDGE: dict[
    str, TypeEngine[Any]
] = {  # the columns each nudge brings, by type; the rest are the same for the whole chunk
    "kind": Text(),
    "subject": Text(),
    "tier": Integer(),
    "period": Text(),
    "recipient_id": Text(),
    "relationship_id": Integer(),
    "detail": Text(),  # a JSON object within the document, handed back as its text
}
_TEAM: dict[str, TypeEngine[Any]] = {"team_id": Text()}  # brought by each nudge too in a chunk of several workspaces
_JSON = postgresql.JSON()
ENQUEUE_CHUNK = 5000  # nudges per statement: one JSON document of about a megabyte
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
        columns = [
            col(c) for c in (NudgeRow.kind, NudgeRow.subject, NudgeRow.tier, NudgeRow.period, NudgeRow.recipient_id)
        ]
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

    def held(self, ids: Sequence[int], token: str) -> int:
        query = sa_select(func.count()).where(*self._claimed(ids, token))
        return int(self._session.execute(query).scalar_one())

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
    """Each workspace's nudges not in its outbox yet, added; how many were new, per workspace.

    On PostgreSQL one statement per chunk, whatever its size and however many workspaces it holds: the nudges
    travel as one JSON document that the server unpacks into rows, so a sweep of tens of thousands costs a few
    round trips, not one per nudge. SQLite runs in the process, with no round trip to save: there each workspace's
    rows go to one prepared insert run for each, three times faster than unpacking a document."""
    unique = {team: list({n.key: n for n in theirs}.values()) for team, theirs in nudges.items()}
    if session.get_bind().dialect.name == "sqlite":
        return {team: _insert_rows(session, team, theirs, now) for team, theirs in unique.items() if theirs}
    flat = [(team, n) for team, theirs in unique.items() for n in theirs]
    new: Counter[str] = Counter()
    for start in range(0, len(flat), ENQUEUE_CHUNK):
        new.update(_enqueue_chunk(session, flat[start : start + ENQUEUE_CHUNK], now))
    return dict(new)


def _insert_rows(session: Session, team: str, nudges: Sequence[Nudge], now: datetime) -> int:
    """How many of one workspace's nudges were new (SQLite sums the rows each run of the insert added)."""
    sql, order = _row_insert()
    dialect = session.get_bind().dialect
    stored_now = _STORED_NOW.dialect_impl(dialect).bind_processor(dialect)(now)  # type: ignore[misc]
    rows = [
        order(
            (
                team,
                stored_now,
                n.kind.value,
                n.subject,
                n.tier,
                n.period,
                n.recipient_id,
                n.relationship_id,
                json.dumps(n.detail),
            )
        )
        for n in nudges
    ]
    inserted = session.connection().exec_driver_sql(sql, rows)
    return int(inserted.rowcount)


_STORED_NOW = table(NudgeRow).c.created_at.type
_ROW = ("team_id", "now", *_PER_NUDGE)  # what each row of `_row_insert` is built from, in this order


@cache
def _row_insert() -> tuple[str, Callable[[tuple[Any, ...]], tuple[Any, ...]]]:
    """SQLite's insert of one nudge, and what puts a `_ROW` tuple in the order of its parameters, built once."""
    nudge = table(NudgeRow)
    values: dict[str, Any] = {name: bindparam(name) for name in ("team_id", *_PER_NUDGE)}
    values |= {"created_at": bindparam("now"), "not_before": bindparam("now")}
    values |= {"status": literal_column(f"'{NudgeStatus.PENDING.value}'"), "attempts": literal_column("0")}
    statement = sqlite.insert(nudge).values(values).on_conflict_do_nothing(index_elements=["team_id", *_KEY])
    compiled = statement.compile(dialect=sqlite.dialect())
    positions = [_ROW.index(name) for name in compiled.positiontup or ()]
    return str(compiled), itemgetter(*positions)


def _enqueue_chunk(session: Session, nudges: Sequence[tuple[str, Nudge]], now: datetime) -> Counter[str]:
    """How many nudges were new, per workspace, on PostgreSQL. A chunk of one workspace binds it and counts the rows;
    one of several names each nudge's workspace and returns that of each new row, which would slow the inserts of a
    big workspace's sweep by a third."""
    teams = {team for team, _ in nudges}
    by_team = len(teams) > 1
    document = json.dumps(
        [
            {
                **({"team_id": team} if by_team else {}),
                "kind": n.kind.value,
                "subject": n.subject,
                "tier": n.tier,
                "period": n.period,
                "recipient_id": n.recipient_id,
                "relationship_id": n.relationship_id,
                "detail": n.detail,
            }
            for team, n in nudges
        ]
    )
    statement = _enqueue_statement(by_team=by_team)
    if by_team:
        return Counter(session.execute(statement, {"now": now, "document": document}).scalars())
    team = teams.pop()
    inserted = session.execute(statement, {"team_id": team, "now": now, "document": document})
    return Counter({team: int(inserted.rowcount)})  # type: ignore[attr-defined]


@cache
def _enqueue_statement(*, by_team: bool) -> Executable:
    """The insert of one JSON document of nudges (bound as `document`) at `now`, built once: building it costs more
    than running it on a few rows. With `by_team` each nudge names its workspace and the insert returns the
    workspace of each new row; without, the workspace is bound as `team_id` and the count of new rows kept."""
    nudge = table(NudgeRow)
    now = bindparam("now", type_=nudge.c.created_at.type)
    fixed = {
        "status": literal(NudgeStatus.PENDING.value, nudge.c.status.type),
        "created_at": now,
        "not_before": now,
        "attempts": literal(0, nudge.c.attempts.type),
    }
    if not by_team:
        fixed["team_id"] = bindparam("team_id", type_=nudge.c.team_id.type)
    due = _unpacked(bindparam("document", type_=Text), (_TEAM if by_team else {}) | _PER_NUDGE)
    columns = [*fixed, *(c.name for c in due)]
    statement = postgresql.insert(nudge).from_select(columns, sa_select(*fixed.values(), *due).where(true()))
    statement = statement.on_conflict_do_nothing(index_elements=["team_id", *_KEY])
    if by_team:
        return statement.returning(nudge.c.team_id)
    # The row count of an INSERT is how many were new; SQLAlchemy keeps it only when asked.
    return statement.execution_options(preserve_rowcount=True)


def _unpacked(document: BindParameter[str], per_nudge: dict[str, TypeEngine[Any]]) -> list[ColumnElement[Any]]:
    """The per-nudge columns, read from the JSON array `document` by the server itself."""
    rows = (
        func.json_to_recordset(cast(document, postgresql.JSON))
        .table_valued(
            *(column(name, postgresql.JSON() if name == "detail" else kind) for name, kind in per_nudge.items())
        )
        .render_derived(name="due", with_types=True)
    )
    return [cast(rows.c[name], kind).label(name) for name, kind in per_nudge.items()]


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
