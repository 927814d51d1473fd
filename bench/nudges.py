"""Cost of the nudge sweep against big workspaces, on SQLite and PostgreSQL.

For each backend and size N, a fresh database (migrated with Alembic) is seeded in bulk with N relationships
in one workspace: by default 10% have their review overdue, 8% their exit strategy review overdue, and 5% an
open tier-1 dispute past its 7-day limit (half of them also past the one-day grace, so they climb a tier); every
one has 10 risks on its register, and on 10% one risk's review is overdue; every one has 5 value-creation ideas,
and on 10% one of them has not moved for IDEA_STALE_DAYS (stale); every one has a meeting of its joint management
team on record, and on 10% it is 30 days old or more, so the next is due; every one has 10 actions, and on 10%
one of them is overdue (its owner's sponsor told too once it is a week late). The rest are due in the future and
must not be read at all. Then, at a fixed `now`, it measures:

  find    `due_nudges` alone: reading what is due and working out the nudges (read only, nothing written);
  sweep   the first `sweep_many`: finds everything due, climbs the disputes, fills the outbox; split into
          "climb s" (the disputes moved up, `dispute_service.climb_many`) and "enq s" (the outbox inserts, summed);
          on PostgreSQL the sweep's three parts run side by side, so these overlap and may add up to more than
          the sweep; the median of --repeat first sweeps, each on an identical copy of the seeded database;
  again   a second sweep at the same `now`: everything due is already in the outbox, so nothing is enqueued;
  +1h     a sweep an hour later: still nothing new.

Time is wall time with tracemalloc off. Memory is measured on an identical copy of the seeded database (a file
copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL), sweeping again under tracemalloc: "py MB" is the
tracemalloc peak (Python allocations only), "rss MB" the growth of the process's peak RSS during the timed
sweep (VmHWM, reset before each phase through /proc/self/clear_refs; falls back to ru_maxrss, which only
moves when a phase beats the earlier peak).

A third scenario spreads N relationships over many workspaces (default 1,000 of 100 each), swept in batches of
200 workspaces as the nudge job does, beside a single workspace of the same N in the same run: the ratio of the
two sweeps is the cost of many tenants (target: within 1.3x).

A second scenario keeps the number of due items fixed (default 10,000: 50% reviews, 40% exit reviews, 10%
disputes) while N grows, to show that a sweep costs what is due, not the size of the workspace.

    python bench/nudges.py [--sizes 10000,100000,1000000] [--backends sqlite,postgresql]
                           [--postgres-url postgresql+psycopg://postgres@127.0.0.1:55432/postgres]
                           [--fixed-due 10000] [--fixed-due-sizes 100000,1000000] [--profile 100000]
                           [--tenants 1000x100]

The PostgreSQL server may also be given as ACCORD_BENCH_POSTGRES_URL; each run creates `accord_bench_<n>...`
databases on it and drops them afterwards. Targets: a first sweep at 100k relationships, with their registers,
under 3 s and 300 MB.
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.nudges.delivery import SWEEP_BATCH  # noqa: E402
from bot.nudges.sweep import sweep_batch  # noqa: E402
from bot.settings import Settings  # noqa: E402
from stages import nudge_service  # noqa: E402
from stages.catalogue import Cadences, default_catalogue  # noqa: E402
from stages.nudges import NudgePolicy  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.repositories.sweep import SqlSweepRepository  # noqa: E402
from storage.sweep_helpers import SweepHelpers  # noqa: E402
from storage.tables import NudgeRow  # noqa: E402

TEAM = "T0BENCH"
NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)  # a Wednesday morning: an hour later is still the same day
TODAY = NOW.date()
OWNERS = 500  # distinct relationship owners, so nudges go to many people
SPONSORS = 100
BATCH = 10_000
REVIEW_TARGET_S = 3.0  # first sweep at 100k relationships with their registers (2 s before there were registers)
MEMORY_TARGET_MB = 300.0
TARGET_N = 100_000
LARGE_N, LARGE_TARGET_S = 1_000_000, 15.0  # first sweep of one workspace of a million relationships
TENANTS_TARGET = 1.3  # many workspaces' sweep against one workspace of the same N
MB = 1024 * 1024

RELATIONSHIP_COLUMNS = (
    "id",
    "team_id",
    "name",
    "name_key",
    "partner",
    "owner_id",
    "sponsor_id",
    "channel_id",
    "review_cadence_days",
    "stage",
    "status",
    "created_by",
    "created_at",
    "next_review_due",
    "exit_review_cadence_days",
    "next_exit_review_due",
    "meetings_from",
)
DISPUTE_COLUMNS = (
    "team_id",
    "relationship_id",
    "summary",
    "raised_by",
    "raised_at",
    "owner_id",
    "tier",
    "tier_since",
    "status",
    "version",
)

RISK_COLUMNS = (
    "team_id",
    "relationship_id",
    "form_key",
    "title",
    "description",
    "category",
    "breakdown_effect",
    "likelihood",
    "impact",
    "owner_id",
    "mitigation",
    "next_review",
    "internal",
    "side",
    "raised_by",
    "raised_at",
)
RISKS_EACH = 10  # risks on each relationship's register, one of them overdue where its review is due

IDEA_COLUMNS = (
    "team_id",
    "relationship_id",
    "form_key",
    "title",
    "proposer_id",
    "owner_id",
    "value_home",
    "value_partner",
    "expected_amount",
    "expected_unit",
    "expected_words",
    "status",
    "next_decision",
    "internal",
    "side",
    "raised_by",
    "raised_at",
    "moved_on",
)
IDEAS_EACH = 5  # value-creation ideas of each relationship, one of them stale where one is
OPEN_STATUSES = ("proposed", "agreed", "in_delivery")
ACTION_COLUMNS = (
    "team_id",
    "relationship_id",
    "form_key",
    "title",
    "owner_id",
    "owner_side",
    "owner_tz",
    "due",
    "source",
    "source_id",
    "internal",
    "side",
    "added_by",
    "added_at",
)
ACTIONS_EACH = 10  # actions on each relationship's register, one of them overdue where some are
MEETING_COLUMNS = (
    "team_id",
    "relationship_id",
    "form_key",
    "held_on",
    "home_attendees",
    "partner_attendees",
    "minutes",
    "decisions",
    "internal",
    "side",
    "one_side_reason",
    "recorded_by",
    "recorded_at",
)

T = TypeVar("T")
Batches = Iterator[list[tuple[Any, ...]]]


# --- what to seed -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How many of `n` relationships are due for each kind of nudge; the due ones are spread evenly."""

    scenario: str
    n: int
    reviews: int  # review overdue
    exits: int  # exit strategy review overdue
    disputes: int  # open tier-1 dispute past its limit; every other one also past the grace, so it climbs
    tenants: int = 1  # workspaces sharing the n relationships equally, swept in batches
    risk_reviews: int = 0  # relationships with a risk whose review is overdue (every one has RISKS_EACH risks)
    stale_ideas: int = 0  # relationships with a stale value-creation idea (every one has IDEAS_EACH ideas)
    meetings: int = 0  # relationships whose last meeting is a cadence old or more (every one has one on record)
    overdue_actions: int = 0  # relationships with an overdue action (every one has ACTIONS_EACH actions)

    @classmethod
    def mix(cls, n: int) -> "Plan":
        tenth = n * 10 // 100
        return cls(
            "mix",
            n,
            tenth,
            n * 8 // 100,
            n * 5 // 100,
            risk_reviews=tenth,
            stale_ideas=tenth,
            meetings=tenth,
            overdue_actions=tenth,
        )

    @classmethod
    def spread(cls, tenants: int, each: int) -> "Plan":
        mix = cls.mix(tenants * each)
        return cls(
            f"{tenants:,}x{each:,}",
            mix.n,
            mix.reviews,
            mix.exits,
            mix.disputes,
            tenants,
            risk_reviews=mix.risk_reviews,
            stale_ideas=mix.stale_ideas,
            meetings=mix.meetings,
            overdue_actions=mix.overdue_actions,
        )

    @classmethod
    def fixed(cls, n: int, due: int) -> "Plan":
        return cls(f"due={due:,}", n, due * 50 // 100, due * 40 // 100, due - due * 50 // 100 - due * 40 // 100)

    @property
    def due_items(self) -> int:
        return (
            self.reviews
            + self.exits
            + self.disputes
            + self.risk_reviews
            + self.stale_ideas
            + self.meetings
            + self.overdue_actions
        )

    @property
    def slug(self) -> str:
        if self.tenants > 1:
            return f"{self.n}_tenants{self.tenants}"
        return str(self.n) if self.scenario == "mix" else f"{self.n}_due{self.due_items}"

    @property
    def teams(self) -> list[str]:
        return [self._team(k) for k in range(self.tenants)]

    def team(self, i: int) -> str:
        """The workspace of relationship `i`: consecutive blocks of n / tenants."""
        return self._team(i * self.tenants // self.n)

    def _team(self, k: int) -> str:
        return TEAM if self.tenants == 1 else f"{TEAM}{k:05d}"


@dataclass
class Expected:
    """What the first sweep should enqueue and escalate, counted while seeding."""

    nudges: int = 0
    escalations: int = 0


def _hit(i: int, count: int, n: int, offset: int) -> bool:
    """Exactly `count` of the `n` indexes hit, evenly spread; `offset` decorrelates the kinds."""
    j = (i + offset) % n
    return (j * count) // n != ((j + 1) * count) // n


def relationship_rows(plan: Plan, expected: Expected) -> Batches:
    """Batches of relationship rows in RELATIONSHIP_COLUMNS order (ids 1..n), never all of them at once."""
    created_at = NOW - timedelta(days=200)
    batch: list[tuple[Any, ...]] = []
    for i in range(plan.n):
        if _hit(i, plan.reviews, plan.n, 0):
            overdue = 1 + (i * 13) % 60
            review_due = TODAY - timedelta(days=overdue)
            expected.nudges += 2 if overdue >= NudgePolicy().escalate_after_days else 1  # owner, then sponsor
        else:
            review_due = TODAY + timedelta(days=1 + i % 89)
        if _hit(i, plan.exits, plan.n, plan.n // 3):
            overdue = 1 + (i * 17) % 90
            exit_due = TODAY - timedelta(days=overdue)
            expected.nudges += 2 if overdue >= NudgePolicy().escalate_after_days else 1
        else:
            exit_due = TODAY + timedelta(days=1 + i % 179)
        name = f"Bench Alliance {i:07d}"
        batch.append(
            (
                i + 1,
                plan.team(i),
                name,
                name.casefold(),
                f"Partner {i % 9973} Ltd",
                _owner(i),
                f"US{i % SPONSORS:07d}",
                f"C{i:010d}",
                90,
                1 + i % 8,
                "active",
                _owner(i),
                created_at,
                review_due,
                180,
                exit_due,
                _meeting_held(plan, i),  # its one joint meeting (`meeting_rows`), as recording it would keep
            )
        )
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def dispute_rows(plan: Plan, expected: Expected) -> Batches:
    """Open tier-1 disputes: half 7.5 days at their tier (nudge only), half 9 days (nudge, then climb)."""
    batch: list[tuple[Any, ...]] = []
    k = 0
    for i in range(plan.n):
        if not _hit(i, plan.disputes, plan.n, 2 * plan.n // 3):
            continue
        climbs = k % 2 == 1
        k += 1
        since = NOW - (timedelta(days=9) if climbs else timedelta(days=7, hours=12))
        expected.nudges += 1
        if climbs:  # the relationship's owner keeps it at tier 2, so nobody is told it is now theirs
            expected.escalations += 1
        raiser = f"UR{(i * 31) % 1000:07d}"
        summary = f"Late deliveries on order {i}"
        batch.append((plan.team(i), i + 1, summary, raiser, since, _owner(i), 1, since, "open", 1))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def risk_rows(plan: Plan, expected: Expected) -> Batches:
    """RISKS_EACH open risks per relationship, reviews ahead; on `risk_reviews` of them one review is overdue."""
    raised_at = NOW - timedelta(days=120)
    batch: list[tuple[Any, ...]] = []
    for i in range(plan.n):
        overdue = _hit(i, plan.risk_reviews, plan.n, plan.n // 5)
        expected.nudges += 1 if overdue else 0
        for k in range(RISKS_EACH):
            late = overdue and k == 0
            review = TODAY - timedelta(days=1 + i % 30) if late else TODAY + timedelta(days=1 + (i + k) % 60)
            batch.append(
                (
                    plan.team(i), i + 1, f"bench-{i}-{k}", f"Risk {k} of {i}", "", "operational", "Deliveries stop",
                    1 + k % 5, 1 + (i + k) % 5, _owner(i), "", review, False, "home", _owner(i), raised_at,
                )
            )  # fmt: skip
            if len(batch) == BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def idea_rows(plan: Plan, expected: Expected) -> Batches:
    """IDEAS_EACH open ideas per relationship, each moved within IDEA_STALE_DAYS; on `stale_ideas` of them one has
    not moved for longer (stale, its owner nudged)."""
    stale_days = NudgePolicy().idea_stale_days
    raised_at = NOW - timedelta(days=400)
    batch: list[tuple[Any, ...]] = []
    for i in range(plan.n):
        stale = _hit(i, plan.stale_ideas, plan.n, plan.n // 7)
        expected.nudges += 1 if stale else 0
        for k in range(IDEAS_EACH):
            moved_on = TODAY - timedelta(days=stale_days + i % 30 if stale and k == 0 else (i + k) % stale_days)
            batch.append(
                (
                    plan.team(i), i + 1, f"bench-idea-{i}-{k}", f"Idea {k} of {i}", _owner(i), _owner(i), "Lower costs",
                    "Faster deliveries", "12000", "GBP", "A year's rent saved", OPEN_STATUSES[k % 3],
                    TODAY + timedelta(days=1 + (i + k) % 60), False, "home", _owner(i), raised_at, moved_on,
                )
            )  # fmt: skip
            if len(batch) == BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def action_rows(plan: Plan, expected: Expected) -> Batches:
    """ACTIONS_EACH open actions per relationship, due ahead; on `overdue_actions` of them one is overdue, its
    owner reminded, and once a week late its owner's sponsor too."""
    added_at = NOW - timedelta(days=60)
    batch: list[tuple[Any, ...]] = []
    for i in range(plan.n):
        overdue = _hit(i, plan.overdue_actions, plan.n, plan.n // 7)
        late_by = 1 + i % 30
        if overdue:
            expected.nudges += 2 if late_by >= NudgePolicy().escalate_after_days else 1  # owner, then sponsor
        for k in range(ACTIONS_EACH):
            due = TODAY - timedelta(days=late_by) if overdue and k == 0 else TODAY + timedelta(days=1 + (i + k) % 60)
            batch.append(
                (
                    plan.team(i), i + 1, f"bench-{i}-{k}", f"Action {k} of {i}", _owner(i), "home", "", due, "hand",
                    None, False, "home", _owner(i), added_at,
                )
            )  # fmt: skip
            if len(batch) == BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def meeting_rows(plan: Plan, expected: Expected) -> Batches:
    """One joint meeting per relationship, held within the cadence; on `meetings` of them a cadence ago or more, so
    the next is due and its owner is reminded (the relationships are not joint: no partner manager)."""
    recorded_at = NOW - timedelta(days=1)
    batch: list[tuple[Any, ...]] = []
    for i in range(plan.n):
        expected.nudges += 1 if _meeting_due(plan, i) else 0
        batch.append(
            (
                plan.team(i), i + 1, f"bench-meeting-{i}", _meeting_held(plan, i), _owner(i), "",
                "Went through the plan", "", False, "home", "", _owner(i), recorded_at,
            )
        )  # fmt: skip
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _meeting_due(plan: Plan, i: int) -> bool:
    return _hit(i, plan.meetings, plan.n, plan.n // 7)


def _meeting_held(plan: Plan, i: int) -> date:
    """The day relationship `i`'s one joint meeting was held: a cadence ago or more where the next is due."""
    cadence = NudgePolicy().meeting_cadence_days
    return TODAY - timedelta(days=cadence + i % 30 if _meeting_due(plan, i) else 1 + i % (cadence - 1))


def _owner(i: int) -> str:
    return f"UO{i % OWNERS:07d}"


def seed(db: Database, plan: Plan) -> Expected:
    expected = Expected()
    with db.engine.begin() as connection:
        workspaces = [{"team_id": team, "created_at": NOW - timedelta(days=365)} for team in plan.teams]
        connection.execute(insert(_table("workspace")), workspaces)
    if db.is_sqlite:
        _insert_rows(db.engine, "relationship", RELATIONSHIP_COLUMNS, relationship_rows(plan, expected))
        _insert_rows(db.engine, "dispute", DISPUTE_COLUMNS, dispute_rows(plan, expected))
        _insert_rows(db.engine, "risk", RISK_COLUMNS, risk_rows(plan, expected))
        _insert_rows(db.engine, "idea", IDEA_COLUMNS, idea_rows(plan, expected))
        _insert_rows(db.engine, "meeting", MEETING_COLUMNS, meeting_rows(plan, expected))
        _insert_rows(db.engine, "action_item", ACTION_COLUMNS, action_rows(plan, expected))
        return expected
    _copy_rows(db.engine, "relationship", RELATIONSHIP_COLUMNS, relationship_rows(plan, expected))
    _copy_rows(db.engine, "dispute", DISPUTE_COLUMNS, dispute_rows(plan, expected))
    _copy_rows(db.engine, "risk", RISK_COLUMNS, risk_rows(plan, expected))
    _copy_rows(db.engine, "idea", IDEA_COLUMNS, idea_rows(plan, expected))
    _copy_rows(db.engine, "meeting", MEETING_COLUMNS, meeting_rows(plan, expected))
    _copy_rows(db.engine, "action_item", ACTION_COLUMNS, action_rows(plan, expected))
    with db.engine.begin() as connection:
        # ids were given explicitly: move the sequence past them, as if the rows had been added one by one
        connection.execute(text("SELECT setval(pg_get_serial_sequence('relationship', 'id'), :n)"), {"n": plan.n})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # what autovacuum would soon do on its own: statistics for the planner, hint bits set
        connection.execute(text("VACUUM ANALYZE"))
    return expected


def _table(name: str) -> Any:
    return SQLModel.metadata.tables[name]


def _insert_rows(engine: Engine, table: str, columns: tuple[str, ...], batches: Batches) -> None:
    """Bulk Core inserts (executemany), one transaction, a batch at a time."""
    statement = insert(_table(table))
    with engine.begin() as connection:
        for batch in batches:
            connection.execute(statement, [dict(zip(columns, row, strict=True)) for row in batch])


def _copy_rows(engine: Engine, table: str, columns: tuple[str, ...], batches: Batches) -> None:
    """PostgreSQL COPY through psycopg, a batch at a time."""
    raw = engine.raw_connection()
    connection: Any = raw.driver_connection  # a psycopg Connection
    try:
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for batch in batches:
                for row in batch:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


# --- databases --------------------------------------------------------------------------------------------------


class Backend:
    """Fresh databases of one kind, and identical copies of them."""

    name: str

    def create(self, slug: str) -> str:
        raise NotImplementedError

    def clone(self, url: str, slug: str) -> str:
        raise NotImplementedError

    def drop(self, url: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def settle(self) -> None:
        """Write out what seeding and copying left in memory, so that its writeback does not land in a timed
        sweep (copies of a million relationships are gigabytes)."""
        os.sync()


class SqliteBackend(Backend):
    name = "sqlite"

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="accord-bench-")

    def create(self, slug: str) -> str:
        return f"sqlite:///{Path(self._dir.name) / f'accord_bench_{slug}.db'}"

    def clone(self, url: str, slug: str) -> str:
        # The source engine is disposed, so its WAL is checkpointed into the main file.
        source = Path(make_url(url).database or "")
        copy = Path(self._dir.name) / f"accord_bench_{slug}.db"
        shutil.copyfile(source, copy)
        return f"sqlite:///{copy}"

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        self._dir.cleanup()


class PostgresBackend(Backend):
    name = "postgresql"

    def __init__(self, server_url: str) -> None:
        self._server = make_url(server_url)
        self._admin = create_engine(server_url, isolation_level="AUTOCOMMIT")

    def _url(self, database: str) -> str:
        return self._server.set(database=database).render_as_string(hide_password=False)

    def create(self, slug: str) -> str:
        name = f"accord_bench_{slug}"
        self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._run(f'CREATE DATABASE "{name}"')
        return self._url(name)

    def clone(self, url: str, slug: str) -> str:
        source = make_url(url).database
        name = f"accord_bench_{slug}"
        self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # PostgreSQL 15 copies a database by default by writing all of it to its log (gigabytes at a million
        # relationships); the checkpoints that then recycle that log, and the memory it frees, landed in the timed
        # sweep. Copying the files, as every earlier version did, leaves the log as it was (docs/performance.md).
        strategy = " STRATEGY FILE_COPY" if self._version() >= 150000 else ""
        for attempt in range(20):
            try:
                self._run(f'CREATE DATABASE "{name}" TEMPLATE "{source}"{strategy}')
                break
            except Exception:
                if attempt == 19:
                    raise
                time.sleep(0.5)  # an autovacuum worker may be connected to the source for a moment
        return self._url(name)

    def drop(self, url: str) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def settle(self) -> None:
        self._run("CHECKPOINT")  # the server's own dirty buffers first
        super().settle()

    def _run(self, sql: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(sql))

    def _version(self) -> int:
        with self._admin.connect() as connection:
            return int(connection.execute(text("SHOW server_version_num")).scalar_one())

    def close(self) -> None:
        self._admin.dispose()


# --- measuring --------------------------------------------------------------------------------------------------


@dataclass
class Measurement:
    seconds: float
    rss_mb: float | None  # growth of the peak RSS while it ran
    py_mb: float | None = None  # tracemalloc peak, from the traced run on the copy
    phases: dict[str, float] = field(default_factory=dict)  # seconds spent climbing disputes, enqueueing
    each: tuple[float, ...] = ()  # the seconds of every run this one is the median of


_CLEAR_REFS = Path("/proc/self/clear_refs")
_STATUS = Path("/proc/self/status")


def _status_kb(field_name: str) -> int | None:
    try:
        found = re.search(rf"^{field_name}:\s+(\d+) kB", _STATUS.read_text(), re.MULTILINE)
    except OSError:
        return None
    return int(found.group(1)) if found else None


@contextmanager
def peak_rss() -> Iterator[list[float | None]]:
    """Yields a one-item list that holds, afterwards, how far the peak RSS rose above the RSS at the start (MB)."""
    out: list[float | None] = [None]
    try:
        _CLEAR_REFS.write_text("5")  # resets VmHWM to the current RSS (Linux 4.0+)
        start_kb = _status_kb("VmRSS")
        exact = start_kb is not None
    except OSError:
        exact = False
    before_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield out
    if exact and start_kb is not None and (hwm := _status_kb("VmHWM")) is not None:
        out[0] = max(hwm - start_kb, 0) / 1024
    else:
        out[0] = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_max, 0) / 1024  # only new highs


@contextmanager
def phase_timers() -> Iterator[dict[str, float]]:
    """Wraps the sweep's dispute climbs and outbox inserts with timers, for as long as the block runs.

    The sweep calls `climb_many` through its own module's name, so that name is swapped; a phase whose function is
    no longer there (renamed since) is left out of the breakdown rather than failing the run.
    """
    phases: dict[str, float] = {}
    namespace = vars(nudge_service)
    climb = namespace.get("climb_many")
    enqueue = getattr(SqlSweepRepository, "enqueue", None)

    def timed_climb(*args: Any, **kwargs: Any) -> Any:
        assert climb is not None
        started = time.perf_counter()
        try:
            return climb(*args, **kwargs)
        finally:
            phases["climb"] = phases.get("climb", 0.0) + time.perf_counter() - started

    def timed_enqueue(self: SqlSweepRepository, *args: Any, **kwargs: Any) -> Any:
        assert enqueue is not None
        started = time.perf_counter()
        try:
            return enqueue(self, *args, **kwargs)
        finally:
            phases["enqueue"] = phases.get("enqueue", 0.0) + time.perf_counter() - started

    if climb is not None:
        phases["climb"] = 0.0
        namespace["climb_many"] = timed_climb
    if enqueue is not None:
        phases["enqueue"] = 0.0
        SqlSweepRepository.enqueue = timed_enqueue  # type: ignore[method-assign]
    try:
        yield phases
    finally:
        if climb is not None:
            namespace["climb_many"] = climb
        if enqueue is not None:
            SqlSweepRepository.enqueue = enqueue  # type: ignore[method-assign]


def timed(fn: Callable[[], T]) -> tuple[T, Measurement]:
    with phase_timers() as phases, peak_rss() as rss:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return result, Measurement(seconds, rss[0], phases=phases)


def traced(fn: Callable[[], T]) -> tuple[T, float]:
    """Runs `fn` under tracemalloc; the peak of what it allocated (MB)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak / MB


# --- one run ----------------------------------------------------------------------------------------------------


@dataclass
class Run:
    backend: str
    plan: Plan
    revision: str | None = None
    seed_s: float = 0.0
    find: Measurement | None = None
    first: Measurement | None = None
    again: Measurement | None = None
    later: Measurement | None = None
    due: int = 0
    enqueued: int = 0
    escalated: int = 0
    again_enqueued: int = 0
    later_enqueued: int = 0
    outbox: int = 0
    expected: Expected = field(default_factory=Expected)

    @property
    def ok(self) -> bool:
        return (
            self.enqueued == self.expected.nudges == self.outbox
            and self.escalated == self.expected.escalations
            and self.again_enqueued == 0
            and self.later_enqueued == 0
        )


def sweeper(
    db: Database, cadences: Cadences, when: datetime, teams: tuple[str, ...] = (TEAM,)
) -> Callable[[], nudge_service.SweepResult]:
    """The workspaces swept in batches, as the nudge job does; one result summing them."""

    def sweep() -> nudge_service.SweepResult:
        batches = [teams[start : start + SWEEP_BATCH] for start in range(0, len(teams), SWEEP_BATCH)]
        results = [
            result
            for batch in batches
            for result in sweep_batch(db.sweeping(batch), cadences, NudgePolicy(), when).values()
        ]
        return nudge_service.SweepResult(
            sum(r.due for r in results),
            sum(r.enqueued for r in results),
            [c for r in results for c in r.escalated],
        )

    return sweep


def bench(
    backend: Backend,
    plan: Plan,
    cadences: Cadences,
    *,
    memory: bool,
    profile: bool,
    repeat: int,
    helpers: SweepHelpers | None,
) -> Run:
    run = Run(backend.name, plan)
    url = backend.create(plan.slug)
    copies: list[str] = []
    db = Database(url)
    try:
        db.upgrade()
        run.revision = db.revision()
        started = time.perf_counter()
        run.expected = seed(db, plan)
        run.seed_s = time.perf_counter() - started
        db.dispose()
        if memory:
            copies.append(backend.clone(url, f"{plan.slug}_mem"))
        if profile:
            copies.append(backend.clone(url, f"{plan.slug}_prof"))

        policy = NudgePolicy()
        teams = tuple(plan.teams)
        # The repeats first, each on a copy of the unswept original made just before and dropped right after:
        # copies of a million relationships are gigabytes each, and made all at once they pushed each other (and
        # the original) out of the page cache, so the sweeps read from disk.
        singles = [first_on_copy(backend, url, f"{plan.slug}_r{i}", cadences, teams, helpers) for i in range(1, repeat)]
        db = Database(url, helpers=helpers)  # the sweeps as the nudge job runs them
        _, run.find = timed(lambda: [nudge_service.due_nudges(db.uow(team), cadences, policy, NOW) for team in teams])
        backend.settle()
        first, run.first = timed(sweeper(db, cadences, NOW, teams))
        run.first = median([*singles, run.first])
        again, run.again = timed(sweeper(db, cadences, NOW, teams))
        later, run.later = timed(sweeper(db, cadences, NOW + timedelta(hours=1), teams))
        run.due, run.enqueued, run.escalated = first.due, first.enqueued, len(first.escalated)
        run.again_enqueued, run.later_enqueued = again.enqueued, later.enqueued
        with db.sessions() as session:
            run.outbox = session.execute(select(func.count()).select_from(_table(NudgeRow.__tablename__))).scalar_one()
        db.dispose()

        if memory:
            mem_db = Database(copies[0])
            try:
                _, run.first.py_mb = traced(sweeper(mem_db, cadences, NOW, teams))
                _, run.again.py_mb = traced(sweeper(mem_db, cadences, NOW, teams))
            finally:
                mem_db.dispose()
        if profile:
            prof_db = Database(copies[-1])
            try:
                print_profile(run, prof_db, cadences)
            finally:
                prof_db.dispose()
    finally:
        db.dispose()
        for copy in copies:
            backend.drop(copy)
        backend.drop(url)
    return run


def first_on_copy(
    backend: Backend,
    url: str,
    slug: str,
    cadences: Cadences,
    teams: tuple[str, ...],
    helpers: SweepHelpers | None,
) -> Measurement:
    """A first sweep of an identical copy of the database at `url`, dropped once swept."""
    copy_url = backend.clone(url, slug)
    try:
        copy = Database(copy_url, helpers=helpers)
        try:
            backend.settle()
            return timed(sweeper(copy, cadences, NOW, teams))[1]
        finally:
            copy.dispose()
    finally:
        backend.drop(copy_url)


def median(runs: list[Measurement]) -> Measurement:
    """The median of first sweeps of identical copies (one run on a shared machine is noisy), with every run's
    time."""
    ordered = sorted(runs, key=lambda m: m.seconds)
    return replace(ordered[len(ordered) // 2], each=tuple(m.seconds for m in runs))


def print_profile(run: Run, db: Database, cadences: Cadences) -> None:
    teams = tuple(run.plan.teams)
    profiler = cProfile.Profile()
    profiler.runcall(sweeper(db, cadences, NOW, teams))
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(30)
        print(f"\n--- cProfile of the first sweep, {run.backend}, {run.plan.scenario}, N={run.plan.n:,}, by {order}")
        print(out.getvalue())
    again = cProfile.Profile()
    again.runcall(sweeper(db, cadences, NOW, teams))
    out = io.StringIO()
    pstats.Stats(again, stream=out).strip_dirs().sort_stats("cumulative").print_stats(25)
    print(f"\n--- cProfile of the second sweep (nothing new), {run.backend}, N={run.plan.n:,}, by cumulative")
    print(out.getvalue())


# --- report -----------------------------------------------------------------------------------------------------


def _s(m: Measurement | None) -> str:
    return "-" if m is None else f"{m.seconds:.2f}"


def _phase(m: Measurement | None, name: str) -> str:
    return "-" if m is None or name not in m.phases else f"{m.phases[name]:.2f}"


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def print_table(runs: list[Run]) -> None:
    header = (
        f"{'backend':<10} {'scenario':<11} {'N':>9} {'due':>7} {'seed s':>7} {'find s':>7} {'sweep s':>8} "
        f"{'climb s':>7} {'enq s':>6} {'py MB':>6} {'rss MB':>6} {'again s':>8} {'enq s':>6} {'py MB':>6} "
        f"{'rss MB':>6} {'+1h s':>6} "
        f"{'enqueued':>8} {'escal.':>6} {'again':>5} {'check':>5}"
    )
    print(header)
    print("-" * len(header))
    for r in runs:
        first, again = r.first, r.again
        print(
            f"{r.backend:<10} {r.plan.scenario:<11} {r.plan.n:>9,} {r.plan.due_items:>7,} {r.seed_s:>7.1f} "
            f"{_s(r.find):>7} {_s(first):>8} {_phase(first, 'climb'):>7} {_phase(first, 'enqueue'):>6} "
            f"{_mb(first.py_mb if first else None):>6} {_mb(first.rss_mb if first else None):>6} {_s(again):>8} "
            f"{_phase(again, 'enqueue'):>6} {_mb(again.py_mb if again else None):>6} "
            f"{_mb(again.rss_mb if again else None):>6} {_s(r.later):>6} {r.enqueued:>8,} {r.escalated:>6,} "
            f"{r.again_enqueued + r.later_enqueued:>5} {'ok' if r.ok else 'BAD':>5}"
        )
    print(
        "\ndue = relationships/disputes due; find = due_nudges only (read); sweep = first sweep (median of the "
        "repeats),\nof which climb = disputes moved up and enq = outbox insert (in this process: parts swept in helper "
        "processes are not counted); again = second sweep, same now; +1h = sweep an hour later;\npy MB = tracemalloc "
        "peak of the whole sweep in one process (on a copy of the database); rss MB = peak RSS growth of this "
        "process; enqueued / escal. = first sweep;\nagain = enqueued by the two later sweeps (0 expected); "
        "check = counts as seeded."
    )
    bad = [r for r in runs if not r.ok]
    for r in bad:
        print(
            f"  BAD {r.backend} {r.plan.scenario} N={r.plan.n:,}: enqueued {r.enqueued} (outbox {r.outbox}, expected "
            f"{r.expected.nudges}), escalated {r.escalated} (expected {r.expected.escalations}), later sweeps "
            f"enqueued {r.again_enqueued} and {r.later_enqueued}"
        )


def print_targets(runs: list[Run]) -> None:
    print(
        f"\nTargets (mix): at N={TARGET_N:,} a first sweep < {REVIEW_TARGET_S:g} s and < {MEMORY_TARGET_MB:g} MB, "
        f"at N={LARGE_N:,} < {LARGE_TARGET_S:g} s"
    )
    for r in runs:
        if r.plan.scenario != "mix" or r.plan.n != TARGET_N or r.first is None:
            continue
        memory = r.first.py_mb if r.first.py_mb is not None else r.first.rss_mb
        rss = r.first.rss_mb or 0.0
        worst = max(memory or 0.0, rss)
        print(
            f"  {r.backend:<10} sweep {r.first.seconds:.2f} s "
            f"[{'met' if r.first.seconds < REVIEW_TARGET_S else 'MISSED'}], "
            f"py peak {_mb(r.first.py_mb)} MB / rss growth {_mb(r.first.rss_mb)} MB "
            f"[{'met' if worst < MEMORY_TARGET_MB else 'MISSED'}]"
        )
    for r in runs:
        if r.plan.scenario == "mix" and r.plan.n == LARGE_N and r.first is not None:
            print(
                f"  {r.backend:<10} sweep at N={LARGE_N:,} {r.first.seconds:.2f} s (target < {LARGE_TARGET_S:g} s) "
                f"[{'met' if r.first.seconds < LARGE_TARGET_S else 'MISSED'}]; each first sweep: "
                + ", ".join(f"{seconds:.2f} s" for seconds in r.first.each)
            )


def print_scaling(runs: list[Run]) -> None:
    print("\nNothing-new sweep (again s) against the number of relationships and of due items:")
    for backend in dict.fromkeys(r.backend for r in runs):
        for scenario in dict.fromkeys(r.plan.scenario for r in runs if r.backend == backend):
            group = sorted((r for r in runs if r.backend == backend and r.plan.scenario == scenario), key=_n)
            if len(group) < 2 or any(r.again is None for r in group):
                continue
            base = group[0]
            base_again = base.again.seconds if base.again else 1.0
            for r in group:
                seconds = r.again.seconds if r.again else 0.0
                print(
                    f"  {backend:<10} {scenario:<11} N={r.plan.n:>9,} due={r.plan.due_items:>7,}: "
                    f"{seconds:6.2f} s  x{seconds / base_again:5.1f} time, x{r.plan.n / base.plan.n:6.1f} "
                    f"relationships, x{r.plan.due_items / base.plan.due_items:6.1f} due"
                )


def print_tenants(runs: list[Run]) -> None:
    """Many workspaces against one of the same size: what sweeping tenant by tenant costs."""
    print(f"\nMany workspaces against one of the same N, first sweep (target: within {TENANTS_TARGET:g}x):")
    for spread in (r for r in runs if r.plan.tenants > 1 and r.first is not None):
        one = next((r for r in runs if r.backend == spread.backend and r.plan == Plan.mix(spread.plan.n)), None)
        if one is None or one.first is None or spread.first is None:
            continue
        ratio = spread.first.seconds / one.first.seconds
        print(
            f"  {spread.backend:<10} {spread.plan.scenario} {spread.first.seconds:.2f} s, one workspace of "
            f"{one.plan.n:,} {one.first.seconds:.2f} s: x{ratio:.2f} [{'met' if ratio <= TENANTS_TARGET else 'MISSED'}]"
        )


def _n(r: Run) -> int:
    return r.plan.n


# --- main -------------------------------------------------------------------------------------------------------


def _sizes(value: str) -> list[int]:
    return [int(part.replace("_", "")) for part in value.split(",") if part.strip()]


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=_sizes, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=os.environ.get("ACCORD_BENCH_POSTGRES_URL"))
    parser.add_argument(
        "--fixed-due", type=int, default=10_000, help="due items in the fixed-due scenario (0: no such scenario)"
    )
    parser.add_argument(
        "--fixed-due-sizes", type=_sizes, default=[100_000, 1_000_000], help="N of the fixed-due scenario ('': none)"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs on copies")
    parser.add_argument(
        "--repeat", type=int, default=3, help="first sweeps timed on identical copies; the median is shown"
    )
    parser.add_argument("--profile", type=_sizes, default=[], help="mix sizes whose sweeps to profile with cProfile")
    parser.add_argument(
        "--sweep-processes",
        type=int,
        default=Settings.model_fields["sweep_processes"].default,
        help="helper processes of the timed sweeps (the app's SWEEP_PROCESSES; 0: the sweep in one process)",
    )
    parser.add_argument(
        "--tenants",
        type=_spread,
        default=(1_000, 100),
        help="workspaces x relationships each, swept beside one workspace of the same N ('': none)",
    )
    return parser.parse_args()


def _spread(value: str) -> tuple[int, int] | None:
    if not value.strip():
        return None
    tenants, each = _sizes(value.replace("x", ","))
    return tenants, each


def main() -> None:
    args = parse()
    cadences = default_catalogue().cadences
    backends: list[Backend] = []
    for name in (part.strip() for part in args.backends.split(",") if part.strip()):
        if name == "sqlite":
            backends.append(SqliteBackend())
        elif name == "postgresql":
            if not args.postgres_url:
                print("postgresql skipped: give --postgres-url or ACCORD_BENCH_POSTGRES_URL", file=sys.stderr)
                continue
            backends.append(PostgresBackend(args.postgres_url))
        else:
            raise SystemExit(f"unknown backend {name!r}")

    plans = [Plan.mix(n) for n in args.sizes]
    plans += [Plan.fixed(n, args.fixed_due) for n in args.fixed_due_sizes if 0 < args.fixed_due <= n]
    if args.tenants is not None:
        spread = Plan.spread(*args.tenants)
        plans += [spread] if spread.n in args.sizes else [Plan.mix(spread.n), spread]
    runs: list[Run] = []
    # Started before any sweep is timed, as in the nudge job, whose helpers outlive the sweep that started them.
    helpers = SweepHelpers(args.sweep_processes) if args.sweep_processes else None
    if helpers is not None:
        helpers.start()
    try:
        for backend in backends:
            for plan in plans:
                profile = plan.scenario == "mix" and plan.n in args.profile
                run = bench(
                    backend,
                    plan,
                    cadences,
                    memory=not args.no_memory,
                    profile=profile,
                    repeat=args.repeat,
                    helpers=helpers,
                )
                runs.append(run)
                print(
                    f"[{backend.name} {plan.scenario} N={plan.n:,}] seed {run.seed_s:.1f} s, "
                    f"sweep {_s(run.first)} s, again {_s(run.again)} s, enqueued {run.enqueued:,}, "
                    f"escalated {run.escalated:,}",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        for backend in backends:
            backend.close()
        if helpers is not None:
            helpers.close()
    revisions = ", ".join(sorted({r.revision or "?" for r in runs}))
    print(
        f"\nNudge sweep, now = {NOW.isoformat()}, schema revision {revisions}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, {args.sweep_processes} sweep helper processes\n"
    )
    print_table(runs)
    print_targets(runs)
    print_scaling(runs)
    print_tenants(runs)


if __name__ == "__main__":
    main()
