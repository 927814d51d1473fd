"""`accord console` scripted through standard input, as the README shows it."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def console(state: Path, script: str, **settings: str) -> str:
    """Run a console session on `script`; it must end normally, with nothing on standard error."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--state-dir", str(state)],
        env=os.environ | settings,
        input=script.encode(errors="surrogateescape"),  # bytes as typed, invalid UTF-8 included
        capture_output=True,
        timeout=120,
        cwd=state.parent,
    )
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0, err
    assert "Traceback" not in out + err
    assert err == "", err
    assert "!!" not in out, "the app broke Slack's contract"
    return out


def new_acme_alliance(cadence: str) -> list[str]:
    """Console lines that create Acme Alliance, owned by the current user, sponsored by Bob."""
    return ["/accord new Acme Alliance", "", "Acme Ltd", "", "@bob", "#acme-alliance", cadence]


def test_the_demo_script_walks_through_creating_and_listing(tmp_path: Path) -> None:
    out = console(tmp_path / "state", (ROOT / "examples/demo.txt").read_text())
    assert "Partner organisation (max 120) []: Acme Ltd" in out
    assert "✅ *Acme Alliance* is set up at *Stage 1 · Operational awareness*." in out
    assert "🤝 *Acme Alliance* with *Acme Ltd* is now managed with Accord." in out
    assert "Stage 1 · Operational awareness · Strategy phase · owner @alice" in out
    assert "Did you mean *Acme Alliance*?" in out
    assert "*Acme Alliance* · Acme Ltd · _executive sponsor_" in out  # Bob's Home tab
    assert "⚠️ overdue" in out.split("time +31d")[-1]
    assert "Raised dispute #1 on *Acme Alliance* in #acme-alliance." in out  # the message shortcut
    assert "Accord joined #exec-board, added by @bob." in out


def test_the_joint_script_runs_a_stage_four_check_in_answered_by_both_organisations(tmp_path: Path) -> None:
    out = console(tmp_path / "state", (ROOT / "examples/joint.txt").read_text())
    assert "Globex's executive sponsor (optional) (@name) []: @pat" in out
    assert "You are now @pat, of Globex (another organisation), in #acme-globex." in out
    assert "! Slack offers /accord only in workspaces that installed its app, and @pat's has not" in out
    assert "✅ *Done* · @pat" in out
    assert "signed for Accord Sandbox by @alice. It is signed off once Globex" in out
    assert "✅ *Stage 4 · Partner selection signed off* by @alice for Accord Sandbox and @pat for Globex." in out
    assert "✅ *4 Partner selection*" in out.split("> as @alice")[-1]  # /accord status, stage 4 done


def test_data_and_time_persist_between_console_sessions(tmp_path: Path) -> None:
    state = tmp_path / "state"
    console(state, "/accord new\nGlobex Supply\nGlobex\n\n@carol\n\n\n")
    console(state, "time +2d\n")
    out = console(state, "/accord list\n")
    assert "*Globex Supply* · Globex" in out
    assert "🤝 *Globex Supply*" in out  # the channel still shows the introduction
    first_line = out.splitlines()[1]
    in_two_days = datetime.now(UTC) + timedelta(days=2)
    # the day the clock was moved to, or the next one should the test run across midnight
    assert any(f"{(in_two_days + timedelta(days=d)):%a %d %b %Y}" in first_line for d in (0, 1)), first_line


def test_a_modal_field_error_is_shown_and_the_field_asked_again(tmp_path: Path) -> None:
    out = console(tmp_path / "state", "/accord new\nAcme\nAcme Ltd\n\n@bob\n#acme-alliance\n3\n60\n/accord list\n")
    assert "Review every (days) (7-365) [90]: 3" in out
    assert "! Review every (days): at least 7" in out  # refused by the client, as Slack's own would
    assert "! Review every (days): at least 7\n  Review every (days) (7-365) [90]: 60" in out  # only it is asked again
    assert "✅ *Acme* is set up" in out
    assert "Relationship name (max 80) [" not in out.split("[90]: 60")[-1]


def test_unknown_console_commands_and_buttons_are_explained(tmp_path: Path) -> None:
    out = console(tmp_path / "state", "frobnicate\n42\nas @nobody\n/giphy cats\n")
    assert "Unknown command 'frobnicate'. Type help." in out
    assert "! there is no button [42] on screen" in out
    assert "! no person called @nobody" in out
    assert "! /giphy is not installed in this workspace; try /accord" in out


