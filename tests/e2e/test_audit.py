"""The audit trail: every kind of change leaves one event, in the same transaction, and none can be altered."""

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.nudges.blocks import snooze_action
from bot.sandbox.harness import Sandbox
from bot.slack import ids
from stages.audit import AuditEvent
from storage.database import Database
from storage.repositories.audit import SqlAuditRepository
from tests.conftest import START
from tests.e2e.helpers import (
    ACME,
    ALICE,
    BOB,
    CAROL,
    DAVE,
    PARTNERSHIPS,
    create_relationship,
    escalate,
    last_ephemeral,
    relationship,
    shown,
)

EVIDENCE = "https://intranet.example.com/evidence"


def trail(sandbox: Sandbox, name: str = "Acme Alliance") -> list[AuditEvent]:
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:
        return uow.audit.all(relationship(sandbox, name).id or 0)


def test_every_kind_of_change_leaves_an_event(sandbox: Sandbox) -> None:
    driver, ws = sandbox.driver, sandbox.workspace
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    driver.command(ALICE, ACME, "edit Acme Alliance")
    driver.submit(ALICE, {"partner": "Acme Holdings"})

    driver.command(ALICE, ACME, "checkin Acme Alliance")
    parent = ws.top_level(ACME)[-1]
    items = ws.replies(ACME, parent.ts)
    for item in items:
        driver.click(ALICE, ws.find(ACME, item.ts), ids.ACTION_ITEM_DONE)  # type: ignore[arg-type]
        driver.click(ALICE, ws.find(ACME, item.ts), ids.ACTION_ITEM_EVIDENCE)  # type: ignore[arg-type]
        driver.submit(ALICE, {"link": EVIDENCE})
    driver.click(ALICE, ws.find(ACME, items[0].ts), ids.ACTION_ITEM_ASSIGN, selected=CAROL)  # type: ignore[arg-type]
    note = driver.say(CAROL, ACME, "S1.2 policy signed", thread_ts=parent.ts)
    driver.edit(CAROL, note, "S1.3 objectives signed")
    driver.delete(CAROL, note)
    driver.click(BOB, ws.find(ACME, parent.ts), ids.ACTION_SIGN_OFF)  # type: ignore[arg-type]
    driver.click(BOB, ws.find(ACME, parent.ts), ids.ACTION_REOPEN)  # type: ignore[arg-type]
    driver.submit(BOB, {"reason": "Policy was not approved after all"})

    driver.command(ALICE, ACME, "review Acme Alliance")
    driver.submit(ALICE, {"summary": "Fine", "delivery": "4", "trust": "4", "value": "4", "governance": "4"})
    driver.command(ALICE, ACME, "exit Acme Alliance")
    driver.submit(ALICE, {"triggers": "Acquisition", "plan": "Wind down", "reviewed_with": [BOB]})
    driver.command(DAVE, ACME, "dispute Acme Alliance late invoices")
    dispute = ws.top_level(ACME)[-1]
    driver.click(ALICE, ws.find(ACME, dispute.ts), ids.ACTION_DISPUTE_ACKNOWLEDGE)  # type: ignore[arg-type]
    escalate(sandbox, ALICE, ws.find(ACME, dispute.ts))  # type: ignore[arg-type]
    driver.click(DAVE, ws.find(ACME, dispute.ts), ids.ACTION_DISPUTE_UPDATE)  # type: ignore[arg-type]
    driver.submit(DAVE, {"update": "Invoices reissued"})
    driver.click(BOB, ws.find(ACME, dispute.ts), ids.ACTION_DISPUTE_RESOLVE)  # type: ignore[arg-type]
    driver.submit(BOB, {"resolution": "Paid", "root_cause": "Wrong PO numbers"})
    sandbox.clock.advance(timedelta(days=7))
    sandbox.run_nudges()
    reminder = sandbox.workspace.top_level(sandbox.workspace.im_with(ALICE).id)[-1]
    driver.click(ALICE, reminder, snooze_action(1))

    events = trail(sandbox)
    actions = {event.action for event in events}
    assert actions == {
        "relationship.created",
        "relationship.introduced",
        "relationship.edited",
        "checkin.opened",
        "checkin.posted",
        "item.status",
        "item.evidence",
        "item.assignment",
        "note.added",
        "note.edited",
        "note.deleted",
        "stage.signed_off",
        "stage.reopened",
        "review.recorded",
        "exit_strategy.saved",
        "dispute.raised",
        "dispute.posted",
        "dispute.acknowledged",
        "dispute.escalated",
        "dispute.update",
        "dispute.resolved",
        "nudge.snoozed",
    }
    assert [e.id for e in events] == sorted(e.id for e in events)  # in the order things happened

    edited = next(e for e in events if e.action == "relationship.edited")
    assert (edited.actor_id, edited.before["partner"], edited.after["partner"]) == (ALICE, "Acme Ltd", "Acme Holdings")  # type: ignore[index]
    first_done = next(e for e in events if e.action == "item.status")
    assert (first_done.subject, first_done.before["status"], first_done.after["status"]) == ("S1.1", "open", "done")  # type: ignore[index]
    deleted = next(e for e in events if e.action == "note.deleted")
    assert deleted.before["text"] == "S1.3 objectives signed" and deleted.after is None  # type: ignore[index]
    signed = next(e for e in events if e.action == "stage.signed_off")
    assert (signed.actor_id, signed.before["stage"], signed.after["stage"]) == (BOB, 1, 2)  # type: ignore[index]
    reopened = next(e for e in events if e.action == "stage.reopened")
    assert reopened.after["reopen_reason"] == "Policy was not approved after all"  # type: ignore[index]
    escalated = next(e for e in events if e.action == "dispute.escalated")
    assert (escalated.before["tier"], escalated.after["tier"]) == (1, 2)  # type: ignore[index]
    assert len([e for e in events if e.action == "item.status"]) == 7


