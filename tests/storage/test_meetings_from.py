"""The day each relationship's meeting cadence counts from, kept on the relationship: the migration fills it in
from the meetings already recorded, and recording a joint meeting moves it on (an internal one does not)."""

from datetime import UTC, date, datetime

from alembic import command
from sqlalchemy import text

from stages.meetings import Meeting
from stages.relationships import Side
from storage.database import Database, alembic_config

BEGAN = "2026-10-01 23:30:00+00:00"  # a Thursday, late in the evening (UTC)


def meetings_from(database: Database) -> list[tuple[str, date]]:
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT name, meetings_from FROM relationship ORDER BY id"))
        return [(name, day if isinstance(day, date) else date.fromisoformat(day)) for name, day in rows]


def test_the_migration_counts_from_the_last_joint_meeting_or_the_start(database_url: str) -> None:
    database = Database(database_url)
    config = alembic_config(database.engine)
    database.upgrade()
    command.downgrade(config, "0025")
    with database.engine.begin() as connection:
        for name in ("Met", "Met internally", "Never met"):
            connection.execute(
                text(
                    "INSERT INTO relationship (team_id, name, name_key, partner, owner_id, sponsor_id, channel_id,"
                    " review_cadence_days, stage, status, created_by, created_at, next_review_due)"
                    " VALUES ('T1', :name, :name, 'Org', 'U1', 'U2', 'C1', 90, 5, 'active', 'U1', :began,"
                    " '2027-01-30')"
                ),
                {"name": name, "began": BEGAN},
            )
        for relationship, held, internal in (
            (1, "2026-10-20", False),
            (1, "2026-11-02", False),
            (2, "2026-11-05", True),
        ):
            connection.execute(
                text(
                    "INSERT INTO meeting (team_id, relationship_id, form_key, held_on, home_attendees,"
                    " partner_attendees, minutes, decisions, internal, side, one_side_reason, recorded_by,"
                    " recorded_at) VALUES ('T1', :r, :key, :held, 'U1', '', 'm', '', :internal, 'home', '', 'U1',"
                    " :began)"
                ),
                {
                    "r": relationship,
                    "key": f"{relationship}-{held}",
                    "held": held,
                    "internal": internal,
                    "began": BEGAN,
                },
            )
    database.upgrade()
    assert meetings_from(database) == [
        ("Met", date(2026, 11, 2)),
        ("Met internally", date(2026, 10, 1)),
        ("Never met", date(2026, 10, 1)),
    ]
    database.dispose()


def test_a_joint_meeting_moves_the_count_on_and_an_internal_or_older_one_does_not(database: Database) -> None:
    began = datetime(2026, 10, 1, 23, 30, tzinfo=UTC)
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO relationship (team_id, name, name_key, partner, owner_id, sponsor_id, channel_id,"
                " review_cadence_days, stage, status, created_by, created_at, next_review_due, meetings_from)"
                " VALUES ('T1', 'Acme', 'acme', 'Org', 'U1', 'U2', 'C1', 90, 5, 'active', 'U1', :began,"
                " '2027-01-30', '2026-10-01')"
            ),
            {"began": began.replace(tzinfo=None) if database.is_sqlite else began},
        )
        rid = connection.execute(text("SELECT id FROM relationship")).scalar_one()

    def record(held: date, *, internal: bool) -> None:
        meeting = Meeting(
            "T1", rid, held, ("U1",), (), "Minutes", (), internal, Side.HOME, "", "U1", began
        )  # fmt: skip
        uow = database.uow("T1")
        with uow:
            assert uow.meetings.add(meeting, f"form-{held}-{internal}") is not None
            uow.commit()

    record(date(2026, 11, 5), internal=True)
    assert meetings_from(database) == [("Acme", date(2026, 10, 1))]
    record(date(2026, 11, 2), internal=False)
    assert meetings_from(database) == [("Acme", date(2026, 11, 2))]
    record(date(2026, 10, 20), internal=False)  # recorded late: the last joint meeting is still the 2nd
    assert meetings_from(database) == [("Acme", date(2026, 11, 2))]
