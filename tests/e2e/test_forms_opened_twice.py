"""A review or exit strategy form carries what its person saw when it opened: submitted after someone else's
(another tab, a double click, the other leader), it saves nothing more and says who saved first."""

from copy import deepcopy
from datetime import timedelta

import pytest

from bot.sandbox.harness import Sandbox
from bot.slack import ids
from stages import exit_service, review_service
from tests.e2e.helpers import ACME, ALICE, BOB, DAVE, create_relationship, relationship, shown

RATINGS = {"delivery": "4", "trust": "3", "value": "4", "governance": "5"}
REVIEW_TAKEN = "This review was already recorded by <@U0ALICE>"
EXIT_TAKEN = "The exit strategy was already saved by <@U0ALICE>"


@pytest.fixture
def acme(sandbox: Sandbox) -> Sandbox:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB, cadence="30")
    return sandbox


def reviews(sandbox: Sandbox) -> list[str]:
    recorded = review_service.recent(sandbox.database.uow(sandbox.workspace.team_id), 1, 10)
    return [r.summary for r in reversed(recorded)]


def posted(sandbox: Sandbox, what: str) -> int:
    return sum(what in shown(m) for m in sandbox.workspace.top_level(ACME))


def test_a_review_form_submitted_again_from_another_tab_records_nothing_more(acme: Sandbox) -> None:
    acme.driver.command(ALICE, ACME, "review Acme Alliance")
    modal = acme.workspace.current_modal(ALICE)
    assert modal is not None
    other_tab = deepcopy(modal.view)
    acme.driver.submit(ALICE, {"summary": "A good quarter", **RATINGS})

    acme.workspace.open_modal(ALICE, other_tab)  # the same form, still open in another tab
    acme.driver.submit(ALICE, {"summary": "A good quarter, again", **RATINGS})
    told = shown(acme.workspace.current_modal(ALICE))
    assert REVIEW_TAKEN in told and "Nothing more was saved" in told
    assert reviews(acme) == ["A good quarter"]
    assert posted(acme, "*Review of Acme Alliance*") == 1

    acme.driver.command(ALICE, ACME, "review Acme Alliance")  # a form opened now starts from that review
    acme.driver.submit(ALICE, {"summary": "Next quarter", **RATINGS})
    assert reviews(acme) == ["A good quarter", "Next quarter"]


def test_owner_and_sponsor_reviewing_from_their_home_tabs_record_one_review(acme: Sandbox) -> None:
    acme.advance(timedelta(days=31))  # the review is overdue: both see "Record review"
    for person in (ALICE, BOB):
        acme.driver.click(person, acme.driver.open_home(person), ids.ACTION_OPEN_REVIEW)
    acme.driver.submit(ALICE, {"summary": "Alice's view", **RATINGS})
    due = relationship(acme).next_review_due

    acme.driver.submit(BOB, {"summary": "Bob's view", **RATINGS})
    assert REVIEW_TAKEN in shown(acme.workspace.current_modal(BOB))
    assert reviews(acme) == ["Alice's view"]
    assert relationship(acme).next_review_due == due


def test_an_exit_strategy_form_opened_at_an_older_version_saves_nothing(acme: Sandbox) -> None:
    strategy = {"triggers": "Partner acquired", "plan": "Six-month wind-down", "reviewed_with": [BOB, DAVE]}
    for person in (ALICE, BOB):
        acme.driver.command(person, ACME, "exit Acme Alliance")  # both open it before any version is saved
    acme.driver.submit(ALICE, strategy)

    acme.driver.submit(BOB, strategy | {"plan": "Walk away"})
    told = shown(acme.workspace.current_modal(BOB))
    assert EXIT_TAKEN in told and "Nothing more was saved" in told
    latest = exit_service.latest(acme.database.uow(acme.workspace.team_id), 1)
    assert latest is not None and (latest.version, latest.plan, latest.saved_by) == (1, "Six-month wind-down", ALICE)
    assert posted(acme, "*Exit strategy v") == 1

    acme.driver.command(BOB, ACME, "exit Acme Alliance")  # opened again: it starts from version 1, and saves
    acme.driver.submit(BOB, {"plan": "Walk away"})
    latest = exit_service.latest(acme.database.uow(acme.workspace.team_id), 1)
    assert latest is not None and (latest.version, latest.plan, latest.saved_by) == (2, "Walk away", BOB)
