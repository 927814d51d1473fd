"""After `accord console`, the command line reads the console's data at the console's time, and says what to do
in one line, without creating a database, whenever it has nothing to read or nowhere to write."""

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.slack.wording import human_date
from tests.e2e.test_console import new_acme_alliance

SESSION = [*new_acme_alliance(cadence=""), "/accord dispute Acme Alliance late invoices", "time +91d"]


def accord(cwd: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`accord ARGS` in `cwd`, with no DATABASE_URL of its own: the default one, as after the README's install."""
    env = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def used(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder in which the console was used: Acme Alliance, a dispute, and the console's time moved 91 days."""
    folder = tmp_path_factory.mktemp("used")
    session = accord(folder, "console", stdin="\n".join(SESSION) + "\n")
    assert session.returncode == 0, session.stderr
    assert "✅ *Acme Alliance* is set up" in session.stdout
    return folder


def fails(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a command that cannot do its job says, having exited with 2."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr.strip()


def in_91_days() -> list[str]:
    """The console's date, 91 days on: that day, or the next should the test run across midnight."""
    moved = datetime.now(UTC) + timedelta(days=91)
    return [f"{moved + timedelta(days=d):%Y-%m-%d}" for d in (0, 1)]


def test_the_plan_is_exported_from_the_console_at_the_console_time(used: Path) -> None:
    result = accord(used, "--console", ".accord", "export", "Acme Alliance", "--out", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Acme Alliance\n")  # the plan itself, on standard output
    assert "| Open | 91 days | late invoices |" in result.stdout  # the dispute's age on the console's clock
    as_json = accord(used, "--console", ".accord", "export", "Acme Alliance", "--format", "json", "--out", "-")
    assert json.loads(as_json.stdout)["generated_at"][:10] in in_91_days()


def test_the_nudge_preview_sees_the_console_data_at_the_console_time(used: Path) -> None:
    result = accord(used, "--console", ".accord", "nudges", "--dry-run")
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("Workspace Accord Sandbox: ")
    assert any(f"as of {human_date(date.fromisoformat(day))}, " in first for day in in_91_days()), first


@pytest.mark.parametrize(
    "args", [["export", "Acme Alliance", "--out", "plan.md"], ["nudges", "--dry-run"], ["db", "current"]], ids=" ".join
)
def test_without_console_a_reading_command_names_it_and_creates_no_database(used: Path, args: list[str]) -> None:
    command = " ".join(args[:2] if args[0] == "db" else args[:1])
    assert fails(accord(used, *args)) == (
        f"There is no database at {used / 'accord.db'} (DATABASE_URL): the console's data is in .accord: "
        f"add --console .accord after accord, as in accord --console .accord {command} ..."
    )
    assert sorted(path.name for path in used.iterdir()) == [".accord"]


def test_a_missing_database_elsewhere_names_the_setting(tmp_path: Path) -> None:
    message = fails(accord(tmp_path, "export", "Acme Alliance", "--out", "plan.md"))
    assert message == (
        f"There is no database at {tmp_path / 'accord.db'} (DATABASE_URL): set DATABASE_URL to Accord's database, "
        "or try Accord offline first with accord console"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_empty_database_names_the_fix(tmp_path: Path) -> None:
    assert accord(tmp_path, "db", "upgrade").returncode == 0
    message = fails(accord(tmp_path, "export", "Acme Alliance", "--out", "plan.md"))
    assert message.startswith("The database sqlite:///accord.db holds no workspace yet: set DATABASE_URL to")
    assert not (tmp_path / "plan.md").exists()


def test_a_console_folder_without_data_names_the_console_command(tmp_path: Path) -> None:
    message = fails(accord(tmp_path, "--console", "elsewhere", "nudges", "--dry-run"))
    assert message == "There is no console data in elsewhere: run accord console --state-dir elsewhere first"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "fix"),
    [
        (["nudges"], "add --dry-run"),
        (["run"], "run it without --console"),
        (["scheduler"], "run it without --console"),
    ],
    ids=["nudges", "run", "scheduler"],
)
def test_commands_that_talk_to_slack_refuse_the_console_data(used: Path, args: list[str], fix: str) -> None:
    assert fix in fails(accord(used, "--console", ".accord", *args))


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("missing/plan.md", "the folder missing does not exist: create it first, or name a file in one that exists"),
        (".accord", ".accord is a folder: name a file in it, e.g. .accord/plan.md"),
        (".accord/console.db/x", ".accord/console.db is a file, not a folder: name a file in a folder that exists"),
    ],
    ids=["missing folder", "a folder", "a file as folder"],
)
def test_a_bad_out_is_one_line(used: Path, out: str, message: str) -> None:
    assert fails(accord(used, "--console", ".accord", "export", "Acme Alliance", "--out", out)) == f"--out: {message}"


def test_the_evidence_pack_is_not_sent_to_standard_output(used: Path) -> None:
    message = fails(accord(used, "--console", ".accord", "export", "Acme Alliance", "--evidence-pack", "-"))
    assert message == "--evidence-pack: the evidence pack is a zip of many files: name a file for it, e.g. pack.zip"
