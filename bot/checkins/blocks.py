"""A check-in's messages (the parent and one per item) and its modals (not applicable, evidence, reopen)."""

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    InputInteractiveElement,
    Option,
    UrlInputElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.forms import INPUT, field, form, text_input
from bot.slack.item_buttons import answer_buttons
from bot.slack.kit import context, header, plain, section
from bot.slack.references import GateRef, ItemRef, stored_id
from bot.slack.wording import Copy
from stages.catalogue import Catalogue, ChecklistItem
from stages.checkin_service import Board
from stages.checkins import REOPEN_REASON_MAX
from stages.checklist import NOTE_MAX, REASON_MAX, ItemStatus
from stages.relationships import Side


def parent_blocks(copy: Copy, catalogue: Catalogue, board: Board) -> list[Block]:
    r, stage = board.relationship, board.stage
    dos, donts = stage.dos, stage.donts
    if not dos and not donts:  # the model cites no line for this stage's items: show its phase's
        phase = catalogue.phase_of(stage.number)
        dos, donts = phase.dos, phase.donts
    blocks: list[Block] = [
        header(copy.plain("checkins", "parent_title", stage=stage)),
        section(copy("checkins", "parent_intro", r=r, phase=catalogue.phase_of(stage.number), stage=stage)),
        context(copy("checkins", "parent_people", r=r, stage=stage)),
        section(copy("checkins", "parent_progress", board=board)),
        context(copy("checkins", "parent_principles", dos=list(dos), donts=list(donts))),
    ]
    button = _gate_button(copy, board)
    if button is not None:
        blocks.append(ActionsBlock(block_id="gate", elements=[button]))
    blocks.append(context(copy("checkins", "parent_how")))
    return blocks


def _gate_button(copy: Copy, board: Board) -> ButtonElement | None:
    gate = _gate(board).encode()
    if board.signed_off and board.stage.number == board.relationship.last_signed_off:
        return ButtonElement(
            text=plain(copy.plain("checkins", "button", action="reopen")), action_id=ids.ACTION_REOPEN, value=gate
        )
    if not board.signed_off and board.progress.ready and board.relationship.stage == board.stage.number:
        return ButtonElement(
            text=plain(copy.plain("checkins", "button", action="sign_off")),
            action_id=ids.ACTION_SIGN_OFF,
            value=gate,
            style="primary",
        )
    return None


def item_blocks(copy: Copy, board: Board, item: ChecklistItem) -> list[Block]:
    state = board.state(item.id)
    blocks: list[Block] = [
        section(copy("checkins", "item_text", item=item, position=item.position)),
        context(copy("checkins", "item_guidance", item=item)),
        context(
            copy(
                "checkins",
                "item_state",
                state=state,
                item=item,
                notes=board.notes.get(item.id, 0),
                withheld=board.joint,
            )
        ),
    ]
    if not board.signed_off:
        blocks.append(answer_buttons(copy, _item(board, item), state.assignee_id))
    return blocks


def _gate(board: Board) -> GateRef:
    return GateRef(stored_id(board.checkin.id), board.rounds)


def _item(board: Board, item: ChecklistItem) -> ItemRef:
    return ItemRef(stored_id(board.checkin.id), item.id)


STATUS_ACTIONS = {
    ids.ACTION_ITEM_DONE: ItemStatus.DONE,
    ids.ACTION_ITEM_IN_PROGRESS: ItemStatus.IN_PROGRESS,
}


def not_applicable_modal(copy: Copy, board: Board, item: ChecklistItem) -> View:
    reason = text_input(REASON_MAX, board.state(item.id).reason)
    return _item_form(
        copy, ids.VIEW_ITEM_NOT_APPLICABLE, "na_title", board, item, [_field(copy, ids.BLOCK_REASON, reason)]
    )


def evidence_modal(copy: Copy, board: Board, item: ChecklistItem, *, side: Side = Side.HOME) -> View:
    """The evidence form; in a joint stage, the home side's people may keep theirs from the partner."""
    state = board.state(item.id)
    inputs = [
        _field(copy, ids.BLOCK_LINK, UrlInputElement(action_id=INPUT, initial_value=state.evidence_url), optional=True),
        _field(copy, ids.BLOCK_NOTE, text_input(NOTE_MAX, state.evidence_note), optional=True),
    ]
    if board.joint and side is Side.HOME:
        internal = Option(value="internal", label=copy.plain("checkins", "internal_option", board=board)[:75])
        ticked = [internal] if state.evidence_internal else None
        boxes = CheckboxesElement(action_id=INPUT, options=[internal], initial_options=ticked)
        inputs.append(_field(copy, ids.BLOCK_INTERNAL, boxes, optional=True))
    return _item_form(copy, ids.VIEW_ITEM_EVIDENCE, "evidence_title", board, item, inputs)


def reopen_modal(copy: Copy, board: Board) -> View:
    blocks: list[Block] = [
        section(copy("checkins", "reopen_intro", stage=board.stage, r=board.relationship)),
        field(copy, "checkins", ids.BLOCK_REASON, text_input(REOPEN_REASON_MAX), worded_as="reopen_reason"),
    ]
    return form(copy, "checkins", ids.VIEW_REOPEN_STAGE, "reopen_title", blocks, _gate(board), submit="reopen_title")


def _field(copy: Copy, block_id: str, element: InputInteractiveElement, *, optional: bool = False) -> InputBlock:
    return field(copy, "checkins", block_id, element, optional=optional)


def _item_form(
    copy: Copy, callback_id: str, title: str, board: Board, item: ChecklistItem, inputs: list[InputBlock]
) -> View:
    """A form about one item: which it is, then its inputs."""
    about = section(copy("checkins", "item_text", item=item, position=item.position))
    return form(copy, "checkins", callback_id, title, [about, *inputs], _item(board, item))
