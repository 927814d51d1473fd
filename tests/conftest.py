"""Shared fixtures: a sandboxed workspace around the real app, on a fresh database, at a fixed instant.

The storage and nudge tests run on SQLite and on PostgreSQL. PostgreSQL comes from ACCORD_TEST_POSTGRES_URL
(CI starts one with .ci/postgres.sh); without it those runs are skipped with a reason, unless
ACCORD_REQUIRE_POSTGRES is set, when its absence fails the suite.
"""

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.sandbox.clock import MovableClock
from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Workspace
from storage.database import Database

START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday morning
# Slack's three seconds to open a modal are real time; on a loaded machine running the whole suite, work queued
# behind other tests' work has sometimes needed more. The window's refusal has a test of its own.
TRIGGER_SECONDS_IN_TESTS = 15.0
POSTGRES_URL = os.environ.get("ACCORD_TEST_POSTGRES_URL")


@pytest.fixture(autouse=True, scope="session")
def _patient_triggers() -> Iterator[None]:
    slacks = Workspace.trigger_seconds
    Workspace.trigger_seconds = TRIGGER_SECONDS_IN_TESTS
    yield
    Workspace.trigger_seconds = slacks


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'accord.db'}"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL database migrated from an empty schema, once per test session."""
    if not POSTGRES_URL:
        if os.environ.get("ACCORD_REQUIRE_POSTGRES"):
            pytest.fail("ACCORD_REQUIRE_POSTGRES is set but ACCORD_TEST_POSTGRES_URL is not")
        pytest.skip("PostgreSQL runs need ACCORD_TEST_POSTGRES_URL (.ci/postgres.sh starts a server)")
    database = Database(POSTGRES_URL)
    with database.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    database.upgrade()
    database.dispose()
    return POSTGRES_URL


def empty(url: str) -> None:
    """Remove every row (not the schema) so each test starts from nothing."""
    database = Database(url)
    with database.engine.begin() as connection:
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
        ).scalars()
        names = ", ".join(f'"{name}"' for name in tables)
        if names:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on SQLite (a fresh file) and on PostgreSQL (an emptied database)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'accord.db'}"
    url: str = request.getfixturevalue("postgres_url")
    empty(url)
    return url


@pytest.fixture
def sandbox(database_url: str) -> Iterator[Sandbox]:
    """The app in an emulated workspace. Any call Slack would refuse fails the test at teardown."""
    with Sandbox(database_url, clock=MovableClock(START)) as box:
        yield box
        assert box.workspace.violations == [], "the app broke Slack's contract"
