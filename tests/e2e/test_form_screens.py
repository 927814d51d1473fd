"""Every form Accord opens, as its person sees it: title, buttons, and each field's label and hint, in order."""

from typing import Any

from bot.sandbox.harness import Sandbox
from bot.slack import ids
from tests.e2e.helpers import ALICE, BOB, PARTNERSHIPS, create_relationship, fresh
from tests.e2e.test_checkins import answer_with_evidence, start_checkin

NA_HINT = "The reason is kept with the stage's record and shown to an auditor."
SCREENS = {
    ids.VIEW_NEW_RELATIONSHIP: (
        "New relationship", "Create", "Cancel", [
            ("name", "Relationship name", "Unique in this workspace, e.g. Acme Logistics."),
            ("partner", "Partner organisation", "The organisation you collaborate with."),
            ("owner", "Relationship owner", "Runs the relationship day to day and owns its reviews."),
            ("sponsor", "Executive sponsor", "The senior executive responsible; signs stages off."),
            ("channel", "Channel", "Where check-ins and updates are posted."),
            ("cadence", "Review every (days)", "How often the relationship is reviewed: 90 days is usual."),
        ],
    ),
    ids.VIEW_ITEM_NOT_APPLICABLE: (
        "Not applicable", "Save", "Cancel", [("reason", "Why does this item not apply?", NA_HINT)]
    ),
    ids.VIEW_ITEM_EVIDENCE: (
        "Add evidence", "Save", "Cancel", [
            ("link", "Link to the evidence", "A document, folder or page, e.g. https://intranet.example.com/policy"),
            ("note", "Note", "Where it is, who approved it, or what it shows."),
        ],
    ),
    ids.VIEW_REOPEN_STAGE: ("Reopen stage", "Reopen stage", "Cancel", [("reason", "Why is it being reopened?", None)]),
}  # fmt: skip


def screen(view: dict[str, Any]) -> tuple[str, str, str, list[tuple[str, str, str | None]]]:
    fields = [
        (b["block_id"], b["label"]["text"], (b.get("hint") or {}).get("text"))
        for b in view["blocks"]
        if b["type"] == "input"
    ]
    return view["title"]["text"], view["submit"]["text"], view["close"]["text"], fields


def test_each_form_shows_its_words(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB)
    sandbox.driver.command(ALICE, PARTNERSHIPS, "edit Acme Alliance")
    sandbox.driver.close_modal(ALICE)
    parent, items = start_checkin(sandbox)
    for item in items:
        sandbox.driver.click(ALICE, fresh(sandbox, item), ids.ACTION_ITEM_EVIDENCE)
        sandbox.driver.close_modal(ALICE)
        sandbox.driver.click(ALICE, fresh(sandbox, item), ids.ACTION_ITEM_NOT_APPLICABLE)
        sandbox.driver.submit(ALICE, {"reason": "Not for this partner"})
    answer_with_evidence(sandbox, ALICE, items[0])  # a stage with nothing done cannot be signed off
    sandbox.driver.click(ALICE, fresh(sandbox, parent), ids.ACTION_SIGN_OFF)
    sandbox.driver.click(ALICE, fresh(sandbox, parent), ids.ACTION_REOPEN)

    opened = {}
    for call in sandbox.workspace.calls_to("views.open"):
        view = call.args["view"]
        opened.setdefault(view["callback_id"], screen(view))
    assert {callback: opened[callback] for callback in SCREENS} == SCREENS
    edit = opened[ids.VIEW_EDIT_RELATIONSHIP]
    assert edit[:3] == ("Edit relationship", "Save", "Cancel") and edit[3] == SCREENS[ids.VIEW_NEW_RELATIONSHIP][3]
