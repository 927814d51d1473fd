"""The knowledge map: what information and IP each organisation brings to the relationship, and whether it is
shared freely, shared under agreed terms, or never shared. BS 11000 asks the relationship to establish what
knowledge can be shared and how (stage 2, and again when it is agreed at stage 5); the map keeps that answer
live, with who holds each item, instead of a paragraph in a plan.

Rules only: what an item holds, who may see it, and whether a text names an item never to be shared.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from stages.errors import InvalidInput, Problem
from stages.naming import checked_text, hidden_characters, normal
from stages.relationships import Relationship, Side

TITLE_MAX = 150
TEXT_MAX = 2000


class Classification(StrEnum):
    FREE = "free"  # share freely
    TERMS = "terms"  # share under agreed terms
    NEVER = "never"  # never share: its organisation's own


CLASSIFICATION_WORDS = {
    Classification.FREE.value: "Share freely",
    Classification.TERMS.value: "Share under agreed terms",
    Classification.NEVER.value: "Never share",
}  # what the plan and the evidence pack call each class


@dataclass(frozen=True)
class ItemDraft:
    """An item as typed in its form, checked."""

    title: str
    description: str
    owner_id: str
    classification: Classification
    terms: str


@dataclass(frozen=True)
class KnowledgeItem:
    team_id: str
    relationship_id: int
    title: str
    description: str
    owner_id: str
    classification: Classification
    terms: str  # the agreed terms of an item shared under them; empty otherwise
    side: Side  # the organisation that holds it: its owner's
    added_by: str
    added_at: datetime
    retired_at: datetime | None = None
    retired_by: str | None = None
    id: int | None = None

    @property
    def live(self) -> bool:
        return self.retired_at is None

    @property
    def never_shared(self) -> bool:
        """Never shared: its organisation's own business, as an internal entry is."""
        return self.classification is Classification.NEVER

    def seen_by(self, side: Side) -> bool:
        """An item never to be shared is never shown to the other organisation, not even by its title."""
        return not self.never_shared or side is self.side

    def edited(self, draft: ItemDraft, side: Side) -> "KnowledgeItem":
        return replace(
            self,
            title=draft.title,
            description=draft.description,
            owner_id=draft.owner_id,
            classification=draft.classification,
            terms=draft.terms,
            side=side,
        )

    def retired(self, now: datetime, by: str) -> "KnowledgeItem":
        return replace(self, retired_at=now, retired_by=by)


def grouped(items: Iterable[KnowledgeItem]) -> list[tuple[Classification, list[KnowledgeItem]]]:
    """The live items by class, in the order share freely, under terms, never; each class by title."""
    live = sorted((i for i in items if i.live), key=lambda i: (i.title.casefold(), i.id or 0))
    return [(c, [i for i in live if i.classification is c]) for c in Classification]


def _folded(text: str) -> str:
    return " ".join(normal(text).casefold().split())


def never_share_named(text: str, items: Sequence[KnowledgeItem], side: Side) -> KnowledgeItem | None:
    """The first live never-share item of `side` whose title `text` names, as whole words (ignoring case and
    spacing: a short title such as "AI" is not named by "maintain"), if any."""
    said = _folded(text)
    for item in items:
        whole = rf"(?<!\w){re.escape(_folded(item.title))}(?!\w)"
        if item.live and item.never_shared and item.side is side and re.search(whole, said):
            return item
    return None


def classification_of(raw: str | None, problems: list[Problem]) -> Classification:
    try:
        return Classification(raw or "")
    except ValueError:
        problems.append(Problem("classification", "knowledge_class_missing"))
        return Classification.FREE


def item_draft(
    *,
    title: str | None,
    description: str | None,
    owner_id: str | None,
    classification: str | None,
    terms: str | None,
) -> ItemDraft:
    """The form's answers as an item, or `InvalidInput` naming each field that is wrong: terms are required for an
    item shared under agreed terms, and refused for any other (they would say it is shared under them)."""
    problems: list[Problem] = []
    name = " ".join(normal(title or "").split())
    if not name:
        problems.append(Problem("title", "knowledge_title_missing"))
    elif len(name) > TITLE_MAX:
        problems.append(Problem("title", "too_long", {"limit": TITLE_MAX, "length": len(name)}))
    else:
        problems += hidden_characters("title", name)
    kind = classification_of(classification, problems)
    agreed = checked_text("terms", terms, problems, limit=TEXT_MAX)
    if kind is Classification.TERMS and not agreed and not any(p.field == "terms" for p in problems):
        problems.append(Problem("terms", "knowledge_terms_missing"))
    elif kind is not Classification.TERMS and agreed and "classification" not in {p.field for p in problems}:
        problems.append(Problem("terms", "knowledge_terms_unwanted"))
    draft = ItemDraft(
        title=name,
        description=checked_text("description", description, problems, limit=TEXT_MAX),
        owner_id=owner_id or "",
        classification=kind,
        terms=agreed,
    )
    if not owner_id:
        problems.append(Problem("knowledge_owner", "knowledge_owner_missing"))
    if problems:
        raise InvalidInput(problems)
    return draft


def holder(relationship: Relationship, owner_organisation: str, person: Side, kind: Classification) -> Side:
    """The organisation that holds an item: its owner's (of either organisation, as Slack says); an item never to
    be shared is recorded by its own organisation only, which the other could not see once saved."""
    side = relationship.side_of(owner_organisation)
    if side is None:
        raise InvalidInput([Problem("knowledge_owner", "knowledge_owner_outside")])
    if kind is Classification.NEVER and side is not person:
        raise InvalidInput([Problem("knowledge_owner", "knowledge_owner_never")])
    return side


def knowledge_subject(item_id: int) -> str:
    """How the audit trail names an item."""
    return f"knowledge item {item_id}"
