"""The registers' commands, `/accord risks|ideas|knowledge <relationship> [word]`: the register told to the person
alone, or, with the feature's word after the name, posted in the relationship's channel; through the partner's own
Accord, where the joint registers are."""

from collections.abc import Callable

from bot.slack.partners import partners_told
from bot.slack.references import Subject
from bot.slack.refusals import explaining
from bot.slack.subcommands import Invocation
from bot.slack.turn import Turn

Tell = Callable[[Turn, int | str], None]  # tells the person the register of the relationship named
Post = Callable[[Turn, str], None]  # posts it in the channel of the relationship named


def register_command(
    turn: Turn, invocation: Invocation, feature: str, tell: Tell, posting: tuple[str, Post] | None = None
) -> None:
    """Run a register's command; `posting`: the word after the name that asks for the post, and what posts it."""
    name, _, last = invocation.argument.rpartition(" ")
    post = posting[1] if posting is not None and name and last.casefold() == posting[0] else None
    asked = name if post is not None else invocation.argument
    with partners_told(turn, [asked], lambda r: turn.deps.copy(feature, "partners_register", r=r)):
        if post is not None:
            post(turn, name)
            return
        with explaining(turn, about=Subject.RELATIONSHIP):
            tell(turn, invocation.argument)
