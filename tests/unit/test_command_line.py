"""Parsing `/accord` text, before the ack: pure and fast."""

import pytest

from bot.app import subcommands
from bot.slack.help import help_blocks
from bot.slack.subcommands import HELP, Registry, Subcommand, UsageError
from bot.slack.wording import Copy

SUBCOMMANDS = subcommands()
parse = SUBCOMMANDS.parse


@pytest.mark.parametrize(
    ("text", "command", "argument"),
    [
        ("", "help", ""),
        ("  ", "help", ""),
        ("List", "list", ""),
        ("status Acme Alliance", "status", "Acme Alliance"),
        ("status   Acme   Alliance  ", "status", "Acme Alliance"),
        ('status "Acme Alliance"', "status", "Acme Alliance"),
        ("new", "new", ""),
        ("new O'Brien Ltd", "new", "O'Brien Ltd"),
    ],
)
def test_valid_invocations(text: str, command: str, argument: str) -> None:
    invocation = parse(text)
    assert (invocation.command.name, invocation.argument) == (command, argument)


@pytest.mark.parametrize(
    ("text", "code", "suggestion"),
    [
        ("stauts x", "unknown_subcommand", "status"),
        ("lst", "unknown_subcommand", "list"),
        ("xyzzy", "unknown_subcommand", ""),
        ("status", "missing_argument", ""),
        ("help me", "unknown_topic", ""),
        ("status " + "a" * 201, "argument_too_long", ""),
    ],
)
def test_invalid_invocations(text: str, code: str, suggestion: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse(text)
    assert (raised.value.code, raised.value.suggestion) == (code, suggestion)


def test_usage_lines_show_required_and_optional_arguments() -> None:
    assert SUBCOMMANDS["status"].usage == "/accord status <relationship>"
    assert SUBCOMMANDS["new"].usage == "/accord new [<name>]"
    assert SUBCOMMANDS["list"].usage == "/accord list"


SAMPLES = {"<name>": "Acme Logistics", "<relationship>": "Acme Alliance", "<relationship> [stage]": "Acme Alliance 2",
           "<relationship> <summary>": "Acme Alliance deliveries late",
           "<relationship> [count, up to 40]": "Acme Alliance 5",
           "<relationship> [diff]": "Acme Alliance diff", "<relationship> [map]": "Acme Alliance map",
           "<relationship> [post]": "Acme Alliance post",
           "<topic>": "checkin"}  # fmt: skip


@pytest.mark.parametrize("command", list(SUBCOMMANDS), ids=lambda c: c.name)
def test_every_subcommand_parses_dispatches_and_appears_in_help(command: Subcommand) -> None:
    argument = SAMPLES[command.argument] if command.argument else ""
    assert parse(f"{command.name} {argument}".strip()).command is command
    assert command.handler is not None or command is HELP  # else `/accord <word>` would do nothing
    usage = command.usage.replace("<", "&lt;").replace(">", "&gt;")  # as mrkdwn shows it
    entry = Copy()("commands", "help_entry", name=command.name, usage=command.usage)
    assert usage in entry and len(entry.strip()) > len(usage) + 10  # its own description, not just the usage
    shown = str([block.to_dict() for block in help_blocks(Copy(), SUBCOMMANDS)])
    assert usage in shown


def test_a_subcommand_without_a_handler_or_declared_twice_stops_the_app() -> None:
    with pytest.raises(ValueError, match="no handler"):
        Registry([HELP, Subcommand("risks", "<relationship>")])
    with pytest.raises(ValueError, match="declared twice"):
        Registry([HELP, HELP])


def test_modal_opening_subcommands_are_known_to_the_inbox() -> None:
    assert [c.name for c in SUBCOMMANDS if c.opens_modal] == ["new", "edit", "review", "exit", "health", "meeting"]
    assert SUBCOMMANDS.opens_modal("New Acme") and not SUBCOMMANDS.opens_modal("status Acme")
