"""Check-in buttons and modals: answering items, adding evidence, assigning, signing off and reopening.

Each is acknowledged at once; the work runs after the ack. Refusals (not the owner or sponsor, gate not ready,
an out-of-date button) are explained privately, or in the modal that asked, and change nothing.
"""

import logging
from typing import Any, assert_never

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.checkins.blocks import STATUS_ACTIONS, evidence_modal, not_applicable_modal, reopen_modal
from bot.checkins.messages import post_thread, refresh, refresh_all
from bot.deps import Deps
from bot.slack import ids
from bot.slack.forms import chosen, value
from bot.slack.item_buttons import menu_item
from bot.slack.modal_submission import on_submit
from bot.slack.references import GateRef, ItemRef, carried, pressed
from bot.slack.refusals import explaining
from bot.slack.sharing import Sharing, sharing
from bot.slack.subcommands import Invocation, Subcommand, name_and_number
from bot.slack.turn import Turn, ack_silently, lazy
from stages import checkin_service
from stages.catalogue import Stage
from stages.checkin_service import Answered, Board, CheckinClaimed, CheckinRunning, GateCountersigned, GateMoved
from stages.checkins import Checkin, reopen_reason
from stages.checklist import (
    Answer,
    ItemStatus,
    assignment_answer,
    evidence,
    evidence_answer,
    not_applicable_reason,
    status_answer,
)
from stages.ports import UnitOfWork
from stages.relationships import Relationship, taking_part

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:

    def reason(view: dict[str, Any]) -> object:
        return not_applicable_reason(value(view, ids.BLOCK_REASON))

    def proof(view: dict[str, Any]) -> object:
        return evidence(value(view, ids.BLOCK_LINK), value(view, ids.BLOCK_NOTE))

    def why_reopen(view: dict[str, Any]) -> object:
        return reopen_reason(value(view, ids.BLOCK_REASON))

    def evidence_kept(uow: UnitOfWork, organisation: str, view: dict[str, Any]) -> None:
        checkin_service.refuse_never_shared_answer(
            uow,
            deps.catalogue,
            carried(view, ItemRef).checkin_id,
            organisation,
            {ids.BLOCK_LINK: value(view, ids.BLOCK_LINK), ids.BLOCK_NOTE: value(view, ids.BLOCK_NOTE)},
            internal=bool(chosen(view, ids.BLOCK_INTERNAL)) if ids.BLOCK_INTERNAL in _inputs(view) else None,
        )

    def reason_kept(uow: UnitOfWork, organisation: str, view: dict[str, Any]) -> None:
        checkin_service.refuse_never_shared_answer(
            uow,
            deps.catalogue,
            carried(view, ItemRef).checkin_id,
            organisation,
            {ids.BLOCK_REASON: value(view, ids.BLOCK_REASON)},
            internal=None,
        )

    for action_id in STATUS_ACTIONS:
        app.action(action_id)(ack=ack_silently, lazy=[lazy(deps, set_status)])
    app.action(ids.ACTION_ITEM_NOT_APPLICABLE)(ack=ack_silently, lazy=[lazy(deps, open_not_applicable)])
    app.action(ids.ACTION_ITEM_EVIDENCE)(ack=ack_silently, lazy=[lazy(deps, open_evidence)])
    app.action(ids.ACTION_ITEM_ASSIGN)(ack=ack_silently, lazy=[lazy(deps, assign)])
    app.action(ids.ACTION_OPEN_THREAD)(ack_silently)  # Slack opens the link itself; the app only acknowledges
    app.action(ids.ACTION_SIGN_OFF)(ack=ack_silently, lazy=[lazy(deps, sign_off)])
    app.action(ids.ACTION_REOPEN)(ack=ack_silently, lazy=[lazy(deps, open_reopen)])
    on_submit(app, deps, ids.VIEW_ITEM_NOT_APPLICABLE, save_not_applicable, reason, guards=(reason_kept,))
    on_submit(app, deps, ids.VIEW_ITEM_EVIDENCE, save_evidence, proof, guards=(evidence_kept,))
    on_submit(app, deps, ids.VIEW_REOPEN_STAGE, save_reopen, why_reopen)


def _inputs(view: dict[str, Any]) -> set[str]:
    """The block ids of the form's inputs: what it offered."""
    return {str(block.get("block_id")) for block in view.get("blocks", []) if block.get("type") == "input"}


def _action(turn: Turn) -> dict[str, Any]:
    action: dict[str, Any] = turn.body["actions"][0]
    return action


# ----- answering items


