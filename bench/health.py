"""The health check's cost at its largest: the results of a round of 500 respondents by 12 dimensions (both
organisations, anonymity threshold and gaps included), and drawing its two charts as PNGs.

Prints the median of each over several runs, and the peak memory the whole run took (targets: results under
100 ms, both charts under 1.5 s, memory under 100 MB).

    python bench/health.py [--respondents 500] [--dimensions 12] [--rounds 5]
"""

import argparse
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.charts import draw_gap, draw_trend, gap_chart, trend_chart  # noqa: E402
from stages.health import (  # noqa: E402
    SCALE,
    Group,
    HealthAnswer,
    HealthRound,
    HealthSettings,
    results,
    trend_point,
)

NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)


def a_round(dimensions: int, number: int = 1) -> HealthRound:
    names = tuple(f"Dimension {n + 1}" for n in range(dimensions))
    closed = NOW + timedelta(days=90 * number)
    return HealthRound("T1", 1, number, names, (), "U1", closed, closed, False, closed, id=number)


def answers(health_round: HealthRound, respondents: int, seed: int) -> list[HealthAnswer]:
    pick = random.Random(seed)
    return [
        HealthAnswer(
            health_round.id or 0,
            f"{n:064x}",
            Group.HOME if n % 2 else Group.PARTNER,
            {d: pick.choice(SCALE) for d in health_round.dimensions},
            dict.fromkeys(health_round.dimensions[:2], "a comment") if n % 5 == 0 else {},
            "meet more often" if n % 7 == 0 else None,
        )
        for n in range(respondents)
    ]


def timed(work: Callable[[], object], rounds: int) -> float:
    spent = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        spent.append(time.perf_counter() - start)
    return statistics.median(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--respondents", type=int, default=500)
    parser.add_argument("--dimensions", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    settings = HealthSettings(b"bench")
    rounds = [a_round(options.dimensions, number) for number in range(1, 5)]
    given = [answers(r, options.respondents, r.number) for r in rounds]
    latest, latest_answers = rounds[-1], given[-1]
    computing = timed(lambda: results(latest, latest_answers, settings), options.rounds)
    found = results(latest, latest_answers, settings)
    points = [trend_point(r, results(r, a, settings)) for r, a in zip(rounds, given, strict=True)]
    labels = ("Acme", "Globex")
    gap = timed(lambda: draw_gap(gap_chart("Health check", found, labels)), options.rounds)
    trend = timed(lambda: draw_trend(trend_chart("Over time", points, labels)), options.rounds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(f"results of {options.respondents} respondents x {options.dimensions} dimensions: {computing * 1000:.1f} ms")
    print(f"gap chart: {gap * 1000:.0f} ms · trend chart ({len(points)} rounds): {trend * 1000:.0f} ms")
    print(f"both charts: {(gap + trend) * 1000:.0f} ms · peak memory of the run: {peak:.0f} MB")


if __name__ == "__main__":
    main()
