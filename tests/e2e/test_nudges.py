"""Nudges with the clock moved forward: the right people, once, in their working hours, up the ladder."""

import gc
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.nudges.blocks import snooze_action
from bot.nudges.delivery import nudger_for
from bot.nudges.tenant_client import TenantClient
from bot.sandbox.clock import MovableClock
from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from bot.slack import ids
from stages import dispute_service, nudge_service
from stages.nudges import NudgeKind, NudgeStatus
from tests.conftest import START
from tests.e2e.helpers import (
    ACME,
    ALICE,
    BOB,
    CAROL,
    PARTNERSHIPS,
    create_relationship,
    last_ephemeral,
    relationship,
    shown,
)

# START is Wednesday 25 November 2026, 10:00 UTC: working hours in London (Alice, Bob), 05:00 in New York (Carol).


@pytest.fixture
def database_url(any_database_url: str) -> str:
    """Every nudge test runs on SQLite and on PostgreSQL."""
    return any_database_url


def dms(sandbox: Sandbox, user: str, *, notices: bool = False) -> list[Message]:
    """Accord's direct messages to the person; unless `notices`, without those that only told them of a part
    someone gave them (the sponsor named when a relationship starts), to follow what falls due."""
    messages = sandbox.workspace.top_level(sandbox.workspace.im_with(user).id)
    if notices:
        return messages
    notice_ids = {str(i) for i, kind, *_ in outbox(sandbox, notices=True, ids=True) if NudgeKind(kind).notice}
    return [m for m in messages if not set(nudge_ids(m)) <= notice_ids]


def nudge_ids(message: Message) -> list[str]:
    """The outbox ids a nudge message carries in its metadata (none for any other message)."""
    payload = (message.metadata or {}).get("event_payload", {})
    return [i for i in str(payload.get("nudge_ids", "")).split(",") if i]


def started(sandbox: Sandbox, name: str, **answers: str) -> None:
    """A relationship created through its form, and the nudges run at once: its sponsor is told of being named
    before anything falls due, so what follows concerns only what does."""
    create_relationship(sandbox, name, **answers)
    sandbox.run_nudges()


def set_due(sandbox: Sandbox, name: str, *, review: date | None = None, exit_review: date | None = None) -> None:
    found = relationship(sandbox, name)
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:
        uow.relationships.update(
            replace(
                found,
                next_review_due=review or found.next_review_due,
                next_exit_review_due=exit_review or found.next_exit_review_due,
            )
        )
        uow.commit()


def outbox(sandbox: Sandbox, *, notices: bool = False, ids: bool = False) -> list[tuple[Any, ...]]:
    """The outbox's rows as (kind, recipient, tier, status), after their id if `ids`; notices only if `notices`."""
    from sqlmodel import select

    from storage.tables import NudgeRow

    with sandbox.database.sessions() as session:
        rows = session.exec(select(NudgeRow).order_by(NudgeRow.id)).all()  # type: ignore[arg-type]
        return [
            (*([row.id] if ids else []), row.kind, row.recipient_id, row.tier, row.status)
            for row in rows
            if notices or not NudgeKind(row.kind).notice
        ]


def test_a_review_due_today_reaches_its_owner_once(sandbox: Sandbox) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    assert sandbox.run_nudges().sent == 0  # not due yet
    sandbox.advance(timedelta(days=7))  # Wednesday 2 December, the due date
    [dm] = dms(sandbox, ALICE)
    assert "The review of *Acme Alliance* is due today." in shown(dm)
    assert {"Record review", "Snooze 1 day", "Snooze 1 week"} <= set(shown(dm).split("\n"))
    assert dms(sandbox, BOB) == []

    for _ in range(3):  # reruns, and a restart with a fresh job
        sandbox.run_nudges()
    nudger_for(sandbox.settings, sandbox.deps, sandbox.database.team_ids, sandbox.database.sweeping).run()
    sandbox.driver.settle()
    sandbox.advance(timedelta(days=1))  # one day over: the same reminder period
    assert len(dms(sandbox, ALICE)) == 1


