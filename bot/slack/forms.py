"""Modal forms and their inputs: every input's action_id is the same, its block_id names the field."""

from typing import Any

from slack_sdk.models.blocks import Block, InputBlock, InputInteractiveElement, PlainTextInputElement
from slack_sdk.models.views import View

from bot.slack.kit import plain, section, view_blocks
from bot.slack.references import Reference
from bot.slack.wording import Copy

INPUT = "value"


def form(
    copy: Copy,
    template: str,
    callback_id: str,
    title: str,
    blocks: list[Block],
    reference: Reference | None,
    *,
    submit: str = "save",
) -> View:
    """A modal form, its title and buttons from the template's macros; `reference` travels to its submission."""
    return View(
        type="modal",
        callback_id=callback_id,
        title=plain(copy.plain(template, title), 24),
        submit=plain(copy.plain(template, submit), 24),
        close=plain(copy.plain(template, "cancel"), 24),
        private_metadata=reference.encode() if reference else None,
        blocks=view_blocks(blocks),
    )


def outcome(copy: Copy, view: dict[str, Any], text: str, *, closable: bool = True) -> View:
    """A submitted form, now one message under its own title: what its saving came to (or that it is under way,
    when it cannot be closed)."""
    return View(
        type="modal",
        callback_id=view.get("callback_id", ""),
        title=view["title"],
        close=plain(copy.plain("commands", "done"), 24) if closable else None,
        blocks=view_blocks([section(text)]),
    )


def field(
    copy: Copy,
    template: str,
    block_id: str,
    element: InputInteractiveElement,
    *,
    optional: bool = False,
    worded_as: str | None = None,
) -> InputBlock:
    """An input labelled and explained by the template's `label` and `hint` macros for `block_id` (or, where one
    block_id is asked differently in different forms, for `worded_as`); an empty hint shows none."""
    name = worded_as or block_id
    hint = copy.plain(template, "hint", field=name)
    return InputBlock(
        block_id=block_id,
        label=plain(copy.plain(template, "label", field=name), 2000),
        hint=plain(hint, 2000) if hint else None,
        element=element,
        optional=optional,
    )


def text_input(max_length: int, initial: str | None = None, *, multiline: bool = True) -> PlainTextInputElement:
    return PlainTextInputElement(action_id=INPUT, multiline=multiline, max_length=max_length, initial_value=initial)


def state(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The submitted state of one input, whatever its kind."""
    found: dict[str, Any] = view.get("state", {}).get("values", {}).get(block_id, {}).get(INPUT) or {}
    return found


def value(view: dict[str, Any], block_id: str) -> str | None:
    """A text, number, URL, date or single choice answer."""
    element = state(view, block_id)
    if element.get("selected_option"):
        return str(element["selected_option"]["value"])
    for key in ("value", "selected_date", "selected_user", "selected_conversation"):
        if element.get(key) is not None:
            return str(element[key])
    return None


def chosen(view: dict[str, Any], block_id: str) -> list[str]:
    """The values of the boxes ticked, or of the options chosen, in a multiple choice."""
    return [str(option["value"]) for option in state(view, block_id).get("selected_options") or []]


def users(view: dict[str, Any], block_id: str) -> list[str]:
    return list(state(view, block_id).get("selected_users") or [])
