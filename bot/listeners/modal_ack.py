"""Acknowledging a modal's submission: its fields checked by the domain before the ack, errors under the fields.

The checks are pure (no database, no Web API), so the ack never waits on anything slow.
"""

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack
from slack_sdk.models.views import View

from bot.copy import Copy
from stages.errors import InvalidInput, Problem

Check = Callable[[dict[str, Any]], object]


def checked(
    copy: Copy, *checks: Check, then: Callable[[], View] | None = None
) -> Callable[[Ack, dict[str, Any]], None]:
    """An ack listener: every problem the checks find is shown under its field; otherwise the modal closes,
    or shows `then()` (a "saving…" view) while the work runs after the ack."""

    def acknowledge(ack: Ack, view: dict[str, Any]) -> None:
        problems = problems_in(view, checks)
        if problems:
            ack(response_action="errors", errors={p.field: copy.problem(p) for p in first_per_field(problems)})
        elif then is not None:
            ack(response_action="update", view=then())
        else:
            ack()

    return acknowledge


def problems_in(view: dict[str, Any], checks: tuple[Check, ...]) -> list[Problem]:
    found: list[Problem] = []
    for check in checks:
        try:
            check(view)
        except InvalidInput as error:
            found += error.problems
    return found


def first_per_field(problems: list[Problem]) -> list[Problem]:
    return list(InvalidInput(problems).by_field().values())
