"""The help message: every subcommand with its usage and an example."""

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.slack import ids
from bot.slack.kit import context, divider, header, plain, section
from bot.slack.subcommands import Registry, Subcommand
from bot.slack.wording import Copy


def help_blocks(copy: Copy, subcommands: Registry, topic: Subcommand | None = None) -> list[Block]:
    """Every subcommand, or only `topic`."""
    blocks: list[Block] = [
        header(copy.plain("commands", "help_title")),
        section(copy("commands", "help_intro")),
        divider(),
    ]
    shown = [topic] if topic else list(subcommands)
    blocks += [section(copy("commands", "help_entry", name=c.name, usage=c.usage)) for c in shown]
    blocks.append(
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=plain(copy.plain("commands", "help_new_button")),
                    action_id=ids.ACTION_OPEN_NEW,
                    style="primary",
                )
            ]
        )
    )
    blocks.append(context(copy("commands", "help_footer")))
    return blocks
