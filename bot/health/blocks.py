"""The health check's modals (starting a round, answering it) and what is posted in the relationship's channel:
the round's announcement with its buttons, and its results."""

from datetime import date, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DatePickerElement,
    InputBlock,
    Option,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.action_buttons import add_button
from bot.slack.forms import INPUT, field, form, text_input
from bot.slack.kit import context, header, plain, section
from bot.slack.references import RelationshipRef, RoundRef, stored_id
from bot.slack.wording import Copy
from stages.actions import ActionSource
from stages.health import (
    COMMENT_MAX,
    DEFAULT_OPEN_DAYS,
    DIMENSION_MAX,
    DIMENSIONS_MAX,
    SCALE,
    HealthAnswer,
    HealthResults,
    HealthRound,
    Participant,
)
from stages.relationships import Relationship


def start_modal(
    copy: Copy, relationship: Relationship, dimensions: tuple[str, ...], people: tuple[Participant, ...], today: date
) -> View:
    blocks: list[Block] = [
        section(copy("health", "start_intro", r=relationship)),
        field(
            copy,
            "health",
            ids.BLOCK_DIMENSIONS,
            text_input((DIMENSION_MAX + 1) * DIMENSIONS_MAX, "\n".join(dimensions)),
        ),
        field(
            copy,
            "health",
            ids.BLOCK_PARTICIPANTS,
            UserMultiSelectElement(action_id=INPUT, initial_users=[p.user_id for p in people] or None),
        ),
        field(
            copy,
            "health",
            ids.BLOCK_CLOSES,
            DatePickerElement(action_id=INPUT, initial_date=(today + timedelta(days=DEFAULT_OPEN_DAYS)).isoformat()),
        ),
    ]
    return form(
        copy, "health", ids.VIEW_HEALTH_START, "start_title", blocks, RelationshipRef(stored_id(relationship.id))
    )


def answer_modal(
    copy: Copy, relationship: Relationship, health_round: HealthRound, previous: HealthAnswer | None
) -> View:
    """One anchored scale per dimension, each step in words, with an optional comment; the person's earlier
    answer filled in, to change."""
    options = [Option(value=str(step), label=copy.plain("health", "step", value=step)) for step in SCALE]
    by_value = {option.value: option for option in options}
    scores = previous.scores if previous else {}
    comments = previous.comments if previous else {}
    blocks: list[Block] = [section(copy("health", "answer_intro", r=relationship, h=health_round, previous=previous))]
    for n, dimension in enumerate(health_round.dimensions):
        chosen = scores.get(dimension)
        blocks.append(
            InputBlock(
                block_id=f"{ids.BLOCK_SCORE}{n}",
                label=plain(dimension, 2000),
                element=StaticSelectElement(
                    action_id=INPUT,
                    options=options,
                    placeholder=plain(copy.plain("health", "step_placeholder")),
                    initial_option=by_value[str(chosen)] if chosen is not None else None,
                ),
            )
        )
        blocks.append(
            InputBlock(
                block_id=f"{ids.BLOCK_COMMENT}{n}",
                label=plain(copy.plain("health", "comment_label", dimension=dimension), 2000),
                element=text_input(COMMENT_MAX, comments.get(dimension)),
                optional=True,
            )
        )
    blocks.append(
        field(
            copy,
            "health",
            ids.BLOCK_IMPROVE,
            text_input(COMMENT_MAX, previous.improve if previous else None),
            optional=True,
        )
    )
    return form(
        copy,
        "health",
        ids.VIEW_HEALTH_ANSWER,
        "answer_title",
        blocks,
        RoundRef(stored_id(health_round.id)),
        submit="send",
    )


def started_blocks(copy: Copy, relationship: Relationship, health_round: HealthRound) -> list[Block]:
    """The round's announcement: anyone asked answers with its button, a leader closes it early with the other."""
    value = RoundRef(stored_id(health_round.id)).encode()
    buttons = [
        ButtonElement(
            text=plain(copy.plain("health", "answer_button")),
            action_id=ids.ACTION_HEALTH_ANSWER,
            value=value,
            style="primary",
        ),
        ButtonElement(text=plain(copy.plain("health", "close_button")), action_id=ids.ACTION_HEALTH_CLOSE, value=value),
    ]
    return [
        section(copy("health", "started", r=relationship, h=health_round)),
        ActionsBlock(block_id=f"health:{value}", elements=buttons),
    ]


def results_blocks(
    copy: Copy,
    relationship: Relationship,
    health_round: HealthRound,
    found: HealthResults,
    labels: tuple[str, str],
    gap_alert: float,
) -> list[Block]:
    """The results as text: aggregates per group, the dimensions with the largest gaps first (each flagged gap with
    the button its owner turns it into an action by), and what people said without names (of groups with enough
    answers only)."""
    r, h = relationship, health_round
    blocks: list[Block] = [
        header(copy.plain("health", "results_title", r=r, h=h)),
        section(copy("health", "results_summary", r=r, h=h, res=found, labels=labels)),
    ]
    if any(d.gap is not None or any(d.figures.values()) for d in found.dimensions):
        blocks.append(section(copy("health", "results_table", res=found, labels=labels)))
    if any(d.flagged for d in found.dimensions):
        blocks.append(context(copy("health", "results_flagged", res=found, alert=gap_alert)))
        source = stored_id(h.id)
        for number, d in enumerate(d for d in found.dimensions if d.flagged):
            button = add_button(copy, r, ActionSource.HEALTH_GAP, source)
            line = copy("actions", "gap_line", dimension=d.dimension, gap=d.gap)
            blocks.append(section(line, block_id=f"health_gap:{number}", accessory=button))
    for dimension, said in found.comments.items():
        blocks.append(section(copy("health", "results_comments", dimension=dimension, said=said)))
    if found.improvements:
        blocks.append(section(copy("health", "results_improvements", said=found.improvements)))
    return blocks
