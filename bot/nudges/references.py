"""What a snooze button stands for, with its value's one encoding and one parse: a value that does not parse is
stale, never a choice made up."""

from dataclasses import dataclass
from typing import Self

from stages.errors import Stale

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
    def parse(cls, value: str | None) -> Self:
        """`Stale` for anything that is not one of ours, a choice not offered included."""
        nudge, colon, days = (value or "").partition(":")
        if not colon or not (nudge + days).isascii() or not nudge.isdigit() or not days.isdigit():
            raise Stale(f"unreadable snooze button value {value!r}")
        if int(days) not in SNOOZE_DAYS:
            raise Stale(f"a snooze of {days} days is not offered")
        return cls(int(nudge), int(days))
