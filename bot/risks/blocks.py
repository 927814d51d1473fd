"""The risk register in Slack: the list of open risks (to the person who asked, never posted in a channel) with
its buttons, and the forms that add a risk and close one."""

from datetime import date, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DatePickerElement,
    Option,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.action_buttons import add_button
from bot.slack.forms import INPUT, field, form, text_input
from bot.slack.kit import context, plain, section
from bot.slack.references import RelationshipRef, RiskRef, RiskReviewRef, stored_id
from bot.slack.wording import Copy
from stages.actions import ActionSource
from stages.relationships import Relationship
from stages.risk_service import Register
from stages.risks import SCALE, TEXT_MAX, TITLE_MAX, Risk, RiskCategory

LISTED = 20  # risks shown in one message, the highest scores first (two blocks each; Slack takes 50)
FIRST_REVIEW_DAYS = 30


def register_blocks(copy: Copy, register: Register, today: date) -> list[Block]:
    """The open risks this side may see, the highest score first, each with its Review, Edit and Close buttons and
    Add action (an action out of it); Add risk below."""
    r = register.relationship
    blocks: list[Block] = [section(copy("risks", "register_head", r=r, count=len(register.risks)))]
    for risk in register.risks[:LISTED]:
        blocks.append(section(copy("risks", "risk_line", risk=risk, overdue=risk.review_overdue(today))))
        buttons = [
            ButtonElement(
                text=plain(copy.plain("risks", "review_button")),
                action_id=ids.ACTION_RISK_REVIEW,
                value=RiskReviewRef(stored_id(risk.id), risk.next_review).encode(),
            ),
            ButtonElement(
                text=plain(copy.plain("risks", "edit_button")),
                action_id=ids.ACTION_RISK_EDIT,
                value=RiskRef(stored_id(risk.id)).encode(),
            ),
            ButtonElement(
                text=plain(copy.plain("risks", "close_button")),
                action_id=ids.ACTION_RISK_CLOSE,
                value=RiskRef(stored_id(risk.id)).encode(),
            ),
            add_button(copy, r, ActionSource.RISK, stored_id(risk.id)),
        ]
        blocks.append(ActionsBlock(block_id=f"risk:{stored_id(risk.id)}", elements=buttons))
    if len(register.risks) > LISTED:
        blocks.append(context(copy("risks", "more", count=len(register.risks) - LISTED)))
    blocks.append(
        ActionsBlock(
            block_id="risk_register",
            elements=[
                ButtonElement(
                    text=plain(copy.plain("risks", "add_button")),
                    action_id=ids.ACTION_RISK_ADD,
                    value=RelationshipRef(stored_id(r.id)).encode(),
                    style="primary",
                )
            ],
        )
    )
    return blocks


def _steps(copy: Copy) -> list[Option]:
    return [Option(value=str(n), label=copy.plain("risks", "step", n=n)) for n in SCALE]


def add_modal(copy: Copy, relationship: Relationship, today: date) -> View:
    categories = [Option(value=c.value, label=copy.plain("risks", "category", category=c.value)) for c in RiskCategory]
    steps = _steps(copy)
    blocks: list[Block] = [
        section(copy("risks", "add_intro", r=relationship)),
        field(copy, "risks", ids.BLOCK_TITLE, text_input(TITLE_MAX, multiline=False)),
        field(copy, "risks", ids.BLOCK_DESCRIPTION, text_input(TEXT_MAX), optional=True),
        field(copy, "risks", ids.BLOCK_CATEGORY, StaticSelectElement(action_id=INPUT, options=categories)),
        field(copy, "risks", ids.BLOCK_BREAKDOWN_EFFECT, text_input(TEXT_MAX)),
        field(copy, "risks", ids.BLOCK_LIKELIHOOD, StaticSelectElement(action_id=INPUT, options=steps)),
        field(copy, "risks", ids.BLOCK_IMPACT, StaticSelectElement(action_id=INPUT, options=steps)),
        field(copy, "risks", ids.BLOCK_RISK_OWNER, UserSelectElement(action_id=INPUT)),
        field(copy, "risks", ids.BLOCK_MITIGATION, text_input(TEXT_MAX), optional=True),
        field(
            copy,
            "risks",
            ids.BLOCK_NEXT_REVIEW,
            DatePickerElement(action_id=INPUT, initial_date=(today + timedelta(days=FIRST_REVIEW_DAYS)).isoformat()),
        ),
    ]
    if relationship.is_joint:  # the partner reads the register too: a risk may be kept to this side
        internal = Option(value="internal", label=copy.plain("risks", "internal_option", r=relationship)[:75])
        blocks.append(
            field(
                copy, "risks", ids.BLOCK_INTERNAL, CheckboxesElement(action_id=INPUT, options=[internal]), optional=True
            )
        )
    return form(copy, "risks", ids.VIEW_RISK_ADD, "add_title", blocks, RelationshipRef(stored_id(relationship.id)))


