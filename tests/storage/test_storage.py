"""Storage on SQLite through the migrations: the schema the models describe, scoped per workspace."""

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from stages.checkins import Checkin, Note
from stages.checklist import ItemStatus, apply, blank_state, status_answer
from stages.errors import NameTaken
from stages.meetings import Meeting
from stages.relationships import Relationship, RelationshipDraft, Side
from storage.database import Database, alembic_config

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def database(database_url: str) -> Database:
    db = Database(database_url)
    db.upgrade()
    return db


def relationship(team_id: str = "T1", name: str = "Acme Alliance", now: datetime = NOW) -> Relationship:
    draft = RelationshipDraft(name, "Acme Ltd", "U1", "U2", "C1", 90).validated()
    return Relationship.start(team_id, draft, created_by="U1", now=now)


def test_migrations_build_exactly_the_schema_the_models_describe(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
    assert database.at_head()


def test_downgrade_to_base_removes_every_table(database: Database) -> None:
    command.downgrade(alembic_config(database.engine), "base")
    assert set(inspect(database.engine).get_table_names()) == {"alembic_version"}
    database.upgrade()
    assert "relationship" in inspect(database.engine).get_table_names()


def test_rows_round_trip_with_aware_utc_times(database: Database) -> None:
    local = NOW.astimezone(timezone(timedelta(hours=9)))
    with database.uow("T1") as uow:
        saved = uow.relationships.add(relationship(now=local))
        uow.commit()
    with database.uow("T1") as uow:
        loaded = uow.relationships.get(saved.id or 0)
    assert loaded == saved
    assert loaded is not None and loaded.created_at == NOW and loaded.created_at.tzinfo == UTC


def test_naive_datetimes_are_refused(database: Database) -> None:
    with database.uow("T1") as uow, pytest.raises(Exception, match="naive datetime"):
        uow.relationships.add(relationship(now=NOW.replace(tzinfo=None)))


def test_every_query_is_scoped_to_its_workspace(database: Database) -> None:
    with database.uow("T1") as uow:
        mine = uow.relationships.add(relationship("T1", "Acme Alliance"))
        uow.commit()
    with database.uow("T2") as uow:
        uow.relationships.add(relationship("T2", "Acme Alliance"))  # same name, other workspace: allowed
        uow.commit()
        assert [r.team_id for r in uow.relationships.all()] == ["T2"]
        assert uow.relationships.get(mine.id or 0) is None
        found = uow.relationships.by_name("acme alliance")
        assert found is not None and found.team_id == "T2"
        assert uow.relationships.names() == ["Acme Alliance"]


def test_a_repository_refuses_to_write_another_workspaces_row(database: Database) -> None:
    with database.uow("T2") as uow, pytest.raises(ValueError, match="its own workspace"):
        uow.relationships.add(relationship("T1"))


def test_the_database_enforces_unique_names_case_insensitively(database: Database) -> None:
    with database.uow("T1") as uow:
        uow.relationships.add(relationship(name="Acme Alliance"))
        uow.commit()
    with database.uow("T1") as uow, pytest.raises(NameTaken):
        uow.relationships.add(relationship(name="ACME  alliance"))


def test_a_unit_of_work_keeps_nothing_it_did_not_commit(database: Database) -> None:
    with database.uow("T1") as uow:
        uow.relationships.add(relationship())
    with database.uow("T1") as uow:
        assert uow.relationships.all() == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'wal.db'}")
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_transaction_that_reads_then_writes_waits_for_a_concurrent_writer(database: Database) -> None:
    failures: list[Exception] = []

    def remember(user_id: str) -> None:
        try:
            with database.uow("T1") as uow:
                uow.profiles.remember(user_id, "Asia/Tokyo", NOW)
                uow.commit()
        except Exception as error:  # a refused write, to be reported by the test
            failures.append(error)

    with database.uow("T1") as first:
        assert first.profiles.time_zone("U1", NOW - timedelta(days=1)) is None  # read first...
        other = threading.Thread(target=remember, args=("U2",))
        other.start()
        other.join(timeout=0.5)  # ...while another writer comes along...
        first.profiles.remember("U1", "Europe/London", NOW)  # ...then write
        first.commit()
    other.join()
    assert failures == []
    with database.uow("T1") as uow:
        zones = [uow.profiles.time_zone(user_id, NOW - timedelta(days=1)) for user_id in ("U1", "U2")]
    assert zones == ["Europe/London", "Asia/Tokyo"]


def test_led_by_finds_owned_and_sponsored_relationships(database: Database) -> None:
    with database.uow("T1") as uow:
        uow.relationships.add(relationship(name="B owned"))
        draft = RelationshipDraft("A sponsored", "Org", "U9", "U1", "C1", 90).validated()
        uow.relationships.add(Relationship.start("T1", draft, created_by="U9", now=NOW))
        draft = RelationshipDraft("C other", "Org", "U8", "U9", "C1", 90).validated()
        uow.relationships.add(Relationship.start("T1", draft, created_by="U9", now=NOW))
        uow.commit()
    with database.uow("T1") as uow:
        assert [r.name for r in uow.relationships.led_by("U1")] == ["A sponsored", "B owned"]