def test_a_change_and_its_event_are_kept_together_or_not_at_all(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    sandbox.driver.command(ALICE, ACME, "checkin Acme Alliance")
    item = sandbox.workspace.replies(ACME, sandbox.workspace.top_level(ACME)[-1].ts)[0]
    before = len(trail(sandbox))

    def broken(*_args: object, **_kwargs: object) -> AuditEvent:
        raise IntegrityError("INSERT INTO audit_event", {}, Exception("disk full"))

    monkeypatch.setattr(SqlAuditRepository, "record", broken)
    sandbox.driver.click(ALICE, item, ids.ACTION_ITEM_DONE)
    assert "Sorry, something went wrong on my side and nothing was changed" in last_ephemeral(sandbox, ALICE).text
    monkeypatch.undo()
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:
        assert uow.checklist.states(relationship(sandbox).id or 0) == {}  # the answer was rolled back with it
    assert len(trail(sandbox)) == before
    assert ":white_circle: Open" in shown(sandbox.workspace.find(ACME, item.ts))  # type: ignore[arg-type]


def test_the_history_command_shows_the_latest_changes(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    sandbox.driver.command(ALICE, ACME, "checkin Acme Alliance")
    item = sandbox.workspace.replies(ACME, sandbox.workspace.top_level(ACME)[-1].ts)[1]
    sandbox.driver.click(CAROL, item, ids.ACTION_ITEM_NOT_APPLICABLE)
    sandbox.driver.submit(CAROL, {"reason": "No policy team"})
    sandbox.driver.command(DAVE, PARTNERSHIPS, "history Acme Alliance 3")
    shown_history = shown(last_ephemeral(sandbox, DAVE))
    lines = [line for line in shown_history.split("\n") if "<!date^" in line]
    assert len(lines) == 3
    assert "Carol Jensen marked S1.2 Not applicable: No policy team" in lines[0]  # newest first
    assert "Accord posted the check-in thread of stage 1" in lines[1]
    assert "Alice Moreau opened the check-in of stage 1" in lines[2]
    sandbox.driver.command(DAVE, PARTNERSHIPS, "history Acme Alliance")
    assert "Alice Moreau started managing Acme Alliance" in shown(last_ephemeral(sandbox, DAVE))
    sandbox.driver.command(DAVE, PARTNERSHIPS, "history Acme Alliance 500")
    assert "Showing the latest 40, the most `/accord history` shows at once." in shown(last_ephemeral(sandbox, DAVE))
    sandbox.driver.command(DAVE, PARTNERSHIPS, "history Acme Alliance 0")
    nothing = shown(last_ephemeral(sandbox, DAVE))
    assert "You asked for none of the changes" in nothing and "<!date^" not in nothing
    sandbox.driver.command(DAVE, PARTNERSHIPS, "history Acme Aliance")
    assert "Did you mean *Acme Alliance*?" in last_ephemeral(sandbox, DAVE).text


def test_editing_is_for_the_owner_or_sponsor_and_checks_the_name(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    create_relationship(sandbox, "Globex Supply", partner="Globex", channel=PARTNERSHIPS)
    sandbox.driver.command(CAROL, ACME, "edit Acme Alliance")
    assert "can edit the relationship. Nothing was changed." in last_ephemeral(sandbox, CAROL).text
    assert sandbox.workspace.current_modal(CAROL) is None

    sandbox.driver.command(BOB, ACME, "edit Acme Alliance")
    modal = sandbox.workspace.current_modal(BOB)
    assert modal is not None and modal.view["callback_id"] == ids.VIEW_EDIT_RELATIONSHIP
    assert sandbox.driver.submit(BOB, {"cadence": "400"}, client_checks=False).errors == {
        "cadence": "Reviews can be 7 to 365 days apart (400 is outside that)."
    }
    taken = sandbox.driver.submit(BOB, {"name": "globex supply", "cadence": "30"}).errors
    assert taken["name"].startswith('"Globex Supply" already exists in this workspace')
    sandbox.driver.submit(BOB, {"name": "Acme Europe", "cadence": "30", "owner": DAVE})
    assert "Saved the changes to *Acme Europe*." in shown(sandbox.workspace.current_modal(BOB))
    edited = relationship(sandbox, "Acme Europe")
    assert (edited.owner_id, edited.review_cadence_days) == (DAVE, 30)
    assert edited.next_review_due == sandbox.clock.now().date() + timedelta(days=30)  # brought forward
    assert edited.stage == 1
    sandbox.driver.command(ALICE, ACME, "edit Acme Europe")  # Alice no longer owns it
    assert "can edit the relationship" in last_ephemeral(sandbox, ALICE).text


def test_audit_events_cannot_be_changed_or_removed(any_database_url: str) -> None:
    database = Database(any_database_url)
    database.upgrade()
    with database.uow("T1") as uow:
        uow.audit.record(None, "U1", START, "test.event", "subject", after={"a": 1})
        uow.commit()
    for statement in ("UPDATE audit_event SET actor_id = 'U2'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
            connection.execute(text(statement))
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT actor_id FROM audit_event")).scalars().all() == ["U1"]
    database.dispose()