def close_modal(copy: Copy, relationship: Relationship, risk: Risk) -> View:
    blocks: list[Block] = [
        section(copy("risks", "close_intro", r=relationship, risk=risk)),
        field(copy, "risks", ids.BLOCK_OUTCOME, text_input(TEXT_MAX)),
    ]
    return form(copy, "risks", ids.VIEW_RISK_CLOSE, "close_title", blocks, RiskRef(stored_id(risk.id)))


def review_modal(copy: Copy, relationship: Relationship, risk: Risk, seen: RiskReviewRef, today: date) -> View:
    """What the review found, the score now (the last one to start from) and the next review date; `seen` is the
    review its button asked for, so that a form opened after another review records nothing."""
    steps = _steps(copy)
    blocks: list[Block] = [
        section(copy("risks", "review_intro", r=relationship, risk=risk)),
        field(copy, "risks", ids.BLOCK_NOTE, text_input(TEXT_MAX)),
        field(
            copy,
            "risks",
            ids.BLOCK_LIKELIHOOD,
            StaticSelectElement(action_id=INPUT, options=steps, initial_option=steps[risk.likelihood - 1]),
        ),
        field(
            copy,
            "risks",
            ids.BLOCK_IMPACT,
            StaticSelectElement(action_id=INPUT, options=steps, initial_option=steps[risk.impact - 1]),
        ),
        field(
            copy,
            "risks",
            ids.BLOCK_NEXT_REVIEW,
            DatePickerElement(action_id=INPUT, initial_date=(today + timedelta(days=FIRST_REVIEW_DAYS)).isoformat()),
        ),
    ]
    return form(copy, "risks", ids.VIEW_RISK_REVIEW, "review_title", blocks, seen)


def edit_modal(copy: Copy, relationship: Relationship, risk: Risk) -> View:
    """The risk's words, category and owner, to change (its score and review date change by a review)."""
    categories = [Option(value=c.value, label=copy.plain("risks", "category", category=c.value)) for c in RiskCategory]
    chosen = next(option for option in categories if option.value == risk.category.value)
    blocks: list[Block] = [
        section(copy("risks", "edit_intro", r=relationship, risk=risk)),
        field(copy, "risks", ids.BLOCK_TITLE, text_input(TITLE_MAX, risk.title, multiline=False)),
        field(copy, "risks", ids.BLOCK_DESCRIPTION, text_input(TEXT_MAX, risk.description or None), optional=True),
        field(
            copy,
            "risks",
            ids.BLOCK_CATEGORY,
            StaticSelectElement(action_id=INPUT, options=categories, initial_option=chosen),
        ),
        field(copy, "risks", ids.BLOCK_BREAKDOWN_EFFECT, text_input(TEXT_MAX, risk.breakdown_effect)),
        field(copy, "risks", ids.BLOCK_RISK_OWNER, UserSelectElement(action_id=INPUT, initial_user=risk.owner_id)),
        field(copy, "risks", ids.BLOCK_MITIGATION, text_input(TEXT_MAX, risk.mitigation or None), optional=True),
    ]
    return form(copy, "risks", ids.VIEW_RISK_EDIT, "edit_title", blocks, RiskRef(stored_id(risk.id)))
