"""Disputes: `/accord dispute`, `/accord disputes`, the *Raise as dispute* shortcut, the thread's buttons and modals."""

import logging
from functools import partial
from typing import Any, assert_never

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.disputes.blocks import escalate_modal, list_blocks, raise_modal, resolve_modal, update_modal
from bot.disputes.messages import post_dispute, tell_thread
from bot.slack import ids
from bot.slack.forms import value
from bot.slack.kit import message_blocks
from bot.slack.modal_submission import Check, on_submit
from bot.slack.references import (
    DisputeRef,
    EscalateRef,
    RelationshipRef,
    SourceRef,
    Subject,
    carried,
    pressed,
    stored_id,
)
from bot.slack.refusals import explaining
from bot.slack.subcommands import Invocation, Subcommand
from bot.slack.turn import Turn, ack_silently, lazy
from stages import dispute_service, partner_view, relationship_service
from stages.dispute_service import DisputeChanged, DisputeRaised, SummaryMissing
from stages.disputes import SUMMARY_MAX, escalation_reason, free_text, summary
from stages.errors import InvalidInput, Problem, RelationshipNotFound, Stale
from stages.relationships import NAME_MAX

log = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:

    def chosen(view: dict[str, Any]) -> object:
        if not value(view, ids.BLOCK_RELATIONSHIP):
            raise InvalidInput([Problem(ids.BLOCK_RELATIONSHIP, "relationship_missing")])
        return None

    def required(block_id: str) -> Check:
        return lambda view: free_text(block_id, value(view, block_id), required=True)

    app.shortcut(ids.SHORTCUT_RAISE_DISPUTE)(ack=ack_silently, lazy=[lazy(deps, open_raise)])
    on_submit(
        app,
        deps,
        ids.VIEW_DISPUTE_RAISE,
        save_raise,
        chosen,
        lambda view: summary(value(view, ids.BLOCK_SUMMARY)),
        about=Subject.RELATIONSHIP,
    )
    app.action(ids.ACTION_DISPUTE_ACKNOWLEDGE)(ack=ack_silently, lazy=[lazy(deps, acknowledge)])
    app.action(ids.ACTION_DISPUTE_UPDATE)(ack=ack_silently, lazy=[lazy(deps, open_update)])
    app.action(ids.ACTION_DISPUTE_ESCALATE)(ack=ack_silently, lazy=[lazy(deps, open_escalate)])
    app.action(ids.ACTION_DISPUTE_RESOLVE)(ack=ack_silently, lazy=[lazy(deps, open_resolve)])
    on_submit(app, deps, ids.VIEW_DISPUTE_UPDATE, save_update, required(ids.BLOCK_UPDATE), about=Subject.DISPUTE)
    on_submit(
        app,
        deps,
        ids.VIEW_DISPUTE_ESCALATE,
        save_escalate,
        lambda view: escalation_reason(value(view, ids.BLOCK_REASON)),
        about=Subject.DISPUTE,
    )
    on_submit(
        app,
        deps,
        ids.VIEW_DISPUTE_RESOLVE,
        save_resolve,
        required(ids.BLOCK_RESOLUTION),
        required(ids.BLOCK_ROOT_CAUSE),
        about=Subject.DISPUTE,
    )


# ----- raising


def start_dispute(turn: Turn, invocation: Invocation) -> None:
    """`/accord dispute <relationship> <summary>`: the name is the longest run of leading words naming one."""
    with explaining(turn, about=Subject.RELATIONSHIP):
        try:
            outcome = dispute_service.raise_named(turn.uow(), invocation.argument, by=turn.user_id, now=turn.now())
        except InvalidInput as refused:  # the summary's problem, named as the summary's (a name was found)
            problem = refused.problems[0]
            limit, length = problem.params.get("limit", 0), problem.params.get("length", 0)
            said = turn.deps.copy.problem(problem)
            turn.tell(
                turn.deps.copy(
                    "disputes", "summary_refused", code=problem.code, problem=said, limit=limit, length=length
                )
            )
            return
        match outcome:
            case DisputeRaised():
                turn.tell(_post(turn, outcome))
            case SummaryMissing(relationship):
                turn.tell(turn.deps.copy("disputes", "no_summary", r=relationship))
            case _:
                assert_never(outcome)


