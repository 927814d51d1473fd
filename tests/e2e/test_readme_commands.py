"""The README's commands for the console and its data work as written, right after a session in the console."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_command_line_after_the_console import SESSION

ROOT = Path(__file__).resolve().parent.parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Commands shown in code blocks or inline; those that connect to Slack or install need more than a folder.
COMMANDS = [
    command
    for command in re.findall(r"^(\.venv/bin/accord [^\n]+)$|`(\.venv/bin/accord [^`]+)`", README, re.MULTILINE)
    for command in command
    if command and " run" not in command
]


def shell(folder: Path, command: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`command` as a person would type it in `folder`, a checkout with Accord installed in `.venv`."""
    bash = shutil.which("bash")
    assert bash is not None, "the README's commands are written for a POSIX shell"
    return subprocess.run(
        [bash, "-c", command], cwd=folder, input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


# What each command shows, after a session that created Acme Alliance and moved the console's time on.
SHOWS = {
    "examples/demo.txt": "✅ *Acme Alliance* is set up",  # in its own workspace, though the session made one
    "examples/joint.txt": "signed off* by @alice for Accord Sandbox and @pat for Globex",
    "examples/health.txt": "HEALTH CHECK 1 OF ACME ALLIANCE · RESULTS",
    "examples/knowledge.txt": "*Globex product roadmap* · held by your organisation",
    "examples/registers.txt": "Added *Sign the Rotterdam lease* to the actions of *Acme Alliance*",
    "--console .accord export": "# Acme Alliance\n",
    "--console .accord nudges --dry-run": "Workspace Accord Sandbox",
}


def shows(command: str) -> str:
    (shown,) = [text for part, text in SHOWS.items() if part in command]
    return shown


def test_the_readme_shows_the_demo_and_how_to_read_the_console_data() -> None:
    assert sorted(part for part in SHOWS if any(part in command for command in COMMANDS)) == sorted(SHOWS)


def test_the_readme_commands_work_after_a_console_session(tmp_path: Path) -> None:
    (tmp_path / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    first = shell(tmp_path, ".venv/bin/accord console", stdin="\n".join(SESSION) + "\n")  # the first command's end
    assert first.returncode == 0, first.stderr
    assert "Accord sent" in first.stdout or "wait for working hours" in first.stdout  # time +91d: the review is due
    for command in COMMANDS * 2:  # twice: the demo starts afresh each time
        result = shell(tmp_path, command)
        assert result.returncode == 0, f"{command}\n{result.stderr}"
        assert shows(command) in result.stdout, command
        assert "!!" not in result.stdout, command  # the console saw the app keep Slack's contract