def test_reminders_then_escalation_to_the_sponsor(sandbox: Sandbox) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.advance(timedelta(days=7))  # Wed 2 Dec: due
    sandbox.advance(timedelta(days=3))  # Sat 5 Dec: a reminder is due, but it is the weekend in London
    assert len(dms(sandbox, ALICE)) == 1
    sandbox.advance(timedelta(days=2))  # Mon 7 Dec: sent now
    assert len(dms(sandbox, ALICE)) == 2
    assert "The review of *Acme Alliance* is 5 days overdue (due 2 Dec 2026)." in shown(
        dms(sandbox, ALICE)[-1]
    )  # as of Monday
    assert dms(sandbox, BOB) == []
    sandbox.advance(timedelta(days=2))  # Wed 9 Dec: 7 days overdue, the sponsor hears of it too
    [to_sponsor] = dms(sandbox, BOB)
    assert "is 7 days overdue" in shown(to_sponsor) and "You are its executive sponsor" in shown(to_sponsor)


def test_a_dm_waits_for_working_hours_in_the_recipients_time_zone(sandbox: Sandbox) -> None:
    started(sandbox, "Globex", user=CAROL, owner=CAROL, sponsor=ALICE, channel=PARTNERSHIPS, cadence="7")
    report = sandbox.advance(timedelta(days=7))  # 10:00 UTC is 05:00 in New York
    assert report.deferred == 1 and dms(sandbox, CAROL) == []
    sandbox.advance(timedelta(hours=3, minutes=59))  # 08:59 in New York
    assert dms(sandbox, CAROL) == []
    sandbox.advance(timedelta(minutes=1))  # 09:00 there
    [dm] = dms(sandbox, CAROL)
    assert float(dm.ts) == START.timestamp() + 7 * 86400 + 4 * 3600


def test_one_message_per_person_lists_everything_due(sandbox: Sandbox) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    started(sandbox, "Globex Supply", partner="Globex", sponsor=BOB, channel=PARTNERSHIPS, cadence="7")
    set_due(sandbox, "Globex Supply", exit_review=START.date() + timedelta(days=7))
    sandbox.advance(timedelta(days=7))
    [dm] = dms(sandbox, ALICE)
    text = shown(dm)
    assert "The review of *Acme Alliance* is due today." in text
    assert "The review of *Globex Supply* is due today." in text
    assert "The joint review of the exit strategy of *Globex Supply* is due today." in text
    assert dm.text == "Accord: 3 things need you"


def test_snoozing_silences_a_nudge_until_it_ends(sandbox: Sandbox) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.advance(timedelta(days=7))
    [dm] = dms(sandbox, ALICE)
    sandbox.driver.click(ALICE, dm, snooze_action(1))
    assert "Snoozed for a day." in last_ephemeral(sandbox, ALICE).text
    sandbox.advance(timedelta(hours=6))
    assert len(dms(sandbox, ALICE)) == 1
    sandbox.advance(timedelta(hours=18))  # Thursday 10:00: the snooze is over
    assert len(dms(sandbox, ALICE)) == 2


def items(dm: Message) -> dict[str, str]:
    """The relationship each item of a nudge DM is about, with the block_id of the item's buttons."""
    pairs = zip(dm.blocks, dm.blocks[1:], strict=False)
    return {
        text["text"]["text"].split("*")[1]: buttons["block_id"]
        for text, buttons in pairs
        if buttons["type"] == "actions"
    }


def test_a_dm_of_several_items_reaches_slack_and_each_snooze_button_snoozes_its_own(sandbox: Sandbox) -> None:
    names = ("Acme Alliance", "Globex Supply", "Initech")
    for name in names:
        started(sandbox, name, partner=name, sponsor=BOB, channel=PARTNERSHIPS, cadence="7")
    sandbox.advance(timedelta(days=7))
    [dm] = dms(sandbox, ALICE)  # Slack took it: six snooze buttons, no two alike within one item's block
    buttons = items(dm)
    assert set(buttons) == set(names)
    for name, days, said in (("Acme Alliance", 1, "a day"), ("Globex Supply", 7, "a week"), ("Initech", 1, "a day")):
        sandbox.driver.click(ALICE, dm, snooze_action(days), block_id=buttons[name])
        assert f"Snoozed for {said}." in last_ephemeral(sandbox, ALICE).text
    sandbox.advance(timedelta(days=1))  # the one-day snoozes are over, the week is not
    again = shown(dms(sandbox, ALICE)[-1])
    assert len(dms(sandbox, ALICE)) == 2
    assert "*Acme Alliance*" in again and "*Initech*" in again and "*Globex Supply*" not in again


