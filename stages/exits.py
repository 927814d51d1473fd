"""The exit strategy: "DO ensure that the exit strategy is jointly developed and reviewed regularly".

Each save is a new version; none is ever overwritten. Saving one is the joint review, and sets when the next
is due.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from stages.errors import InvalidInput, Problem
from stages.naming import checked_text

TEXT_MAX = 3000


@dataclass(frozen=True)
class ExitStrategy:
    team_id: str
    relationship_id: int
    version: int
    triggers: str
    plan: str
    continuity: str | None
    assets: str | None
    reviewed_with: tuple[str, ...]
    saved_by: str
    saved_at: datetime
    # A joint relationship's version is agreed once the partner's sponsor (or relationship manager) agrees it too;
    # saving it is the home side's agreement.
    joint: bool = False
    partner_agreed_by: str | None = None
    partner_agreed_at: datetime | None = None
    id: int | None = None

    @property
    def agreed(self) -> bool:
        return not self.joint or self.partner_agreed_by is not None

    def agreed_by_partner(self, by: str, at: datetime) -> "ExitStrategy":
        return replace(self, partner_agreed_by=by, partner_agreed_at=at)


@dataclass(frozen=True)
class ExitDraft:
    triggers: str
    plan: str
    continuity: str | None
    assets: str | None
    reviewed_with: tuple[str, ...]


def exit_draft(
    *,
    triggers: str | None,
    plan: str | None,
    continuity: str | None,
    assets: str | None,
    reviewed_with: Sequence[str] | None,
) -> ExitDraft:
    """The strategy as typed, checked; it must say when to exit, how, and who it was reviewed with."""
    problems: list[Problem] = []
    fields = {}
    for field, raw, required in (
        ("triggers", triggers, True),
        ("plan", plan, True),
        ("continuity", continuity, False),
        ("assets", assets, False),
    ):
        missing = f"{field}_missing" if required else None
        fields[field] = checked_text(field, raw, problems, limit=TEXT_MAX, missing=missing) or None
    people = tuple(dict.fromkeys(reviewed_with or ()))
    if not people:
        problems.append(Problem("reviewed_with", "reviewers_missing"))
    if problems:
        raise InvalidInput(problems)
    return ExitDraft(fields["triggers"] or "", fields["plan"] or "", fields["continuity"], fields["assets"], people)
