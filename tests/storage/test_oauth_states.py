"""The one-time states of Add to Slack (SQLite and PostgreSQL): consumed once, even by redirects racing with the
same state, never after they expire, and purged once expired."""

import threading
from datetime import timedelta

import pytest

from bot.sandbox.clock import MovableClock
from storage.database import Database
from storage.oauth_states import SqlOAuthStateStore
from tests.storage.installs import NOW


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def states(database: Database, clock: MovableClock) -> SqlOAuthStateStore:
    return SqlOAuthStateStore(database, clock.now, expiration_seconds=600)


def test_a_state_is_consumed_once(states: SqlOAuthStateStore) -> None:
    state = states.issue()

    assert states.consume(state)
    assert not states.consume(state)


def test_states_are_unguessable_and_unknown_ones_refused(states: SqlOAuthStateStore) -> None:
    first, second = states.issue(), states.issue()

    assert first != second and len(first) >= 32
    assert not states.consume("forged-state")
    assert not states.consume("\x00" + first)
    assert not states.consume("x" * 500)
    assert states.consume(first) and states.consume(second)


def test_redirects_racing_with_one_state_let_exactly_one_through(states: SqlOAuthStateStore) -> None:
    racers, rounds = 6, 5
    start = threading.Barrier(racers)
    outcomes: dict[str, list[bool]] = {states.issue(): [] for _ in range(rounds)}

    def redirect() -> None:
        for state, taken in outcomes.items():
            start.wait()
            taken.append(states.consume(state))

    threads = [threading.Thread(target=redirect) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [sorted(taken) for taken in outcomes.values()] == [[False] * (racers - 1) + [True]] * rounds


def test_an_expired_state_is_refused_and_purged(states: SqlOAuthStateStore, clock: MovableClock) -> None:
    stale = states.issue()
    clock.advance(timedelta(seconds=400))
    fresh = states.issue()
    clock.advance(timedelta(seconds=200))  # the first has just expired, the second has 400 s left

    assert not states.consume(stale)
    assert states.purge_expired(clock.now()) == 1
    assert states.consume(fresh)
    assert states.purge_expired(clock.now() + timedelta(days=1)) == 0
