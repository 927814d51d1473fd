"""Reading `/accord <subcommand> [arguments]`: pure parsing, so it can run before the ack."""

import difflib
from dataclasses import dataclass

from stages.naming import clean_name, hidden_characters, name_key, unquoted, whole_number


@dataclass(frozen=True)
class Subcommand:
    name: str
    argument: str | None = None  # e.g. "<relationship>"; None when it takes none
    required: bool = False

    @property
    def usage(self) -> str:
        if self.argument is None:
            return f"/accord {self.name}"
        shown = self.argument if self.required else f"[{self.argument}]"
        return f"/accord {self.name} {shown}"


SUBCOMMANDS: dict[str, Subcommand] = {
    command.name: command
    for command in (
        Subcommand("help"),
        Subcommand("new", "<name>"),
        Subcommand("list"),
        Subcommand("status", "<relationship>", required=True),
        Subcommand("checkin", "<relationship> [stage]", required=True),
        Subcommand("review", "<relationship>", required=True),
        Subcommand("dispute", "<relationship> <summary>", required=True),
        Subcommand("disputes", "<relationship>"),
        Subcommand("exit", "<relationship>", required=True),
        Subcommand("edit", "<relationship>", required=True),
        Subcommand("history", "<relationship> [count]", required=True),
        Subcommand("plan", "<relationship> [diff]", required=True),
    )
}
ARGUMENT_MAX = 200
DISPUTE_ARGUMENT_MAX = 800  # a relationship's name and the dispute's summary


@dataclass(frozen=True)
class Invocation:
    command: Subcommand
    argument: str  # cleaned; empty when absent


class UsageError(Exception):
    """The text does not form a valid invocation; `code` picks the message, the rest are its facts."""

    def __init__(self, code: str, *, word: str = "", command: Subcommand | None = None, suggestion: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.word = word
        self.command = command
        self.suggestion = suggestion


def name_and_number(argument: str) -> list[tuple[str, int | None]]:
    """Readings of `<relationship> [number]`, most literal first: a trailing number may be part of the name.

    Only digits 0-9 make a number: anything else (², ①) stays part of the name.
    """
    readings: list[tuple[str, int | None]] = [(argument, None)]
    rest, _, last = argument.rpartition(" ")
    number = whole_number(last)
    if rest and number is not None:
        readings.append((clean_name(rest), number))
    return readings


def name_prefix(argument: str, names: list[str]) -> tuple[str, str] | None:
    """Split `<relationship> <rest>` where the name has spaces too: the longest leading words naming one."""
    words = argument.split()
    keys = {name_key(name): name for name in names}
    for count in range(len(words), 0, -1):
        found = keys.get(name_key(" ".join(words[:count])))
        if found is not None:
            return found, " ".join(words[count:])
    return None


def parse(text: str) -> Invocation:
    """`help` when empty; raises `UsageError` for an unknown subcommand, a missing or over-long argument, or one
    holding a character nobody can see.

    The argument is kept as typed (not in normal form), so that a number is told from a look-alike (² is no 2).
    """
    word, _, rest = text.strip().partition(" ")
    name = word.casefold() or "help"
    command = SUBCOMMANDS.get(name)
    if command is None:
        close = difflib.get_close_matches(name, list(SUBCOMMANDS), n=1, cutoff=0.6)
        raise UsageError("unknown_subcommand", word=word, suggestion=close[0] if close else "")
    argument = unquoted(rest)
    hidden = hidden_characters("argument", argument)
    if hidden:
        raise UsageError("hidden_character", command=command, word=str(hidden[0].params["character"]))
    if command.argument is None and argument:
        raise UsageError("unexpected_argument", command=command, word=argument)
    if command.required and not argument:
        raise UsageError("missing_argument", command=command)
    if len(argument) > (DISPUTE_ARGUMENT_MAX if command.name == "dispute" else ARGUMENT_MAX):
        raise UsageError("argument_too_long", command=command)
    return Invocation(command, argument)