def test_item_state_saves_only_over_the_version_it_was_read_at(database: Database) -> None:
    with database.uow("T1") as uow:
        rel = uow.relationships.add(relationship())
        uow.commit()
    first = apply(
        blank_state(rel.id or 0, "S1.1"), status_answer(rel.id or 0, "S1.1", ItemStatus.DONE, actor_id="U1", at=NOW)
    )
    assert first is not None
    with database.uow("T1") as uow:
        assert uow.checklist.save(first)
        uow.commit()
    with database.uow("T1") as uow:
        assert not uow.checklist.save(first)  # someone else's answer also read version 0
        stored = uow.checklist.states(rel.id or 0)["S1.1"]
        assert stored.version == 1 and stored.status is ItemStatus.DONE
        assert uow.checklist.save(replace(stored, status=ItemStatus.IN_PROGRESS))
        assert not uow.checklist.save(replace(stored, status=ItemStatus.OPEN))
        uow.commit()
    with database.uow("T2") as uow:
        assert uow.checklist.states(rel.id or 0) == {}  # another workspace sees nothing


def test_a_message_is_captured_as_a_note_once(database: Database) -> None:
    with database.uow("T1") as uow:
        rel = uow.relationships.add(relationship())
        checkin = uow.checkins.claim(Checkin("T1", rel.id or 0, 1, "U1", NOW))
        assert checkin is not None
        assert uow.checkins.claim(Checkin("T1", rel.id or 0, 1, "U2", NOW)) is None  # one per stage
        note = Note("T1", checkin.id or 0, "C1", "1.000100", "U3", "S1.2 drafted", NOW, "S1.2")
        assert uow.notes.add(note) is not None
        assert uow.notes.add(note) is None
        assert uow.notes.counts(checkin.id or 0) == {"S1.2": 1}
        uow.commit()


def test_a_meeting_is_recorded_once_per_form_and_read_back_the_latest_first(database: Database) -> None:
    with database.uow("T1") as uow:
        rel = uow.relationships.add(relationship())
        day = NOW.date()
        first = Meeting(
            "T1", rel.id or 0, day - timedelta(days=3), ("U1", "U3"), ("U9",), "Minutes", ("Hire", "Ship in May"),
            False, Side.HOME, "", "U1", NOW,
        )  # fmt: skip
        saved = uow.meetings.add(first, "V1")
        assert saved is not None and saved.id is not None
        assert uow.meetings.add(first, "V1") is None  # the same form sent again
        later = uow.meetings.add(replace(first, held_on=day, partner_attendees=(), decisions=()), "V2")
        uow.commit()
    with database.uow("T1") as uow:
        assert uow.meetings.of(rel.id or 0) == [later, saved]
    with database.uow("T2") as uow:
        assert uow.meetings.of(rel.id or 0) == []


def test_a_relationship_moves_only_from_the_stage_it_was_read_at(database: Database) -> None:
    with database.uow("T1") as uow:
        rel = uow.relationships.add(relationship())
        uow.commit()
    with database.uow("T1") as uow:
        assert uow.relationships.move(rel, from_stage=1, to=rel.advanced(8))
        assert not uow.relationships.move(rel, from_stage=1, to=rel.advanced(8))
        uow.commit()
    with database.uow("T1") as uow:
        moved = uow.relationships.get(rel.id or 0)
        assert moved is not None and moved.stage == 2


def test_a_unit_of_work_opened_for_reading_reads_but_cannot_write(database: Database) -> None:
    with database.uow("T1") as uow:
        uow.relationships.add(relationship())
        uow.commit()
    uow = database.uow("T1")
    with uow.reading():
        assert [r.name for r in uow.relationships.all()] == ["Acme Alliance"]
    with pytest.raises(RuntimeError, match="for reading cannot write"), uow.reading():
        uow.relationships.add(relationship(name="Globex"))
        uow.relationships.all()  # the change would be flushed before this query
    with pytest.raises(RuntimeError, match="for reading cannot commit"), uow.reading():
        uow.commit()
    with uow:  # the same unit of work writes again once it is opened for writing
        uow.relationships.add(relationship(name="Globex"))
        uow.commit()
    with uow.reading():
        assert sorted(r.name for r in uow.relationships.all()) == ["Acme Alliance", "Globex"]


def test_reading_inside_an_open_transaction_sees_its_changes(database: Database) -> None:
    uow = database.uow("T1")
    with uow:
        uow.relationships.add(relationship())
        with uow.reading():
            assert [r.name for r in uow.relationships.all()] == ["Acme Alliance"]
        uow.commit()


def test_on_sqlite_a_reader_does_not_wait_for_a_writer(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'readers.db'}")
    database.upgrade()
    read, released_by_reader = threading.Event(), []

    def write_until_read() -> None:
        with database.uow("T1") as uow:
            uow.relationships.add(relationship())
            uow.relationships.all()  # flushed: this transaction holds the writer's lock
            holding.set()
            released_by_reader.append(read.wait(timeout=10))
            uow.commit()

    holding = threading.Event()
    writer = threading.Thread(target=write_until_read)
    writer.start()
    assert holding.wait(timeout=10)
    uow = database.uow("T1")
    with uow.reading():
        assert uow.relationships.all() == []  # the snapshot before the writer's commit
    read.set()
    writer.join()
    assert released_by_reader == [True]
