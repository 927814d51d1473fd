"""Sweeps pause Python's cyclic collector: overlapping sweeps share the pause, and a collector someone else
paused stays paused."""

import gc
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.nudges.sweep import sweep_batch
from stages import nudge_service
from stages.catalogue import default_catalogue
from stages.nudges import NudgePolicy

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def sweep(_uow: Any = None) -> None:
    sweep_batch(_uow, default_catalogue().cadences, NudgePolicy(), NOW)


def test_overlapping_sweeps_resume_the_collector_only_when_the_last_one_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    first_in, first_may_end = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def sweep_many(uow: str, *_args: Any) -> dict[str, nudge_service.SweepResult]:
        if uow == "first":
            first_in.set()
            first_may_end.wait(10)
        seen[uow] = gc.isenabled()
        return {}

    monkeypatch.setattr(nudge_service, "sweep_many", sweep_many)
    gc.enable()
    first = threading.Thread(target=sweep, args=("first",))
    first.start()
    assert first_in.wait(10)
    sweep("second")
    assert not gc.isenabled()  # the first sweep still runs
    first_may_end.set()
    first.join(10)
    assert seen == {"first": False, "second": False}
    assert gc.isenabled()


def test_a_collector_paused_before_the_sweep_stays_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nudge_service, "sweep_many", lambda *_args: {})
    gc.disable()
    sweep()
    assert not gc.isenabled()


def test_a_sweep_that_fails_resumes_the_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(*_args: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(nudge_service, "sweep_many", failing)
    gc.enable()
    with pytest.raises(RuntimeError, match="went away"):
        sweep()
    assert gc.isenabled()
