"""What `/accord` says back is about what was typed: the summary's own limit, and help on one topic."""

from bot.sandbox.harness import Sandbox
from stages import dispute_service
from tests.e2e.helpers import ACME, ALICE, create_relationship, last_ephemeral, shown


def test_an_over_long_dispute_summary_is_blamed_on_the_summary_with_its_limit(sandbox: Sandbox) -> None:
    create_relationship(sandbox)
    sandbox.driver.command(ALICE, ACME, "dispute Acme Alliance " + "x" * 520)
    told = last_ephemeral(sandbox, ALICE).text
    assert told == "The dispute's summary is 520 characters long: keep it to 500 or fewer. Nothing was raised."
    assert "name" not in told
    assert dispute_service.open_cases(sandbox.database.uow(sandbox.workspace.team_id)) == []


def test_help_on_one_topic_shows_only_that_command(sandbox: Sandbox) -> None:
    sandbox.driver.command(ALICE, ACME, "help Checkin")
    told = shown(last_ephemeral(sandbox, ALICE))
    assert "/accord checkin &lt;relationship&gt; [stage]" in told
    assert "/accord status" not in told and "/accord new" not in told


def test_names_are_found_whatever_their_accents_and_case(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Café Crème")
    sandbox.driver.command(ALICE, ACME, "status cafe CREME")
    assert "Stage 1 · Operational awareness" in shown(last_ephemeral(sandbox, ALICE))
    sandbox.driver.command(ALICE, ACME, "dispute Cafe Creme the beans arrived late")
    [case] = dispute_service.open_cases(sandbox.database.uow(sandbox.workspace.team_id))
    assert (case.relationship.name, case.dispute.summary) == ("Café Crème", "the beans arrived late")
    sandbox.driver.command(ALICE, ACME, "new CAFE creme")
    assert "There is already a relationship called *Café Crème*" in last_ephemeral(sandbox, ALICE).text
