"""The relationship form, to start one or edit one: building it (empty, or with answers) and reading it back."""

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    NumberInputElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.forms import INPUT, field, form, text_input, value
from bot.slack.kit import context, plain, section
from bot.slack.references import RelationshipRef
from bot.slack.wording import Copy
from stages.relationships import (
    CADENCE_MAX_DAYS,
    CADENCE_MIN_DAYS,
    NAME_MAX,
    PARTNER_MAX,
    Relationship,
    RelationshipDraft,
)

DEFAULT_CADENCE = 90


def new_relationship_modal(
    copy: Copy,
    *,
    draft: RelationshipDraft | None = None,
    owner_id: str | None = None,
    notice: str | None = None,
    notice_after: str | None = None,
    editing: RelationshipRef | None = None,
    partner: str | None = None,
) -> View:
    """The form. With `draft` it is filled with those answers; `notice` shows under field `notice_after`.

    `editing` names the relationship being changed: the form then saves changes instead of starting one. With
    `partner` (the partner organisation, taking part in the relationship's shared channel) it also asks for the
    partner's own sponsor and relationship manager.
    """
    blocks: list[Block] = [section(copy("relationships", "edit_intro" if editing else "modal_intro"))]
    inputs = _fields(copy, draft, owner_id) + (_partner_fields(copy, draft, partner) if partner else [])
    for input_block in inputs:
        blocks.append(input_block)
        if notice and input_block.block_id == notice_after:
            blocks.append(context(notice))
    if notice and notice_after is None:
        blocks.insert(0, context(notice))
    if editing:
        return form(
            copy, "relationships", ids.VIEW_EDIT_RELATIONSHIP, "edit_title", blocks, editing, submit="edit_submit"
        )
    return form(copy, "relationships", ids.VIEW_NEW_RELATIONSHIP, "modal_title", blocks, None, submit="modal_submit")


def _fields(copy: Copy, draft: RelationshipDraft | None, owner_id: str | None) -> list[InputBlock]:
    """Name, partner, owner, sponsor, channel and cadence: as drafted, or empty (the owner: whoever opened it)."""
    cadence = (draft.review_cadence_days if draft else None) or DEFAULT_CADENCE
    return [
        field(
            copy, "relationships", ids.BLOCK_NAME, text_input(NAME_MAX, draft.name if draft else None, multiline=False)
        ),
        field(
            copy,
            "relationships",
            ids.BLOCK_PARTNER,
            text_input(PARTNER_MAX, draft.partner if draft else None, multiline=False),
        ),
        field(
            copy,
            "relationships",
            ids.BLOCK_OWNER,
            UserSelectElement(action_id=INPUT, initial_user=draft.owner_id if draft else owner_id),
        ),
        field(
            copy,
            "relationships",
            ids.BLOCK_SPONSOR,
            UserSelectElement(action_id=INPUT, initial_user=draft.sponsor_id if draft else None),
        ),
        field(
            copy,
            "relationships",
            ids.BLOCK_CHANNEL,
            ConversationSelectElement(
                action_id=INPUT,
                initial_conversation=draft.channel_id if draft else None,
                default_to_current_conversation=not (draft and draft.channel_id),
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        ),
        field(
            copy,
            "relationships",
            ids.BLOCK_CADENCE,
            NumberInputElement(
                action_id=INPUT,
                is_decimal_allowed=False,
                min_value=CADENCE_MIN_DAYS,
                max_value=CADENCE_MAX_DAYS,
                initial_value=str(cadence),
            ),
        ),
    ]


def _partner_fields(copy: Copy, draft: RelationshipDraft | None, partner: str) -> list[InputBlock]:
    """The partner's executive sponsor and relationship manager: people of the partner's own workspace."""
    named = {
        ids.BLOCK_PARTNER_SPONSOR: draft.partner_sponsor_id if draft else None,
        ids.BLOCK_PARTNER_MANAGER: draft.partner_manager_id if draft else None,
    }
    return [
        InputBlock(
            block_id=block_id,
            label=plain(copy.plain("relationships", "partner_label", field=block_id, partner=partner), 2000),
            hint=plain(copy.plain("relationships", "partner_hint", field=block_id, partner=partner), 2000),
            element=UserSelectElement(action_id=INPUT, initial_user=person),
            optional=True,
        )
        for block_id, person in named.items()
    ]


def draft_of(relationship: Relationship) -> RelationshipDraft:
    """A relationship as the form shows it, to be edited."""
    r = relationship
    return RelationshipDraft(
        r.name,
        r.partner,
        r.owner_id,
        r.sponsor_id,
        r.channel_id,
        r.review_cadence_days,
        r.partner_sponsor_id,
        r.partner_manager_id,
    )


def read_draft(view: dict[str, Any]) -> RelationshipDraft:
    """The answers in a submitted view's state, as the raw draft the domain validates."""
    return RelationshipDraft(
        name=value(view, ids.BLOCK_NAME) or "",
        partner=value(view, ids.BLOCK_PARTNER) or "",
        owner_id=value(view, ids.BLOCK_OWNER),
        sponsor_id=value(view, ids.BLOCK_SPONSOR),
        channel_id=value(view, ids.BLOCK_CHANNEL),
        review_cadence_days=value(view, ids.BLOCK_CADENCE),
        partner_sponsor_id=value(view, ids.BLOCK_PARTNER_SPONSOR),
        partner_manager_id=value(view, ids.BLOCK_PARTNER_MANAGER),
    )
