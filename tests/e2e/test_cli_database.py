"""Every `accord` command that opens the database says, in one line, what is wrong with DATABASE_URL."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = [
    ["nudges", "--dry-run"],
    ["nudges"],
    ["scheduler"],
    ["run", "--http"],
    ["export", "Acme Alliance", "--out", "plan.md"],
    ["db", "upgrade"],
    ["db", "current"],
]


def accord(tmp_path: Path, args: list[str], database_url: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_missing_database_directory_is_named_with_its_fix(tmp_path: Path, args: list[str]) -> None:
    url = "sqlite:///no/such/dir/accord.db"
    result = accord(tmp_path, args, url)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"DATABASE_URL: {url} is a file in {tmp_path / 'no/such/dir'}, which does not exist: "
        "create that directory, or name a file in one that exists"
    ]
    assert list(tmp_path.iterdir()) == []  # nothing was created


def test_a_url_that_is_not_one_is_named(tmp_path: Path) -> None:
    result = accord(tmp_path, ["db", "current"], "accord.db")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "DATABASE_URL: not a database URL: use sqlite:///path/to/accord.db or postgresql+psycopg://user:password@host/db"
    ]


def test_a_database_in_an_existing_directory_opens(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    result = accord(tmp_path, ["db", "upgrade"], "sqlite:///data/accord.db")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "accord.db").is_file()


@pytest.mark.parametrize("args", [["nudges"], ["scheduler"], ["work"]], ids=" ".join)
def test_a_command_that_sends_to_slack_names_what_it_still_needs(tmp_path: Path, args: list[str]) -> None:
    """With one workspace's token, the token; with Add to Slack installations, the key that opens theirs."""
    url = f"sqlite:///{tmp_path / 'accord.db'}"
    one_token = os.environ | {"DATABASE_URL": url, "SLACK_BOT_TOKEN": "", "SLACK_CLIENT_ID": ""}
    installs = one_token | {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "ACCORD_ENCRYPTION_KEY": ""}
    for env, missing in ((one_token, "SLACK_BOT_TOKEN"), (installs, "ACCORD_ENCRYPTION_KEY")):
        result = subprocess.run(
            [sys.executable, "-m", "bot", *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.rstrip().endswith(f"{missing} is not set."), result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was created
