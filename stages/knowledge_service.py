"""Use cases of the knowledge map: read a relationship's live items, add one, edit one, retire one.

Anyone of either organisation taking part may read and write the map; an item never to be shared is seen only by
the organisation that holds it, and the audit trail (read by the host's people) keeps no words of the partner's.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from stages.audit import Action, snapshot
from stages.errors import InvalidInput, Problem
from stages.knowledge import ItemDraft, KnowledgeItem, holder, knowledge_subject, never_share_named
from stages.ports import UnitOfWork
from stages.register_access import relationship_of, taking_part_in, visible
from stages.relationships import Relationship, Side, taking_part
from stages.sentences import KNOWLEDGE_EDITABLE


@dataclass(frozen=True)
class KnowledgeMap:
    """The live items one side may see."""

    relationship: Relationship
    side: Side
    items: tuple[KnowledgeItem, ...]


def knowledge_map(uow: UnitOfWork, which: int | str, organisation: str) -> KnowledgeMap:
    with uow.reading():
        relationship = relationship_of(uow, which)
        side = taking_part(relationship, organisation)
        seen = [i for i in uow.knowledge.of(relationship.id or 0) if i.seen_by(side)]
    return KnowledgeMap(relationship, side, tuple(seen))


def channel_map(uow: UnitOfWork, which: int | str, organisation: str, *, shared: bool) -> KnowledgeMap:
    """The live items everyone in the relationship's channel may see: in a channel shared with another organisation
    (a joint relationship's, or one Slack says is `shared`), no item never to be shared, of either organisation."""
    found = knowledge_map(uow, which, organisation)
    if not (found.relationship.is_joint or shared):
        return found
    return KnowledgeMap(found.relationship, found.side, tuple(i for i in found.items if not i.never_shared))


def refuse_never_shared(
    uow: UnitOfWork,
    relationship_id: int,
    side: Side,
    texts: Mapping[str, str | None],
    *,
    may_keep_internal: bool = False,
    code: str = "never_share_named",
) -> None:
    """`InvalidInput` under the first field whose text names one of `side`'s never-share items (by title, ignoring
    case), for what would reach the other organisation: a joint stage's check-in in the channel shared with it.
    `may_keep_internal`: the form offers to keep the text to `side`, which the message says; `code` words it."""
    with uow.reading():
        items = uow.knowledge.of(relationship_id)
    for field, text in texts.items():
        found = never_share_named(text or "", items, side)
        if found is not None:
            params = {"title": found.title, "internal": may_keep_internal}
            raise InvalidInput([Problem(field, code, params)])


@dataclass(frozen=True)
class Added:
    relationship: Relationship
    item: KnowledgeItem
    first: bool  # False: the same form was sent again, and added nothing more


def add_item(
    uow: UnitOfWork,
    relationship_id: int,
    draft: ItemDraft,
    *,
    owner_organisation: str,
    by: str,
    organisation: str,
    now: datetime,
    form_key: str,
) -> Added:
    """Add the item to the map, held by its owner's organisation (`owner_organisation`, as Slack says), audited; a
    form sent twice adds it once."""
    with uow:
        relationship = relationship_of(uow, relationship_id)
        side = taking_part(relationship, organisation)
        held = holder(relationship, owner_organisation, side, draft.classification)
        wanted = KnowledgeItem(
            uow.team_id,
            relationship_id,
            draft.title,
            draft.description,
            draft.owner_id,
            draft.classification,
            draft.terms,
            held,
            by,
            now,
        )
        saved = uow.knowledge.add(wanted, form_key)
        if saved is None:
            return Added(relationship, wanted, first=False)
        subject = knowledge_subject(saved.id or 0)
        uow.audit.record(relationship_id, by, now, Action.KNOWLEDGE_ADDED, subject, after=_kept(saved), side=side)
        uow.commit()
    return Added(relationship, saved, first=True)


@dataclass(frozen=True)
class Edited:
    relationship: Relationship
    item: KnowledgeItem
    changed: bool  # False: nothing differed (the same form sent again), or it was retired meanwhile


def edit_item(
    uow: UnitOfWork,
    item_id: int,
    draft: ItemDraft,
    *,
    owner_organisation: str,
    by: str,
    organisation: str,
    now: datetime,
) -> Edited:
    """Change the item's words, owner or class, checked as when it was added and audited with what changed; the
    same form sent again changes nothing more."""
    with uow:
        item, relationship, side = _visible(uow, item_id, organisation)
        updated = item.edited(draft, holder(relationship, owner_organisation, side, draft.classification))
        before, after = snapshot(item) or {}, snapshot(updated) or {}
        changed = [k for k in KNOWLEDGE_EDITABLE if before.get(k) != after.get(k)]
        if not changed or not uow.knowledge.save(updated):
            return Edited(relationship, item, changed=False)
        hidden = _partners_own(item) or _partners_own(updated)
        uow.audit.record(
            relationship.id or 0,
            by,
            now,
            Action.KNOWLEDGE_EDITED,
            knowledge_subject(item_id),
            before={k: None if hidden else before[k] for k in changed},
            after={k: None if hidden else after[k] for k in changed},
            side=side,
        )
        uow.commit()
    return Edited(relationship, updated, changed=True)


@dataclass(frozen=True)
class Retired:
    relationship: Relationship
    item: KnowledgeItem
    first: bool  # False: it was retired already


def retire_item(uow: UnitOfWork, item_id: int, *, by: str, organisation: str, now: datetime) -> Retired:
    """Retire a live item (it leaves the map, and is kept), audited; retiring it again changes nothing."""
    with uow:
        item, relationship, side = _visible(uow, item_id, organisation)
        retired = item.retired(now, by)
        if not item.live or not uow.knowledge.retire(retired):
            return Retired(relationship, item, first=False)
        uow.audit.record(
            relationship.id or 0,
            by,
            now,
            Action.KNOWLEDGE_RETIRED,
            knowledge_subject(item_id),
            before={"title": None if _partners_own(item) else item.title},
            side=side,
        )
        uow.commit()
    return Retired(relationship, retired, first=True)


def item_of(uow: UnitOfWork, item_id: int, organisation: str) -> tuple[KnowledgeItem, Relationship]:
    """An item the person's organisation may see (to open its forms); `Stale` otherwise."""
    with uow.reading():
        item, relationship, _side = _visible(uow, item_id, organisation)
    return item, relationship


def relationship_for(uow: UnitOfWork, which: int | str, organisation: str) -> Relationship:
    """The relationship whose map the person's organisation takes part in."""
    return taking_part_in(uow, which, organisation)


def _visible(uow: UnitOfWork, item_id: int, organisation: str) -> tuple[KnowledgeItem, Relationship, Side]:
    return visible(uow, uow.knowledge.get(item_id), f"knowledge item {item_id}", organisation)


def _partners_own(item: KnowledgeItem) -> bool:
    """The partner's item never to be shared: the host's records (and its trail) keep none of its words."""
    return item.never_shared and item.side is Side.PARTNER


def _kept(item: KnowledgeItem) -> dict[str, object]:
    """What the audit trail keeps of a new item."""
    kept = snapshot(item) or {}
    shown = ("classification", "owner_id", "side") if _partners_own(item) else ("title", "classification", "owner_id")
    return {k: kept[k] for k in shown}
