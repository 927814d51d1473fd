"""The plan in Slack: a summary beside the uploaded document, and the changes between its last two versions."""

from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import Block

from bot.records.plan_document import human_date
from bot.slack.kit import MESSAGE_BLOCK_LIMIT, context, header, section
from bot.slack.wording import Copy
from stages.directory import Names
from stages.relationships import Relationship
from stages.rmp import Change, Plan, VersionDiff

CHANGES_SHOWN = 40
CHANGES_PER_SECTION = 10

PEOPLE_FIELDS = {
    "owner_id",
    "sponsor_id",
    "signed_off_by",
    "assignee",
    "reviewed_by",
    "saved_by",
    "reviewed_with",
    "given_by",
}
DATE_FIELDS = {"next_review_due", "next_exit_review_due", "last_reviewed_at", "reviewed_at", "saved_at", "given_at"}
FIELD_LABELS = {
    "owner_id": "owner",
    "sponsor_id": "executive sponsor",
    "channel_id": "channel",
    "review_cadence_days": "review cadence (days)",
    "next_exit_review_due": "next exit strategy review due",
    "evidence_url": "evidence link",
    "done": "items done",
}
STATUS_WORDS = {"open": "Open", "in_progress": "In progress", "done": "Done", "not_applicable": "Not applicable"}


def summary_blocks(copy: Copy, plan: Plan, today: date) -> list[Block]:
    r = plan.relationship
    return [
        header(copy.plain("plan_summary", "title", r=r)),
        section(copy("plan_summary", "summary", plan=plan, today=today)),
        section(copy("plan_summary", "facts", plan=plan, today=today)),
        section(copy("plan_summary", "open_items", plan=plan)),
        context(copy("plan_summary", "footer", plan=plan)),
    ]


def diff_blocks(copy: Copy, relationship: Relationship, diff: VersionDiff, names: Names) -> list[Block]:
    blocks: list[Block] = [header(copy.plain("plan_summary", "diff_title", r=relationship))]
    if diff.newer is None:
        return [*blocks, section(copy("plan_summary", "diff_none", r=relationship))]
    if diff.older is None:
        return [*blocks, section(copy("plan_summary", "diff_first", v=diff.newer, person=names.person))]
    blocks.append(
        context(copy("plan_summary", "diff_versions", older=diff.older, newer=diff.newer, person=names.person))
    )
    every = [copy("plan_summary", "dispute_steps", d=steps) for steps in diff.disputes]
    every += [_change_line(copy, change, names) for change in diff.changes]
    if not every:
        return [*blocks, section(copy("plan_summary", "diff_empty"))]
    lines = every[:CHANGES_SHOWN]
    for start in range(0, len(lines), CHANGES_PER_SECTION):
        blocks.append(section("\n".join(lines[start : start + CHANGES_PER_SECTION])))
    if len(every) > CHANGES_SHOWN:
        blocks.append(context(copy("plan_summary", "diff_more", count=len(every) - CHANGES_SHOWN)))
    return blocks[:MESSAGE_BLOCK_LIMIT]


def _change_line(copy: Copy, change: Change, names: Names) -> str:
    field = change.path[-1]
    before, after = (readable(field, value, names) for value in (change.before, change.after))
    label = FIELD_LABELS.get(field, field.replace("_", " "))
    return copy("plan_summary", "change", c=change, label=label, before=before, after=after)


def readable(field: str, value: Any, names: Names) -> Any:
    """A stored value as people read it: people and channels by name, dates as written, statuses in words;
    a whole record (a review, a dispute) with its people and dates made readable the same way."""
    if isinstance(value, dict):
        return {key: readable(key, inner, names) for key, inner in value.items()}
    if value is None or value == "":
        return None
    if field in PEOPLE_FIELDS:
        return ", ".join(names.person(v) for v in value) if isinstance(value, list) else names.person(value)
    if field == "channel_id":
        return names.channel(value)
    if field in DATE_FIELDS:
        return human_date(datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value))
    if field == "status":
        return STATUS_WORDS.get(value, value)
    return value
