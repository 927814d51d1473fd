"""Whose App Home tabs a change calls to be drawn again: decided by the use case that makes the change, and kept
in its transaction, so that a process dying right after the change leaves the drawing to the next nudge run."""

from dataclasses import dataclass
from datetime import datetime

from stages.ports import UnitOfWork


@dataclass(frozen=True)
class HomesToDraw:
    """The people whose Home tabs are to be drawn again, as a change asked at `asked_at`."""

    people: tuple[str, ...] = ()
    asked_at: datetime | None = None


NO_HOMES = HomesToDraw()  # a change nobody's Home tab shows


def homes(uow: UnitOfWork, now: datetime, *user_ids: str | None) -> HomesToDraw:
    """The people named (the one who acted first), each once, asked for in the unit of work's open transaction:
    committed with the change or not at all."""
    people = tuple(dict.fromkeys(u for u in user_ids if u))
    if people:
        uow.home_redraws.ask(people, now)
    return HomesToDraw(people, now)
