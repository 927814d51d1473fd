"""Parsing `/accord` text, before the ack: pure and fast."""

import pytest

from bot.slack.subcommands import SUBCOMMANDS, UsageError, parse


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
        ("help me", "unexpected_argument", ""),
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
