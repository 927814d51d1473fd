"""The durable inbox on SQLite and PostgreSQL: kept once, claimed once, fenced, never run twice once committed."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from stages import relationship_service
from stages.relationships import RelationshipDraft
from storage.database import Database
from storage.inbox import ClaimLost, Inbox, working_on

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
TEAM = "T0ACCORD1"


@pytest.fixture
def inbox(database: Database) -> Inbox:
    return Inbox(database.engine, LEASE)


def keep(inbox: Inbox, key: str, *, urgent: bool = False) -> bool:
    return inbox.put(key, f"body of {key}", {"content-type": ["application/json"]}, urgent=urgent, now=NOW)


def create(database: Database, name: str) -> None:
    draft = RelationshipDraft(name, "Partner Ltd", "U0ALICE", "U0BOB", "C0ACME", 90)
    uow = database.uow(TEAM)
    relationship_service.create_relationship(uow, draft, created_by="U0ALICE", now=NOW)


def names(database: Database) -> list[str]:
    return [r.name for r in relationship_service.list_relationships(database.uow(TEAM))]


def test_a_request_is_kept_once_whatever_its_replays(inbox: Inbox) -> None:
    assert keep(inbox, "a")
    assert not keep(inbox, "a")
    assert inbox.counts() == {"waiting": 1, "claimed": 0, "done": 0}


def test_urgent_work_is_claimed_first_then_the_oldest(inbox: Inbox) -> None:
    for key in ("first", "second"):
        keep(inbox, key)
    keep(inbox, "modal", urgent=True)
    claimed = inbox.claim("host:1", 2, NOW)
    assert [item.body for item in claimed] == ["body of modal", "body of first"]
    assert claimed[0].headers == {"content-type": ["application/json"]}


def test_a_claimed_row_is_not_claimed_again_until_its_lease_lapses(inbox: Inbox) -> None:
    keep(inbox, "a")
    [item] = inbox.claim("host:1", 5, NOW)
    assert inbox.claim("host:2", 5, NOW + LEASE - timedelta(seconds=1)) == []
    [again] = inbox.claim("host:2", 5, NOW + LEASE + timedelta(seconds=1))
    assert again.id == item.id and again.token != item.token


def test_a_finished_row_is_never_claimed_again(inbox: Inbox) -> None:
    keep(inbox, "a")
    [item] = inbox.claim("host:1", 5, NOW)
    assert inbox.finish(item, NOW)
    assert inbox.claim("host:2", 5, NOW + 2 * LEASE) == []
    assert inbox.counts() == {"waiting": 0, "claimed": 0, "done": 1}


def test_rows_finished_since_the_last_claim_are_marked_done_with_the_next_while_their_claim_holds(
    inbox: Inbox,
) -> None:
    for key in ("a", "b", "c"):
        keep(inbox, key)
    [lapsed] = inbox.claim("host:1", 1, NOW)
    later = inbox.claim("host:1", 2, NOW + LEASE)
    [taken] = inbox.claim("host:2", 1, NOW + LEASE + timedelta(seconds=1))  # the first claim lapsed meanwhile
    assert taken.id == lapsed.id
    assert inbox.claim("host:1", 5, NOW + LEASE + timedelta(seconds=2), finished=[lapsed, *later]) == []
    assert inbox.counts() == {"waiting": 0, "claimed": 1, "done": 2}
    inbox.claim("host:2", 0, NOW + LEASE + timedelta(seconds=3), finished=[taken])
    assert inbox.counts() == {"waiting": 0, "claimed": 0, "done": 3}


def test_a_process_that_lost_its_claim_can_neither_commit_nor_finish(inbox: Inbox, database: Database) -> None:
    keep(inbox, "a")
    [stalled] = inbox.claim("host:1", 5, NOW)
    [taker] = inbox.claim("host:2", 5, NOW + 2 * LEASE)  # the first stalled past its lease
    with working_on(stalled), pytest.raises(ClaimLost):
        create(database, "Stalled Alliance")
    assert names(database) == []
    assert not inbox.finish(stalled, NOW + 2 * LEASE)
    with working_on(taker):
        create(database, "Taken Alliance")
    assert inbox.finish(taker, NOW + 2 * LEASE)
    assert names(database) == ["Taken Alliance"]


def test_work_that_committed_and_died_is_claimed_as_committed(inbox: Inbox, database: Database) -> None:
    keep(inbox, "a")
    [item] = inbox.claim("host:1", 5, NOW)
    assert not item.committed
    with working_on(item):
        create(database, "Acme Alliance")
    # The process dies here, before marking the row done: whoever claims it next learns not to run it again.
    [again] = inbox.claim("host:2", 5, NOW + 2 * LEASE)
    assert again.committed


def test_claims_of_a_dead_process_are_given_back_at_once(inbox: Inbox) -> None:
    keep(inbox, "a")
    keep(inbox, "b")
    inbox.claim("host:1", 1, NOW)
    inbox.claim("other:7", 1, NOW)
    assert inbox.claimants("host:") == ["host:1"]
    assert inbox.release("host:1") == 1
    assert [item.body for item in inbox.claim("host:2", 5, NOW)] == ["body of a"]


def test_done_rows_are_forgotten_after_a_while_and_waiting_ones_never(inbox: Inbox) -> None:
    keep(inbox, "done")
    keep(inbox, "waiting")
    [item] = inbox.claim("host:1", 1, NOW)
    inbox.finish(item, NOW)
    assert inbox.purge(NOW + timedelta(hours=1)) == 1
    assert inbox.counts() == {"waiting": 1, "claimed": 0, "done": 0}


def test_claiming_reads_the_waiting_rows_in_order_instead_of_sorting_the_backlog(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'plan.db'}")
    database.upgrade()
    statements: list[str] = []
    database.engine.dispose()  # so that every connection from here on reports what its driver runs
    event.listen(database.engine, "connect", lambda driver, _record: driver.set_trace_callback(statements.append))
    Inbox(database.engine, LEASE).claim("host:1", 4, NOW)
    [claim] = [sql for sql in statements if sql.lstrip().upper().startswith("UPDATE")]
    with database.engine.connect() as connection:
        plan = [
            row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {claim}", (None,) * claim.count("?"))
        ]
    assert any("ix_inbox_waiting" in step for step in plan) and not any("TEMP B-TREE" in step for step in plan)


def test_requests_arriving_together_are_each_kept_once_beside_their_replays(inbox: Inbox) -> None:
    """Sixteen threads at once, so that rows are written in groups that mix new requests, replays of requests
    kept before, and a request beside its own replay: each is kept exactly once, and only its first put says so."""
    for number in range(0, 40, 2):
        assert keep(inbox, f"seen-{number}")
    keys = [f"seen-{number}" for number in range(40)] * 2  # half kept before, every one sent twice now
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda key: (key, keep(inbox, key)), keys))
    kept_now = sorted(key for key, kept in answers if kept)
    assert kept_now == sorted(f"seen-{number}" for number in range(1, 40, 2))
    assert inbox.counts() == {"waiting": 40, "claimed": 0, "done": 0}
