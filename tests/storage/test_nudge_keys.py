"""The outbox keeps one nudge per (workspace, kind, subject, tier, period, recipient) by a digest of the six: the
migration fills it in for the rows already queued, and a person's erasure leaves no digest of their id behind."""

from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from stages.nudges import Nudge, NudgeKind
from storage.database import Database, alembic_config
from storage.nudge_keys import nudge_key
from storage.person_erasure import erase_person
from tests.conftest import START
from tests.storage.revisions import at_revision

REVIEW = Nudge(NudgeKind.REVIEW, "7@2026-12-01", 0, "2026-12-01/0", "U1", 7, {"name": "Acme"})


def enqueue(database: Database, team_id: str, *nudges: Nudge) -> int:
    with database.uow(team_id) as uow:
        new = uow.nudges.enqueue(list(nudges), START)
        uow.commit()
    return new


def stored(database: Database) -> list[tuple[bytes, str, str, str, int, str, str]]:
    with database.engine.connect() as connection:
        query = "SELECT key_digest, team_id, kind, subject, tier, period, recipient_id FROM nudge ORDER BY id"
        return [(bytes(row[0]), *row[1:]) for row in connection.execute(text(query))]  # type: ignore[misc]


def test_one_nudge_per_key_and_workspace(database: Database) -> None:
    later_tier = Nudge(REVIEW.kind, REVIEW.subject, 1, REVIEW.period, "U1", 7, REVIEW.detail)
    assert enqueue(database, "T1", REVIEW, later_tier, REVIEW) == 2
    assert enqueue(database, "T1", REVIEW) == 0
    assert enqueue(database, "T2", REVIEW) == 1  # the same key in another workspace is another nudge
    with database.uow("T1") as uow:
        assert uow.nudges.known([REVIEW.key, later_tier.key, (*REVIEW.key[:4], "U9")]) == {REVIEW.key, later_tier.key}
    assert all(digest == nudge_key(*key) for digest, *key in stored(database))


def test_the_migration_digests_the_queued_nudges_and_keeps_them_unique(database_url: str) -> None:
    database = at_revision(database_url, "0027")
    with database.engine.begin() as connection:
        for tier in (0, 1):
            connection.execute(
                text(
                    "INSERT INTO nudge (team_id, kind, subject, tier, period, recipient_id, relationship_id, detail,"
                    " status, created_at, not_before, attempts)"
                    " VALUES ('T1', :kind, :subject, :tier, :period, 'U1', 7, '{}', 'pending', :now, :now, 0)"
                ),
                {"kind": REVIEW.kind.value, "subject": REVIEW.subject, "tier": tier, "period": REVIEW.period,
                 "now": START},
            )  # fmt: skip
    database.upgrade()
    try:
        assert [row[0] for row in stored(database)] == [
            nudge_key("T1", REVIEW.kind.value, REVIEW.subject, tier, REVIEW.period, "U1") for tier in (0, 1)
        ]
        assert enqueue(database, "T1", REVIEW) == 0  # already queued before the migration
        command.downgrade(alembic_config(database.engine), "0027")
        with pytest.raises(IntegrityError), database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO nudge (team_id, kind, subject, tier, period, recipient_id, relationship_id, detail,"
                    " status, created_at, not_before, attempts)"
                    " SELECT team_id, kind, subject, tier, period, recipient_id, relationship_id, detail, status,"
                    " created_at, not_before, attempts FROM nudge"
                )
            )  # the six columns' own key is back
    finally:
        database.upgrade()
        database.dispose()


def test_an_erasure_digests_the_key_again_under_the_pseudonym(database: Database) -> None:
    assert enqueue(database, "T1", REVIEW) == 1
    erasure = erase_person(database, "T1", "U1", START + timedelta(days=1))
    assert erasure is not None
    [(digest, team, kind, subject, tier, period, recipient)] = stored(database)
    assert recipient == erasure.pseudonym
    assert digest == nudge_key(team, kind, subject, tier, period, erasure.pseudonym)
    assert digest != nudge_key(team, kind, subject, tier, period, "U1")
