"""`accord console` in process, line by line, on the sandbox at a fixed instant."""

import io
import re

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.sandbox.console import Console
from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import JSON
from tests.conftest import START
from tests.e2e.helpers import PARTNERSHIPS, create_relationship


def session(sandbox: Sandbox, *lines: str) -> str:
    """What the console prints for these lines, typed by @alice in #partnerships."""
    out = io.StringIO()
    Console(sandbox, out, interactive=False, after_command=lambda: None).run(iter(lines))
    return out.getvalue()


def answer_to(out: str, line: str) -> str:
    """The console's first line after `line` was typed."""
    return out.split(f"> {line}\n", 1)[1].split("\n", 1)[0]


def test_time_refuses_to_go_back_or_leap_years_ahead_and_says_why(sandbox: Sandbox) -> None:
    out = session(sandbox, "time -1d", "time +200w", "time +99999999999999999999d", "time +2w")
    assert answer_to(out, "time -1d") == "! time only moves forward: what happened cannot be undone"
    assert answer_to(out, "time +200w") == "! that is more than 3 years at once; move time in smaller steps"
    assert answer_to(out, "time +99999999999999999999d").startswith("! that is more than 3 years")
    assert answer_to(out, "time +2w") == "Time is now Wed 09 Dec 2026 10:00 GMT."
    assert sandbox.workspace.now() == START.replace(day=9, month=12)


def test_emoji_shortcodes_show_as_emoji(sandbox: Sandbox) -> None:
    said = "say :white_check_mark: agreed :thumbsup: :large_green_circle: :nonesuch:"
    out = session(sandbox, "/accord disputes", said)
    assert "No open disputes. 🎉" in out
    assert "✅ agreed 👍 🟢 :nonesuch:" in out


def test_console_verbs_in_a_modal_are_not_taken_as_answers(sandbox: Sandbox) -> None:
    out = session(sandbox, "/accord new", "help", "look", "Acme", "cancel", "/accord list")
    name = "  Relationship name (max 80) []: "
    assert f"{name}help\nIn a modal, answer each field in turn" in out
    assert f"{name}look\n┏━ New relationship (modal)" in out
    assert f"{name}Acme\n  Partner organisation (max 120) []: cancel\nModal closed." in out
    assert "Acme" not in out.split("> /accord list")[1]  # nothing was saved


def test_an_ephemeral_reply_is_shown_once_and_again_only_by_look(sandbox: Sandbox) -> None:
    out = session(sandbox, "/accord status nothing", "look", "say hi", "look", "#general", "look", "home", "back")
    reply = "There is no relationship called *nothing* in this workspace."
    assert out.count(reply) == 2
    assert reply in out.split("> look")[1].split("> say hi")[0]  # look right after it shows it again


def buttons(*labels: str) -> list[JSON]:
    return [
        {
            "type": "actions",
            "block_id": "choices",
            "elements": [
                {"type": "button", "action_id": label.lower(), "text": {"type": "plain_text", "text": label}}
                for label in labels
            ],
        }
    ]


def test_a_button_keeps_its_number_while_its_message_changes(sandbox: Sandbox) -> None:
    """A double press of [1] presses the same button twice, though the app put another first meanwhile."""
    message = sandbox.workspace.post(PARTNERSHIPS, "Pick one", blocks=buttons("Approve", "Reject"))
    pressed = []

    @sandbox.app.action(re.compile("approve|undo"))
    def press(ack: Ack, action: JSON, client: WebClient) -> None:
        ack()
        pressed.append(action["action_id"])
        client.chat_update(channel=PARTNERSHIPS, ts=message.ts, text="Pick one", blocks=buttons("Undo", "Approve"))

    out = session(sandbox, "1", "1", "2")
    assert pressed == ["approve", "approve"]
    assert "[3] Undo  [1] Approve" in out
    assert answer_to(out, "2") == "! button [2] is no longer there: its message changed; type look"


def test_more_and_channel_all_scroll_back_through_earlier_messages(sandbox: Sandbox) -> None:
    said = [f"say note {n}" for n in range(1, 10)]
    out = session(sandbox, *said, "more", "more", "#general", "channel #partnerships --all", "thread 1")
    latest = out.split("> say note 9\n")[1].split("> more")[0]
    assert "↑ 3 earlier messages: type more" in latest
    assert "note 3" not in latest and "#4 @alice" in latest and "note 9" in latest
    scrolled = out.split("> more\n")[1]
    assert "#1 @alice" in scrolled and "note 1" in scrolled and "earlier message" not in scrolled
    assert out.split("> more\n")[2].startswith("! this is the beginning of the conversation\n")
    everything = out.split("> channel #partnerships --all\n")[1].split("> thread 1")[0]
    assert all(f"note {n}\n" in everything for n in range(1, 10))
    assert "note 1" in out.split("> thread 1")[1]  # message numbers hold however far back the screen goes


NEW_IN_EXEC_BOARD = ["/accord new Board deal", "", "BoardCo", "", "@bob", "#exec-board", "30"]


def test_invite_adds_accord_to_a_private_channel_as_slack_does(sandbox: Sandbox) -> None:
    out = session(
        sandbox, "#exec-board", "/invite @Accord", "/invite @accord", "dm", "/invite @bob", *NEW_IN_EXEC_BOARD
    )
    assert answer_to(out, "/invite @Accord") == "Accord joined #exec-board, added by @alice."
    assert answer_to(out, "/invite @accord") == "! they are already in this channel"
    assert answer_to(out, "/invite @bob") == "! go to a channel first: /invite adds someone to the channel you are in"
    assert "🤝 *Board deal* with *BoardCo* is now managed with Accord." in out  # posted where it was invited


def test_the_raise_as_dispute_shortcut_raises_a_message_as_a_dispute(sandbox: Sandbox) -> None:
    create_relationship(sandbox)
    out = session(sandbox, "#acme-alliance", "say the invoices are late again", "shortcut 2", "Acme Alliance", "")
    assert "Relationship (Acme Alliance) []: Acme Alliance" in out
    assert "What is the dispute about? (max 500) [the invoices are late again]: " in out
    assert "Raised dispute #1 on *Acme Alliance* in #acme-alliance." in out
    assert "▌ DISPUTE #1 · ACME ALLIANCE" in out and "original message" in out
