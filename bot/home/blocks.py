"""The App Home tab for one person: what needs them, what is assigned to them, and what they lead."""

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, PlainTextObject
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.item_buttons import answer_buttons
from bot.slack.kit import VIEW_BLOCK_LIMIT, context, divider, header, plain, section, view_blocks
from bot.slack.references import (
    ActionRef,
    DisputeRef,
    GateRef,
    IdeaKeepRef,
    IdeaMoveRef,
    ItemRef,
    RelationshipRef,
    RiskReviewRef,
    RoundRef,
    stored_id,
)
from bot.slack.wording import Copy
from stages.attention import Attention, Led
from stages.catalogue import Catalogue
from stages.partner_view import Standing


def home_view(
    copy: Copy,
    user_id: str,
    summary: Attention,
    catalogue: Catalogue,
    now: datetime,
    partnered: Sequence[Standing] = (),
) -> View:
    """The person's Home tab; `partnered`: the joint relationships partners run with their organisation that they
    take part in (acted on in the shared channel, so shown without buttons)."""
    today = now.date()
    blocks = _Budget(VIEW_BLOCK_LIMIT, copy)
    blocks.add(
        header(copy.plain("home", "title")),
        section(copy("home", "intro", user_id=user_id)),
        ActionsBlock(
            elements=[ButtonElement(text=_label(copy, "new"), action_id=ids.ACTION_OPEN_NEW, style="primary")]
        ),
        divider(),
        section(copy("home", "attention_title")),
    )
    needs = 0
    for led in summary.awaiting_sign_off:
        button = ButtonElement(
            text=_label(copy, "sign_off"),
            action_id=ids.ACTION_SIGN_OFF,
            value=GateRef(stored_id(led.checkin.id if led.checkin else None), led.rounds).encode(),
            style="primary",
        )
        needs += blocks.add(section(copy("home", "ready", led=led), accessory=button))
    for led in summary.led:
        if led.relationship.review_overdue(today):
            needs += blocks.add(
                section(
                    copy("home", "overdue", r=led.relationship),
                    accessory=_open(copy, ids.ACTION_OPEN_REVIEW, "review", led),
                )
            )
        if led.relationship.exit_review_due(today):
            needs += blocks.add(
                section(
                    copy("home", "exit_due", r=led.relationship),
                    accessory=_open(copy, ids.ACTION_OPEN_EXIT, "exit", led),
                )
            )
    for waiting in summary.health_checks:
        button = ButtonElement(
            text=_label(copy, "health"),
            action_id=ids.ACTION_HEALTH_ANSWER,
            value=RoundRef(stored_id(waiting.health_round.id)).encode(),
            style="primary",
        )
        needs += blocks.add(
            section(copy("home", "health_waiting", r=waiting.relationship, h=waiting.health_round), accessory=button)
        )
    for due in summary.risk_reviews:
        button = ButtonElement(
            text=_label(copy, "risk_review"),
            action_id=ids.ACTION_RISK_REVIEW,
            value=RiskReviewRef(stored_id(due.risk.id), due.risk.next_review).encode(),
        )
        needs += blocks.add(
            section(copy("home", "risk_review_due", risk=due.risk, r=due.relationship), accessory=button)
        )
    for late in summary.overdue_actions:
        button = ButtonElement(
            text=_label(copy, "complete_action"),
            action_id=ids.ACTION_ACTION_COMPLETE,
            value=ActionRef(stored_id(late.action.id)).encode(),
        )
        line = copy("home", "action_overdue", a=late.action, r=late.relationship, days=late.action.days_overdue(now))
        needs += blocks.add(section(line, accessory=button))
    for stale in summary.stale_ideas:
        idea = stale.idea
        buttons = [
            ButtonElement(
                text=_label(copy, "idea_keep"),
                action_id=ids.ACTION_IDEA_KEEP,
                value=IdeaKeepRef(stored_id(idea.id), idea.moved_on).encode(),
                style="primary",
            ),
            ButtonElement(
                text=_label(copy, "idea_drop"),
                action_id=ids.ACTION_IDEA_DROP,
                value=IdeaMoveRef(stored_id(idea.id), idea.status).encode(),
            ),
        ]
        needs += blocks.add(
            section(copy("home", "idea_stale", idea=idea, r=stale.relationship)),
            ActionsBlock(block_id=f"idea_stale:{stored_id(idea.id)}", elements=buttons),
        )
    for meeting in summary.meetings_due:
        button = ButtonElement(
            text=_label(copy, "meeting"),
            action_id=ids.ACTION_MEETING_RECORD,
            value=RelationshipRef(stored_id(meeting.relationship.id)).encode(),
        )
        words = copy("home", "meeting_due", r=meeting.relationship, due=meeting.due)
        needs += blocks.add(section(words, accessory=button))
    for nudge in summary.failed_nudges:
        needs += blocks.add(section(copy("home", "failed_nudge", n=nudge)))
    if not needs:
        blocks.add(context(copy("home", "nothing_needed")))

    if summary.disputes:
        blocks.add(divider(), section(copy("home", "disputes_title", count=len(summary.disputes))))
        for position, case in enumerate(summary.disputes):
            deadline = case.dispute.tier_deadline(catalogue.cadences)
            level = catalogue.cadences.dispute_tier(case.dispute.tier)
            button = ButtonElement(
                text=_label(copy, "resolve"),
                action_id=ids.ACTION_DISPUTE_RESOLVE,
                value=DisputeRef(stored_id(case.dispute.id)).encode(),
            )
            if not blocks.add(
                section(
                    copy("home", "dispute_line", c=case, now=now, deadline=deadline, level=level), accessory=button
                ),
                keep=6,
            ):
                blocks.more(len(summary.disputes) - position)
                break

    blocks.add(divider(), section(copy("home", "assigned_title", count=len(summary.assigned))))
    if not summary.assigned:
        blocks.add(context(copy("home", "none_assigned")))
    for position, a in enumerate(summary.assigned):
        parts: list[Block] = [section(copy("home", "assigned_item", a=a))]
        if a.checkin is not None and a.checkin.id is not None:
            state = copy("checkins", "item_state", state=a.state, item=a.item, notes=0, withheld=False)
            parts += [
                context(f"{copy('home', 'assigned_where', a=a)} · {state}"),
                answer_buttons(copy, ItemRef(a.checkin.id, a.item.id), a.state.assignee_id),
            ]
        else:
            parts.append(context(copy("home", "no_checkin", a=a)))
        if not blocks.add(*parts, keep=3):
            blocks.more(len(summary.assigned) - position)
            break

    blocks.add(divider(), section(copy("home", "led_title")))
    if not summary.led:
        blocks.add(section(copy("home", "none_led")))
    for position, led in enumerate(summary.led):
        r = led.relationship
        role = "owner" if r.owner_id == user_id else "executive sponsor"
        line = copy(
            "home",
            "led_line",
            led=led,
            phase=catalogue.phase_of(r.stage),
            role=role,
            overdue=r.review_overdue(today),
            health=summary.health.get(r.id or 0),
        )
        if not blocks.add(section(line), keep=1):
            blocks.more(len(summary.led) - position)
            break
    if partnered:
        blocks.add(divider(), section(copy("home", "partnered_title", count=len(partnered))))
        for position, standing in enumerate(partnered):
            r = standing.relationship
            line = copy("home", "partnered_line", standing=standing, stage=catalogue.stage(r.stage))
            if not blocks.add(section(line)):
                blocks.more(len(partnered) - position)
                break
    return View(type="home", blocks=view_blocks(blocks.blocks))


def _open(copy: Copy, action_id: str, action: str, led: Led) -> ButtonElement:
    value = RelationshipRef(stored_id(led.relationship.id)).encode()
    return ButtonElement(text=_label(copy, action), action_id=action_id, value=value)


def _label(copy: Copy, action: str) -> PlainTextObject:
    return plain(copy.plain("home", "button", action=action))


class _Budget:
    """Blocks within a view's limit, always keeping room to say how many were left out."""

    def __init__(self, limit: int, copy: Copy) -> None:
        self.limit = limit
        self.copy = copy
        self.blocks: list[Block] = []

    def add(self, *blocks: Block, keep: int = 0) -> int:
        """Add the blocks if they fit, leaving `keep` blocks free (for later sections); how many were added."""
        if len(self.blocks) + len(blocks) > self.limit - keep - 1:
            return 0
        self.blocks.extend(blocks)
        return len(blocks)

    def more(self, count: int) -> None:
        self.blocks.append(context(self.copy("home", "more", count=count)))
