"""Reading `/accord <subcommand> [arguments]`: pure parsing, so it can run before the ack."""

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stages.naming import clean_name, hidden_characters, unquoted, whole_number

if TYPE_CHECKING:
    from bot.slack.turn import Turn


ARGUMENT_MAX = 200
Handler = Callable[["Turn", "Invocation"], None]


@dataclass(frozen=True)
class Subcommand:
    """One `/accord` subcommand, declared once by its feature: the parser, the dispatcher and the help read this."""

    name: str
    argument: str | None = None  # e.g. "<relationship>"; None when it takes none
    required: bool = False
    handler: Handler | None = None  # the work after the ack; None only for `help`, answered in the ack
    opens_modal: bool = False  # its work opens a modal, which Slack allows only within three seconds
    max_length: int = ARGUMENT_MAX

    @property
    def usage(self) -> str:
        if self.argument is None:
            return f"/accord {self.name}"
        shown = self.argument if self.required else f"[{self.argument}]"
        return f"/accord {self.name} {shown}"


HELP = Subcommand("help", "<topic>")  # a topic is another subcommand's name; answered in the ack


class Registry:
    """Every subcommand, in the order `/accord help` lists them; a handler missing or a name twice stops the app."""

    def __init__(self, commands: Iterable[Subcommand]) -> None:
        self._commands: dict[str, Subcommand] = {}
        for command in commands:
            if command.name in self._commands:
                raise ValueError(f"/accord {command.name} is declared twice")
            if command.handler is None and command is not HELP:
                raise ValueError(f"/accord {command.name} has no handler")
            self._commands[command.name] = command

    def __iter__(self) -> Iterator[Subcommand]:
        return iter(self._commands.values())

    def __getitem__(self, name: str) -> Subcommand:
        return self._commands[name]

    def parse(self, text: str) -> "Invocation":
        """`help` when empty; raises `UsageError` for an unknown subcommand, a missing or over-long argument, or
        one holding a character nobody can see.

        The argument is kept as typed (not in normal form), so that a number is told from a look-alike (² is no 2).
        """
        word, _, rest = text.strip().partition(" ")
        name = word.casefold() or "help"
        command = self._commands.get(name)
        if command is None:
            close = difflib.get_close_matches(name, list(self._commands), n=1, cutoff=0.6)
            raise UsageError("unknown_subcommand", word=word, suggestion=close[0] if close else "")
        argument = unquoted(rest)
        hidden = hidden_characters("argument", argument)
        if hidden:
            raise UsageError("hidden_character", command=command, word=str(hidden[0].params["character"]))
        if command.argument is None and argument:
            raise UsageError("unexpected_argument", command=command, word=argument)
        if command.required and not argument:
            raise UsageError("missing_argument", command=command)
        if len(argument) > command.max_length:
            raise UsageError("argument_too_long", command=command, length=len(argument))
        if command is HELP and argument and argument.casefold() not in self._commands:
            raise UsageError(
                "unknown_topic",
                command=command,
                word=argument,
                topics=tuple(name for name in self._commands if name != HELP.name),
            )
        return Invocation(command, argument)

    def topic(self, invocation: "Invocation") -> Subcommand | None:
        """The subcommand `/accord help <topic>` asks about; None for all of them."""
        return self._commands[invocation.argument.casefold()] if invocation.argument else None

    def opens_modal(self, text: str) -> bool:
        words = text.split(maxsplit=1)
        command = self._commands.get(words[0].casefold()) if words else None
        return command is not None and command.opens_modal


@dataclass(frozen=True)
class Invocation:
    command: Subcommand
    argument: str  # cleaned; empty when absent


class UsageError(Exception):
    """The text does not form a valid invocation; `code` picks the message, the rest are its facts."""

    def __init__(
        self,
        code: str,
        *,
        word: str = "",
        command: Subcommand | None = None,
        suggestion: str = "",
        length: int = 0,
        topics: tuple[str, ...] = (),
    ) -> None:
        super().__init__(code)
        self.code = code
        self.word = word
        self.command = command
        self.suggestion = suggestion
        self.length = length
        self.topics = topics


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
