"""PostgreSQL restarted (the quick way: every connection cut) while requests arrive and nudges are due: Accord's
processes ride through it, and every acknowledged request is done exactly once afterwards."""

import os
import subprocess
import time
from random import Random

import pytest

from tests.chaos.conftest import Report
from tests.chaos.deployment import Deployment

RESTARTS = 6
REQUESTS = 30  # per restart: more than the work processes keep up with, so work is running at the cut


@pytest.fixture
def restart_postgres(postgres_url: str) -> str:
    """The shell command that restarts the test server (.ci/postgres.sh exports it)."""
    command = os.environ.get("ACCORD_TEST_POSTGRES_RESTART")
    if not command:
        message = "restarting PostgreSQL needs ACCORD_TEST_POSTGRES_RESTART (.ci/postgres.sh sets it)"
        if os.environ.get("ACCORD_REQUIRE_POSTGRES"):
            pytest.fail(message)
        pytest.skip(message)
    return command


def test_every_acknowledged_request_is_done_once_across_a_database_restart(
    restart_postgres: str, deployment: Deployment, rng: Random, report: Report
) -> None:
    for _ in range(RESTARTS):
        deployment.wait_ready()
        deployment.seed_due_reviews(2)
        load = deployment.load(REQUESTS)
        time.sleep(rng.uniform(0.3, 1.0))  # somewhere in the load, with work running
        subprocess.run(restart_postgres, shell=True, check=True)  # noqa: S602 (the CI script's own command)
        deployment.collect(load)
        deployment.wait_drained()
    time.sleep(1)  # time enough for anything to be done a second time
    tally = deployment.tally(RESTARTS)
    report(tally.line("postgresql restart"))
    assert (tally.lost, tally.duplicates) == (0, 0)
    assert (tally.nudges_lost, tally.nudges_duplicated) == (0, 0)
    assert tally.effects == tally.acked > 0
