"""Reviews and the exit strategy: `/accord review`, `/accord exit`, their buttons in nudges, and their modals."""

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.governance.blocks import exit_message, exit_modal, review_message, review_modal, view_message, view_modal
from bot.slack import ids
from bot.slack.action_buttons import add_button
from bot.slack.forms import chosen, users, value
from bot.slack.kit import message_blocks, section
from bot.slack.modal_submission import on_submit
from bot.slack.posting import post_in_channel
from bot.slack.references import (
    ExitFormRef,
    RelationshipRef,
    ReviewFormRef,
    ReviewRef,
    ReviewViewRef,
    Subject,
    carried,
    pressed,
    stored_id,
)
from bot.slack.refusals import explaining
from bot.slack.subcommands import Invocation, Subcommand
from bot.slack.turn import Turn, ack_silently, lazy
from bot.slack.wording import Copy
from stages import exit_service, review_service
from stages.actions import ActionSource
from stages.errors import NotAllowed
from stages.exits import exit_draft
from stages.relationships import Relationship
from stages.reviews import RATING_AREAS, review, review_view

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:

    app.action(ids.ACTION_OPEN_REVIEW)(ack=ack_silently, lazy=[lazy(deps, open_review_from_button)])
    app.action(ids.ACTION_OPEN_EXIT)(ack=ack_silently, lazy=[lazy(deps, open_exit_from_button)])
    app.action(ids.ACTION_AGREE_EXIT)(ack=ack_silently, lazy=[lazy(deps, agree_exit)])
    app.action(ids.ACTION_REVIEW_VIEW)(ack=ack_silently, lazy=[lazy(deps, open_view)])
    on_submit(
        app,
        deps,
        ids.VIEW_REVIEW_VIEW,
        save_view,
        lambda view: review_view(
            "", 0, 0, by="check", at=deps.clock.now(), summary=value(view, ids.BLOCK_SUMMARY), ratings=_ratings(view)
        ),
        about=Subject.RELATIONSHIP,
    )
    on_submit(
        app,
        deps,
        ids.VIEW_REVIEW,
        save_review,
        lambda view: _review_from(view, "check", deps.clock.now(), 0),
        about=Subject.RELATIONSHIP,
    )
    on_submit(app, deps, ids.VIEW_EXIT, save_exit, _exit_from, about=Subject.RELATIONSHIP)


def _review_from(view: dict[str, Any], by: str, now: Any, relationship_id: int) -> Any:
    return review(
        "",
        relationship_id,
        by=by,
        at=now,
        summary=value(view, ids.BLOCK_SUMMARY),
        ratings=_ratings(view),
        decisions=value(view, ids.BLOCK_DECISIONS),
        next_review_due=value(view, ids.BLOCK_NEXT_REVIEW),
    )


def _ratings(view: dict[str, Any]) -> dict[str, str | int | None]:
    return {area: value(view, area) for area in RATING_AREAS}


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
    open_review(turn, invocation.argument)


def start_exit(turn: Turn, invocation: Invocation) -> None:
    open_exit(turn, invocation.argument)


def open_review_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        open_review(turn, pressed(turn.body, RelationshipRef).relationship_id)


def open_exit_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        open_exit(turn, pressed(turn.body, RelationshipRef).relationship_id)


