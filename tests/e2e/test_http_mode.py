"""`accord run --http` as a real process on loopback: signed requests answered, forged or stale ones refused."""

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.sandbox.driver import Driver, OverHttp
from bot.sandbox.harness import OfflineSlack
from stages import services
from stages.relationships import RelationshipDraft
from storage.database import Database
from tests.e2e.helpers import ACME, ALICE, BOB, free_port, shown, wait_for


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@contextmanager
def serving(slack: OfflineSlack, tmp_path: Path, **settings: str) -> Iterator[int]:
    """`accord run --http` against the offline Slack, on a port of its own, its log written to server.log."""
    port = free_port()
    env = os.environ | {
        "SLACK_BOT_TOKEN": slack.workspace.bot_token,
        "SLACK_SIGNING_SECRET": slack.signing_secret,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'http.db'}",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(port)]
    with (tmp_path / "server.log").open("wb") as log:
        server = subprocess.Popen(command, env=env | settings, cwd=tmp_path, stderr=log)
        try:
            wait_for(lambda: healthy(f"http://127.0.0.1:{port}/healthz"), timeout=30)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=15)


@pytest.fixture
def driver(slack: OfflineSlack, tmp_path: Path) -> Iterator[Driver]:
    with serving(slack, tmp_path) as port:
        yield slack.driver(OverHttp(f"http://127.0.0.1:{port}/slack/events"))


def test_signed_requests_are_answered_over_http(slack: OfflineSlack, driver: Driver) -> None:
    reply = driver.command(ALICE, ACME, "list")
    assert (reply.status, reply.body) == (200, b"")  # acknowledged at once, answered after
    wait_for(lambda: bool(slack.workspace.ephemerals_for(ALICE)))
    assert "No relationships yet" in shown(slack.workspace.ephemerals_for(ALICE)[-1])

    driver.command(ALICE, ACME, "new")
    wait_for(lambda: slack.workspace.current_modal(ALICE) is not None)
    driver.submit(ALICE, {"name": "Acme Alliance", "partner": "Acme Ltd", "sponsor": BOB})
    wait_for(lambda: bool(slack.workspace.top_level(ACME)))
    assert "*Acme Alliance* with *Acme Ltd* is now managed with Accord" in shown(slack.workspace.top_level(ACME)[0])


def test_a_forged_signature_is_refused_and_changes_nothing(slack: OfflineSlack, driver: Driver) -> None:
    body = "command=%2Faccord&text=list&team_id=T0ACCORD1&user_id=U0ALICE&channel_id=C0ACME&trigger_id=1.2.3"
    headers = driver.signed_headers(body, "application/x-www-form-urlencoded")
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    calls = len(slack.workspace.calls)
    assert driver.transport.send(body, headers).status == 401
    time.sleep(0.3)
    assert slack.workspace.calls[calls:] == [] and slack.workspace.ephemerals == []


def test_a_six_minute_old_request_is_refused_and_changes_nothing(slack: OfflineSlack, driver: Driver) -> None:
    body = "command=%2Faccord&text=list&team_id=T0ACCORD1&user_id=U0ALICE&channel_id=C0ACME&trigger_id=1.2.3"
    stale = int(time.time()) - 6 * 60
    calls = len(slack.workspace.calls)
    reply = driver.transport.send(body, driver.signed_headers(body, "application/x-www-form-urlencoded", stale))
    assert reply.status == 401
    time.sleep(0.3)
    assert slack.workspace.calls[calls:] == [] and slack.workspace.ephemerals == []


def test_a_worker_starts_while_slack_is_unreachable_and_answers(slack: OfflineSlack, tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there
    with serving(slack, tmp_path, SLACK_API_URL=closed) as port:
        driver = slack.driver(OverHttp(f"http://127.0.0.1:{port}/slack/events"))
        assert driver.command(ALICE, ACME, "help").status == 200
        wait_for(lambda: bool(slack.workspace.ephemerals_for(ALICE)))
    assert "/accord new" in shown(slack.workspace.ephemerals_for(ALICE)[-1])


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ([], ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "--http", "accord console"]),
        (["--http"], ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "accord console"]),
    ],
)
def test_missing_credentials_are_named_and_point_to_the_console(
    tmp_path: Path, args: list[str], named: list[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    for word in named:
        assert word in result.stderr


def test_a_bad_setting_is_named_and_nothing_starts(tmp_path: Path) -> None:
    env = os.environ | {"NUDGE_CLAIM_LEASE_SECONDS": "0", "WORKING_HOURS": "nine to five"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "nudges", "--dry-run"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "NUDGE_CLAIM_LEASE_SECONDS: Input should be greater than or equal to 1 (got '0')" in result.stderr
    assert "WORKING_HOURS: Value error, working hours must be like 09:00-17:00" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no database was created


@pytest.mark.parametrize("with_scheduler", [True, False])
def test_the_nudge_job_runs_beside_the_web_server_unless_told_not_to(
    slack: OfflineSlack, tmp_path: Path, with_scheduler: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'shapes.db'}"
    database = Database(url)
    database.upgrade()
    draft = RelationshipDraft("Acme Alliance", "Acme Ltd", ALICE, BOB, ACME, 7)
    week_ago = datetime.now(UTC) - timedelta(days=7)
    services.create_relationship(database.uow(slack.workspace.team_id), draft, created_by=ALICE, now=week_ago)
    database.dispose()
    port = free_port()
    env = os.environ | {
        "SLACK_BOT_TOKEN": slack.workspace.bot_token,
        "SLACK_SIGNING_SECRET": slack.signing_secret,
        "SLACK_API_URL": slack.api_url,
        "DATABASE_URL": url,
        "NUDGE_INTERVAL_SECONDS": "1",
        "WORKING_DAYS": "mon-sun",
        "WORKING_HOURS": "00:00-00:00",
        "LOG_LEVEL": "WARNING",
    }
    flags = [] if with_scheduler else ["--no-scheduler"]
    command = [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(port), *flags]
    server = subprocess.Popen(command, env=env, cwd=tmp_path)
    inbox = slack.workspace.im_with(ALICE).id
    try:
        wait_for(lambda: healthy(f"http://127.0.0.1:{port}/healthz"), timeout=30)
        if with_scheduler:
            wait_for(lambda: bool(slack.workspace.top_level(inbox)), timeout=30)
            assert "The review of *Acme Alliance* is due today." in shown(slack.workspace.top_level(inbox)[0])
        else:
            time.sleep(4)
            assert slack.workspace.top_level(inbox) == []
    finally:
        server.terminate()
        server.wait(timeout=30)
