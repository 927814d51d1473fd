"""Small Block Kit helpers shared by the builders, and the final conversion to Slack's JSON.

Builders work with `slack_sdk.models` objects so Slack's per-field limits are checked when `to_dict()` runs;
`message_blocks` and `view_blocks` add the per-surface block counts nothing client-side checks.
"""

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
SECTION_TEXT_LIMIT = 3000
HEADER_TEXT_LIMIT = 150


def clip(text: str, limit: int) -> str:
    """Shorten text to `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=PlainTextObject(text=clip(text, HEADER_TEXT_LIMIT), emoji=True))


def section(text: str, *, block_id: str | None = None, accessory: Any = None) -> SectionBlock:
    return SectionBlock(
        text=MarkdownTextObject(text=clip(text, SECTION_TEXT_LIMIT)), block_id=block_id, accessory=accessory
    )


def context(text: str, *, block_id: str | None = None) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, SECTION_TEXT_LIMIT))], block_id=block_id)


def divider() -> DividerBlock:
    return DividerBlock()


def plain(text: str, limit: int = 75) -> PlainTextObject:
    return PlainTextObject(text=clip(text, limit), emoji=True)


def message_blocks(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return _to_dicts(blocks, MESSAGE_BLOCK_LIMIT, "message")


def view_blocks(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return _to_dicts(blocks, VIEW_BLOCK_LIMIT, "view")


def _to_dicts(blocks: Sequence[Block], limit: int, surface: str) -> list[dict[str, Any]]:
    if len(blocks) > limit:
        raise ValueError(f"a {surface} holds at most {limit} blocks; this one has {len(blocks)}")
    return [block.to_dict() for block in blocks]
