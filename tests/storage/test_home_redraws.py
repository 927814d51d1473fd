"""Home tabs waiting to be drawn, on SQLite and PostgreSQL: a later ask outlives the drawing of an earlier one, and
each workspace sees only its own."""

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
