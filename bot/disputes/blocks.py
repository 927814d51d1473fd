"""A dispute's thread parent with its buttons, the modals to raise, update and resolve it, and the list."""

from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, Option, StaticSelectElement
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.action_buttons import add_button
from bot.slack.forms import INPUT, field, form, text_input
from bot.slack.kit import MESSAGE_BLOCK_LIMIT, context, header, plain, section
from bot.slack.references import DisputeRef, EscalateRef, RelationshipRef, SourceRef, stored_id
from bot.slack.wording import Copy
from stages import disputes
from stages.actions import ActionSource
from stages.catalogue import Cadences, DisputeTier
from stages.dispute_service import Case
from stages.disputes import tier_owner
from stages.relationships import Relationship

RELATIONSHIP_OPTIONS = 100  # Slack's limit for a static select


def thread_blocks(copy: Copy, case: Case, cadences: Cadences) -> list[Block]:
    d, r = case.dispute, case.relationship
    blocks: list[Block] = [
        header(copy.plain("disputes", "title", d=d, r=r)),
        section(copy("disputes", "summary", d=d)),
        context(
            copy("disputes", "facts", d=d, deadline=d.tier_deadline(cadences), level=cadences.dispute_tier(d.tier))
        ),
        section(copy("disputes", "state", d=d)),
    ]
    if d.open:
        dispute_id = stored_id(d.id)
        this = DisputeRef(dispute_id).encode()
        buttons = []
        if d.acknowledged_at is None:
            buttons.append(_button(copy, "acknowledge", ids.ACTION_DISPUTE_ACKNOWLEDGE, this))
        buttons.append(_button(copy, "update", ids.ACTION_DISPUTE_UPDATE, this))
        if d.tier < disputes.TOP_TIER:
            escalate = EscalateRef(dispute_id, d.tier).encode()
            buttons.append(_button(copy, "escalate", ids.ACTION_DISPUTE_ESCALATE, escalate))
        buttons.append(_button(copy, "resolve", ids.ACTION_DISPUTE_RESOLVE, this, style="primary"))
        blocks.append(ActionsBlock(block_id="dispute", elements=buttons))
    elif d.resolved_at is not None:  # what was agreed to settle it, to follow through
        follow_up = add_button(copy, r, ActionSource.DISPUTE, stored_id(d.id))
        blocks.append(ActionsBlock(block_id="dispute_resolved", elements=[follow_up]))
    return blocks


def _button(copy: Copy, action: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=plain(copy.plain("disputes", "button", action=action)), action_id=action_id, value=value, style=style
    )


def list_blocks(
    copy: Copy,
    cases: list[Case],
    links: dict[int, str],
    now: datetime,
    scope: Relationship | None,
    cadences: Cadences,
) -> list[Block]:
    if not cases:
        return [section(copy("disputes", "list_empty", r=scope))]
    blocks: list[Block] = [header(copy.plain("disputes", "list_title", count=len(cases), r=scope))]
    room = MESSAGE_BLOCK_LIMIT - 2
    for case in cases[:room]:
        blocks.append(
            section(
                copy(
                    "disputes",
                    "list_line",
                    c=case,
                    now=now,
                    link=links.get(stored_id(case.dispute.id)),
                    level=cadences.dispute_tier(case.dispute.tier),
                )
            )
        )
    if len(cases) > room:
        blocks.append(context(copy("relationships", "list_more", count=len(cases) - room)))
    return blocks


def raise_modal(copy: Copy, relationships: list[Relationship], text: str, source_link: str | None) -> View:
    options = [
        Option(value=RelationshipRef(stored_id(r.id)).encode(), label=r.name[:75])
        for r in relationships[:RELATIONSHIP_OPTIONS]
    ]
    blocks: list[Block] = [
        section(copy("disputes", "raise_intro")),
        field(copy, "disputes", ids.BLOCK_RELATIONSHIP, StaticSelectElement(action_id=INPUT, options=options)),
        field(copy, "disputes", ids.BLOCK_SUMMARY, text_input(disputes.SUMMARY_MAX, text[: disputes.SUMMARY_MAX])),
    ]
    return form(copy, "disputes", ids.VIEW_DISPUTE_RAISE, "raise_title", blocks, SourceRef(source_link))


def update_modal(copy: Copy, case: Case) -> View:
    blocks: list[Block] = [
        section(copy("disputes", "about", d=case.dispute)),
        field(copy, "disputes", ids.BLOCK_UPDATE, text_input(disputes.TEXT_MAX)),
    ]
    return form(
        copy, "disputes", ids.VIEW_DISPUTE_UPDATE, "update_title", blocks, DisputeRef(stored_id(case.dispute.id))
    )


def escalate_modal(copy: Copy, case: Case, level: DisputeTier) -> View:
    """Why the dispute goes up a tier; the form carries the tier it was shown at, so it moves it only from there."""
    d = case.dispute
    blocks: list[Block] = [
        section(copy("disputes", "escalate_intro", d=d, level=level, owner=tier_owner(d.tier + 1, case.relationship))),
        field(copy, "disputes", ids.BLOCK_REASON, text_input(disputes.ESCALATION_REASON_MAX)),
    ]
    reference = EscalateRef(stored_id(d.id), d.tier)
    return form(copy, "disputes", ids.VIEW_DISPUTE_ESCALATE, "escalate_title", blocks, reference, submit="escalate")


def resolve_modal(copy: Copy, case: Case) -> View:
    blocks: list[Block] = [
        section(copy("disputes", "about", d=case.dispute)),
        field(copy, "disputes", ids.BLOCK_RESOLUTION, text_input(disputes.TEXT_MAX)),
        field(copy, "disputes", ids.BLOCK_ROOT_CAUSE, text_input(disputes.TEXT_MAX)),
    ]
    return form(
        copy, "disputes", ids.VIEW_DISPUTE_RESOLVE, "resolve_title", blocks, DisputeRef(stored_id(case.dispute.id))
    )