def test_the_record_review_button_opens_the_review(sandbox: Sandbox) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.advance(timedelta(days=7))
    [dm] = dms(sandbox, ALICE)
    sandbox.driver.click(ALICE, dm, ids.ACTION_NUDGE_OPEN)
    ratings = {"delivery": "3", "trust": "3", "value": "3", "governance": "3"}
    sandbox.driver.submit(ALICE, {"summary": "On track", **ratings})
    assert relationship(sandbox).next_review_due == START.date() + timedelta(days=14)
    sandbox.advance(timedelta(days=3))  # the old reminder is no longer due
    assert len(dms(sandbox, ALICE)) == 1


def test_a_nudge_no_longer_due_is_not_sent(sandbox: Sandbox) -> None:
    started(sandbox, "Globex", user=CAROL, owner=CAROL, sponsor=ALICE, channel=PARTNERSHIPS, cadence="7")
    sandbox.advance(timedelta(days=7))  # deferred: 05:00 in New York
    with sandbox.database.uow(sandbox.workspace.team_id) as uow:
        found = uow.relationships.by_name("Globex")
        assert found is not None
        uow.relationships.update(found.reviewed(sandbox.clock.now(), START.date() + timedelta(days=30)))
        uow.commit()
    report = sandbox.advance(timedelta(hours=5))
    assert report.cancelled == 1 and dms(sandbox, CAROL) == []


def test_disputes_climb_the_ladder_when_they_linger(sandbox: Sandbox) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB)
    sandbox.driver.command(CAROL, ACME, "dispute Acme Alliance deliveries late")
    parent = sandbox.workspace.top_level(ACME)[-1]
    sandbox.advance(timedelta(days=6))
    assert dms(sandbox, ALICE) == []
    sandbox.advance(timedelta(days=1))  # Wed 2 Dec: 7 days at tier 1
    [nudge] = dms(sandbox, ALICE)
    assert "Dispute on *Acme Alliance* has outstayed tier 1 (7 days old)" in shown(nudge)
    sandbox.advance(timedelta(days=1))  # the grace day is over: tier 2, the joint management team
    assert "Tier 2 · Joint management team" in shown(sandbox.workspace.find(ACME, parent.ts))  # type: ignore[arg-type]
    climbed = sandbox.workspace.replies(ACME, parent.ts)[-1].text
    assert "outstayed its tier's time limit and moved to *tier 2" in climbed
    assert "it stays with its owner, <@U0ALICE>." in climbed
    assert not any("is now yours" in shown(dm) for dm in dms(sandbox, ALICE))  # she owned it already
    sandbox.advance(timedelta(days=8))  # 8 more days: tier 3, the executive sponsors
    assert "has reached tier 3 and is now yours" in shown(dms(sandbox, BOB)[-1])
    assert "<@U0BOB>, it is now yours (it was <@U0ALICE>'s)." in sandbox.workspace.replies(ACME, parent.ts)[-1].text
    assert "owner <@U0BOB>" in shown(sandbox.workspace.find(ACME, parent.ts))  # type: ignore[arg-type]
    sandbox.advance(timedelta(days=30))  # the top of the ladder has no time limit
    assert len(dms(sandbox, BOB)) == 1
    assert "Tier 3 · Executive sponsors" in shown(sandbox.workspace.find(ACME, parent.ts))  # type: ignore[arg-type]


