"""Nudge delivery to many workspaces, against the sandbox's Slack holding each workspace to Slack's rate limits.

N workspaces (default 1,000) have installed Accord (installation rows saved with the installation store, each with
the bot token its emulated workspace issued) and each has a few people, every one of whom owns a relationship
whose review and exit strategy review are a day overdue: two nudges each, sent as one DM. The outbox is filled by a
sweep before the clock starts; then one nudge run (the `Nudger` of `accord run`, each tenant's client from its
installation) is timed, on a fresh copy of the scenario each time:

  unlimited   the emulator enforces no rate limit: what this sender reaches on this machine;
  limited     the emulator holds every workspace to Slack's limits (bot/sandbox/rate_limits.py);
  one 429     the same, with the first workspace answering 429 (Retry-After 60 s) to every call.

The first two alternate for --rounds rounds (timings on a shared machine vary), and the median of each is shown.

The throughput the limits allow for the scenario is the lesser of two ceilings:
  - the limits' own: every workspace is limited on its own, so the scenario needs at least the time its most
    constrained workspace needs, T = max over workspaces of max over its limits of (calls beyond the burst) / rate,
    counting the calls the sender made in the unlimited run; nudges / T (unbounded when every workspace's calls
    fit in its bursts, T = 0);
  - the sender's own: what it reaches on this machine with no limits at all (the unlimited run).
The ratio of the limited run's throughput to that ceiling is what pacing and 429s cost (target >= 0.9).

Late: for each DM to the other workspaces, when it went out after the run began with one workspace refusing
everything, against when it went out without it (target: no later than one sweep interval, 300 s by default).

    python bench/delivery.py [--workspaces 1000] [--people 3] [--rounds 3] [--quick]
"""

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import insert
from sqlmodel import SQLModel

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.installs.setup import bot_scopes  # noqa: E402
from bot.sandbox.clock import MovableClock  # noqa: E402
from bot.sandbox.harness import Sandbox  # noqa: E402
from bot.sandbox.rate_limits import RateLimits  # noqa: E402
from bot.sandbox.workspace import Workspace  # noqa: E402
from stages import nudge_service  # noqa: E402

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)  # a Wednesday morning in London, where the people are
TARGET_RATIO = 0.9
INTERVAL_S = 300  # NUDGE_INTERVAL_SECONDS by default
FORCED_RETRY_AFTER = 60
POST = "chat.postMessage"


@dataclass
class Outcome:
    """One timed nudge run."""

    name: str
    seconds: float
    sent: int
    deferred: int
    requests: int
    windows: int  # 429 windows the emulator announced
    early: int  # requests that came inside one
    posted_at: dict[tuple[str, str], float] = field(default_factory=dict)  # (team, person): seconds after the start
    least_seconds: float = 0.0  # the least time the limits need for the requests made

    @property
    def throughput(self) -> float:
        return self.sent / self.seconds


def people(team: str, count: int) -> list[str]:
    return [f"U{team[1:]}P{j:02d}" for j in range(count)]


def populate(team: str, count: int) -> Callable[[Workspace], None]:
    def add(workspace: Workspace) -> None:
        for j, person in enumerate(people(team, count)):
            workspace.add_user(person, f"person{j}", f"Person {j} of {team}")

    return add


def seed(box: Sandbox, teams: list[str], count: int) -> int:
    """Each person of each workspace owns one relationship with both reviews a day overdue; the nudges owed."""
    created = NOW - timedelta(days=200)
    overdue = NOW.date() - timedelta(days=1)
    relationships: list[dict[str, Any]] = []
    for team in teams:
        folks = people(team, count)
        for j, person in enumerate(folks):
            relationships.append(relationship(team, j, person, folks[(j + 1) % count], created, overdue))
    with box.database.engine.begin() as connection:
        connection.execute(insert(_table("workspace")), [{"team_id": t, "created_at": created} for t in teams])
        connection.execute(insert(_table("relationship")), relationships)
    return 2 * len(relationships)


