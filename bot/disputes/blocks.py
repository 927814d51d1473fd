"""A dispute's thread parent with its buttons, the modals to raise, update and resolve it, and the list."""

from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, Option, StaticSelectElement
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.forms import INPUT, field, form, text_input
from bot.slack.kit import MESSAGE_BLOCK_LIMIT, context, header, plain, section
from bot.slack.wording import Copy
from stages import disputes
from stages.catalogue import Cadences
from stages.dispute_service import Case
from stages.disputes import DisputeMovedOn
from stages.relationships import Relationship

RELATIONSHIP_OPTIONS = 100  # Slack's limit for a static select


def read_dispute_value(value: str | None) -> int:
    """The dispute a button is about; `DisputeMovedOn` for anything that is not one of ours."""
    if not value or not value.isdigit():
        raise DisputeMovedOn(f"unreadable dispute button value {value!r}")
    return int(value)


def escalate_value(dispute_id: int | None, tier: int) -> str:
    """The Escalate button carries the tier it was shown at, so a second press or an old message moves nothing."""
    return f"{dispute_id}@{tier}"


def read_escalate_value(value: str | None) -> tuple[int, int]:
    """The dispute and the tier the person saw it at; `DisputeMovedOn` for anything that is not one of ours."""
    dispute, at, tier = (value or "").partition("@")
    if not at or not tier.isdigit():
        raise DisputeMovedOn(f"unreadable escalate button value {value!r}")
    return read_dispute_value(dispute), int(tier)


def thread_blocks(copy: Copy, case: Case, cadences: Cadences) -> list[Block]:
    d, r = case.dispute, case.relationship
    blocks: list[Block] = [
        header(copy.plain("disputes", "title", d=d, r=r)),
        section(copy("disputes", "summary", d=d)),
        context(copy("disputes", "facts", d=d, deadline=d.tier_deadline(cadences))),
        section(copy("disputes", "state", d=d)),
    ]
    if d.open:
        buttons = []
        if d.acknowledged_at is None:
            buttons.append(_button(copy, "acknowledge", ids.ACTION_DISPUTE_ACKNOWLEDGE, str(d.id)))
        buttons.append(_button(copy, "update", ids.ACTION_DISPUTE_UPDATE, str(d.id)))
        if d.tier < disputes.TOP_TIER:
            buttons.append(_button(copy, "escalate", ids.ACTION_DISPUTE_ESCALATE, escalate_value(d.id, d.tier)))
        buttons.append(_button(copy, "resolve", ids.ACTION_DISPUTE_RESOLVE, str(d.id), style="primary"))
        blocks.append(ActionsBlock(block_id="dispute", elements=buttons))
    return blocks


def _button(copy: Copy, action: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(
        text=plain(copy.plain("disputes", "button", action=action)), action_id=action_id, value=value, style=style
    )


def list_blocks(
    copy: Copy, cases: list[Case], links: dict[int, str], now: datetime, scope: Relationship | None
) -> list[Block]:
    if not cases:
        return [section(copy("disputes", "list_empty", r=scope))]
    blocks: list[Block] = [header(copy.plain("disputes", "list_title", count=len(cases), r=scope))]
    room = MESSAGE_BLOCK_LIMIT - 2
    for case in cases[:room]:
        blocks.append(section(copy("disputes", "list_line", c=case, now=now, link=links.get(case.dispute.id or 0))))
    if len(cases) > room:
        blocks.append(context(copy("relationships", "list_more", count=len(cases) - room)))
    return blocks


def raise_modal(copy: Copy, relationships: list[Relationship], text: str, source_link: str | None) -> View:
    options = [Option(value=str(r.id), label=r.name[:75]) for r in relationships[:RELATIONSHIP_OPTIONS]]
    blocks: list[Block] = [
        section(copy("disputes", "raise_intro")),
        field(copy, "disputes", ids.BLOCK_RELATIONSHIP, StaticSelectElement(action_id=INPUT, options=options)),
        field(copy, "disputes", ids.BLOCK_SUMMARY, text_input(disputes.SUMMARY_MAX, text[: disputes.SUMMARY_MAX])),
    ]
    return form(copy, "disputes", ids.VIEW_DISPUTE_RAISE, "raise_title", blocks, {"link": source_link})


def update_modal(copy: Copy, case: Case) -> View:
    blocks: list[Block] = [
        section(copy("disputes", "about", d=case.dispute)),
        field(copy, "disputes", ids.BLOCK_UPDATE, text_input(disputes.TEXT_MAX)),
    ]
    return form(copy, "disputes", ids.VIEW_DISPUTE_UPDATE, "update_title", blocks, {"dispute": case.dispute.id})


def resolve_modal(copy: Copy, case: Case) -> View:
    blocks: list[Block] = [
        section(copy("disputes", "about", d=case.dispute)),
        field(copy, "disputes", ids.BLOCK_RESOLUTION, text_input(disputes.TEXT_MAX)),
        field(copy, "disputes", ids.BLOCK_ROOT_CAUSE, text_input(disputes.TEXT_MAX)),
    ]
    return form(copy, "disputes", ids.VIEW_DISPUTE_RESOLVE, "resolve_title", blocks, {"dispute": case.dispute.id})
