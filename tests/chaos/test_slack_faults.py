"""Slack answers one Web API call in five with a rate limit or a server error while requests arrive and nudges
are due: every acknowledged request is done exactly once, and every due nudge delivered exactly once."""

import time
from random import Random

from tests.chaos.conftest import Report
from tests.chaos.deployment import Deployment

ROUNDS = 3
REQUESTS = 10  # per round
ANSWERED = 1_000_000  # calls each fault may answer: as many as come


def test_rate_limits_and_server_errors_lose_nothing_and_double_nothing(
    deployment: Deployment, rng: Random, report: Report
) -> None:
    emulator = deployment.slack.emulator
    emulator.chance.seed(rng.random())
    emulator.fail("*", status=429, retry_after=1, times=ANSWERED, share=0.1)
    emulator.fail("*", status=503, times=ANSWERED, share=0.1 / 0.9)  # of the calls the first let through
    for _ in range(ROUNDS):
        deployment.seed_due_reviews(2)
        deployment.collect(deployment.load(REQUESTS))
        deployment.wait_drained(skip_backoff=True)
    time.sleep(1)  # time enough for anything to be done a second time
    failed = [call for call in deployment.slack.workspace.calls if call.error in ("http_429", "http_503")]
    emulator.faults.clear()
    tally = deployment.tally(ROUNDS)
    report(tally.line("slack 429/5xx") + f"; {len(failed)} Web API calls refused")
    assert failed
    assert (tally.lost, tally.duplicates) == (0, 0)
    assert (tally.nudges_lost, tally.nudges_duplicated) == (0, 0)
    assert tally.effects == tally.acked == ROUNDS * REQUESTS