def set_status(turn: Turn) -> None:
    status = STATUS_ACTIONS[_action(turn)["action_id"]]
    with explaining(turn):
        item = pressed(turn.body, ItemRef)
        _answer(
            turn,
            item,
            lambda rid: status_answer(rid, item.item_id, status, actor_id=turn.user_id, at=turn.now()),
        )


def assign(turn: Turn) -> None:
    action = _action(turn)
    with explaining(turn):
        item = menu_item(action)
        assignee = action.get("selected_user")
        _answer(
            turn,
            item,
            lambda rid: assignment_answer(rid, item.item_id, assignee, actor_id=turn.user_id, at=turn.now()),
            link=_item_link(turn, item) if assignee and assignee != turn.user_id else None,
        )
        turn.learn(people=[assignee])


def _item_link(turn: Turn, item: ItemRef) -> str | None:
    """Where the item is answered in its check-in thread, for the person it is assigned to; None if unknown."""
    checkin = checkin_service.board(turn.uow(), turn.deps.catalogue, item.checkin_id).checkin
    ts = checkin.item_messages.get(item.item_id) or checkin.thread_ts
    if checkin.channel_id is None or ts is None:
        return None
    try:
        return str(turn.client.chat_getPermalink(channel=checkin.channel_id, message_ts=ts)["permalink"])
    except SlackApiError as error:  # the notice still says how to reach the thread
        log.warning("no link to item %s: %s", item.item_id, error.response.get("error"))
        return None


def _answer(turn: Turn, item: ItemRef, make: Any, *, link: str | None = None) -> Answered | None:
    """Record the answer and show it; None when it was a repeat (a double click, a replayed action)."""
    deps = turn.deps
    answered = checkin_service.answer(
        turn.uow(), deps.catalogue, item.checkin_id, item.item_id, make, organisation=turn.organisation, link=link
    )
    if answered is not None:
        refresh(turn.client, deps, answered.board, [item.item_id])
        turn.draw_homes(answered.home_for)
    return answered


def open_not_applicable(turn: Turn) -> None:
    with explaining(turn):
        board, item_id = _item_board(turn)
        view = not_applicable_modal(turn.deps.copy, board, board.item(item_id))
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def open_evidence(turn: Turn) -> None:
    with explaining(turn):
        board, item_id = _item_board(turn)
        side = taking_part(board.relationship, turn.organisation)
        view = evidence_modal(turn.deps.copy, board, board.item(item_id), side=side)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def _item_board(turn: Turn) -> tuple[Board, str]:
    item = pressed(turn.body, ItemRef)
    board = checkin_service.board(turn.uow(), turn.deps.catalogue, item.checkin_id)
    taking_part(board.relationship, turn.organisation)  # a third organisation gets no form to fill
    return checkin_service.answerable(board, item.item_id), item.item_id


def save_not_applicable(turn: Turn) -> str:
    view = turn.body["view"]
    item = carried(view, ItemRef)
    reason = value(view, ids.BLOCK_REASON)

    def make(rid: int) -> Answer:
        return status_answer(
            rid, item.item_id, ItemStatus.NOT_APPLICABLE, actor_id=turn.user_id, at=turn.now(), reason=reason
        )

    return _outcome(turn, _answer(turn, item, make), "not_applicable_saved")


def save_evidence(turn: Turn) -> str:
    view = turn.body["view"]
    item = carried(view, ItemRef)
    link, note = value(view, ids.BLOCK_LINK), value(view, ids.BLOCK_NOTE)
    internal = bool(chosen(view, ids.BLOCK_INTERNAL))

    def make(rid: int) -> Answer:
        return evidence_answer(
            rid, item.item_id, url=link, note=note, actor_id=turn.user_id, at=turn.now(), internal=internal
        )

    return _outcome(turn, _answer(turn, item, make), "evidence_saved")


def _outcome(turn: Turn, answered: Answered | None, saved: str) -> str:
    copy = turn.deps.copy
    if answered is None:
        return copy("commands", "nothing_changed")
    item = answered.board.item(answered.after.item_id)
    return copy("checkins", saved, item=item, board=answered.board)


# ----- the stage gate


def sign_off(turn: Turn) -> None:
    deps = turn.deps
    with explaining(turn):
        gate = pressed(turn.body, GateRef)
        moved = checkin_service.sign_off(
            turn.uow(),
            deps.catalogue,
            gate.checkin_id,
            by=turn.user_id,
            organisation=turn.organisation,
            now=turn.now(),
            seen_round=gate.rounds,
        )
        match moved:
            case None:
                turn.tell(deps.copy("checkins", "already_countersigned"))
            case GateCountersigned(board=board, side=side):
                text = deps.copy("checkins", "countersigned", board=board, side=side, other=side.other, by=turn.user_id)
                _announce(turn, moved, text)
            case GateMoved(board=board):
                following = deps.catalogue.next_stage(board.stage.number)
                _announce(turn, moved, deps.copy("checkins", "signed_off_summary", board=board, next_stage=following))
            case _:
                assert_never(moved)


