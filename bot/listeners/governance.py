"""Reviews and the exit strategy: `/accord review`, `/accord exit`, their buttons in nudges, and their modals."""

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.blocks.forms import users, value
from bot.blocks.governance import exit_message, exit_modal, review_message, review_modal
from bot.blocks.kit import message_blocks
from bot.command_line import Invocation
from bot.deps import Deps
from bot.listeners.explain import explaining
from bot.listeners.modal_ack import checked
from bot.listeners.turn import Turn, lazy
from bot.posting import post_in_channel
from stages import exit_service, review_service, services
from stages.exits import exit_draft
from stages.relationships import Relationship
from stages.reviews import RATING_AREAS, review

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    copy = deps.copy

    ack_review = checked(copy, lambda view: _review_from(view, "check", deps.clock.now(), 0))
    ack_exit = checked(copy, _exit_from)

    app.action(ids.ACTION_OPEN_REVIEW)(ack=_ack, lazy=[lazy(deps, open_review_from_button)])
    app.action(ids.ACTION_OPEN_EXIT)(ack=_ack, lazy=[lazy(deps, open_exit_from_button)])
    app.view(ids.VIEW_REVIEW)(ack=ack_review, lazy=[lazy(deps, save_review)])
    app.view(ids.VIEW_EXIT)(ack=ack_exit, lazy=[lazy(deps, save_exit)])


def _ack(ack: Ack) -> None:
    ack()


def _review_from(view: dict[str, Any], by: str, now: Any, relationship_id: int) -> Any:
    return review(
        "",
        relationship_id,
        by=by,
        at=now,
        summary=value(view, ids.BLOCK_SUMMARY),
        ratings={area: value(view, area) for area in RATING_AREAS},
        decisions=value(view, ids.BLOCK_DECISIONS),
        next_review_due=value(view, ids.BLOCK_NEXT_REVIEW),
    )


def _exit_from(view: dict[str, Any]) -> Any:
    return exit_draft(
        triggers=value(view, ids.BLOCK_TRIGGERS),
        plan=value(view, ids.BLOCK_PLAN),
        continuity=value(view, ids.BLOCK_CONTINUITY),
        assets=value(view, ids.BLOCK_ASSETS),
        reviewed_with=users(view, ids.BLOCK_REVIEWED_WITH),
    )


# ----- opening the modals


def start_review(turn: Turn, invocation: Invocation) -> None:
    relationship = services.find_relationship(turn.uow(), invocation.argument)
    _open_review(turn, relationship.id or 0)


def start_exit(turn: Turn, invocation: Invocation) -> None:
    relationship = services.find_relationship(turn.uow(), invocation.argument)
    _open_exit(turn, relationship.id or 0)


def open_review_from_button(turn: Turn) -> None:
    _open_review(turn, int(turn.body["actions"][0].get("value") or 0))


def open_exit_from_button(turn: Turn) -> None:
    _open_exit(turn, int(turn.body["actions"][0].get("value") or 0))


def _open_review(turn: Turn, relationship_id: int) -> None:
    with explaining(turn):
        relationship = review_service.leading(turn.uow(), relationship_id, turn.user_id, "review")
        recent = review_service.recent(turn.uow(), relationship_id, 1)
        view = review_modal(
            turn.deps.copy, relationship, recent[0] if recent else None, turn.today(), turn.context.channel_id
        )
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def _open_exit(turn: Turn, relationship_id: int) -> None:
    with explaining(turn):
        relationship = review_service.leading(turn.uow(), relationship_id, turn.user_id, "exit")
        latest = exit_service.latest(turn.uow(), relationship_id)
        turn.client.views_open(
            trigger_id=turn.body["trigger_id"],
            view=exit_modal(turn.deps.copy, relationship, latest, turn.context.channel_id),
        )


# ----- saving


def save_review(turn: Turn) -> None:
    view = turn.body["view"]
    meta = json.loads(view.get("private_metadata") or "{}")
    with explaining(turn, channel=meta.get("channel"), modal=True):
        reviewed = review_service.record_review(
            turn.uow(),
            turn.deps.catalogue,
            int(meta["relationship"]),
            by=turn.user_id,
            now=turn.now(),
            summary=value(view, ids.BLOCK_SUMMARY),
            ratings={area: value(view, area) for area in RATING_AREAS},
            decisions=value(view, ids.BLOCK_DECISIONS),
            next_review_due=value(view, ids.BLOCK_NEXT_REVIEW),
        )
        copy = turn.deps.copy
        r = reviewed.relationship
        _announce(turn, r, copy("governance", "review_fallback", r=r), review_message(copy, r, reviewed.review), meta)
        turn.refresh_home(r.owner_id, r.sponsor_id)


def save_exit(turn: Turn) -> None:
    view = turn.body["view"]
    meta = json.loads(view.get("private_metadata") or "{}")
    with explaining(turn, channel=meta.get("channel"), modal=True):
        saved = exit_service.save(
            turn.uow(),
            turn.deps.catalogue,
            int(meta["relationship"]),
            _exit_from(view),
            by=turn.user_id,
            now=turn.now(),
        )
        copy = turn.deps.copy
        r = saved.relationship
        _announce(turn, r, copy("governance", "exit_fallback", r=r), exit_message(copy, r, saved.strategy), meta)
        turn.refresh_home(r.owner_id, r.sponsor_id)


def _announce(turn: Turn, relationship: Relationship, text: str, blocks: list[Any], meta: dict[str, Any]) -> None:
    try:
        post_in_channel(turn.client, relationship.channel_id, text, message_blocks(blocks))
    except SlackApiError as error:
        log.warning("could not post in %s: %s", relationship.channel_id, error.response.get("error"))
        turn.tell(turn.deps.copy("governance", "not_posted", r=relationship), channel=meta.get("channel"))
