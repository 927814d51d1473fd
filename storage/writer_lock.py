"""One SQLite writer at a time, across threads and processes, queued by the kernel instead of by SQLite's sleeps.

SQLite lets one transaction write at a time; one that finds the database locked sleeps and tries again, for 1, 2,
5, 10 ... up to 100 ms between tries, and whoever tries at the right moment wins. Under load a thread that
acknowledges Slack could lose that race for a quarter of a second while work processes write one short
transaction after another. Here every write transaction first takes an exclusive `flock` on a file beside the
database: the kernel wakes a waiter the moment the lock is free, so none waits longer than the transactions
before it.
"""

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event

READING = "accord_reading"  # the execution option of connections that only read: they take no writer's lock


class WriterLock:
    def __init__(self, path: str) -> None:
        self._path = path
        self._mine = threading.local()  # write transactions this thread holds: a second would wait for ever

    def guard(self, engine: Engine) -> None:
        """Take the lock as each transaction begins; give it back once the database has committed or rolled back."""
        _locks[engine] = self
        event.listen(engine, "begin", self._take)
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection: Any) -> None:
            try:
                commit(dbapi_connection)
            finally:
                self._give_back(dbapi_connection)

        def do_rollback(dbapi_connection: Any) -> None:
            try:
                rollback(dbapi_connection)
            finally:
                self._give_back(dbapi_connection)

        dialect.do_commit = do_commit  # type: ignore[method-assign]
        dialect.do_rollback = do_rollback  # type: ignore[method-assign]
        event.listen(engine, "close", lambda dbapi_connection, _record: self._close(dbapi_connection))

    @contextmanager
    def held(self, dbapi_connection: Any) -> Iterator[None]:
        """The lock, for statements run on the driver's connection itself, past SQLAlchemy's transaction events."""
        self._lock(dbapi_connection)
        try:
            yield
        finally:
            self._give_back(dbapi_connection)

    def _take(self, connection: Any) -> None:
        if connection.get_execution_options().get(READING):
            return
        self._lock(connection.connection.dbapi_connection)

    def _lock(self, dbapi_connection: Any) -> None:
        if getattr(self._mine, "held", 0):
            raise RuntimeError("a second write transaction in this thread would wait for its first one for ever")
        fd = _fds.get(id(dbapi_connection))
        if fd is None:
            fd = _fds[id(dbapi_connection)] = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        _held[id(dbapi_connection)] = self
        self._mine.held = 1

    def _give_back(self, connection: Any) -> None:
        # SQLAlchemy hands do_commit the pool's proxy of the connection, and events the connection itself.
        dbapi_connection = getattr(connection, "dbapi_connection", connection)
        if _held.pop(id(dbapi_connection), None) is self:
            fcntl.flock(_fds[id(dbapi_connection)], fcntl.LOCK_UN)
            self._mine.held = 0

    def _close(self, dbapi_connection: Any) -> None:
        self._give_back(dbapi_connection)
        fd = _fds.pop(id(dbapi_connection), None)
        if fd is not None:
            os.close(fd)


def writing(engine: Engine, dbapi_connection: Any) -> AbstractContextManager[None]:
    """`engine`'s writer lock for statements run on the driver's connection, if it has one (an SQLite file)."""
    lock = _locks.get(engine)
    return lock.held(dbapi_connection) if lock else nullcontext()


_locks: WeakKeyDictionary[Engine, WriterLock] = WeakKeyDictionary()
_fds: dict[int, int] = {}  # a lock file descriptor per database connection: flock locks belong to descriptors
_held: dict[int, WriterLock] = {}
