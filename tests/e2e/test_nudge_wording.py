"""What a nudge DM says reads well: each thing once, the right part for the person, dates as people write them."""

from dataclasses import replace
from datetime import timedelta

from bot.sandbox.harness import Sandbox
from stages.nudges import Nudge, NudgeKind, due_subject
from tests.e2e.helpers import ALICE, BOB, CAROL, create_relationship, relationship, shown
from tests.e2e.test_nudges import dms, outbox


def test_an_owner_who_is_also_the_sponsor_is_reminded_once_as_the_owner(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:  # kept from before a form refused this
        uow.relationships.update(replace(relationship(sandbox), sponsor_id=ALICE))
        uow.commit()
    sandbox.advance(timedelta(days=7))  # Wed 2 Dec: due
    sandbox.advance(timedelta(days=7))  # Wed 9 Dec: a week overdue, when a sponsor hears of it
    text = shown(dms(sandbox, ALICE)[-1])
    assert text.count("Acme Alliance") == 1
    assert "The review of *Acme Alliance* is 7 days overdue (due 2 Dec 2026)." in text
    assert "executive sponsor" not in text and "the owner has not recorded it yet" not in text
    assert all(tier == 0 for _, _, tier, _ in outbox(sandbox))


def test_two_reminders_of_one_review_going_out_together_make_one_line(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    acme = relationship(sandbox)
    held_back = Nudge(  # the sponsor's part, queued for the owner when the owner was also the sponsor
        NudgeKind.REVIEW,
        due_subject(acme, acme.next_review_due),
        1,
        "held",
        ALICE,
        acme.id or 0,
        {"name": "Acme Alliance", "due": acme.next_review_due.isoformat()},
    )
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:
        uow.nudges.enqueue([held_back], sandbox.clock.now())
        uow.commit()
    sandbox.advance(timedelta(days=9))  # Fri 4 Dec: two days overdue
    [dm] = dms(sandbox, ALICE)
    text = shown(dm)
    assert text.count("Acme Alliance") == 1 and "You are its executive sponsor" not in text
    assert "The review of *Acme Alliance* is 2 days overdue (due 2 Dec 2026)." in text
    assert dm.text == "Accord: 1 thing needs you"
    assert {status for *_, status in outbox(sandbox)} == {"sent"}


def test_a_notice_sent_with_something_due_goes_out_under_what_needs_the_reader(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", user=CAROL, owner=ALICE, sponsor=BOB, cadence="7")
    sandbox.clock.advance(timedelta(days=7))  # Wed 2 Dec: the review is due, and Alice not told yet she owns it
    sandbox.run_nudges()
    [dm] = dms(sandbox, ALICE, notices=True)
    assert "made you relationship owner of *Acme Alliance*" in shown(dm)
    assert "The review of *Acme Alliance* is due today." in shown(dm)
    assert dm.text == "Accord: 2 things need you"
    assert dm.blocks[0]["text"]["text"] == "What needs you in Accord"