def open_reopen(turn: Turn) -> None:
    deps = turn.deps
    with explaining(turn):
        gate = pressed(turn.body, GateRef)
        board = checkin_service.reopen_form(
            turn.uow(),
            deps.catalogue,
            gate.checkin_id,
            by=turn.user_id,
            organisation=turn.organisation,
            seen_round=gate.rounds,
        )
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=reopen_modal(deps.copy, board))


def save_reopen(turn: Turn) -> str:
    deps = turn.deps
    view = turn.body["view"]
    gate = carried(view, GateRef)
    reason = value(view, ids.BLOCK_REASON) or ""
    moved = checkin_service.reopen(
        turn.uow(),
        deps.catalogue,
        gate.checkin_id,
        by=turn.user_id,
        organisation=turn.organisation,
        reason=reason,
        now=turn.now(),
        seen_round=gate.rounds,
    )
    board = moved.board
    _announce(
        turn, moved, deps.copy("checkins", "reopened", board=board, by=turn.user_id, reason=reopen_reason(reason))
    )
    return deps.copy("checkins", "reopen_saved", board=board)


def _announce(turn: Turn, moved: GateMoved | GateCountersigned, text: str) -> None:
    """Say what happened in the check-in's thread, and show the new state everywhere."""
    checkin = moved.board.checkin
    if checkin.channel_id and checkin.thread_ts:
        turn.client.chat_postMessage(channel=checkin.channel_id, thread_ts=checkin.thread_ts, text=text)
    refresh_all(turn.client, turn.deps, moved.board)
    turn.draw_homes(moved.home_for)
    if turn.deps.relationship_card is not None:
        turn.deps.relationship_card(turn.client, turn.deps, moved.board.relationship)


def _checkin(turn: Turn, invocation: Invocation) -> None:
    """Start the stage's check-in thread here, or point to the one already running."""
    deps = turn.deps
    readings = name_and_number(invocation.argument)
    with explaining(turn):
        started = checkin_service.start(turn.uow(), deps.catalogue, readings, by=turn.user_id, now=turn.now())
        match started:
            case CheckinRunning(checkin, relationship, stage):
                _point_to(turn, checkin, relationship, stage)
            case CheckinClaimed(board):
                here = str(turn.body["channel_id"])
                if board.stage.is_internal and not _internal_here(turn, board, here):
                    checkin_service.abandon(turn.uow(), board.checkin, now=turn.now())
                    return
                try:
                    post_thread(turn.client, deps, board, here)
                    if deps.relationship_card is not None:  # the card links to the current stage's thread
                        deps.relationship_card(turn.client, deps, board.relationship)
                except SlackApiError as error:
                    checkin_service.abandon(turn.uow(), board.checkin, now=turn.now())
                    if error.response.get("error") not in ("not_in_channel", "channel_not_found"):
                        raise
                    turn.tell(deps.copy("checkins", "not_in_channel"))
            case _:
                assert_never(started)


def _internal_here(turn: Turn, board: Board, here: str) -> bool:
    """Whether a strategy-phase check-in may be posted in `here`; if not, tell the person why and where instead.

    A channel Accord cannot see is left to the post, which fails and says so: nothing reaches it either way.
    """
    status = sharing(turn.client, here)
    if status.may_hold_internal or status is Sharing.UNSEEN:
        return True
    relationship = board.relationship
    home = relationship.channel_id
    elsewhere = home if home != here and sharing(turn.client, home) is Sharing.INTERNAL else None
    unconfirmed = status is Sharing.UNCONFIRMED
    copy = turn.deps.copy
    turn.tell(
        copy(
            "checkins",
            "internal_stage_shared",
            stage=board.stage,
            r=relationship,
            elsewhere=elsewhere,
            unconfirmed=unconfirmed,
        )
    )
    return False


def _point_to(turn: Turn, checkin: Checkin, relationship: Relationship, stage: Stage) -> None:
    copy = turn.deps.copy
    if checkin.channel_id is None or checkin.thread_ts is None:
        turn.tell(copy("checkins", "being_started", stage=stage, r=relationship))
        return
    link = turn.client.chat_getPermalink(channel=checkin.channel_id, message_ts=checkin.thread_ts)["permalink"]
    turn.tell(copy("checkins", "already_open", stage=stage, r=relationship, link=link))


SUBCOMMANDS = [Subcommand("checkin", "<relationship> [stage]", required=True, handler=_checkin)]
