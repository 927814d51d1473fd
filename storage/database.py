"""Engines, sessions and schema migrations for SQLite (embedded default) and PostgreSQL."""

import gc
from collections.abc import Callable, Sequence
from importlib.resources import files
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from storage.sweep_helpers import PartsElsewhere, SweepHelpers
from storage.tables import RelationshipRow, WorkspaceRow
from storage.text_guard import refuse_nul
from storage.uow import SqlSweepUnitOfWork, SqlUnitOfWork, reading_only
from storage.writer_lock import READING, WriterLock


def make_engine(url: str, **options: Any) -> Engine:
    """An engine tuned for its backend (SQLite in WAL mode with a busy timeout, PostgreSQL with pre-ping) that
    refuses a NUL in any bound string."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        if file := sqlite_file(url):
            WriterLock(f"{file}.writers").guard(engine)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True, **options)
    refuse_nul(engine)
    return engine


def sqlite_file(url: str) -> str | None:
    """The file an SQLite URL names; None for an in-memory database, which only its own process can open."""
    parsed = make_url(url)
    file = parsed.database
    return file if file and file != ":memory:" and not parsed.query.get("uri") else None


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    # Python's sqlite3 begins transactions lazily and ends them on its own: a savepoint's release would then
    # commit everything before it. Take transaction control back (SQLAlchemy's recipe), and begin explicitly.
    connection.isolation_level = None
    # WAL lets readers run beside the writer; foreign keys are off in SQLite unless asked for.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Straight to the driver: SQLAlchemy's run of a statement costs more than SQLite's BEGIN, at every transaction.
    driver = connection.connection.dbapi_connection
    if connection.get_execution_options().get(READING):
        # Only reads: a deferred transaction sees one snapshot and never waits for, nor holds up, the writer.
        driver.execute("BEGIN")
        return
    # IMMEDIATE takes the write lock up front. A deferred transaction that reads and then writes fails at once
    # with "database is locked" when another writer committed in between, whatever the busy timeout; an
    # immediate one waits its turn (up to the timeout) instead. Transactions are short, one at a time is what
    # SQLite allows writers anyway, and PostgreSQL is there for scale.
    driver.execute("BEGIN IMMEDIATE")


def alembic_config(engine: Engine) -> Config:
    """Alembic settings built in code, so migrations run from an installed package without an ini file."""
    config = Config()
    config.set_main_option("script_location", str(files("storage") / "migrations"))
    config.attributes["engine"] = engine
    return config


class Database:
    """An engine plus the session factory and the per-workspace units of work built on it."""

    def __init__(self, url: str, *, helpers: SweepHelpers | None = None, **options: Any) -> None:
        """`helpers`: processes that sweep a large database's parts beside this one's (not for an in-memory SQLite
        database, which no other process can open); `options` go to the engine."""
        self.url = url
        shared = make_url(url).get_backend_name() != "sqlite" or sqlite_file(url) is not None
        self.helpers = helpers if shared else None
        self._elsewhere = PartsElsewhere(self.helpers, url, _sweep_part) if self.helpers else None
        self.engine = make_engine(url, **options)
        self.sessions: sessionmaker[Session] = sessionmaker(self.engine, class_=Session, expire_on_commit=False)
        readers = self.engine.execution_options(**{READING: True})
        self.reading_sessions = reading_only(sessionmaker(readers, class_=Session, expire_on_commit=False))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def upgrade(self, revision: str = "head") -> None:
        command.upgrade(alembic_config(self.engine), revision)

    def revision(self) -> str | None:
        """The schema revision the database is at; None when no migration has run."""
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def at_head(self) -> bool:
        head = ScriptDirectory.from_config(alembic_config(self.engine)).get_current_head()
        return self.revision() == head

    def team_ids(self) -> list[str]:
        """Every workspace (tenant) with data and Accord still installed, for jobs that visit each in turn."""
        query = select(WorkspaceRow.team_id).where(col(WorkspaceRow.uninstalled_at).is_(None))
        with self.sessions() as session:
            return list(session.exec(query.order_by(col(WorkspaceRow.team_id))))

    def partner_hosts(self, partner: str) -> list[str]:
        """The tenants that run a joint relationship with `partner` (another organisation's workspace, taking part
        in their shared channel): where that organisation's own installation finds what it takes part in."""
        query = select(RelationshipRow.team_id).where(col(RelationshipRow.partner_team_id) == partner).distinct()
        with self.reading_sessions() as session:
            return sorted(session.exec(query))

    def uow(self, team_id: str) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, team_id, self.reading_sessions)

    def sweeping(self, team_ids: Sequence[str]) -> SqlSweepUnitOfWork:
        """A unit of work for the nudge sweep over these workspaces at once."""
        return SqlSweepUnitOfWork(self.sessions, team_ids, self.reading_sessions, self._elsewhere)

    def dispose(self) -> None:
        self.engine.dispose()


Result = TypeVar("Result")
_helper_databases: dict[str, Database] = {}  # in a sweep helper: one engine per database it was handed parts of


def _sweep_part(url: str, team_ids: tuple[str, ...], part: Callable[[SqlSweepUnitOfWork], Result]) -> Result:
    """In a sweep helper (`storage.sweep_helpers`): a part of a sweep, run on this process's own engine, with the
    cyclic collector paused as `bot/nudges/sweep.py` pauses it for the whole sweep."""
    database = _helper_databases.get(url) or _helper_databases.setdefault(url, Database(url))
    gc.disable()
    try:
        return part(database.sweeping(team_ids))
    finally:
        gc.enable()
