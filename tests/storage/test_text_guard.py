"""No NUL reaches the database, on SQLite and PostgreSQL, whatever path a string takes to it."""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, text

from stages import relationship_service
from stages.nudges import Nudge, NudgeKind
from stages.relationships import RelationshipDraft
from stages.reviews import Review
from storage.database import Database
from storage.repositories import nudges
from storage.text_guard import NulInText, refuse_nul_in, refuse_nul_in_rows

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TEAM = "T0ACCORD1"


def a_review(relationship_id: int, summary: str) -> Review:
    return Review(TEAM, relationship_id, "U0ALICE", NOW, summary, 4, 4, 4, 4, date(2027, 3, 1))


def test_a_nul_that_slipped_past_the_domain_is_refused_and_nothing_is_stored(database: Database) -> None:
    draft = RelationshipDraft("Acme", "Partner Ltd", "U0ALICE", "U0BOB", "C0ACME", 90)
    created = relationship_service.create_relationship(database.uow(TEAM), draft, created_by="U0ALICE", now=NOW)
    relationship = created.relationship
    uow = database.uow(TEAM)
    with pytest.raises(NulInText, match="NUL"), uow:
        uow.reviews.add(a_review(relationship.id or 0, "on track\x00"))
        uow.commit()
    with uow:
        assert uow.reviews.recent(relationship.id or 0, 5) == []
        uow.reviews.add(a_review(relationship.id or 0, "on track"))
        uow.commit()
    with uow:
        assert [r.summary for r in uow.reviews.recent(relationship.id or 0, 5)] == ["on track"]


@pytest.mark.parametrize("parameters", [{"text": "a\x00b"}, [{"text": "fine"}, {"text": "\x00"}]])
def test_every_bound_string_is_checked_one_statement_or_many(
    database: Database, parameters: dict[str, str] | list[dict[str, str]]
) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TEMPORARY TABLE scratch (text VARCHAR(10))"))
        with pytest.raises(NulInText):
            connection.execute(text("INSERT INTO scratch (text) VALUES (:text)"), parameters)
        assert connection.execute(text("SELECT count(*) FROM scratch")).scalar() == 0


def test_rows_inserted_together_returning_their_keys_are_checked_and_stored(database: Database) -> None:
    # SQLAlchemy batches such an insert into one statement of many rows (how the inbox writes what arrives together).
    scratch = Table(
        "scratch_rows",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("text", String(10)),
        Column("n", Integer),
    )
    scratch.create(database.engine)
    with database.engine.begin() as connection:
        kept = connection.execute(
            insert(scratch).returning(scratch.c.text), [{"text": "a", "n": 1}, {"text": "b", "n": 2}]
        )
        assert sorted(kept.scalars()) == ["a", "b"]
    with pytest.raises(NulInText), database.engine.begin() as connection:
        connection.execute(insert(scratch).returning(scratch.c.id), [{"text": "c", "n": 3}, {"text": "d\x00", "n": 4}])
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM scratch_rows")).scalar() == 2


def test_text_without_a_nul_is_stored_as_given(database: Database) -> None:
    with database.engine.connect() as connection:
        kept = connection.execute(text("SELECT :text"), {"text": "line\n\ttab \u200b \\u0000"}).scalar()
    assert kept == "line\n\ttab \u200b \\u0000"


class _Label(StrEnum):
    BROKEN = "label\x00"


def _rows(count: int, broken_at: int | None) -> list[tuple[Any, ...]]:
    return [("review", f"review:{i}\x00" if i == broken_at else f"review:{i}", i, NOW, None) for i in range(count)]


@pytest.mark.parametrize(
    "parameters",
    [
        _rows(40_000, 39_999),  # the last row of a long batch
        [*_rows(3, None), ("review", [{"detail": ["deep\x00"]}])],
        {"label": _Label.BROKEN},
    ],
    ids=["far-down-a-long-batch", "nested", "str-subclass"],
)
def test_a_nul_anywhere_in_the_bound_values_is_named(parameters: Any) -> None:
    with pytest.raises(NulInText, match="NUL character in parameter"):
        refuse_nul_in(parameters, what="INSERT")


def test_a_long_batch_without_a_nul_passes() -> None:
    refuse_nul_in(_rows(40_000, None), what="INSERT")
    refuse_nul_in_rows(_rows(40_000, None), (0, 1), what="INSERT")


@pytest.mark.parametrize("broken_at", [0, 12_345, 39_999])
def test_rows_of_one_shape_have_their_strings_searched_wherever_the_nul_is(broken_at: int) -> None:
    with pytest.raises(NulInText, match="NUL character in parameter"):
        refuse_nul_in_rows(_rows(40_000, broken_at), (0, 1), what="INSERT")


def test_a_value_that_is_not_text_where_the_rows_hold_text_is_not_passed_over() -> None:
    with pytest.raises(TypeError):
        refuse_nul_in_rows(_rows(3, None), (0, 2), what="INSERT")


def test_nudges_queued_in_bulk_are_checked_and_none_is_stored(database: Database) -> None:
    draft = RelationshipDraft("Acme", "Partner Ltd", "U0ALICE", "U0BOB", "C0ACME", 90)
    created = relationship_service.create_relationship(database.uow(TEAM), draft, created_by="U0ALICE", now=NOW)
    rid = created.relationship.id or 0
    fine = Nudge(NudgeKind.REVIEW, "review:1@2026-12-01", 0, "2026-12-01/0", "U0ALICE", rid, {"name": "Acme"})
    broken = Nudge(NudgeKind.REVIEW, "review:1@2026-12-01\x00", 0, "2026-12-01/0", "U0BOB", rid, {"name": "Acme"})
    with database.sessions() as session:
        before = session.execute(text("SELECT count(*) FROM nudge")).scalar()
        with pytest.raises(NulInText, match="NUL"):
            nudges.enqueue(session, {TEAM: [fine], "T0OTHER": [broken]}, NOW)
        session.rollback()
        assert session.execute(text("SELECT count(*) FROM nudge")).scalar() == before
        assert nudges.enqueue(session, {TEAM: [fine]}, NOW) == {TEAM: 1}
