"""The relationship form, to start one or edit one: building it (empty, or with answers) and reading it back."""

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    NumberInputElement,
    PlainTextInputElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.kit import context, plain, section, view_blocks
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

ELEMENT = "value"  # every input's action_id; the block_id tells the fields apart
DEFAULT_CADENCE = 90


def new_relationship_modal(
    copy: Copy,
    *,
    draft: RelationshipDraft | None = None,
    owner_id: str | None = None,
    notice: str | None = None,
    notice_after: str | None = None,
    editing: RelationshipRef | None = None,
) -> View:
    """The form. With `draft` it is filled with those answers; `notice` shows under field `notice_after`.

    `editing` names the relationship being changed: the form then saves changes instead of starting one.
    """

    def label(field: str) -> Any:
        return plain(copy.plain("relationships", "label", field=field))

    def hint(field: str) -> Any:
        return plain(copy.plain("relationships", "hint", field=field), 2000)

    blocks: list[Block] = [section(copy("relationships", "edit_intro" if editing else "modal_intro"))]
    fields: list[InputBlock] = [
        InputBlock(
            block_id=ids.BLOCK_NAME,
            label=label("name"),
            hint=hint("name"),
            element=PlainTextInputElement(
                action_id=ELEMENT, max_length=NAME_MAX, initial_value=draft.name if draft else None
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_PARTNER,
            label=label("partner"),
            hint=hint("partner"),
            element=PlainTextInputElement(
                action_id=ELEMENT, max_length=PARTNER_MAX, initial_value=draft.partner if draft else None
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_OWNER,
            label=label("owner"),
            hint=hint("owner"),
            element=UserSelectElement(action_id=ELEMENT, initial_user=(draft.owner_id if draft else owner_id)),
        ),
        InputBlock(
            block_id=ids.BLOCK_SPONSOR,
            label=label("sponsor"),
            hint=hint("sponsor"),
            element=UserSelectElement(action_id=ELEMENT, initial_user=draft.sponsor_id if draft else None),
        ),
        InputBlock(
            block_id=ids.BLOCK_CHANNEL,
            label=label("channel"),
            hint=hint("channel"),
            element=ConversationSelectElement(
                action_id=ELEMENT,
                initial_conversation=draft.channel_id if draft else None,
                default_to_current_conversation=not (draft and draft.channel_id),
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        ),
        InputBlock(
            block_id=ids.BLOCK_CADENCE,
            label=label("cadence"),
            hint=hint("cadence"),
            element=NumberInputElement(
                action_id=ELEMENT,
                is_decimal_allowed=False,
                min_value=CADENCE_MIN_DAYS,
                max_value=CADENCE_MAX_DAYS,
                initial_value=str((draft.review_cadence_days if draft else None) or DEFAULT_CADENCE),
            ),
        ),
    ]
    for field in fields:
        blocks.append(field)
        if notice and field.block_id == notice_after:
            blocks.append(context(notice))
    if notice and notice_after is None:
        blocks.insert(0, context(notice))
    return View(
        type="modal",
        callback_id=ids.VIEW_EDIT_RELATIONSHIP if editing else ids.VIEW_NEW_RELATIONSHIP,
        title=plain(copy.plain("relationships", "edit_title" if editing else "modal_title"), 24),
        submit=plain(copy.plain("relationships", "edit_submit" if editing else "modal_submit"), 24),
        close=plain(copy.plain("relationships", "modal_close"), 24),
        private_metadata=editing.encode() if editing else None,
        blocks=view_blocks(blocks),
    )


def draft_of(relationship: Relationship) -> RelationshipDraft:
    """A relationship as the form shows it, to be edited."""
    r = relationship
    return RelationshipDraft(r.name, r.partner, r.owner_id, r.sponsor_id, r.channel_id, r.review_cadence_days)


def read_draft(view: dict[str, Any]) -> RelationshipDraft:
    """The answers in a submitted view's state, as the raw draft the domain validates."""
    values: dict[str, dict[str, Any]] = view.get("state", {}).get("values", {})

    def element(block_id: str) -> dict[str, Any]:
        return values.get(block_id, {}).get(ELEMENT) or {}

    return RelationshipDraft(
        name=element(ids.BLOCK_NAME).get("value") or "",
        partner=element(ids.BLOCK_PARTNER).get("value") or "",
        owner_id=element(ids.BLOCK_OWNER).get("selected_user"),
        sponsor_id=element(ids.BLOCK_SPONSOR).get("selected_user"),
        channel_id=element(ids.BLOCK_CHANNEL).get("selected_conversation"),
        review_cadence_days=element(ids.BLOCK_CADENCE).get("value"),
    )
