"""The direct message that gathers everything due for one person, with a way to act on each and to snooze it."""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import assert_never

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.nudges.references import SNOOZE_DAYS, NudgeRef, SnoozeChoice
from bot.nudges.updates import item_block_id
from bot.slack import ids
from bot.slack.kit import MESSAGE_BLOCK_LIMIT, context, header, plain, section
from bot.slack.references import stored_id
from bot.slack.wording import Copy, web_address
from stages.nudges import Nudge, NudgeKind, QueuedNudge


def in_thread(kind: NudgeKind) -> bool:
    """Whether a kind of nudge is posted in its dispute's thread rather than in a person's direct messages."""
    match kind:
        case NudgeKind.DISPUTE_THREAD:
            return True
        case (
            NudgeKind.REVIEW
            | NudgeKind.EXIT_REVIEW
            | NudgeKind.DISPUTE
            | NudgeKind.DISPUTE_ESCALATED
            | NudgeKind.SPONSOR_NAMED
            | NudgeKind.OWNER_NAMED
            | NudgeKind.ITEM_ASSIGNED
            | NudgeKind.EXIT_REVIEWED_WITH
            | NudgeKind.HEALTH_CHECK
            | NudgeKind.HEALTH_DUE
            | NudgeKind.MEETING_DUE
            | NudgeKind.ACTION_OVERDUE
            | NudgeKind.RISK_REVIEW
            | NudgeKind.IDEA_STALE
        ):
            return False
        case unknown:
            assert_never(unknown)


def one_per_subject(nudges: Sequence[QueuedNudge]) -> list[QueuedNudge]:
    """The nudges a message shows: one per thing it is about, though several reminders of it (to the owner and to
    the sponsor who are one person, or one held back for working hours and the next) went out together. The
    lowest tier is the recipient's own part in it; of those, the latest."""
    chosen: dict[tuple[str, str], QueuedNudge] = {}
    for nudge in nudges:
        key = (_subject_kind(nudge.kind), nudge.subject)
        held = chosen.get(key)
        if held is None or (nudge.tier, -(nudge.id or 0)) < (held.tier, -(held.id or 0)):
            chosen[key] = nudge
    return list(chosen.values())


def _subject_kind(kind: NudgeKind) -> str:
    """What kind of thing a nudge is about: a dispute's nudges are about one dispute, whatever their kind."""
    match kind:
        case (
            NudgeKind.REVIEW
            | NudgeKind.EXIT_REVIEW
            | NudgeKind.SPONSOR_NAMED
            | NudgeKind.OWNER_NAMED
            | NudgeKind.ITEM_ASSIGNED
            | NudgeKind.EXIT_REVIEWED_WITH
            | NudgeKind.HEALTH_CHECK
            | NudgeKind.HEALTH_DUE
            | NudgeKind.MEETING_DUE
            | NudgeKind.ACTION_OVERDUE
            | NudgeKind.RISK_REVIEW
            | NudgeKind.IDEA_STALE
        ):
            return kind.value
        case NudgeKind.DISPUTE | NudgeKind.DISPUTE_ESCALATED | NudgeKind.DISPUTE_THREAD:
            return "dispute"
        case unknown:
            assert_never(unknown)


def open_button(nudge: QueuedNudge) -> tuple[str, str]:
    """The action and value of the button that takes the person to what the nudge is about. It names the nudge,
    not the subject, so that a press after the subject was settled elsewhere is told what became of it."""
    if in_thread(nudge.kind):
        raise ValueError(f"nudge {nudge.id} is told in its dispute's thread, not in a direct message")
    return ids.ACTION_NUDGE_OPEN, NudgeRef(stored_id(nudge.id)).encode()


def has_other_button(kind: NudgeKind) -> bool:
    """Whether a nudge offers a second way to settle it beside its first button (a stale idea: Keep going, or
    Drop)."""
    return kind is NudgeKind.IDEA_STALE


def snooze_action(days: int) -> str:
    """Unique among the buttons of one nudge's block, as Slack requires."""
    return f"{ids.ACTION_SNOOZE}:{days}"