def lingering_dispute(sandbox: Sandbox) -> Callable[[], list[Message]]:
    """A dispute on Acme Alliance a day short of climbing to tier 2; what its thread has said about the climb."""
    started(sandbox, "Acme Alliance", sponsor=BOB)
    sandbox.driver.command(CAROL, ACME, "dispute Acme Alliance deliveries late")
    parent = sandbox.workspace.top_level(ACME)[-1]
    sandbox.advance(timedelta(days=7))
    return lambda: [m for m in sandbox.workspace.replies(ACME, parent.ts) if "moved to *tier 2" in m.text]


def test_a_dispute_thread_slack_could_not_be_told_is_told_later_once(sandbox: Sandbox) -> None:
    told = lingering_dispute(sandbox)
    sandbox.emulator.fail("chat.postMessage", status=500)  # Slack has trouble as the dispute climbs
    sandbox.advance(timedelta(days=1))
    assert told() == [] and dispute_service.case(sandbox.database.uow(sandbox.workspace.team_id), 1).dispute.tier == 2
    sandbox.advance(timedelta(minutes=1))
    assert len(told()) == 1
    sandbox.advance(timedelta(hours=1))
    assert len(told()) == 1


def test_a_thread_post_whose_answer_was_lost_is_not_posted_again(sandbox: Sandbox) -> None:
    told = lingering_dispute(sandbox)
    sandbox.emulator.fail("chat.postMessage", answer_lost=True)  # the thread is told; Accord never hears back
    report = sandbox.advance(timedelta(days=1))
    assert report.deferred == 1 and len(told()) == 1
    sandbox.advance(timedelta(minutes=1))  # the retry finds the post in the thread
    sandbox.advance(timedelta(hours=1))
    assert len(told()) == 1
    assert ("dispute_thread", ACME, 2, NudgeStatus.SENT.value) in outbox(sandbox)


def test_a_dispute_thread_accord_may_no_longer_post_in_shows_on_the_owners_home(sandbox: Sandbox) -> None:
    told = lingering_dispute(sandbox)
    sandbox.emulator.fail("chat.postMessage", error="not_in_channel")
    report = sandbox.advance(timedelta(days=1))
    assert report.failed == 1 and told() == []
    sandbox.advance(timedelta(hours=1))
    assert told() == []
    assert "I couldn't tell the thread of a dispute on *Acme Alliance* in <#C0ACME> that it moved to tier 2: " in (
        shown(sandbox.driver.open_home(ALICE))
    )


def test_exit_reviews_due_reach_the_owner_then_the_sponsor(sandbox: Sandbox) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB)
    set_due(sandbox, "Acme Alliance", exit_review=START.date())
    sandbox.run_nudges()
    assert "The joint review of the exit strategy of *Acme Alliance* is due today." in shown(dms(sandbox, ALICE)[-1])
    sandbox.advance(timedelta(days=7))
    assert "You are its executive sponsor: it has not been reviewed yet." in shown(dms(sandbox, BOB)[-1])


def test_a_rate_limit_waits_for_retry_after_and_sends_once(sandbox: Sandbox) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.emulator.fail("chat.postMessage", status=429, retry_after=30)
    report = sandbox.advance(timedelta(days=7))
    assert report.deferred == 1 and dms(sandbox, ALICE) == []
    sandbox.advance(timedelta(seconds=20))
    assert dms(sandbox, ALICE) == []
    sandbox.advance(timedelta(seconds=10))
    assert len(dms(sandbox, ALICE)) == 1
    sandbox.advance(timedelta(minutes=5))
    assert len(dms(sandbox, ALICE)) == 1


def test_server_errors_are_retried_with_backoff(sandbox: Sandbox) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.emulator.fail("chat.postMessage", status=500, times=2)
    sandbox.advance(timedelta(days=7))
    sandbox.advance(timedelta(seconds=59))
    assert dms(sandbox, ALICE) == []
    sandbox.advance(timedelta(seconds=1))  # one minute: the second attempt also fails
    sandbox.advance(timedelta(minutes=5))  # five more: the third succeeds
    assert len(dms(sandbox, ALICE)) == 1
    assert [row[3] for row in outbox(sandbox)] == [NudgeStatus.SENT.value]


