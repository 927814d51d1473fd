"""Messages about relationships: the channel introduction, the list, the status report and the card pinned in a
shared channel."""

from collections.abc import Sequence
from datetime import date

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement

from bot.slack import ids
from bot.slack.kit import MESSAGE_BLOCK_LIMIT, context, divider, header, plain, section
from bot.slack.references import RelationshipRef, stored_id
from bot.slack.wording import Copy
from stages.catalogue import Catalogue
from stages.joint_team import TeamPair
from stages.relationship_service import StatusReport
from stages.relationships import Relationship


def intro_blocks(copy: Copy, relationship: Relationship, catalogue: Catalogue) -> list[Block]:
    stage = catalogue.stage(relationship.stage)
    text = copy("relationships", "intro", r=relationship, stage=stage, phase=catalogue.phase_of(stage.number))
    return [section(text)]


def list_blocks(
    copy: Copy,
    relationships: list[Relationship],
    catalogue: Catalogue,
    today: date,
    partnered: Sequence[Relationship] = (),
) -> list[Block]:
    """The workspace's relationships, then those partners run with its organisation that the reader takes part
    in (`partnered`)."""
    if not relationships and not partnered:
        return [section(copy("relationships", "list_empty"))]
    blocks: list[Block] = []
    if relationships:
        blocks.append(header(copy.plain("relationships", "list_title", count=len(relationships))))
    room = MESSAGE_BLOCK_LIMIT - len(blocks) - 1 - (2 if partnered else 0)  # one for "and N more", two for theirs
    shown = relationships if len(relationships) <= room + 1 else relationships[:room]
    for r in shown:
        stage = catalogue.stage(r.stage)
        overdue = r.review_overdue(today)
        line = copy("relationships", "list_line", r=r, stage=stage, phase=catalogue.phase_of(r.stage), overdue=overdue)
        blocks.append(section(line))
    if len(shown) < len(relationships):
        blocks.append(context(copy("relationships", "list_more", count=len(relationships) - len(shown))))
    if partnered:
        blocks.append(header(copy.plain("relationships", "list_partnered_title", count=len(partnered))))
        lines = [
            copy(
                "relationships",
                "list_partnered_line",
                r=r,
                stage=catalogue.stage(r.stage),
                phase=catalogue.phase_of(r.stage),
            )
            for r in partnered
        ]
        blocks.append(section("\n".join(lines)))
    return blocks


def status_blocks(copy: Copy, report: StatusReport, *, partner_view: bool = False) -> list[Block]:
    """Where the relationship stands; `partner_view`: as its partner's people see it, through their own Accord."""
    r = report.relationship
    stage_lines = "\n".join(copy("relationships", "status_stage_line", line=line) for line in report.stages)
    blocks: list[Block] = [
        header(copy.plain("relationships", "status_title", r=r)),
        section(copy("relationships", "status_summary", r=r, stage=report.stage, phase=report.phase)),
        section(
            copy(
                "relationships",
                "status_people",
                r=r,
                overdue=report.review_overdue,
                health=report.health,
                risks=report.risks,
                actions=report.actions,
                ideas=report.ideas,
                meetings=report.meetings,
            )
        ),
        divider(),
        section(stage_lines),
    ]
    if partner_view:
        blocks.insert(1, context(copy("relationships", "status_partner_view", r=r)))
    return blocks


# The card's layout: raised whenever `card_blocks` offers something new (a button, a section), so that the nudge
# job draws cards pinned in an older layout again instead of leaving them until their relationship next changes.
CARD_LAYOUT = 1


def card_blocks(
    copy: Copy, relationship: Relationship, catalogue: Catalogue, thread: str | None, team: Sequence[TeamPair] = ()
) -> list[Block]:
    """The card; with `thread`, a link to the current stage's check-in thread; `team`: the joint management team.
    Its buttons are the partner's people's way to what they do without `/accord`, the registers included."""
    r = relationship
    stage = catalogue.stage(r.stage)
    blocks: list[Block] = [
        header(copy.plain("relationships", "card_title", r=r)),
        section(copy("relationships", "card_status", r=r, stage=stage, phase=catalogue.phase_of(stage.number))),
        context(copy("relationships", "card_people", r=r)),
    ]
    if team:
        blocks.append(context(copy("relationships", "card_team", r=r, team=team)))
    blocks.append(section(copy("relationships", "card_what", r=r)))
    ref = RelationshipRef(stored_id(r.id)).encode()

    def button(label: str, action_id: str) -> ButtonElement:
        return ButtonElement(text=plain(copy.plain("relationships", label)), action_id=action_id, value=ref)

    buttons: list[ButtonElement] = []
    if thread:
        buttons.append(
            ButtonElement(
                text=plain(copy.plain("relationships", "card_thread", stage=stage)),
                action_id=ids.ACTION_OPEN_THREAD,
                url=thread,
            )
        )
    # The partner's people have no /accord: their executive sponsor or relationship manager starts a health
    # check here (the health feature refuses anyone else), and anyone of either organisation records a meeting of
    # the joint management team...
    buttons += [button("card_health", ids.ACTION_HEALTH_START), button("card_meeting", ids.ACTION_MEETING_RECORD)]
    blocks.append(ActionsBlock(block_id="card", elements=buttons))
    # ...and lists a register, told privately what their own organisation may see of it.
    registers = [
        button("card_risks", ids.ACTION_RISKS_SHOW),
        button("card_ideas", ids.ACTION_IDEAS_SHOW),
        button("card_actions", ids.ACTION_ACTIONS_SHOW),
        button("card_knowledge", ids.ACTION_KNOWLEDGE_SHOW),
    ]
    blocks.append(ActionsBlock(block_id="card_registers", elements=registers))
    return blocks
