"""The risk register: `/accord risks <relationship>` (and its heat map) or *Risks* on the relationship card, its
Add risk, Review, Edit and Close buttons, and their forms."""

import logging
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.charts import draw_heat_map
from bot.deps import Deps
from bot.risks.blocks import add_modal, close_modal, edit_modal, register_blocks, review_modal
from bot.slack import ids
from bot.slack.forms import chosen, value
from bot.slack.kit import message_blocks
from bot.slack.modal_submission import form_again, on_submit
from bot.slack.people import team_of_person
from bot.slack.references import RelationshipRef, RiskRef, RiskReviewRef, Subject, carried, pressed
from bot.slack.refusals import explaining
from bot.slack.register_buttons import shown_from_button
from bot.slack.register_commands import register_command
from bot.slack.subcommands import Invocation, Subcommand
from bot.slack.turn import Turn, ack_silently, lazy
from stages import risk_service
from stages.errors import Problem
from stages.relationships import Relationship
from stages.risks import RiskDraft, RiskEdit, RiskReview, heat_map, outcome_text, risk_draft, risk_edit, risk_review

log = logging.getLogger(__name__)
MAP = "map"


def register(app: App, deps: Deps) -> None:
    app.action(ids.ACTION_RISK_ADD)(ack=ack_silently, lazy=[lazy(deps, open_add_from_button)])
    app.action(ids.ACTION_RISK_CLOSE)(ack=ack_silently, lazy=[lazy(deps, open_close_from_button)])
    app.action(ids.ACTION_RISK_REVIEW)(ack=ack_silently, lazy=[lazy(deps, open_review_from_button)])
    app.action(ids.ACTION_RISK_EDIT)(ack=ack_silently, lazy=[lazy(deps, open_edit_from_button)])
    app.action(ids.ACTION_RISKS_SHOW)(ack=ack_silently, lazy=[lazy(deps, shown_from_button(tell_register))])
    on_submit(app, deps, ids.VIEW_RISK_EDIT, save_edit, lambda view: _edit(view, deps), about=Subject.RELATIONSHIP)
    on_submit(
        app, deps, ids.VIEW_RISK_REVIEW, save_review, lambda view: _review(view, deps), about=Subject.RELATIONSHIP
    )
    on_submit(app, deps, ids.VIEW_RISK_ADD, save_risk, lambda view: _draft(view, deps), about=Subject.RELATIONSHIP)
    on_submit(
        app,
        deps,
        ids.VIEW_RISK_CLOSE,
        save_close,
        lambda view: outcome_text(value(view, ids.BLOCK_OUTCOME)),
        about=Subject.RELATIONSHIP,
    )


def _draft(view: dict[str, Any], deps: Deps) -> RiskDraft:
    return risk_draft(
        title=value(view, ids.BLOCK_TITLE),
        description=value(view, ids.BLOCK_DESCRIPTION),
        category=value(view, ids.BLOCK_CATEGORY),
        breakdown_effect=value(view, ids.BLOCK_BREAKDOWN_EFFECT),
        likelihood=value(view, ids.BLOCK_LIKELIHOOD),
        impact=value(view, ids.BLOCK_IMPACT),
        owner_id=value(view, ids.BLOCK_RISK_OWNER),
        mitigation=value(view, ids.BLOCK_MITIGATION),
        next_review=value(view, ids.BLOCK_NEXT_REVIEW),
        internal=bool(chosen(view, ids.BLOCK_INTERNAL)),
        today=deps.clock.now().date(),
    )


def _edit(view: dict[str, Any], deps: Deps) -> RiskEdit:
    return risk_edit(
        title=value(view, ids.BLOCK_TITLE),
        description=value(view, ids.BLOCK_DESCRIPTION),
        category=value(view, ids.BLOCK_CATEGORY),
        breakdown_effect=value(view, ids.BLOCK_BREAKDOWN_EFFECT),
        owner_id=value(view, ids.BLOCK_RISK_OWNER),
        mitigation=value(view, ids.BLOCK_MITIGATION),
        today=deps.clock.now().date(),
    )


def _review(view: dict[str, Any], deps: Deps) -> RiskReview:
    return risk_review(
        note=value(view, ids.BLOCK_NOTE),
        likelihood=value(view, ids.BLOCK_LIKELIHOOD),
        impact=value(view, ids.BLOCK_IMPACT),
        next_review=value(view, ids.BLOCK_NEXT_REVIEW),
        today=deps.clock.now().date(),
    )


def show_register(turn: Turn, invocation: Invocation) -> None:
    """`/accord risks <relationship>`: the register told to the person alone; `<relationship> map` posts the heat
    map in the relationship's channel instead."""
    register_command(turn, invocation, "risks", tell_register, (MAP, post_heat_map))


def tell_register(turn: Turn, which: int | str) -> None:
    """The open risks the person's organisation may see, told to them alone (a shared channel's other side never
    sees an internal one): asked for by name with the command, or from the relationship card's *Risks*."""
    found = risk_service.register(turn.uow(), which, turn.organisation)
    copy = turn.deps.copy
    blocks = register_blocks(copy, found, turn.today())
    turn.learn(people=[r.owner_id for r in found.risks])
    turn.tell(copy("risks", "register_head", r=found.relationship, count=len(found.risks)), message_blocks(blocks))


