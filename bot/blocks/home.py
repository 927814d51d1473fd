"""The App Home tab for one person."""

from datetime import date

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement
from slack_sdk.models.views import View

from bot import ids
from bot.blocks.kit import VIEW_BLOCK_LIMIT, context, divider, header, plain, section, view_blocks
from bot.copy import Copy
from stages.catalogue import Catalogue
from stages.relationships import Relationship


def home_view(copy: Copy, user_id: str, led: list[Relationship], catalogue: Catalogue, today: date) -> View:
    blocks: list[Block] = [
        header(copy("home", "title")),
        section(copy("home", "intro", user_id=user_id)),
        ActionsBlock(
            elements=[ButtonElement(text=plain("New relationship"), action_id=ids.ACTION_OPEN_NEW, style="primary")]
        ),
        divider(),
    ]
    if not led:
        blocks.append(section(copy("home", "none_led")))
    room = VIEW_BLOCK_LIMIT - len(blocks) - 1
    for r in led[:room]:
        role = "owner" if r.owner_id == user_id else "executive sponsor"
        stage = catalogue.stage(r.stage)
        line = copy(
            "home",
            "led_line",
            r=r,
            stage=stage,
            phase=catalogue.phase_of(r.stage),
            role=role,
            overdue=r.review_overdue(today),
        )
        blocks.append(section(line))
    if len(led) > room:
        blocks.append(context(copy("relationships", "list_more", count=len(led) - room)))
    return View(type="home", blocks=view_blocks(blocks))