def days_since(nudge: Nudge | QueuedNudge, today: date) -> int:
    """How overdue (reviews) or how old (disputes) the subject is on the day the message goes out."""
    since = nudge.detail.get("raised") or nudge.detail.get("due")
    return (today - date.fromisoformat(str(since))).days if since else 0


def item_blocks(copy: Copy, nudge: QueuedNudge, today: date) -> list[Block]:
    """One nudge's text and buttons, its words found by its kind's name; raises whatever keeps it from being
    shown (no wording for its kind, a detail it lacks or cannot read)."""
    if nudge.id is None:
        raise ValueError("a nudge that is not in the outbox has no buttons")
    if nudge.kind.notice:
        return notice_blocks(copy, nudge, nudge.id)
    action_id, target = open_button(nudge)
    buttons = [
        ButtonElement(
            text=plain(copy.plain("nudges", f"open_{nudge.kind.value}")),
            action_id=action_id,
            value=target,
            style="primary",
        )
    ]
    if has_other_button(nudge.kind):
        buttons.append(
            ButtonElement(
                text=plain(copy.plain("nudges", f"other_{nudge.kind.value}")),
                action_id=ids.ACTION_NUDGE_OTHER,
                value=target,
            )
        )
    buttons += [
        ButtonElement(
            text=plain(copy.plain("nudges", "snooze_button", days=days)),
            action_id=snooze_action(days),
            value=SnoozeChoice(nudge.id, days).encode(),
        )
        for days in SNOOZE_DAYS
    ]
    facts: dict[str, object] = {"n": nudge, "days": days_since(nudge, today)}
    if "due" in nudge.detail:  # as a date, so the words show it as people write it
        facts["due"] = date.fromisoformat(str(nudge.detail["due"]))
    item = copy("nudges", f"item_{nudge.kind.value}", **facts)
    return [section(item), ActionsBlock(block_id=item_block_id(nudge.id), elements=buttons)]


def notice_blocks(copy: Copy, nudge: QueuedNudge, nudge_id: int) -> list[Block]:
    """A notice's text, with a button to the check-in thread it points to (a checked https address): a notice is
    told once and asks nothing due, so it has no snooze."""
    blocks: list[Block] = [section(copy("nudges", f"item_{nudge.kind.value}", n=nudge))]
    link = web_address(str(nudge.detail.get("link", "")))
    if link:
        button = ButtonElement(
            text=plain(copy.plain("nudges", f"open_{nudge.kind.value}")), action_id=ids.ACTION_OPEN_THREAD, url=link
        )
        blocks.append(ActionsBlock(block_id=item_block_id(nudge_id), elements=[button]))
    return blocks


def mention_blocks(copy: Copy, named: Mapping[str, Sequence[list[Block]]]) -> list[Block]:
    """One message in a shared channel for the partner's people there: each named, with their nudges' `item_blocks`,
    as many as Slack takes."""
    blocks: list[Block] = [header(copy.plain("nudges", "header", only_notices=False))]
    for person, items in named.items():
        mine = [section(copy("nudges", "mention_for", recipient=person)), *(block for item in items for block in item)]
        if len(blocks) + len(mine) > MESSAGE_BLOCK_LIMIT - 1:
            blocks.append(context(copy("nudges", "mention_more")))
            break
        blocks += mine
    return blocks


def dm_blocks(copy: Copy, items: Sequence[list[Block]], *, only_notices: bool) -> list[Block]:
    """The message of several nudges' `item_blocks`, as many as Slack takes; the rest are on the Home tab. Its
    header says what it holds: things that need the reader, or `only_notices` of what is new for them."""
    blocks: list[Block] = [header(copy.plain("nudges", "header", only_notices=only_notices))]
    room = (MESSAGE_BLOCK_LIMIT - len(blocks) - 1) // 2
    for item in items[:room]:
        blocks += item
    if len(items) > room:
        blocks.append(context(copy("nudges", "more", count=len(items) - room)))
    return blocks