def post_heat_map(turn: Turn, which: str) -> None:
    """The 5x5 heat map of the open risks everyone in the relationship's channel may see, as a PNG there."""
    copy = turn.deps.copy
    with explaining(turn, about=Subject.RELATIONSHIP):
        found = risk_service.channel_register(turn.uow(), which, turn.organisation)
        r = found.relationship
        title = copy.plain("risks", "map_title", r=r)
        try:
            turn.client.files_upload_v2(
                channel=r.channel_id,
                file=draw_heat_map(title, heat_map(found.risks)),
                filename="risk-heat-map.png",
                title=title,
                alt_txt=copy.plain("risks", "map_alt", r=r, count=len(found.risks))[:1000],
                initial_comment=copy("risks", "map_comment", r=r, by=turn.user_id, count=len(found.risks)),
            )
        except SlackApiError as error:
            log.warning("could not upload the risk heat map of %s: %s", r.id, error.response.get("error"))
            turn.tell(copy("risks", "map_not_posted", r=r))


def open_add_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        which = pressed(turn.body, RelationshipRef).relationship_id
        relationship = risk_service.relationship_for(turn.uow(), which, turn.organisation)
        view = add_modal(turn.deps.copy, relationship, turn.today())
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def open_close_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        risk, relationship = risk_service.risk_of(turn.uow(), pressed(turn.body, RiskRef).risk_id, turn.organisation)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=close_modal(turn.deps.copy, relationship, risk))


def open_review_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        open_review(turn, pressed(turn.body, RiskReviewRef))


def open_review(turn: Turn, seen: RiskReviewRef) -> None:
    """The review form of a risk the person's organisation may see, as of the review date its button showed
    (also what a reminder's button opens)."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        risk, relationship = risk_service.risk_of(turn.uow(), seen.risk_id, turn.organisation)
        view = review_modal(turn.deps.copy, relationship, risk, seen, turn.today())
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def save_review(turn: Turn) -> str:
    view = turn.body["view"]
    seen = carried(view, RiskReviewRef)
    reviewed = risk_service.review_risk(
        turn.uow(),
        seen.risk_id,
        _review(view, turn.deps),
        seen=seen.seen,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
    )
    return turn.deps.copy("risks", "reviewed", r=reviewed.relationship, risk=reviewed.risk, first=reviewed.first)


def open_edit_from_button(turn: Turn) -> None:
    with explaining(turn, about=Subject.RELATIONSHIP):
        risk, relationship = risk_service.risk_of(turn.uow(), pressed(turn.body, RiskRef).risk_id, turn.organisation)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=edit_modal(turn.deps.copy, relationship, risk))


def save_edit(turn: Turn) -> str | None:
    view = turn.body["view"]
    risk_id = carried(view, RiskRef).risk_id
    change = _edit(view, turn.deps)
    risk, relationship = risk_service.risk_of(turn.uow(), risk_id, turn.organisation)
    if not _owner_fits(turn, relationship, change.owner_id, internal=risk.internal):
        return None
    edited = risk_service.edit_risk(
        turn.uow(), risk_id, change, by=turn.user_id, organisation=turn.organisation, now=turn.now()
    )
    turn.learn(people=[change.owner_id])
    return turn.deps.copy("risks", "edited", r=edited.relationship, risk=edited.risk, first=edited.changed)


def _owner_fits(turn: Turn, relationship: Relationship, owner_id: str, *, internal: bool) -> bool:
    """Whether the owner chosen is of either organisation, and of the person's own for an internal risk; if not,
    the form is shown again saying so."""
    owner_side = relationship.side_of(team_of_person(turn.client, owner_id) or relationship.team_id)
    if owner_side is None:
        form_again(turn, turn.deps.copy.problem(Problem(ids.BLOCK_RISK_OWNER, "risk_owner_outside")))
        return False
    if internal and owner_side is not relationship.side_of(turn.organisation):
        form_again(turn, turn.deps.copy.problem(Problem(ids.BLOCK_RISK_OWNER, "risk_owner_internal")))
        return False
    return True


def save_risk(turn: Turn) -> str | None:
    view = turn.body["view"]
    relationship_id = carried(view, RelationshipRef).relationship_id
    draft = _draft(view, turn.deps)
    relationship = risk_service.relationship_for(turn.uow(), relationship_id, turn.organisation)
    if not _owner_fits(turn, relationship, draft.owner_id, internal=draft.internal):
        return None
    added = risk_service.add_risk(
        turn.uow(),
        relationship_id,
        draft,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
        form_key=str(view["id"]),
    )
    turn.learn(people=[draft.owner_id])
    return turn.deps.copy("risks", "added", r=added.relationship, risk=added.risk, first=added.first)


def save_close(turn: Turn) -> str:
    view = turn.body["view"]
    closed = risk_service.close_risk(
        turn.uow(),
        carried(view, RiskRef).risk_id,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
        outcome=value(view, ids.BLOCK_OUTCOME),
    )
    return turn.deps.copy("risks", "closed", r=closed.relationship, risk=closed.risk, first=closed.first)


SUBCOMMANDS = [Subcommand("risks", "<relationship> [map]", required=True, handler=show_register)]