def open_raise(turn: Turn) -> None:
    """The message shortcut: raise the message as a dispute, linked to it."""
    body = turn.body
    theirs = partner_view.partnered(turn.deps.partner_records(turn.team_id), turn.team_id, turn.user_id)
    relationships = relationship_service.list_relationships(turn.uow()) + theirs
    channel = body["channel"]["id"]
    if not relationships:
        turn.tell(turn.deps.copy("disputes", "no_relationships"), channel=channel)
        return
    message = body.get("message", {})
    link = turn.client.chat_getPermalink(channel=channel, message_ts=body["message_ts"])["permalink"]
    view = raise_modal(turn.deps.copy, relationships, message.get("text") or "", link)
    turn.client.views_open(trigger_id=body["trigger_id"], view=view)


def save_raise(turn: Turn) -> str:
    view = turn.body["view"]
    relationship_id = RelationshipRef.parse(value(view, ids.BLOCK_RELATIONSHIP)).relationship_id
    raising = partial(
        dispute_service.raise_dispute,
        relationship_id=relationship_id,
        by=turn.user_id,
        now=turn.now(),
        text=value(view, ids.BLOCK_SUMMARY),
        source_link=carried(view, SourceRef).link,
    )
    try:
        return _post(turn, raising(turn.uow()))
    except Stale:
        host = partner_view.host_of(
            turn.deps.partner_records(turn.team_id), turn.team_id, turn.user_id, relationship_id
        )
        if host is None:
            raise
    # One a partner runs, raised by one of the partner's people through their own organisation's Accord.
    return _post(turn, raising(host, organisation=turn.organisation), for_partner=True)


def _post(turn: Turn, raised: DisputeRaised, *, for_partner: bool = False) -> str:
    """Start the dispute's thread in its relationship's channel; the outcome says whether it could be.

    Raised `for_partner` (by the partner's people, through their own organisation's Accord), the thread is started
    by the running organisation's Accord, so that its buttons reach its records; the Home tabs it changed are
    drawn by that organisation's next nudge run."""
    copy = turn.deps.copy
    case, r = raised.case, raised.case.relationship
    if for_partner:
        client = turn.deps.clients(r.team_id) if turn.deps.clients is not None else None
    else:
        turn.draw_homes(raised.home_for)
        turn.learn(people=[case.dispute.owner_id])
        client = turn.client
    if client is None:
        return copy("disputes", "raised_not_posted", d=case.dispute, r=r)
    try:
        case = post_dispute(client, turn.deps, case)
    except SlackApiError as error:
        log.warning("could not post dispute %s in %s: %s", case.dispute.id, r.channel_id, error.response.get("error"))
        return copy("disputes", "raised_not_posted", d=case.dispute, r=r)
    return copy("disputes", "raised", d=case.dispute, r=r)


# ----- listing


def list_disputes(turn: Turn, invocation: Invocation) -> None:
    """`/accord disputes [relationship]`: the open disputes of the workspace's relationships, and of those partners
    run with its organisation that the person takes part in (their threads are in the partners' Slack)."""
    name = invocation.argument or None
    records = turn.deps.partner_records(turn.team_id)
    try:
        scope, cases = dispute_service.open_cases_named(turn.uow(), name)
        theirs = [] if name else partner_view.partner_disputes(records, turn.team_id, turn.user_id, None)[1]
    except RelationshipNotFound as ours:
        try:
            scope, theirs = partner_view.partner_disputes(records, turn.team_id, turn.user_id, name)
        except RelationshipNotFound:
            raise ours from None
        cases = []
    links = {}
    for case in cases[:48]:
        d = case.dispute
        if d.channel_id and d.thread_ts:
            links[stored_id(d.id)] = str(
                turn.client.chat_getPermalink(channel=d.channel_id, message_ts=d.thread_ts)["permalink"]
            )
    cases += theirs
    copy = turn.deps.copy
    blocks = message_blocks(list_blocks(copy, cases, links, turn.now(), scope, turn.deps.catalogue.cadences))
    turn.tell(copy("disputes", "list_title", count=len(cases), r=scope), blocks)


# ----- the thread's buttons and modals


def _dispute_id(turn: Turn) -> int:
    return pressed(turn.body, DisputeRef).dispute_id


