"""Numbered versions of a relationship's plan, kept whenever a stage is signed off, a review recorded or the
exit strategy changed."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PlanVersion:
    team_id: str
    relationship_id: int
    number: int
    reason: str  # what made it: "stage 2 signed off", "review", "exit strategy v3"
    created_by: str
    created_at: datetime
    content: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
