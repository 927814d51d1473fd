"""The durable inbox: work acknowledged to Slack waits here until a work process has done it, exactly once.

The web process writes a request before acknowledging it (one insert; a replay or a retry of the same request
finds its key taken and adds nothing). Work processes claim rows (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
concurrent claimers take different rows without waiting; SQLite runs one writer at a time anyway), each claim
with a fencing token of its own. While a claimed row's work runs, every commit of its effects marks the row
`committed` in the same transaction, and only while the claim is still this one's: a process that stalled past
its lease and lost the row to another cannot commit anything. A row whose work committed and then died is never
run again, so nothing is done twice; a row whose work never committed is run again by whoever claims it next.
"""

import contextvars
import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, event, func, null, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from storage.group_commit import GroupCommit
from storage.mapping import prepared, prepared_insert, table
from storage.tables import InboxRow
from storage.text_guard import refuse_nul_in
from storage.writer_lock import READING, writing

_INBOX = table(InboxRow)
Headers = dict[str, str | Sequence[str]]
_WRITTEN = "SELECT key FROM inbox WHERE id > ? AND id <= ?"  # SQLite's: the keys of rows with ids in a range
# Claim up to `limit` rows waiting, or whose claim lapsed, for `worker`: urgent first, then oldest first.
_CLAIM_ROWS = (
    update(_INBOX)
    .where(
        _INBOX.c.id.in_(
            select(_INBOX.c.id)
            .where(
                _INBOX.c.done_at.is_(None),
                or_(_INBOX.c.claimed_until.is_(None), _INBOX.c.claimed_until < bindparam("now")),
            )
            .order_by(_INBOX.c.priority, _INBOX.c.id)
            .limit(bindparam("limit"))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    )
    .values(
        claimed_by=bindparam("worker"),
        claim_token=bindparam("token"),
        claimed_until=bindparam("until"),
        attempts=_INBOX.c.attempts + 1,
    )
)
_CLAIMED = (_INBOX.c.id, _INBOX.c.priority, _INBOX.c.body, _INBOX.c.headers, _INBOX.c.committed)
_CLAIMING = _CLAIM_ROWS.returning(*_CLAIMED)
# SQLite's: what a claim took, read after the claim, once the writer is free again.
_READ_CLAIMED = select(*_CLAIMED).where(_INBOX.c.claim_token == bindparam("token"), _INBOX.c.done_at.is_(None))
# Mark a claimed row done, if its claim is still the one named.
_FINISHING = (
    update(_INBOX)
    .where(_INBOX.c.id == bindparam("row"), _INBOX.c.claim_token == bindparam("token"), _INBOX.c.done_at.is_(None))
    .values(done_at=bindparam("done"), claimed_until=null())
)
# SQLite's: the same for many rows in one statement, each named by [id, claim token] in a JSON array.
_PAIRS = func.json_each(bindparam("finished")).table_valued("value")
_FINISHING_MANY = (
    update(_INBOX)
    .where(
        _INBOX.c.done_at.is_(None),
        tuple_(_INBOX.c.id, _INBOX.c.claim_token).in_(
            select(func.json_extract(_PAIRS.c.value, "$[0]"), func.json_extract(_PAIRS.c.value, "$[1]"))
        ),
    )
    .values(done_at=bindparam("done"), claimed_until=null())
)


class ClaimLost(BaseException):
    """The row was taken over by another process (this one outlived its lease): stop, commit nothing.

    A BaseException, like GeneratorExit, so that the listeners' safety nets (which tell the person something
    went wrong) let it through: the work is not failing, it is being done elsewhere.
    """


class WorkInterrupted(BaseException):
    """The database went away while a claimed row's work ran (a restart, a failover): tell no one, finish nothing.

    The row stays claimed, and is taken again once its lease lapses: its work is run again if nothing of it was
    committed, or only marked done if it was. A BaseException, like ClaimLost, to get past the safety nets.
    """


def working() -> bool:
    """Whether this code runs a claimed row's work (which is run again if it is interrupted)."""
    return _CLAIM.get() is not None


@dataclass(frozen=True)
class Claimed:
    """A row claimed for work: what Slack sent, and the claim that fences it."""

    id: int
    token: int
    body: str
    headers: Headers
    committed: bool  # an earlier run committed its effects and died before finishing
    urgent: bool = False  # it may open a modal, which Slack allows only within three seconds


_CLAIM: contextvars.ContextVar[Claimed | None] = contextvars.ContextVar("inbox_claim", default=None)


@contextmanager
def working_on(item: Claimed) -> Iterator[None]:
    """Within this block, every database commit belongs to `item`: see `_fence`."""
    reset = _CLAIM.set(item)
    try:
        yield
    finally:
        _CLAIM.reset(reset)


@event.listens_for(Session, "before_commit")
def _fence(session: Session) -> None:
    """Mark the claimed row committed in the same transaction as the work's effects, if the claim still holds."""
    item = _CLAIM.get()
    if item is None:
        return
    marked = session.execute(
        update(_INBOX)
        .where(_INBOX.c.id == item.id, _INBOX.c.claim_token == item.token, _INBOX.c.done_at.is_(None))
        .values(committed=True)
    )
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        raise ClaimLost(item.id)


class Inbox:
    """The inbox on one database; `lease` is how long a claim holds before another process may take the row."""

    def __init__(self, engine: Engine, lease: timedelta) -> None:
        self._engine = engine
        self._lease = lease
        self._writes = GroupCommit(self._write)
        self._writer: Connection | None = None  # held by the one thread writing at a time (see GroupCommit)
        # Built once, with its values bound at each call, so that SQLAlchemy compiles it once (its cache).
        self._put = postgresql.insert(_INBOX).on_conflict_do_nothing(index_elements=["key"]).returning(_INBOX.c.key)

    def put(self, key: str, body: str, headers: Headers, *, urgent: bool, now: datetime) -> bool:
        """Keep a request for its work; False if a request with this key is kept already (a replay, a retry).

        Requests arriving together are written together: one transaction for all those that arrived while the last
        one was being written (see `GroupCommit`), so that threads acknowledging Slack do not queue up, one
        transaction each, for the database's one writer.
        """
        row = {
            "key": key,
            "body": body,
            "headers": json.dumps(headers),
            "priority": 0 if urgent else 1,
            "received_at": now,
            "attempts": 0,
            "committed": False,
        }
        return self._writes.put(row)

    def _write(self, rows: list[dict[str, Any]]) -> list[bool]:
        """Write `rows` in one transaction on a connection kept for these writes, which come hundreds a second."""
        unique = list({row["key"]: row for row in rows}.values())  # a replay may arrive beside its original
        if self._writer is None:
            self._writer = self._engine.connect()
        try:
            if self._writer.dialect.name == "postgresql":
                with self._writer.begin():
                    kept = set(self._writer.execute(self._put, unique).scalars())
            else:
                kept = self._insert_sqlite(self._writer, unique)
        except BaseException:
            self._writer.close()  # the next write opens a fresh one, whatever state this one was left in
            self._writer = None
            raise
        first = {id(row) for row in unique}
        return [row["key"] in kept and id(row) in first for row in rows]

    def _insert_sqlite(self, connection: Connection, rows: list[dict[str, Any]]) -> set[str]:
        """The keys of the rows written (the others were there already), in one statement run by the driver.

        While a thread holds SQLite's one writer, every step it takes in Python waits its turn for the interpreter
        among the threads acknowledging Slack, so the lock is held for the least Python there can be: one statement,
        its own transaction, with no BEGIN or COMMIT around it and none of SQLAlchemy's work per statement.
        """
        insert_rows = prepared_insert(_INBOX, tuple(rows[0]), connection.dialect, unique="key", rows=len(rows))
        values = insert_rows.values(*rows)
        refuse_nul_in(values, what=insert_rows.sql)  # the engine's check sees only what SQLAlchemy runs
        driver = connection.connection.dbapi_connection
        with writing(self._engine, driver):
            cursor = driver.execute(insert_rows.sql, values)  # type: ignore[union-attr]
            written, last = cursor.rowcount, cursor.lastrowid
        if written == len(rows):
            return {row["key"] for row in rows}
        if not written:
            return set()
        # A replay beside rows never seen: those written took the ids up to the last one, one after the other.
        taken = driver.execute(_WRITTEN, (last - written, last))  # type: ignore[union-attr]
        return {key for (key,) in taken}

    def claim(self, worker: str, limit: int, now: datetime, finished: Sequence[Claimed] = ()) -> list[Claimed]:
        """Up to `limit` rows waiting (or whose claim lapsed), urgent first, then oldest first.

        `finished` rows are marked done in the same transaction: a busy worker pays one transaction per round,
        not one per row, and leaves the database's one writer free for acknowledgements sooner.
        """
        token = secrets.randbits(62)
        bound = {"worker": worker, "token": token, "until": now + self._lease, "now": now, "limit": limit}
        if self._engine.dialect.name == "sqlite":
            rows = self._claim_sqlite(bound, finished)
        else:
            with self._engine.begin() as connection:
                if finished:
                    connection.execute(_FINISHING, [{"row": i.id, "token": i.token, "done": now} for i in finished])
                rows = [tuple(row) for row in connection.execute(_CLAIMING, bound)] if limit else []
        ordered = sorted(rows, key=lambda row: (row[1], row[0]))  # urgent first, then oldest first
        return [
            Claimed(id, token, body, json.loads(headers), bool(committed), urgent=priority == 0)
            for id, priority, body, headers, committed in ordered
        ]

    def _claim_sqlite(self, bound: dict[str, Any], finished: Sequence[Claimed]) -> list[tuple[Any, ...]]:
        """`claim` on SQLite, holding the one writer for two statements run by the driver, each its own transaction.

        The acknowledgements wait for the writer meanwhile, and every call into the driver lets go of the
        interpreter, which then takes its turn among the acknowledging threads before this one goes on. So the
        finished rows are marked in one statement (not one per row), the claim returns nothing (a statement
        returning rows is stepped once per row), and what it took is read after the writer is free.
        """
        dialect = self._engine.dialect
        claiming, finishing = prepared(_CLAIM_ROWS, dialect), prepared(_FINISHING_MANY, dialect)
        claim_values = claiming.values(bound)
        pairs = json.dumps([[item.id, item.token] for item in finished])
        finished_values = finishing.values({"finished": pairs, "done": bound["now"]})
        with self._engine.connect() as connection:
            driver: Any = connection.connection.dbapi_connection
            with writing(self._engine, driver):
                if finished:
                    driver.execute(finishing.sql, finished_values)
                if bound["limit"]:
                    driver.execute(claiming.sql, claim_values)
        if not bound["limit"]:
            return []
        with self._engine.execution_options(**{READING: True}).connect() as connection:
            return [tuple(row) for row in connection.execute(_READ_CLAIMED, {"token": bound["token"]})]

    def finish(self, item: Claimed, now: datetime) -> bool:
        """Mark the row done; False if its claim had lapsed and another process took it over."""
        with self._engine.begin() as connection:
            return self._finish(connection, [item], now) == 1

    def _finish(self, connection: Connection, items: Sequence[Claimed], now: datetime) -> int:
        done = connection.execute(_FINISHING, [{"row": item.id, "token": item.token, "done": now} for item in items])
        return int(done.rowcount)

    def release(self, worker: str) -> int:
        """Give back what `worker` claimed and did not finish (it stopped, or died), for others to take now."""
        with self._engine.begin() as connection:
            released = connection.execute(
                update(_INBOX)
                .where(_INBOX.c.claimed_by == worker, _INBOX.c.done_at.is_(None))
                .values(claimed_by=None, claim_token=None, claimed_until=None)
            )
        return int(released.rowcount)

    def claimants(self, prefix: str) -> list[str]:
        """The workers, named with `prefix`, that hold claims on rows not done yet."""
        with self._engine.connect() as connection:
            found = connection.execute(
                select(_INBOX.c.claimed_by)
                .distinct()
                .where(_INBOX.c.done_at.is_(None), _INBOX.c.claimed_by.startswith(prefix, autoescape=True))
            )
            return [str(name) for name in found.scalars()]

    def purge(self, done_before: datetime) -> int:
        """Forget work done before `done_before`: kept until then only so that a replay finds its key taken."""
        with self._engine.begin() as connection:
            return int(connection.execute(delete(_INBOX).where(_INBOX.c.done_at < done_before)).rowcount)

    def counts(self) -> dict[str, int]:
        """How many rows are waiting, claimed and done (for the CLI and the tests)."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(
                    func.count().filter(_INBOX.c.done_at.is_(None), _INBOX.c.claimed_by.is_(None)),
                    func.count().filter(_INBOX.c.done_at.is_(None), _INBOX.c.claimed_by.is_not(None)),
                    func.count().filter(_INBOX.c.done_at.is_not(None)),
                )
            ).one()
        return {"waiting": int(rows[0]), "claimed": int(rows[1]), "done": int(rows[2])}
