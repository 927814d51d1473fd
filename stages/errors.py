"""Domain errors: what went wrong, as data, so each adapter can word it for its own users."""

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's input: the field it concerns, a stable code and the facts to explain it."""

    field: str
    code: str
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)


class DomainError(Exception):
    """Base of every rule the domain refuses to break."""


class InvalidInput(DomainError):
    """The input breaks one or more rules; nothing was changed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.code}" for p in problems))
        self.problems = tuple(problems)

    def by_field(self) -> dict[str, Problem]:
        """The first problem of each field, in the order they were found."""
        found: dict[str, Problem] = {}
        for problem in self.problems:
            found.setdefault(problem.field, problem)
        return found


class RelationshipNotFound(DomainError):
    """No relationship has that name in the workspace; `suggestions` holds near misses."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(name)
        self.name = name
        self.suggestions = tuple(suggestions)


class NameTaken(DomainError):
    """Another relationship in the workspace already has this name (names are unique, case-insensitively)."""

    def __init__(self, name: str, existing: str) -> None:
        super().__init__(name)
        self.name = name
        self.existing = existing


class NotAllowed(DomainError):
    """The person may not do this: only the relationship's owner or executive sponsor may (`action` says what)."""

    def __init__(self, action: str, owner_id: str, sponsor_id: str, also: str | None = None) -> None:
        super().__init__(action)
        self.action = action
        self.owner_id = owner_id
        self.sponsor_id = sponsor_id
        self.also = also  # someone else who may, such as a dispute's owner


class OutsideTheRelationship(DomainError):
    """The person belongs to neither organisation of the relationship (a third one in its shared channel)."""

    def __init__(self, relationship_name: str, partner: str) -> None:
        super().__init__(relationship_name)
        self.relationship_name = relationship_name
        self.partner = partner


class GateNotReady(DomainError):
    """The stage cannot be signed off yet: items still open, items Done without the evidence they need, or every
    item Not applicable (a stage must have some of its work done)."""

    def __init__(
        self, stage: int, still_open: Sequence[str], needing_evidence: Sequence[str], *, all_not_applicable: bool
    ) -> None:
        super().__init__(f"stage {stage}")
        self.stage = stage
        self.still_open = tuple(still_open)
        self.needing_evidence = tuple(needing_evidence)
        self.all_not_applicable = all_not_applicable


class StageOutOfOrder(DomainError):
    """A stage was asked for out of the life cycle's order (`code` says how), e.g. one not reached yet."""

    def __init__(self, code: str, stage: int, current: int, relationship_name: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.stage = stage
        self.current = current
        self.relationship_name = relationship_name


class Stale(DomainError):
    """What the person acted on has changed or gone (a button from an old message, a deleted check-in)."""
