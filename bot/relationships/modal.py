"""The relationship form, to start one or edit one: building it (empty, or with answers) and reading it back."""

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    NumberInputElement,
    Option,
    StaticSelectElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.forms import INPUT, field, form, text_input, users, value
from bot.slack.kit import context, plain, section
from bot.slack.references import RelationshipRef
from bot.slack.wording import Copy
from stages.joint_team import PAIRS_MAX, ROLE_MAX, PairDraft, TeamPair, row_block
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
    team: list[PairDraft] | None = None,
    workspaces: Sequence[tuple[str, str]] = (),
) -> View:
    """The form. With `draft` it is filled with those answers; `notice` shows under field `notice_after`.

    `editing` names the relationship being changed: the form then saves changes instead of starting one. With
    `partner` (the partner organisation, taking part in the relationship's shared channel) it also asks for the
    partner's own sponsor and relationship manager, and for the joint management team (`team`, its rows).
    `workspaces` (id, name) are the organisations the channel is shared with, when there are several to choose the
    partner among (the draft's `partner_team_id` chosen).
    """
    blocks: list[Block] = [section(copy("relationships", "edit_intro" if editing else "modal_intro"))]
    inputs: list[Block] = [*_fields(copy, draft, owner_id)]
    if len(workspaces) > 1:
        inputs.append(_workspace_field(copy, workspaces, draft.partner_team_id if draft else None))
    inputs += _partner_fields(copy, draft, partner) if partner else []
    if partner:
        inputs.append(section(copy("relationships", "team_intro", partner=partner)))
        inputs += _team_fields(copy, team or [], partner)
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


def _workspace_field(copy: Copy, workspaces: Sequence[tuple[str, str]], chosen: str | None) -> InputBlock:
    options = [Option(value=team, label=f"{name[:60]} ({team})"[:75]) for team, name in workspaces[:100]]
    initial = next((option for option in options if option.value == chosen), None)
    return field(
        copy,
        "relationships",
        ids.BLOCK_PARTNER_TEAM,
        StaticSelectElement(action_id=INPUT, options=options, initial_option=initial),
        optional=True,
    )


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


def _team_fields(copy: Copy, team: list[PairDraft], partner: str) -> list[Block]:
    """A role and its pair of people per row: the rows filled in, and at least one empty to add another."""
    rows = max(len(team) + 1, 3) if len(team) < PAIRS_MAX else len(team)
    typed = {row.row: row for row in team}
    blocks: list[Block] = []
    for number in range(1, rows + 1):
        row = typed.get(number)
        blocks.append(
            InputBlock(
                block_id=row_block("role", number),
                label=plain(copy.plain("relationships", "team_label", kind="role", row=number, partner=partner), 2000),
                element=text_input(ROLE_MAX, row.role if row else None, multiline=False),
                optional=True,
            )
        )
        blocks.append(
            InputBlock(
                block_id=row_block("people", number),
                label=plain(
                    copy.plain("relationships", "team_label", kind="people", row=number, partner=partner), 2000
                ),
                hint=plain(copy.plain("relationships", "team_hint", partner=partner), 2000) if number == 1 else None,
                element=UserMultiSelectElement(
                    action_id=INPUT,
                    initial_users=list(row.people) if row and row.people else None,
                    max_selected_items=2,
                ),
                optional=True,
            )
        )
    return blocks


def team_rows(pairs: list[TeamPair]) -> list[PairDraft]:
    """A stored team as the form's rows."""
    return [PairDraft(pair.role, tuple(pair.people), number) for number, pair in enumerate(pairs, start=1)]


def read_team(view: dict[str, Any]) -> list[PairDraft] | None:
    """The joint management team's rows as submitted; None when the form did not ask for them."""
    numbers = [
        int(block_id.rpartition("_")[2])
        for block in view.get("blocks", [])
        if (block_id := str(block.get("block_id") or "")).startswith("team_role_")
    ]
    if not numbers:
        return None
    return [
        PairDraft(value(view, row_block("role", n)) or "", tuple(users(view, row_block("people", n))), n)
        for n in numbers
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
        r.partner_team_id,
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
        partner_team_id=value(view, ids.BLOCK_PARTNER_TEAM),
    )