def test_a_permanent_error_fails_the_nudge_and_shows_on_the_owners_home(sandbox: Sandbox) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.emulator.fail("chat.postMessage", error="account_inactive")
    report = sandbox.advance(timedelta(days=7))
    assert report.failed == 1
    sandbox.advance(timedelta(hours=1))
    assert dms(sandbox, ALICE) == []
    assert outbox(sandbox) == [("review", ALICE, 0, NudgeStatus.FAILED.value)]
    home = sandbox.driver.open_home(ALICE)
    assert "I couldn't message <@U0ALICE> about *Acme Alliance*: `account_inactive`." in shown(home)


def test_a_dm_whose_answer_was_lost_is_not_posted_again(sandbox: Sandbox) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.emulator.fail("chat.postMessage", answer_lost=True)  # Slack posts it, but the answer never arrives
    report = sandbox.advance(timedelta(days=7))
    assert report.deferred == 1 and len(dms(sandbox, ALICE)) == 1
    sandbox.advance(timedelta(minutes=1))  # the retry looks in the DM first, and finds it there
    assert [row[3] for row in outbox(sandbox)] == [NudgeStatus.SENT.value]
    sandbox.advance(timedelta(days=1))
    assert len(dms(sandbox, ALICE)) == 1


class Died(BaseException):
    """The sender's process ending abruptly (killed, out of memory): nothing after it runs."""


def die() -> None:
    raise Died


@pytest.mark.parametrize("posted", [True, False], ids=["after posting", "before posting"])
def test_a_sender_that_dies_holding_a_claim_is_succeeded_without_a_second_dm(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, posted: bool
) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.clock.advance(timedelta(days=7))
    dying = nudger_for(sandbox.settings, sandbox.deps, sandbox.database.team_ids, sandbox.database.sweeping)
    if posted:
        monkeypatch.setattr(nudge_service, "mark_sent", lambda *args: die())
    else:
        monkeypatch.setattr(TenantClient, "chat_postMessage", lambda *args, **kwargs: die())
    with pytest.raises(Died):
        dying.run()
    monkeypatch.undo()
    assert len(dms(sandbox, ALICE)) == int(posted)
    assert [row[3] for row in outbox(sandbox)] == [NudgeStatus.CLAIMED.value]

    sandbox.advance(timedelta(minutes=9))  # the claim is still the dead sender's
    assert len(dms(sandbox, ALICE)) == int(posted)
    sandbox.advance(timedelta(minutes=2))  # its lease is over: the next sender looks in Slack before posting
    assert len(dms(sandbox, ALICE)) == 1
    assert [row[3] for row in outbox(sandbox)] == [NudgeStatus.SENT.value]