def relationship(team: str, j: int, owner: str, sponsor: str, created: datetime, due: date) -> dict[str, Any]:
    name = f"Alliance {j:02d}"
    return {
        "team_id": team,
        "name": name,
        "name_key": name.casefold(),
        "partner": f"Partner {j} Ltd",
        "owner_id": owner,
        "sponsor_id": sponsor,
        "channel_id": f"C{team[1:]}{j:02d}",
        "review_cadence_days": 90,
        "stage": 3,
        "status": "active",
        "created_by": owner,
        "created_at": created,
        "next_review_due": due,
        "exit_review_cadence_days": 180,
        "next_exit_review_due": due,
    }


def _table(name: str) -> Any:
    return SQLModel.metadata.tables[name]


def install(box: Sandbox, workspace: Workspace, installer: str) -> None:
    """What Add to Slack would have saved: the bot and the token the workspace issued it."""
    installs = box.process.installations
    assert installs is not None
    installs.store.save(
        Installation(
            app_id=workspace.app_id,
            team_id=workspace.team_id,
            team_name=workspace.team_name,
            bot_token=workspace.bot_token,
            bot_id=workspace.bot_id,
            bot_user_id=workspace.bot_user_id,
            bot_scopes=list(bot_scopes()),
            user_id=installer,
        )
    )


def run(name: str, workspaces: int, count: int, *, limited: bool, forced: bool) -> Outcome:
    """A fresh scenario, its outbox filled, then one nudge run timed."""
    teams = [f"T{k:07d}" for k in range(workspaces)]
    with tempfile.TemporaryDirectory(prefix="accord-delivery-") as folder:
        clock = MovableClock(offset=NOW - datetime.now(UTC))  # real time, from a Wednesday morning
        with Sandbox(f"sqlite:///{Path(folder) / 'accord.db'}", clock=clock, installs=True) as box:
            for team in teams:
                box.add_workspace(team, team, team.lower(), populate(team, count))
                install(box, box.emulator.workspaces[team], people(team, count)[0])
            hosted = [box.emulator.workspaces[team] for team in teams]
            owed = seed(box, teams, count)
            nudge_service.sweep_many(
                box.database.sweeping(teams), box.deps.catalogue.cadences, box.nudger.policy, clock.now()
            )
            limits = (
                box.emulator.enforce_rate_limits() if limited else RateLimits(box.slack.contract.methods, clock.now)
            )
            if forced:
                limits.force(teams[0], FORCED_RETRY_AFTER)
            began, started = clock.now(), time.perf_counter()
            report = box.nudger.run()
            seconds = time.perf_counter() - started
            outcome = Outcome(name, seconds, report.sent, report.deferred, 0, 0, 0)
            for workspace in hosted:
                calls = workspace.calls
                outcome.requests += len(calls)
                record = limits.of(workspace.team_id)
                outcome.windows += len(record.windows)
                outcome.early += len(record.early)
                for call in calls:
                    if call.method == POST and call.error is None:
                        outcome.posted_at[(workspace.team_id, str(call.args["channel"]))] = (
                            call.at - began
                        ).total_seconds()
                requests = [(c.method, str(c.args.get("channel") or "")) for c in calls]
                outcome.least_seconds = max(outcome.least_seconds, limits.least_seconds(requests))
            if report.sent + report.deferred != owed:
                print(f"  [{name}] {owed} nudges owed, {report.sent} sent, {report.deferred} deferred", file=sys.stderr)
            return outcome


