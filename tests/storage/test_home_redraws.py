"""Home tabs waiting to be drawn, on SQLite and PostgreSQL: a later ask outlives the drawing of an earlier one, and
each workspace sees only its own."""

import threading
from datetime import UTC, datetime, timedelta

from storage.database import Database

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def ask(database: Database, team: str, users: list[str], at: datetime) -> None:
    uow = database.uow(team)
    with uow:
        uow.home_redraws.ask(users, at)
        uow.commit()


def waiting(database: Database, team: str) -> list[tuple[str, datetime]]:
    uow = database.uow(team)
    with uow.reading():
        return sorted(uow.home_redraws.waiting(NOW + timedelta(days=1)))


def test_a_later_ask_outlives_the_drawing_of_an_earlier_one(database: Database) -> None:
    ask(database, "T1", ["U0ALICE", "U0BOB"], NOW)
    ask(database, "T1", ["U0BOB"], NOW + timedelta(seconds=5))  # a second change, while the first was drawn
    uow = database.uow("T1")
    with uow:
        uow.home_redraws.drawn(["U0ALICE", "U0BOB"], NOW)
        uow.commit()
    assert waiting(database, "T1") == [("U0BOB", NOW + timedelta(seconds=5))]


def test_a_workspace_sees_only_its_own(database: Database) -> None:
    ask(database, "T1", ["U0ALICE"], NOW)
    ask(database, "T2", ["U0ALICE"], NOW)
    uow = database.uow("T2")
    with uow:
        uow.home_redraws.drawn(["U0ALICE"], NOW)
        uow.commit()
    assert waiting(database, "T1") == [("U0ALICE", NOW)] and waiting(database, "T2") == []


def test_changes_asking_for_the_same_people_at_once_both_commit(database: Database) -> None:
    first = database.uow("T1")
    with first:
        first.home_redraws.ask(["U0ALICE", "U0BOB"], NOW)
        errors: list[BaseException] = []

        def second_change() -> None:  # asks in another order, while the first is not committed yet
            try:
                ask(database, "T1", ["U0BOB", "U0ALICE"], NOW + timedelta(seconds=1))
            except BaseException as error:
                errors.append(error)

        beside = threading.Thread(target=second_change)
        beside.start()
        beside.join(timeout=0.5)  # it waits for the first, if the database makes it
        first.commit()
    beside.join(timeout=10)
    assert errors == [] and not beside.is_alive()
    assert waiting(database, "T1") == [("U0ALICE", NOW + timedelta(seconds=1)), ("U0BOB", NOW + timedelta(seconds=1))]
