"""The plan in Slack: a summary beside the uploaded document, and the changes between its last two versions."""

from datetime import date

from slack_sdk.models.blocks import Block

from bot.slack.kit import MESSAGE_BLOCK_LIMIT, context, header, section
from bot.slack.wording import Copy
from stages.relationships import Relationship
from stages.rmp import Plan, VersionDiff

CHANGES_SHOWN = 40
CHANGES_PER_SECTION = 10


def summary_blocks(copy: Copy, plan: Plan, today: date) -> list[Block]:
    r = plan.relationship
    return [
        header(copy.plain("plan_summary", "title", r=r)),
        section(copy("plan_summary", "summary", plan=plan, today=today)),
        section(copy("plan_summary", "facts", plan=plan, today=today)),
        section(copy("plan_summary", "open_items", plan=plan)),
        context(copy("plan_summary", "footer", plan=plan)),
    ]


def diff_blocks(copy: Copy, relationship: Relationship, diff: VersionDiff) -> list[Block]:
    blocks: list[Block] = [header(copy.plain("plan_summary", "diff_title", r=relationship))]
    if diff.newer is None:
        return [*blocks, section(copy("plan_summary", "diff_none", r=relationship))]
    if diff.older is None:
        return [*blocks, section(copy("plan_summary", "diff_first", v=diff.newer))]
    blocks.append(context(copy("plan_summary", "diff_versions", older=diff.older, newer=diff.newer)))
    if not diff.changes:
        return [*blocks, section(copy("plan_summary", "diff_empty"))]
    lines = [copy("plan_summary", "change", c=change) for change in diff.changes[:CHANGES_SHOWN]]
    for start in range(0, len(lines), CHANGES_PER_SECTION):
        blocks.append(section("\n".join(lines[start : start + CHANGES_PER_SECTION])))
    if len(diff.changes) > CHANGES_SHOWN:
        blocks.append(context(copy("plan_summary", "diff_more", count=len(diff.changes) - CHANGES_SHOWN)))
    return blocks[:MESSAGE_BLOCK_LIMIT]