def median(outcomes: list[Outcome]) -> Outcome:
    """The run of median wall time."""
    return sorted(outcomes, key=lambda o: o.seconds)[len(outcomes) // 2]


def print_runs(outcomes: list[Outcome]) -> None:
    header = (
        f"{'run':<10} {'sent':>7} {'deferred':>8} {'requests':>8} {'wall s':>7} {'nudges/s':>9} {'429s':>5} "
        f"{'early':>5}"
    )
    print(header)
    print("-" * len(header))
    for o in outcomes:
        print(
            f"{o.name:<10} {o.sent:>7,} {o.deferred:>8,} {o.requests:>8,} {o.seconds:>7.1f} {o.throughput:>9.0f} "
            f"{o.windows:>5} {o.early:>5}"
        )
    print("\n429s = windows the emulator announced; early = requests sent inside one (target 0).")
    print("unlimited and limited: the run of median wall time.")


def print_ratio(unlimited: Outcome, limited: Outcome) -> None:
    by_limits = unlimited.sent / unlimited.least_seconds if unlimited.least_seconds > 0 else float("inf")
    allowed = min(by_limits, unlimited.throughput)
    ratio = limited.throughput / allowed
    print(
        f"\nThe limits need at least {unlimited.least_seconds:.1f} s for these requests "
        f"(the most constrained workspace): {by_limits:,.0f} nudges/s; this sender with no limits: "
        f"{unlimited.throughput:,.0f} nudges/s."
    )
    print(
        f"Allowed {allowed:,.0f} nudges/s, reached {limited.throughput:,.0f}: ratio {ratio:.2f} "
        f"[{'met' if ratio >= TARGET_RATIO else 'MISSED'} (target >= {TARGET_RATIO:g})]"
    )


def print_lateness(limited: Outcome, forced: Outcome, forced_team: str) -> None:
    others = [key for key in limited.posted_at if key[0] != forced_team]
    missing = [key for key in others if key not in forced.posted_at]
    delays = [forced.posted_at[key] - limited.posted_at[key] for key in others if key in forced.posted_at]
    if not delays:
        print("\nNo DM of the other workspaces went out in both runs.")
        return
    worst = max(delays)
    print(
        f"\nOne workspace answering 429 to everything: the other workspaces' {len(delays):,} DMs went out "
        f"{statistics.median(delays):+.2f} s (median), {worst:+.2f} s (latest) against the run without it; "
        f"{len(missing)} not sent [{'met' if worst <= INTERVAL_S and not missing else 'MISSED'} "
        f"(target <= {INTERVAL_S} s)]"
    )
    print(f"Its own nudges were deferred to when its Retry-After ({FORCED_RETRY_AFTER} s) has passed.")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspaces", type=int, default=1_000)
    parser.add_argument("--people", type=int, default=3, help="people nudged in each workspace (two nudges each)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating unlimited and limited runs")
    parser.add_argument("--quick", action="store_true", help="100 workspaces, one round")
    return parser.parse_args()


def main() -> None:
    args = parse()
    logging.basicConfig(level=logging.ERROR)
    workspaces, rounds = (100, 1) if args.quick else (args.workspaces, args.rounds)
    runs: dict[str, list[Outcome]] = {"unlimited": [], "limited": []}
    for _ in range(rounds):
        for name in runs:
            runs[name].append(run(name, workspaces, args.people, limited=name == "limited", forced=False))
            print(f"[{name}] {runs[name][-1].seconds:.1f} s", file=sys.stderr, flush=True)
    forced = run("one 429", workspaces, args.people, limited=True, forced=True)
    unlimited, limited = (median(outcomes) for outcomes in runs.values())
    print(
        f"\nNudge delivery, {workspaces:,} workspaces x {args.people} people (2 nudges each, one DM), SQLite, "
        f"Python {sys.version.split()[0]}\n"
    )
    print_runs([unlimited, limited, forced])
    spread = {
        name: f"{min(o.seconds for o in outcomes):.1f} to {max(o.seconds for o in outcomes):.1f} s"
        for name, outcomes in runs.items()
    }
    print(f"Wall time over {rounds} round(s): unlimited {spread['unlimited']}, limited {spread['limited']}.")
    print_ratio(unlimited, limited)
    print_lateness(runs["limited"][-1], forced, f"T{0:07d}")


if __name__ == "__main__":
    main()
