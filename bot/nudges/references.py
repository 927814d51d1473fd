"""What a nudge's buttons stand for, each with its value's one encoding and one parse: a value that does not parse
is stale, never a choice made up."""

from dataclasses import dataclass
from typing import Self

from bot.slack.references import Subject, Unreadable, number, parts

SNOOZE_DAYS = (1, 7)  # the choices a nudge offers: tomorrow, or next week


@dataclass(frozen=True)
class SnoozeChoice:
    """Quiet this nudge (by its id in the outbox) for `days`: the button names its nudge, so a second press of
    the same one is known for a repeat."""

    nudge_id: int
    days: int

    def encode(self) -> str:
        return f"{self.nudge_id}:{self.days}"

    @classmethod
    def parse(cls, value: object) -> Self:
        """Unreadable for anything that is not one of ours, a choice not offered included."""
        nudge, days = parts(value, ":", Subject.NUDGE)
        choice = cls(number(nudge, Subject.NUDGE), number(days, Subject.NUDGE))
        if choice.days not in SNOOZE_DAYS:
            raise Unreadable(Subject.NUDGE, value)
        return choice


@dataclass(frozen=True)
class NudgeRef:
    """The nudge (by its id in the outbox) whose open button was pressed: what it is about, and whether that is
    still due, is read from the outbox, never from the button."""

    nudge_id: int

    def encode(self) -> str:
        return str(self.nudge_id)

    @classmethod
    def parse(cls, value: object) -> Self:
        return cls(number(value, Subject.NUDGE))
