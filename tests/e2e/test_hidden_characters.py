"""Hidden characters typed into Slack, end to end: a modal names the field that holds one and saves nothing; a
thread reply is kept as a note without them, a NUL included, on SQLite as on PostgreSQL."""

import logging
from datetime import timedelta

import pytest

from bot.sandbox.harness import Sandbox
from stages import review_service
from tests.conftest import START
from tests.e2e.helpers import ACME, ALICE, DAVE, create_relationship, fresh, relationship, shown

RATINGS = {"delivery": "4", "trust": "3", "value": "4", "governance": "5"}


@pytest.fixture
def database_url(any_database_url: str) -> str:
    return any_database_url


@pytest.fixture
def acme(sandbox: Sandbox) -> Sandbox:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, cadence="30")
    return sandbox


def test_a_review_with_a_zero_width_character_is_refused_under_its_field(acme: Sandbox) -> None:
    acme.driver.command(ALICE, ACME, "review Acme Alliance")
    answers = {"summary": "Delivery on\u200b track", "decisions": "Weekly stand-up", **RATINGS}
    submission = acme.driver.submit(ALICE, answers)
    assert submission.errors == {
        "summary": "Remove the character nobody can see (U+200B: a control, zero-width or text-direction character)."
    }
    assert review_service.recent(acme.database.uow(acme.workspace.team_id), relationship(acme).id or 0) == []
    assert relationship(acme).next_review_due == START.date() + timedelta(days=30)


def test_a_thread_reply_with_a_nul_is_kept_without_it(acme: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    acme.driver.command(ALICE, ACME, "checkin Acme Alliance")
    parent = acme.workspace.top_level(ACME)[-1]
    items = acme.workspace.replies(ACME, parent.ts)
    with caplog.at_level(logging.WARNING):
        reply = acme.driver.say(DAVE, ACME, "4: benefits\x00 paper \u202ecirculated", thread_ts=parent.ts)

    assert fresh(acme, reply).reactions == {"memo": [acme.workspace.bot_user_id]}
    assert ":speech_balloon: 1 note" in shown(fresh(acme, items[3]))
    with acme.database.uow(acme.workspace.team_id) as uow:
        note = uow.notes.by_message(ACME, reply.ts)
    assert note is not None and (note.text, note.item_id) == ("4: benefits paper circulated", "S1.4")
    assert f"reply {reply.ts} is kept without its hidden characters (the first was U+0000)" in caplog.messages