def open_review(turn: Turn, relationship: int | str) -> None:
    """The review form of a relationship (by id or name), for its owner or sponsor (also what a review nudge's
    button opens)."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        form = review_service.review_form(turn.uow(), relationship, turn.user_id)
        view = review_modal(turn.deps.copy, form.relationship, form.latest, turn.today())
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def open_exit(turn: Turn, relationship: int | str) -> None:
    """The exit strategy form (of a relationship by id or name), for the owner or sponsor (also what an exit
    review nudge's button opens)."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        try:
            form = exit_service.exit_form(turn.uow(), relationship, turn.user_id)
        except NotAllowed:
            theirs = exit_service.partner_form(turn.uow(), relationship, turn.organisation)
            if theirs is None:
                raise
            # The partner's people agree the versions the home side saves, on their messages: say where.
            turn.tell(turn.deps.copy("governance", "exit_partner_agrees", r=theirs.relationship, s=theirs.latest))
            return
        view = exit_modal(turn.deps.copy, form.relationship, form.latest)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


# ----- saving


def save_review(turn: Turn) -> str:
    view = turn.body["view"]
    form = carried(view, ReviewFormRef)
    reviewed = review_service.record_review(
        turn.uow(),
        turn.deps.catalogue,
        form.relationship_id,
        by=turn.user_id,
        now=turn.now(),
        summary=value(view, ids.BLOCK_SUMMARY),
        ratings=_ratings(view),
        decisions=value(view, ids.BLOCK_DECISIONS),
        next_review_due=value(view, ids.BLOCK_NEXT_REVIEW),
        seen_review_id=form.seen_review_id,
        internal=bool(chosen(view, ids.BLOCK_INTERNAL)),
    )
    r = reviewed.relationship
    turn.draw_homes(reviewed.home_for)
    if reviewed.review.internal:
        outcome = turn.deps.copy("governance", "review_kept_internal", r=r)
    else:
        outcome = _announce(turn, r, "review", lambda copy: review_message(copy, r, reviewed.review))
    _offer_actions(turn, r, stored_id(reviewed.review.id))
    return outcome


def _offer_actions(turn: Turn, relationship: Relationship, review_id: int) -> None:
    """Tell the reviewer, alone, how to turn what the review found into actions (internal ones, for an internal
    review)."""
    copy = turn.deps.copy
    button = add_button(copy, relationship, ActionSource.REVIEW, review_id)
    text = copy("actions", "after_review", r=relationship)
    try:
        turn.tell(text, message_blocks([section(text, block_id="review_actions", accessory=button)]))
    except SlackApiError as error:  # the review is saved and told in the modal: the offer is a convenience
        log.warning("could not offer actions after a review: %s", error.response.get("error"))


def save_exit(turn: Turn) -> str:
    view = turn.body["view"]
    form = carried(view, ExitFormRef)
    saved = exit_service.save(
        turn.uow(),
        turn.deps.catalogue,
        form.relationship_id,
        _exit_from(view),
        by=turn.user_id,
        now=turn.now(),
        seen_version=form.seen_version,
    )
    r = saved.relationship
    turn.draw_homes(saved.home_for)
    turn.learn(people=saved.strategy.reviewed_with)
    return _announce(turn, r, "exit", lambda copy: exit_message(copy, r, saved.strategy))


def agree_exit(turn: Turn) -> None:
    """The partner agrees the version of the joint exit strategy the message shows; the message then says so."""
    copy = turn.deps.copy
    with explaining(turn, about=Subject.RELATIONSHIP):
        seen = pressed(turn.body, ExitFormRef)
        agreed = exit_service.agree(
            turn.uow(),
            turn.deps.catalogue,
            seen.relationship_id,
            seen.seen_version,
            by=turn.user_id,
            organisation=turn.organisation,
            now=turn.now(),
        )
        r, s = agreed.relationship, agreed.strategy
        if not agreed.changed:
            turn.tell(copy("governance", "exit_already_agreed", r=r))
            return
        container = turn.body.get("container") or {}
        turn.client.chat_update(
            channel=container.get("channel_id") or r.channel_id,
            ts=container["message_ts"],
            text=copy("governance", "exit_fallback", r=r),
            blocks=message_blocks(exit_message(copy, r, s)),
        )
        turn.tell(copy("governance", "exit_agreed", r=r, s=s))


def open_view(turn: Turn) -> None:
    """The partner's view form of the review whose message the button is on, for one of the partner's people."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        shared = pressed(turn.body, ReviewRef)
        asked = review_service.view_form(turn.uow(), shared.review_id, by=turn.user_id, organisation=turn.organisation)
        thread = (turn.body.get("container") or {}).get("message_ts") or (turn.body.get("message") or {}).get("ts")
        view = view_modal(turn.deps.copy, asked, str(thread))
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def save_view(turn: Turn) -> str:
    """Store the partner's view and tell it in the review's thread, where both organisations read it."""
    copy = turn.deps.copy
    view = turn.body["view"]
    form = carried(view, ReviewViewRef)
    given = review_service.give_view(
        turn.uow(),
        turn.deps.catalogue,
        form.review_id,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
        summary=value(view, ids.BLOCK_SUMMARY),
        ratings=_ratings(view),
    )
    r = given.relationship
    if not given.changed:
        return copy("governance", "view_unchanged", r=r)
    return _announce(turn, r, "view", lambda c: view_message(c, r, given), thread_ts=form.thread_ts)


def _announce(
    turn: Turn,
    relationship: Relationship,
    what: str,
    blocks: Callable[[Copy], list[Any]],
    *,
    thread_ts: str | None = None,
) -> str:
    """Post the saved record in the relationship's channel (in a message's thread); the outcome for the modal says
    whether it was."""
    copy = turn.deps.copy
    r = relationship
    try:
        post_in_channel(
            turn.client,
            r.channel_id,
            copy("governance", f"{what}_fallback", r=r),
            message_blocks(blocks(copy)),
            thread_ts=thread_ts,
        )
    except SlackApiError as error:
        log.warning("could not post in %s: %s", r.channel_id, error.response.get("error"))
        return copy("governance", "not_posted", r=r)
    return copy("governance", f"{what}_saved", r=r)


SUBCOMMANDS = [
    Subcommand("review", "<relationship>", required=True, handler=start_review, opens_modal=True),
    Subcommand("exit", "<relationship>", required=True, handler=start_exit, opens_modal=True),
]
