"""Ack latency and throughput of `accord run --http` against a bare Bolt app that only acks.

Both are served the same way (gunicorn, one worker, threaded) on loopback and talk to the same offline Slack
Web API emulator. The load is N signed `/accord status <name>` requests, C at a time, over keep-alive
connections. Prints p50 / p99 ack latency and requests per second for both, and the ratios.

    python bench/ack.py [--requests 3000] [--concurrency 16] [--threads 16] [--rounds 5]
"""

import argparse
import http.client
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from slack_sdk.signature import SignatureVerifier  # noqa: E402

from bot.sandbox.clock import MovableClock  # noqa: E402
from bot.sandbox.driver import signed_headers  # noqa: E402
from bot.sandbox.harness import OfflineSlack  # noqa: E402
from bot.sandbox.workspace import ResponseTarget  # noqa: E402
from stages import relationship_service  # noqa: E402
from stages.relationships import RelationshipDraft  # noqa: E402
from storage.database import Database  # noqa: E402

NAME = "Acme Alliance"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(port: int, path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1):
                return
        except urllib.error.HTTPError:
            return  # answering at all is enough (the bare app has no health check)
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"server on {port} did not start")


def load(port: int, bodies: list[str], secret: str, concurrency: int) -> tuple[list[float], float]:
    """Send every body once, signed, `concurrency` at a time; returns per-request latencies (s) and the wall time.

    Runs in a process of its own (see `load_apart`), so that the Slack emulator answering the app's Web API calls
    in this process does not slow the load down: in real life Slack and its clients are not on one machine.
    """
    signer = SignatureVerifier(secret)
    latencies: list[float] = []
    lock = threading.Lock()
    queue = iter(bodies)

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while True:
            with lock:
                body = next(queue, None)
            if body is None:
                break
            headers = signed_headers(signer, body, "application/x-www-form-urlencoded")
            started = time.perf_counter()
            connection.request("POST", "/slack/events", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"status {response.status}")
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started


def load_apart(
    pool: ProcessPoolExecutor, port: int, bodies: list[str], secret: str, concurrency: int
) -> tuple[list[float], float]:
    return pool.submit(load, port, bodies, secret, concurrency).result()


def replies(slack: OfflineSlack) -> int:
    return sum(1 for c in slack.workspace.calls if c.method == "response_url")


def drain(slack: OfflineSlack, owed: int, timeout: float = 120) -> None:
    """Wait until accord has sent the `owed` replies (or gives up), so one round's work does not slow the next."""
    deadline = time.monotonic() + timeout
    while replies(slack) < owed and time.monotonic() < deadline:
        time.sleep(0.1)


def median_round(rounds: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """The round with the median throughput."""
    return sorted(rounds, key=lambda r: r[2])[len(rounds) // 2]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--threads", type=int, default=16, help="gunicorn threads per worker, for both servers")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; the median one is shown")
    args = parser.parse_args()

    slack = OfflineSlack(MovableClock())
    workspace = slack.workspace
    folder = Path(tempfile.mkdtemp(prefix="accord-bench-"))
    database_url = f"sqlite:///{folder / 'bench.db'}"
    database = Database(database_url)
    database.upgrade()
    draft = RelationshipDraft(NAME, "Acme Ltd", "U0ALICE", "U0BOB", "C0ACME", 90)
    relationship_service.create_relationship(
        database.uow(workspace.team_id), draft, created_by="U0ALICE", now=slack.clock.now()
    )

    env = os.environ | {
        "SLACK_BOT_TOKEN": workspace.bot_token,
        "SLACK_SIGNING_SECRET": slack.signing_secret,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    accord_port, bare_port = free_port(), free_port()
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(accord_port),
             "--threads", str(args.threads)],
            env=env, cwd=folder,
        ),
        subprocess.Popen(
            [sys.executable, str(ROOT / "bench/bare_app.py"), "127.0.0.1", str(bare_port), str(args.threads)],
            env=env, cwd=folder,
        ),
    ]  # fmt: skip
    try:
        wait_healthy(accord_port, "/healthz")
        wait_healthy(bare_port, "/")

        def bodies() -> list[str]:
            return [
                urlencode(
                    {
                        "token": "bench",
                        "team_id": workspace.team_id,
                        "team_domain": workspace.domain,
                        "channel_id": "C0ACME",
                        "channel_name": "acme-alliance",
                        "user_id": "U0ALICE",
                        "user_name": "alice",
                        "command": "/accord",
                        "text": f"status {NAME}",
                        "api_app_id": workspace.app_id,
                        "response_url": workspace.issue_response_url(
                            slack.emulator.response_url_base, ResponseTarget("C0ACME", "U0ALICE")
                        ),
                        "trigger_id": workspace.issue_trigger("U0ALICE"),
                    }
                )
                for _ in range(args.requests)
            ]

        secret = slack.signing_secret
        load_apart(pool, bare_port, bodies()[:200], secret, args.concurrency)  # warm both up
        load_apart(pool, accord_port, bodies()[:200], secret, args.concurrency)
        owed = 200
        rounds: dict[str, list[tuple[float, float, float]]] = {"bare Bolt app": [], "accord": []}
        for _ in range(args.rounds):  # alternate, so drift in the machine's load hits both alike
            for label, port in (("bare Bolt app", bare_port), ("accord", accord_port)):
                drain(slack, owed)
                latencies, wall = load_apart(pool, port, bodies(), secret, args.concurrency)
                rounds[label].append((percentile(latencies, 0.5), percentile(latencies, 0.99), len(latencies) / wall))
                owed += args.requests if port == accord_port else 0
        drain(slack, owed)
        results = {label: median_round(values) for label, values in rounds.items()}
        answered = replies(slack)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=15)
        pool.shutdown()
        slack.close()

    print(f"{args.requests} signed '/accord status {NAME}' requests, {args.concurrency} at a time, "
          f"gunicorn 1 worker x {args.threads} threads, median of {args.rounds} rounds, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'':16}{'p50 ack':>10}{'p99 ack':>10}{'req/s':>10}")
    for label, (p50, p99, rps) in results.items():
        print(f"{label:16}{p50 * 1000:>8.2f}ms{p99 * 1000:>8.2f}ms{rps:>10.0f}")
    bare, ours = results["bare Bolt app"], results["accord"]
    print(f"throughput ratio accord / bare: {ours[2] / bare[2]:.2f} (target >= 0.80)")
    print(f"p99 ack: {ours[1] * 1000:.1f} ms (target < 50 ms)")
    print(f"status replies delivered through response_url: {answered} of {owed}")


if __name__ == "__main__":
    main()
