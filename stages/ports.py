"""What the use cases need from persistence, stated as protocols so the domain never imports a database."""

from types import TracebackType
from typing import Protocol, Self

from stages.relationships import Relationship


class RelationshipRepository(Protocol):
    """Relationships of one workspace: an instance never sees another workspace's rows."""

    def add(self, relationship: Relationship) -> Relationship:
        """Store a new relationship; raises `NameTaken` if its name is already used in the workspace."""
        ...

    def update(self, relationship: Relationship) -> Relationship: ...

    def get(self, relationship_id: int) -> Relationship | None: ...

    def by_name(self, name: str) -> Relationship | None:
        """The relationship whose name matches, ignoring case and spacing."""
        ...

    def names(self) -> list[str]: ...

    def all(self) -> list[Relationship]: ...

    def led_by(self, user_id: str) -> list[Relationship]:
        """Relationships the person owns or sponsors."""
        ...


class UnitOfWork(Protocol):
    """One transaction in one workspace: changes are kept only if `commit` is called before leaving."""

    team_id: str

    @property
    def relationships(self) -> RelationshipRepository: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def commit(self) -> None: ...