def acknowledge(turn: Turn) -> None:
    with explaining(turn, about=Subject.DISPUTE):
        changed = dispute_service.acknowledge(
            turn.uow(), _dispute_id(turn), by=turn.user_id, organisation=turn.organisation, now=turn.now()
        )
        if changed is not None:
            _tell(turn, changed)
            turn.draw_homes(changed.home_for)


def open_escalate(turn: Turn) -> None:
    """Ask why, from the tier the person saw on the button: a button from before a move is refused at once."""
    with explaining(turn, about=Subject.DISPUTE):
        seen = pressed(turn.body, EscalateRef)
        case = dispute_service.escalation_form(
            turn.uow(), seen.dispute_id, by=turn.user_id, organisation=turn.organisation, seen_tier=seen.tier
        )
        level = turn.deps.catalogue.cadences.dispute_tier(case.dispute.tier + 1)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=escalate_modal(turn.deps.copy, case, level))


def save_escalate(turn: Turn) -> str:
    view = turn.body["view"]
    seen = carried(view, EscalateRef)
    changed = dispute_service.escalate(
        turn.uow(),
        seen.dispute_id,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
        from_tier=seen.tier,
        reason=value(view, ids.BLOCK_REASON),
    )
    _tell(turn, changed)
    turn.draw_homes(changed.home_for)
    d = changed.case.dispute
    turn.learn(people=[d.owner_id])
    level = turn.deps.catalogue.cadences.dispute_tier(d.tier)
    return turn.deps.copy("disputes", "escalate_saved", d=d, level=level)


def open_update(turn: Turn) -> None:
    with explaining(turn, about=Subject.DISPUTE):
        case = dispute_service.update_form(turn.uow(), _dispute_id(turn), organisation=turn.organisation)
        view = update_modal(turn.deps.copy, case)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=view)


def open_resolve(turn: Turn) -> None:
    with explaining(turn, about=Subject.DISPUTE):
        open_resolve_form(turn, _dispute_id(turn))


def open_resolve_form(turn: Turn, dispute_id: int) -> None:
    """The resolve form, for those who may resolve the dispute (also what a dispute nudge's button opens)."""
    with explaining(turn, about=Subject.DISPUTE):
        case = dispute_service.resolution_form(turn.uow(), dispute_id, by=turn.user_id, organisation=turn.organisation)
        turn.client.views_open(trigger_id=turn.body["trigger_id"], view=resolve_modal(turn.deps.copy, case))


def save_update(turn: Turn) -> str:
    view = turn.body["view"]
    changed = dispute_service.add_update(
        turn.uow(),
        carried(view, DisputeRef).dispute_id,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
        text=value(view, ids.BLOCK_UPDATE),
    )
    if changed is None:
        return turn.deps.copy("commands", "nothing_changed")
    _tell(turn, changed)
    turn.draw_homes(changed.home_for)
    return turn.deps.copy("disputes", "update_saved", d=changed.case.dispute)


def save_resolve(turn: Turn) -> str:
    view = turn.body["view"]
    changed = dispute_service.resolve(
        turn.uow(),
        carried(view, DisputeRef).dispute_id,
        by=turn.user_id,
        organisation=turn.organisation,
        now=turn.now(),
        resolution=value(view, ids.BLOCK_RESOLUTION),
        root_cause=value(view, ids.BLOCK_ROOT_CAUSE),
    )
    if changed is None:
        return turn.deps.copy("commands", "nothing_changed")
    turn.draw_homes(changed.home_for)
    _tell(turn, changed)
    return turn.deps.copy("disputes", "resolve_saved", d=changed.case.dispute)


def _tell(turn: Turn, changed: DisputeChanged) -> None:
    tell_thread(turn.client, turn.deps, changed.case, changed.told, turn.user_id, changed.text)


SUBCOMMANDS = [
    # The argument holds the relationship's name and the dispute's summary.
    Subcommand(
        "dispute",
        "<relationship> <summary>",
        required=True,
        handler=start_dispute,
        max_length=NAME_MAX + 1 + SUMMARY_MAX,  # the longest name, a space and the longest summary
    ),
    Subcommand("disputes", "<relationship>", handler=list_disputes),
]
