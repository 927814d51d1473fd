"""SQLite writers queue on a lock the kernel hands over (bench/ack.py shows what it does for acks under load)."""

from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import Database


@pytest.fixture
def database(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'accord.db'}")
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    return database


def test_a_second_write_transaction_in_one_thread_fails_at_once_instead_of_waiting_for_ever(
    database: Database,
) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(RuntimeError, match="second write transaction"), database.engine.begin():
            pass


def test_a_rolled_back_writer_lets_the_next_one_in(database: Database) -> None:
    with pytest.raises(ZeroDivisionError), database.engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
        raise ZeroDivisionError
    with database.engine.begin() as connection:  # would fail with "second write transaction" if still held
        connection.execute(text("INSERT INTO t VALUES (2)"))
