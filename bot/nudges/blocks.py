"""The direct message that gathers everything due for one person, with a way to act on each and to snooze it."""

from datetime import date

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.slack import ids
from bot.slack.kit import MESSAGE_BLOCK_LIMIT, context, header, plain, section
from bot.slack.wording import Copy
from stages.nudges import NudgeKind, QueuedNudge

SNOOZE_DAYS = (1, 7)
_OPEN = {
    NudgeKind.REVIEW: ids.ACTION_OPEN_REVIEW,
    NudgeKind.EXIT_REVIEW: ids.ACTION_OPEN_EXIT,
    NudgeKind.DISPUTE: ids.ACTION_DISPUTE_RESOLVE,
    NudgeKind.DISPUTE_ESCALATED: ids.ACTION_DISPUTE_RESOLVE,
}


def snooze_action(days: int) -> str:
    """Unique among the buttons of one nudge's block, as Slack requires."""
    return f"{ids.ACTION_SNOOZE}:{days}"


def snooze_value(nudge: QueuedNudge, days: int) -> str:
    return f"{days}|{nudge.kind.value}|{nudge.subject}"


def read_snooze(value: str) -> tuple[int, NudgeKind, str]:
    days, kind, subject = value.split("|", 2)
    return int(days), NudgeKind(kind), subject


def days_since(nudge: QueuedNudge, today: date) -> int:
    """How overdue (reviews) or how old (disputes) the subject is on the day the message goes out."""
    since = nudge.detail.get("raised") or nudge.detail.get("due")
    return (today - date.fromisoformat(str(since))).days if since else 0


def dm_blocks(copy: Copy, nudges: list[QueuedNudge], today: date) -> list[Block]:
    blocks: list[Block] = [header(copy("nudges", "header"))]
    room = (MESSAGE_BLOCK_LIMIT - len(blocks) - 1) // 2
    for nudge in nudges[:room]:
        target = (
            nudge.subject
            if nudge.kind in (NudgeKind.DISPUTE, NudgeKind.DISPUTE_ESCALATED)
            else str(nudge.relationship_id)
        )
        buttons = [
            ButtonElement(
                text=plain(copy("nudges", "open_button", kind=nudge.kind.value)),
                action_id=_OPEN[nudge.kind],
                value=target,
                style="primary",
            )
        ]
        buttons += [
            ButtonElement(
                text=plain(copy("nudges", "snooze_button", days=days)),
                action_id=snooze_action(days),
                value=snooze_value(nudge, days),
            )
            for days in SNOOZE_DAYS
        ]
        item = copy("nudges", "item", n=nudge, days=days_since(nudge, today))
        blocks += [section(item), ActionsBlock(block_id=f"nudge:{nudge.id}", elements=buttons)]
    if len(nudges) > room:
        blocks.append(context(copy("nudges", "more", count=len(nudges) - room)))
    return blocks