def test_a_checkin_can_be_worked_through_in_the_console(tmp_path: Path) -> None:
    script = "\n".join(
        [
            *new_acme_alliance(cadence=""),
            "#acme-alliance",
            "/accord checkin Acme Alliance",
            "thread 2",
            "1",  # S1.1 Done
            "4",  # S1.1 Add evidence: a modal, field by field
            "https://intranet.example.com/sponsor-letter",
            "Signed by the CEO",
            "8",  # S1.2 Not applicable: the reason
            "We adopt the partner's policy",
            "say 3: objectives drafted, review on Friday",
            "15 @carol",  # assign S1.3 to Carol
            "as @carol",
            "home",
            "",
        ]
    )
    out = console(tmp_path / "state", script)
    thread = out.split("> thread 2")[-1]
    assert "✅ *Done* · @alice" in thread
    assert "(https://intranet.example.com/sponsor-letter)" in thread and "_Signed by the CEO_" in thread
    assert "Why does this item not apply? (max 500) []: We adopt the partner's policy" in thread
    assert "\u2796 *Not applicable:* We adopt the partner's policy" in thread
    assert "💬 1 note" in thread and "📝 1" in thread
    assert "assigned to @carol" in thread
    assert "`▰▰▰▱▱▱▱▱▱▱` *2/7 complete* · 1 done · 1 not applicable · 5 still open" in thread
    home = out.split("> home")[-1]
    assert "*Assigned to you* (1)" in home
    assert "*S1.3* · The business objectives that collaboration must serve are written down." in home
    assert "[2] Done  [3] In progress  [4] Not applicable  [5] Add evidence" in home


def test_moving_time_brings_nudges_as_direct_messages_which_can_be_snoozed(tmp_path: Path) -> None:
    script = "\n".join(
        [
            *new_acme_alliance(cadence="7"),
            "time +7d",
            "dm",
            "3",
            "time +1d",
            "dm",
            "",
        ]
    )
    out = console(tmp_path / "state", script, WORKING_DAYS="mon-sun", WORKING_HOURS="00:00-00:00")
    after_a_week = out.split("> time +7d")[1].split("> dm")[0]
    assert "Accord sent 2 nudges." in after_a_week  # Alice's review, and Bob's notice that he is the sponsor
    assert "🔔 New direct message from Accord: type dm to read it" in after_a_week
    inbox = out.split("> dm")[1]
    assert "📆 The review of *Acme Alliance* is due today." in inbox
    assert "[1] Record review  [2] Snooze 1 day  [3] Snooze 1 week" in inbox
    assert "Snoozed for a week. I'll remind you after that." in out.split("> 3")[1]
    assert "Accord sent" not in out.split("> time +1d")[1]  # snoozed: nothing the next day


def test_hostile_lines_each_get_a_one_line_answer_and_lose_nothing_typed(tmp_path: Path) -> None:
    not_mine = ["edit 1 my words now", "delete 1"]  # message #1 is Accord's introduction
    hostile = [
        "",
        "   ",
        "frobnicate the widgets",
        "99",
        "99999999999999999999999",
        "thread 42",
        "edit 42 nothing there",
        "say " + "y" * 40_001,
        "x" * 5_000,
        "\x1b[2J\x1b[31mred",
        "say hello\x00world",
        "\udcff\udcfe",  # bytes that are not UTF-8
        *not_mine,
    ]
    review = [
        "/accord review Acme Alliance",
        "The pilot went well",
        "7",  # a rating outside its options
        "five",
        "4",
        "3",
        "3",
        "3",
        "Monthly steering group",
        "next friday",  # not a date
        "",
    ]
    script = [*new_acme_alliance("30"), "#acme-alliance", *review, *hostile, "look", ""]
    out = console(tmp_path / "state", "\n".join(script))

    assert "Delivery (5 / 4 / 3 / 2 / 1) []: 7\n! '7' is not one of the choices: 5 / 4 / 3 / 2 / 1\n" in out
    assert "Delivery (5 / 4 / 3 / 2 / 1) []: five\n! 'five' is not one of the choices" in out
    # the default is one cadence (30 days) on: today's, or tomorrow's should the test run across midnight
    defaults = [(datetime.now(UTC) + timedelta(days=30 + d)).date().isoformat() for d in (0, 1)]
    assert any(
        f"Next review (YYYY-MM-DD) [{day}]: next friday\n! 'next friday' is not a date" in out for day in defaults
    )
    # only the refused field was asked again, and everything else typed was kept and saved
    assert out.count("How is the relationship going?") == 1
    assert "Delivery 4/5 · Trust and behaviours 3/5 · Value 3/5 · Governance 3/5" in out
    assert "The pilot went well" in out and "*Decisions:* Monthly steering group" in out

    session = out.split("> ", 1)[1]
    answers = [chunk.split("\n")[1] for chunk in session.split("\n> ")[-len(hostile) - 1 : -1]]
    assert all(answer.startswith("! ") for answer in answers), answers
    said = dict(zip(hostile, answers, strict=True))
    assert said["edit 1 my words now"] == "! you can only edit your own messages"
    assert said["delete 1"] == "! you can only delete your own messages"
    assert said["99"] == "! there is no button [99] on screen"
    assert said["say " + "y" * 40_001] == "! a message holds at most 40,000 characters; this one has 40,001"
    assert "\x1b" not in out and "\\x1b[2J" in out  # shown as an escape, never sent to the terminal
    assert "🤝 *Acme Alliance* with *Acme Ltd* is now managed with Accord." in out.split("> look")[-1]


