"""Storage tests run on SQLite and on PostgreSQL."""

from collections.abc import Iterator

import pytest

from storage.database import Database


@pytest.fixture
def database_url(any_database_url: str) -> str:
    return any_database_url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated database, on SQLite and on PostgreSQL."""
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()
