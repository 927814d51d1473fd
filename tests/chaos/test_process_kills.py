"""kill -9 and SIGTERM of web, work and scheduler processes at random moments under load: every acknowledged
request is done exactly once (one that got no ack at most once), and every due nudge is delivered exactly once."""

import signal
import time
from random import Random

import pytest

from tests.chaos.conftest import Report
from tests.chaos.deployment import Deployment, Kind

TRIALS = 20
REQUESTS = 6  # per trial
DUE = 1  # relationships whose review falls due, per trial
DRAIN_EVERY = 5  # trials between two waits for everything to be done


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
@pytest.mark.parametrize("kind", list(Kind), ids=str)
def test_nothing_acknowledged_is_lost_and_nothing_is_done_twice(
    deployment: Deployment, kind: Kind, sig: signal.Signals, rng: Random, report: Report
) -> None:
    for trial in range(1, TRIALS + 1):
        deployment.wait_ready(kind)
        deployment.seed_due_reviews(DUE)
        load = deployment.load(REQUESTS)
        time.sleep(rng.uniform(0, 0.3))  # somewhere in the load
        deployment.kill(kind, sig)
        deployment.collect(load)
        if trial % DRAIN_EVERY == 0:  # the trials between kill processes with work still queued, or not
            deployment.wait_drained()
    time.sleep(1)  # time enough for anything to be done a second time
    tally = deployment.tally(TRIALS)
    report(tally.line(f"{kind} {sig.name}"))
    assert (tally.lost, tally.duplicates) == (0, 0)
    assert (tally.nudges_lost, tally.nudges_duplicated) == (0, 0)
    assert tally.effects == tally.acked > TRIALS * REQUESTS // 2  # most requests were acknowledged
    assert tally.nudges_due == TRIALS * DUE * 2
