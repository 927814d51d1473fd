"""Review and exit strategy modals, and what is posted in the relationship's channel after them."""

from datetime import date, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    DatePickerElement,
    Option,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.slack import ids
from bot.slack.forms import INPUT, field, form, text_input
from bot.slack.kit import context, plain, section
from bot.slack.references import ExitFormRef, ReviewFormRef, ReviewRef, ReviewViewRef, stored_id
from bot.slack.wording import Copy
from stages import exits, reviews
from stages.exits import ExitStrategy
from stages.relationships import Relationship
from stages.review_service import ViewForm, ViewGiven
from stages.reviews import RATING_AREAS, RATING_MAX, Rated, Review


def _rated(copy: Copy, given: Rated | None) -> list[Block]:
    """The summary and the four ratings, as `given` had them (for a view being changed)."""
    options = [Option(value=str(n), label=copy.plain("governance", "rating_option", n=n)) for n in range(5, 0, -1)]
    blocks: list[Block] = [
        field(copy, "governance", ids.BLOCK_SUMMARY, text_input(reviews.TEXT_MAX, given.summary if given else None))
    ]
    for area in RATING_AREAS:
        blocks.append(
            field(
                copy,
                "governance",
                area,
                StaticSelectElement(
                    action_id=INPUT,
                    options=options,
                    initial_option=options[RATING_MAX - given.ratings[area]] if given else None,
                    placeholder=plain(copy.plain("governance", "rating_placeholder")),
                ),
            )
        )
    return blocks


def review_modal(copy: Copy, relationship: Relationship, last: Review | None, today: date) -> View:
    blocks: list[Block] = [section(copy("governance", "review_intro", r=relationship, last=last))]
    blocks += _rated(copy, None)
    blocks += [
        field(copy, "governance", ids.BLOCK_DECISIONS, text_input(reviews.TEXT_MAX), optional=True),
        field(
            copy,
            "governance",
            ids.BLOCK_NEXT_REVIEW,
            DatePickerElement(
                action_id=INPUT, initial_date=(today + timedelta(days=relationship.review_cadence_days)).isoformat()
            ),
        ),
    ]
    if relationship.is_joint:  # its channel is the partner's too: the review may be kept to this side
        internal = Option(value="internal", label=copy.plain("governance", "internal_option", r=relationship)[:75])
        blocks.append(
            field(
                copy,
                "governance",
                ids.BLOCK_INTERNAL,
                CheckboxesElement(action_id=INPUT, options=[internal]),
                optional=True,
            )
        )
    seen = ReviewFormRef(stored_id(relationship.id), stored_id(last.id) if last else None)
    return form(copy, "governance", ids.VIEW_REVIEW, "review_title", blocks, seen)


def exit_modal(copy: Copy, relationship: Relationship, latest: ExitStrategy | None) -> View:
    blocks: list[Block] = [
        section(copy("governance", "exit_intro", r=relationship, latest=latest)),
        field(copy, "governance", ids.BLOCK_TRIGGERS, text_input(exits.TEXT_MAX, latest.triggers if latest else None)),
        field(copy, "governance", ids.BLOCK_PLAN, text_input(exits.TEXT_MAX, latest.plan if latest else None)),
        field(
            copy,
            "governance",
            ids.BLOCK_CONTINUITY,
            text_input(exits.TEXT_MAX, latest.continuity if latest else None),
            optional=True,
        ),
        field(
            copy,
            "governance",
            ids.BLOCK_ASSETS,
            text_input(exits.TEXT_MAX, latest.assets if latest else None),
            optional=True,
        ),
        field(
            copy,
            "governance",
            ids.BLOCK_REVIEWED_WITH,
            UserMultiSelectElement(action_id=INPUT, initial_users=list(latest.reviewed_with) if latest else None),
        ),
    ]
    seen = ExitFormRef(stored_id(relationship.id), latest.version if latest else 0)
    return form(copy, "governance", ids.VIEW_EXIT, "exit_title", blocks, seen)


def view_modal(copy: Copy, asked: ViewForm, thread_ts: str) -> View:
    """The partner's view of a shared review: their own summary and ratings (their earlier view, to change)."""
    blocks: list[Block] = [section(copy("governance", "view_intro", r=asked.relationship, review=asked.review))]
    blocks += _rated(copy, asked.mine)
    seen = ReviewViewRef(stored_id(asked.review.id), thread_ts)
    return form(copy, "governance", ids.VIEW_REVIEW_VIEW, "view_title", blocks, seen)


def review_message(copy: Copy, relationship: Relationship, review: Review) -> list[Block]:
    """The review as posted in the relationship's channel; shared with the partner, it asks their people for their
    view, with the button they give it by."""
    blocks: list[Block] = [section(copy("governance", "review_posted", r=relationship, review=review))]
    if relationship.is_joint and not review.internal:
        blocks.append(context(copy("governance", "view_asked", r=relationship)))
        give = ButtonElement(
            text=plain(copy.plain("governance", "view_button", r=relationship)),
            action_id=ids.ACTION_REVIEW_VIEW,
            value=ReviewRef(stored_id(review.id)).encode(),
        )
        blocks.append(ActionsBlock(block_id="review_view", elements=[give]))
    return blocks


def view_message(copy: Copy, relationship: Relationship, given: ViewGiven) -> list[Block]:
    """A partner's view, told in the thread of the review it is of."""
    return [section(copy("governance", "view_posted", r=relationship, view=given.view, first=given.first))]


def exit_message(copy: Copy, relationship: Relationship, strategy: ExitStrategy) -> list[Block]:
    """The version as posted in the relationship's channel; a joint one with the button the partner agrees it by."""
    blocks: list[Block] = [section(copy("governance", "exit_posted", r=relationship, s=strategy))]
    if not strategy.agreed:
        agree = ButtonElement(
            text=plain(copy.plain("governance", "exit_agree_button", r=relationship)),
            action_id=ids.ACTION_AGREE_EXIT,
            value=ExitFormRef(stored_id(relationship.id), strategy.version).encode(),
            style="primary",
        )
        blocks.append(ActionsBlock(block_id="exit_agree", elements=[agree]))
    return blocks
