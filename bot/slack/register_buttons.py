"""Buttons that show the person who pressed them one relationship's register as their organisation may see it:
*Risks*, *Ideas*, *Actions* and *Knowledge map* on the relationship card, and *Show me the map* on a posted map.
The partner's people have no `/accord` to ask with, so these are their way in."""

from collections.abc import Callable

from bot.slack.references import RelationshipRef, Subject, pressed
from bot.slack.refusals import explaining
from bot.slack.turn import Handler, Turn

Show = Callable[[Turn, int], None]  # tells the person the register of the relationship with this id


def shown_from_button(show: Show) -> Handler:
    """The handler of a button carrying a `RelationshipRef`: `show` tells the presser that relationship's register;
    someone of an organisation taking no part in it is told so, and shown nothing."""

    def handler(turn: Turn) -> None:
        with explaining(turn, about=Subject.RELATIONSHIP):
            show(turn, pressed(turn.body, RelationshipRef).relationship_id)

    handler.__name__ = f"{show.__name__}_from_button"  # how the lazy listener is named, in the inbox and the logs
    return handler
