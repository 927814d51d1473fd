"""The knowledge map in Slack: the list of live items by class (to the person who asked, with their buttons; or
posted in the relationship's channel, without another organisation's never-share items), and the forms that add an
item and edit one."""

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    Option,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.forms import INPUT, field, form, text_input
from bot.slack.kit import context, plain, section
from bot.slack.references import KnowledgeRef, RelationshipRef, stored_id
from bot.slack.wording import Copy
from stages.knowledge import TEXT_MAX, TITLE_MAX, Classification, KnowledgeItem, grouped
from stages.knowledge_service import KnowledgeMap
from stages.relationships import Relationship

LISTED = 20  # items shown in one message (two blocks each with their buttons; Slack takes 50)


def map_blocks(copy: Copy, found: KnowledgeMap, *, posted: bool = False) -> list[Block]:
    """The live items by class; told to one person, each with Edit and Retire; posted in the channel, with a button
    that shows each person their own organisation's view."""
    r = found.relationship
    blocks: list[Block] = [section(copy("knowledge", "map_head", r=r, count=len(found.items), posted=posted))]
    shown = 0
    for kind, items in grouped(found.items):
        if not items or shown >= LISTED:
            continue
        blocks.append(section(copy("knowledge", "class_head", kind=kind.value, count=len(items))))
        for item in items[: LISTED - shown]:
            shown += 1
            mine = None if posted else item.side is found.side
            blocks.append(section(copy("knowledge", "item_line", item=item, r=r, mine=mine)))
            if not posted:
                blocks.append(_item_buttons(copy, item))
    if len(found.items) > shown:
        blocks.append(context(copy("knowledge", "more", count=len(found.items) - shown)))
    buttons = [
        ButtonElement(
            text=plain(copy.plain("knowledge", "add_button")),
            action_id=ids.ACTION_KNOWLEDGE_ADD,
            value=RelationshipRef(stored_id(r.id)).encode(),
            style="primary",
        )
    ]
    if posted:
        buttons.append(
            ButtonElement(
                text=plain(copy.plain("knowledge", "show_button")),
                action_id=ids.ACTION_KNOWLEDGE_SHOW,
                value=RelationshipRef(stored_id(r.id)).encode(),
            )
        )
    blocks.append(ActionsBlock(block_id="knowledge_map", elements=buttons))
    return blocks


def _item_buttons(copy: Copy, item: KnowledgeItem) -> ActionsBlock:
    ref = KnowledgeRef(stored_id(item.id)).encode()
    confirm = ConfirmObject(
        title=plain(copy.plain("knowledge", "retire_title")),
        text=plain(copy.plain("knowledge", "retire_confirm", item=item), 300),
        confirm=plain(copy.plain("knowledge", "retire_button")),
        deny=plain(copy.plain("knowledge", "cancel")),
    )
    return ActionsBlock(
        block_id=f"knowledge:{ref}",
        elements=[
            ButtonElement(
                text=plain(copy.plain("knowledge", "edit_button")), action_id=ids.ACTION_KNOWLEDGE_EDIT, value=ref
            ),
            ButtonElement(
                text=plain(copy.plain("knowledge", "retire_button")),
                action_id=ids.ACTION_KNOWLEDGE_RETIRE,
                value=ref,
                confirm=confirm,
            ),
        ],
    )


def _fields(copy: Copy, item: KnowledgeItem | None) -> list[Block]:
    kinds = [Option(value=c.value, label=copy.plain("knowledge", "kind", kind=c.value)) for c in Classification]
    chosen = next((o for o in kinds if item is not None and o.value == item.classification.value), None)
    owner = UserSelectElement(action_id=INPUT, initial_user=item.owner_id if item else None)
    return [
        field(copy, "knowledge", ids.BLOCK_TITLE, text_input(TITLE_MAX, item.title if item else None, multiline=False)),
        field(
            copy,
            "knowledge",
            ids.BLOCK_DESCRIPTION,
            text_input(TEXT_MAX, (item.description or None) if item else None),
            optional=True,
        ),
        field(copy, "knowledge", ids.BLOCK_KNOWLEDGE_OWNER, owner),
        field(
            copy,
            "knowledge",
            ids.BLOCK_CLASSIFICATION,
            StaticSelectElement(action_id=INPUT, options=kinds, initial_option=chosen),
        ),
        field(
            copy,
            "knowledge",
            ids.BLOCK_TERMS,
            text_input(TEXT_MAX, (item.terms or None) if item else None),
            optional=True,
        ),
    ]


def add_modal(copy: Copy, relationship: Relationship) -> View:
    blocks = [section(copy("knowledge", "add_intro", r=relationship)), *_fields(copy, None)]
    reference = RelationshipRef(stored_id(relationship.id))
    return form(copy, "knowledge", ids.VIEW_KNOWLEDGE_ADD, "add_title", blocks, reference)


def edit_modal(copy: Copy, relationship: Relationship, item: KnowledgeItem) -> View:
    blocks = [section(copy("knowledge", "edit_intro", r=relationship, item=item)), *_fields(copy, item)]
    return form(copy, "knowledge", ids.VIEW_KNOWLEDGE_EDIT, "edit_title", blocks, KnowledgeRef(stored_id(item.id)))
