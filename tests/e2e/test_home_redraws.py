"""The Home tabs a change calls to be drawn again are asked for in the change's own transaction: drawn right after
it by the work that made it, or, if that work's process died between the two, by the next nudge run."""

from datetime import timedelta

from bot.sandbox.harness import Sandbox
from stages import dispute_service
from tests.e2e.helpers import ACME, ALICE, BOB, CAROL, create_relationship


def publishes(sandbox: Sandbox, user: str) -> int:
    return sum(1 for call in sandbox.workspace.calls_to("views.publish") if call.args.get("user_id") == user)


def waiting(sandbox: Sandbox) -> list[str]:
    uow = sandbox.database.uow(sandbox.workspace.team_id)
    with uow.reading():
        return sorted(user for user, _ in uow.home_redraws.waiting(sandbox.clock.now() + timedelta(days=1)))


def test_a_change_draws_the_home_tabs_it_asked_for_and_crosses_them_off(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    before = publishes(sandbox, BOB)
    sandbox.driver.command(CAROL, ACME, "dispute Acme Alliance deliveries late")
    assert publishes(sandbox, BOB) == before + 1
    assert waiting(sandbox) == []


def test_home_tabs_a_dead_process_did_not_draw_are_drawn_by_the_next_nudge_run(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    before = {user: publishes(sandbox, user) for user in (ALICE, BOB, CAROL)}
    # The work of Carol's dispute commits, and its process dies before it draws anyone's Home tab.
    uow = sandbox.database.uow(sandbox.workspace.team_id)
    raised = dispute_service.raise_named(uow, "Acme Alliance deliveries late", by=CAROL, now=sandbox.clock.now())
    assert isinstance(raised, dispute_service.DisputeRaised)
    assert waiting(sandbox) == sorted([ALICE, BOB, CAROL])

    sandbox.advance(timedelta(minutes=5))  # the next nudge run, past the minute the work had to draw them

    assert {user: publishes(sandbox, user) - before[user] for user in (ALICE, BOB, CAROL)} == {
        ALICE: 1,
        BOB: 1,
        CAROL: 1,
    }
    home = sandbox.workspace.home(BOB)
    assert home is not None and "deliveries late" in str(home.view)
    assert waiting(sandbox) == []
    sandbox.advance(timedelta(minutes=5))
    assert publishes(sandbox, BOB) == before[BOB] + 1  # drawn once


def test_a_change_rolled_back_asks_for_no_home_tab(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    sandbox.driver.command(CAROL, ACME, "dispute Acme Alliance " + "x" * 5000)  # refused: too long
    assert waiting(sandbox) == []
