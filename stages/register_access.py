"""Who reaches a register's entries: the relationship (by id, or by the name a command typed) and the side a
person of one organisation takes part for, and an entry only where that side may see it (an entry kept internal
is its own organisation's business). One rule for the risk, action, idea, knowledge and meeting registers."""

from typing import Protocol, TypeVar

from stages.errors import Stale
from stages.ports import UnitOfWork
from stages.relationship_service import find_relationship
from stages.relationships import Relationship, Side, taking_part


class Entry(Protocol):
    """An entry of a register: of one relationship, and seen by one side or both."""

    @property
    def relationship_id(self) -> int: ...

    def seen_by(self, side: Side) -> bool: ...


E = TypeVar("E", bound=Entry)


def relationship_of(uow: UnitOfWork, which: int | str) -> Relationship:
    """The relationship with this id, or called this name (`RelationshipNotFound` if none is); `Stale` for an id
    whose relationship is gone."""
    if isinstance(which, str):
        return find_relationship(uow, which)
    found = uow.relationships.get(which)
    if found is None:
        raise Stale(f"relationship {which}")
    return found


def taking_part_in(uow: UnitOfWork, which: int | str, organisation: str) -> Relationship:
    """The relationship (by id or name) whose registers the person's organisation takes part in;
    `OutsideTheRelationship` for a third organisation."""
    with uow.reading():
        relationship = relationship_of(uow, which)
        taking_part(relationship, organisation)
    return relationship


def visible(uow: UnitOfWork, entry: E | None, what: str, organisation: str) -> tuple[E, Relationship, Side]:
    """The entry, its relationship and the person's side, if their organisation may see it; `Stale` (naming
    `what`) if it is gone or kept from their side, which is told as gone: its very existence is the other's."""
    if entry is None:
        raise Stale(what)
    relationship = relationship_of(uow, entry.relationship_id)
    side = taking_part(relationship, organisation)
    if not entry.seen_by(side):
        raise Stale(what)
    return entry, relationship, side
