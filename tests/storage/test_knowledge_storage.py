"""The knowledge map in storage, on SQLite and on PostgreSQL: an item added once per form, edited and retired once,
each audited in the same transaction; the partner's never-share item leaves no words in the host's trail."""

from dataclasses import replace
from datetime import UTC, datetime

from stages import knowledge_service
from stages.knowledge import Classification, item_draft
from stages.relationships import Relationship, RelationshipDraft
from storage.database import Database

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
HOME, PARTNER = "T1", "T2"


def joint(database: Database) -> Relationship:
    draft = RelationshipDraft("Acme Alliance", "Globex", "U1", "U2", "C1", 90).validated()
    with database.uow(HOME) as uow:
        saved = uow.relationships.add(
            replace(Relationship.start(HOME, draft, created_by="U1", now=NOW), partner_team_id=PARTNER)
        )
        uow.commit()
    return saved


def test_an_item_is_added_once_per_form_edited_and_retired_once_and_audited(database: Database) -> None:
    r = joint(database)
    draft = item_draft(title="Alloy specs", description="", owner_id="U1", classification="free", terms="")
    uow = database.uow(HOME)

    def add(key: str) -> tuple[bool, int]:
        added = knowledge_service.add_item(
            uow, r.id or 0, draft, owner_organisation=HOME, by="U1", organisation=HOME, now=NOW, form_key=key
        )
        return added.first, added.item.id or 0

    (first, one), (again, _), (_, two) = add("V1"), add("V1"), add("V2")
    assert (first, again) == (True, False)
    terms = replace(draft, classification=Classification.TERMS, terms="Under the NDA")
    edit = knowledge_service.edit_item
    assert edit(uow, one, terms, owner_organisation=PARTNER, by="U1", organisation=HOME, now=NOW).changed
    assert not edit(uow, one, terms, owner_organisation=PARTNER, by="U1", organisation=HOME, now=NOW).changed
    assert knowledge_service.retire_item(uow, two, by="U1", organisation=HOME, now=NOW).first
    assert not knowledge_service.retire_item(uow, two, by="U1", organisation=HOME, now=NOW).first
    found = knowledge_service.knowledge_map(uow, r.id or 0, PARTNER)
    assert [(i.id, i.classification, i.terms, i.side.value) for i in found.items] == [
        (one, Classification.TERMS, "Under the NDA", "partner")
    ]
    with uow:
        trail = [(e.action, e.subject) for e in uow.audit.all(r.id or 0)]
    assert trail[-4:] == [
        ("knowledge.added", f"knowledge item {one}"),
        ("knowledge.added", f"knowledge item {two}"),
        ("knowledge.edited", f"knowledge item {one}"),
        ("knowledge.retired", f"knowledge item {two}"),
    ]


def test_the_partners_never_share_item_is_theirs_alone_and_leaves_no_words_in_the_trail(database: Database) -> None:
    r = joint(database)
    draft = item_draft(title="Pricing model", description="", owner_id="U9", classification="never", terms="")
    uow = database.uow(HOME)
    added = knowledge_service.add_item(
        uow, r.id or 0, draft, owner_organisation=PARTNER, by="U9", organisation=PARTNER, now=NOW, form_key="V1"
    )
    assert knowledge_service.knowledge_map(uow, r.id or 0, HOME).items == ()
    assert [i.title for i in knowledge_service.knowledge_map(uow, r.id or 0, PARTNER).items] == ["Pricing model"]
    knowledge_service.retire_item(uow, added.item.id or 0, by="U9", organisation=PARTNER, now=NOW)
    with uow:
        trail = [e for e in uow.audit.all(r.id or 0) if e.action.startswith("knowledge")]
    assert "Pricing" not in repr(trail)
