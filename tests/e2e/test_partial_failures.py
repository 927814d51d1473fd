"""A request that fails after its change was saved says what was saved, never that nothing was."""

from bot.sandbox.harness import Sandbox
from bot.slack import ids
from stages import dispute_service, relationship_service
from tests.e2e.helpers import ACME, ALICE, BOB, create_relationship, last_ephemeral, relationship, shown

LOST = 5  # more dropped connections than the Web API client retries


def test_a_dispute_saved_but_not_posted_is_reported_as_saved(sandbox: Sandbox) -> None:
    create_relationship(sandbox)
    sandbox.emulator.fail("chat.postMessage", drop=True, times=LOST)

    sandbox.driver.command(BOB, ACME, "dispute Acme Alliance deliveries late three weeks running")

    answer = last_ephemeral(sandbox, BOB).text
    assert "The dispute was saved, but something went wrong after that" in answer
    assert "nothing was changed" not in answer
    [case] = dispute_service.open_cases(sandbox.database.uow(sandbox.workspace.team_id), relationship(sandbox).id)
    assert case.dispute.summary == "deliveries late three weeks running"
    assert case.dispute.thread_ts is None  # not posted


def test_a_relationship_saved_before_a_failure_is_reported_as_saved_without_the_form(sandbox: Sandbox) -> None:
    sandbox.emulator.fail("views.publish", drop=True, times=LOST)  # the Home tabs, redrawn once it is saved
    sandbox.driver.command(ALICE, ACME, "new")
    sandbox.driver.submit(ALICE, {"name": "Acme Alliance", "partner": "Acme Ltd", "sponsor": BOB})

    modal = sandbox.workspace.current_modal(ALICE)
    assert modal is not None and modal.view["callback_id"] == ids.VIEW_NEW_RELATIONSHIP
    assert "The relationship was saved, but something went wrong after that" in shown(modal)
    assert "nothing was saved" not in shown(modal)
    assert [b for b in modal.view["blocks"] if b["type"] == "input"] == []  # no form to submit a second time
    assert [
        r.name for r in relationship_service.list_relationships(sandbox.database.uow(sandbox.workspace.team_id))
    ] == ["Acme Alliance"]