def test_log_lines_go_to_a_file_not_the_screen(tmp_path: Path) -> None:
    state = tmp_path / "state"
    out = console(state, "/accord new Board deal\n\nBoardCo\n\n@bob\n#exec-board\n30\n")
    assert "I couldn't post the introduction in #exec-board" in out
    assert "WARNING" not in out
    assert "could not introduce relationship 1: channel_not_found" in (state / "console.log").read_text()


def test_the_health_script_plays_a_round_and_saves_its_chart(tmp_path: Path) -> None:
    out = console(tmp_path / "state", (ROOT / "examples/health.txt").read_text())
    assert "You are now @pat, of Globex (another organisation), in #acme-globex." in out
    assert "Your answers to the health check of *Acme Alliance* are changed." in out  # Bob, the second time
    assert "*Host organisation*: index 64 (3 answers)" in out
    assert "*Globex*: not enough answers to keep them anonymous (fewer than 3)" in out
    assert "We hear of changes late" not in out.split("RESULTS")[-1]  # Pat's comment: too few on Globex's side
    saved = Path(out.split("(saved to ")[-1].split(")")[0])
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_knowledge_script_keeps_each_organisations_never_share_items_to_itself(tmp_path: Path) -> None:
    out = console(tmp_path / "state", (ROOT / "examples/knowledge.txt").read_text())
    assert "\n! " not in out  # every prompt answered, every button on screen
    posted, pats, alices = out.split("/accord knowledge Acme Alliance post")[-1].split("as @")[0:3]
    assert "2 items (what both organisations share" in posted and "Pricing model" not in posted
    assert "*Globex product roadmap* · held by your organisation" in pats and "Pricing model" not in pats
    assert "*Pricing model* · held by your organisation" in alices and "Globex product roadmap" not in alices


def test_the_registers_script_keeps_risks_actions_ideas_and_meetings_in_the_shared_channel(tmp_path: Path) -> None:
    out = console(tmp_path / "state", (ROOT / "examples/registers.txt").read_text())
    assert "\n! " not in out  # every prompt answered, every button on screen
    assert "*12* · *Key engineer leaves*" in out and "risk-heat-map.png" in out
    # Carol's day is five hours behind Alice's: the action is one or two days overdue there, by the hour the script runs
    assert re.search(r"⏰ \*overdue\* [12] days? \(due ", out) and "Completed *Train a second engineer*" in out
    assert "*Shared warehouse in Rotterdam* is now agreed" in out
    assert "*Attended* @alice, @carol (host), @pat, @quinn (Globex)\n" in out
    assert "Added *Sign the Rotterdam lease* to the actions of *Acme Alliance*: @quinn" in out
    pats = out.split("> as @pat")[-1].split("> as @alice")[0]  # Pat, of Globex, lists registers from the card
    assert "*Risk register of Acme Alliance*: 1 open risk" in pats and "Add risk" in pats
    assert "*Actions of Acme Alliance*: 1 open action" in pats and "owner @quinn · due" in pats
    assert "*Risks* 1 open" in out and "*Value-creation ideas* 1 open" in out and "*Meetings* last" in out
    assert "I sent it to you in our direct" in out and "RELATIONSHIP MANAGEMENT PLAN" in out