def test_overlapping_runs_send_each_nudge_once(sandbox: Sandbox) -> None:
    for n in range(6):
        started(sandbox, f"Partner {n}", partner="Org", sponsor=BOB, channel=PARTNERSHIPS, cadence="7")
    sandbox.clock.advance(timedelta(days=14))  # every review a week overdue: owner and sponsor nudges
    jobs = [
        nudger_for(sandbox.settings, sandbox.deps, sandbox.database.team_ids, sandbox.database.sweeping)
        for _ in range(3)
    ]
    runs = [threading.Thread(target=job.run) for job in jobs for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    sandbox.driver.settle()
    assert len(outbox(sandbox)) == 12 and {row[3] for row in outbox(sandbox)} == {NudgeStatus.SENT.value}
    items = [shown(m).count("overdue") for m in dms(sandbox, ALICE) + dms(sandbox, BOB)]
    assert sum(items) == 12  # every nudge delivered, in however many messages the runs made


def test_the_home_tab_shows_overdue_reviews_exit_reviews_and_open_disputes(sandbox: Sandbox) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    set_due(sandbox, "Acme Alliance", exit_review=START.date())
    sandbox.driver.command(CAROL, ACME, "dispute Acme Alliance deliveries late")
    sandbox.clock.advance(timedelta(days=9))
    home = shown(sandbox.driver.open_home(ALICE))
    assert "The review of *Acme Alliance* is overdue since 2 Dec 2026." in home
    assert "The joint review of the exit strategy of *Acme Alliance* is due since 25 Nov 2026." in home
    assert "*Open disputes* (1)" in home
    assert "Tier 1 · Working level · 9 days old · :warning: past its tier's time limit" in home
    assert "Open disputes" not in shown(sandbox.driver.open_home(CAROL))


def test_the_dry_run_lists_what_would_be_sent_without_sending(tmp_path: Path) -> None:
    import os
    import re
    import subprocess
    import sys
    from datetime import UTC, datetime

    url = f"sqlite:///{tmp_path / 'dry.db'}"
    with Sandbox(url, clock=MovableClock(START - timedelta(days=30))) as box:  # Acme's review was due on 2 Nov
        create_relationship(box, "Acme Alliance", sponsor=BOB, cadence="7")
        create_relationship(box, "Globex", user=CAROL, owner=CAROL, sponsor=ALICE, channel=PARTNERSHIPS, cadence="7")
        box.driver.command(CAROL, ACME, "dispute Acme Alliance deliveries late")
        # Nudges go out on one day of the week, and never today: each person's would wait until it begins.
        working_day = f"{datetime.now(UTC) + timedelta(days=3):%a}".lower()
        env = os.environ | {
            "DATABASE_URL": url,
            "SLACK_BOT_TOKEN": box.workspace.bot_token,
            "SLACK_API_URL": box.emulator.api_url,
            "WORKING_DAYS": working_day,
        }
        result = subprocess.run(
            [sys.executable, "-m", "bot", "nudges", "--dry-run"], env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        said = result.stdout
        assert said.startswith("Workspace Accord Sandbox: ")
        assert re.search(r"To Alice Moreau, at \d{1,2} \w{3} 20\d\d, 09:00 (GMT|BST), when their working hours", said)
        assert re.search(r"To Carol Jensen, at \d{1,2} \w{3} 20\d\d, 09:00 E[SD]T, when their working hours", said)
        assert "- the review of Acme Alliance, due 2 Nov 2026, as its owner (" in said
        assert "- the review of Globex, due 2 Nov 2026, as its executive sponsor (" in said
        assert re.search(r"- dispute #1 on Acme Alliance, open \d+ days, past its time limit at tier 1\n", said)
        assert "To Bob Okafor, " in said  # more than a week overdue by now
        assert not re.search(r"U0[A-Z]+|\d{4}-\d\d-\d\d|\d\d:\d\d UTC \(", said), said
        sent = [c.args.get("channel") for c in box.workspace.calls_to("chat.postMessage")]
        assert not {ALICE, BOB, CAROL} & set(sent)  # nobody was messaged
        assert outbox(box) == []


def test_a_dropped_connection_is_retried_later(sandbox: Sandbox) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    sandbox.emulator.fail("chat.postMessage", drop=True)
    report = sandbox.advance(timedelta(days=7))
    assert report.deferred == 1 and dms(sandbox, ALICE) == []
    sandbox.advance(timedelta(minutes=1))
    assert len(dms(sandbox, ALICE)) == 1


def test_the_nudge_job_sweeps_with_the_cyclic_collector_paused_and_resumes_it_after(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    started(sandbox, "Acme Alliance", sponsor=BOB, cadence="7")
    collecting: list[bool] = []
    sweep_many = nudge_service.sweep_many

    def watched(*args: Any, **kwargs: Any) -> dict[str, nudge_service.SweepResult]:
        collecting.append(gc.isenabled())
        return sweep_many(*args, **kwargs)

    monkeypatch.setattr(nudge_service, "sweep_many", watched)
    sandbox.clock.advance(timedelta(days=8))
    assert gc.isenabled()
    sandbox.run_nudges()
    assert collecting == [False]  # one batch, swept without the collector
    assert gc.isenabled()
    assert [kind for kind, *_ in outbox(sandbox)] == [NudgeKind.REVIEW.value]  # and the sweep did its work
