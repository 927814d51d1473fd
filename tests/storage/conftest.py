"""Storage tests run on SQLite and on PostgreSQL."""

import pytest


@pytest.fixture
def database_url(any_database_url: str) -> str:
    return any_database_url
