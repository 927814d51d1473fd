"""Reviews, disputes and the exit strategy, driven through the sandbox as Slack would drive them."""

from copy import deepcopy
from datetime import date, timedelta

import pytest

from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from bot.slack import ids
from stages import dispute_service, exit_service, review_service
from stages.disputes import DisputeEventKind, DisputeStatus
from stages.nudges import NudgeKind
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
    fresh,
    last_ephemeral,
    relationship,
    shown,
)

RATINGS = {"delivery": "4", "trust": "3", "value": "4", "governance": "5"}


@pytest.fixture
def acme(sandbox: Sandbox) -> Sandbox:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB, cadence="30")
    return sandbox


# ----- reviews


def test_the_owner_records_a_review_that_is_posted_and_sets_the_next_date(acme: Sandbox) -> None:
    acme.driver.command(ALICE, PARTNERSHIPS, "review acme alliance")
    modal = acme.workspace.current_modal(ALICE)
    assert modal is not None and modal.view["callback_id"] == ids.VIEW_REVIEW
    dates = [b["element"] for b in modal.view["blocks"] if b.get("block_id") == ids.BLOCK_NEXT_REVIEW]
    assert dates[0]["initial_date"] == (START.date() + timedelta(days=30)).isoformat()  # the cadence

    submission = acme.driver.submit(ALICE, {"summary": "A good quarter", "decisions": "Weekly stand-up", **RATINGS})
    assert submission.errors == {}
    posted = shown(acme.workspace.top_level(ACME)[-1])
    assert f"*Review of Acme Alliance* by <@{ALICE}> · health *4.0/5*" in posted
    assert "Delivery 4/5 · Trust and behaviours 3/5 · Value 4/5 · Governance 5/5" in posted
    assert "*Decisions:* Weekly stand-up" in posted and "Next review due *25 Dec 2026*." in posted
    reviewed = relationship(acme)
    assert reviewed.next_review_due == date(2026, 12, 25) and reviewed.last_reviewed_at == START
    [review] = review_service.recent(acme.database.uow(acme.workspace.team_id), reviewed.id or 0)
    assert (review.summary, review.ratings, review.reviewed_by) == (
        "A good quarter",
        {k: int(v) for k, v in RATINGS.items()},
        ALICE,
    )


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        ({"summary": "  "}, {"summary": "Summarise how the relationship is going."}),
        ({"trust": None}, {"trust": "Choose a rating from 1 (poor) to 5 (excellent)."}),
        ({"next_review": "2026-11-25"}, {"next_review": "Choose a date after today."}),
        (
            {"next_review": "2029-01-01"},
            {"next_review": "Choose a date within 730 days: reviews should not wait longer."},
        ),
        ({"summary": "x" * 3001}, {"summary": "Keep this to 3000 characters or fewer (it has 3001)."}),
        (
            {"next_review": "2026-02-30"},
            {"next_review": '"2026-02-30" is not a date in the calendar: choose one from the date picker.'},
        ),
        (
            {"summary": " ", "trust": None, "next_review": "2026-02-30"},
            {
                "summary": "Summarise how the relationship is going.",
                "trust": "Choose a rating from 1 (poor) to 5 (excellent).",
                "next_review": '"2026-02-30" is not a date in the calendar: choose one from the date picker.',
            },
        ),
    ],
)
def test_bad_review_input_is_shown_under_its_field(
    acme: Sandbox, answers: dict[str, str | None], errors: dict[str, str]
) -> None:
    acme.driver.command(ALICE, ACME, "review Acme Alliance")
    submission = acme.driver.submit(ALICE, {"summary": "Fine", **RATINGS, **answers}, client_checks=False)
    assert submission.errors == errors
    assert review_service.recent(acme.database.uow(acme.workspace.team_id), relationship(acme).id or 0) == []
    assert relationship(acme).next_review_due == START.date() + timedelta(days=30)


def test_only_the_owner_or_sponsor_may_review(acme: Sandbox) -> None:
    acme.driver.command(CAROL, ACME, "review Acme Alliance")
    assert "Only the relationship's owner (<@U0ALICE>) or executive sponsor (<@U0BOB>) can record its review." in (
        last_ephemeral(acme, CAROL).text
    )
    assert acme.workspace.current_modal(CAROL) is None


# ----- the exit strategy


def test_the_exit_strategy_is_saved_as_versions_and_sets_its_next_joint_review(acme: Sandbox) -> None:
    acme.driver.command(BOB, ACME, "exit Acme Alliance")
    acme.driver.submit(
        BOB, {"triggers": "Partner acquired", "plan": "Six-month wind-down", "reviewed_with": [ALICE, DAVE]}
    )
    first = shown(acme.workspace.top_level(ACME)[-1])
    assert (
        "*Exit strategy v1 of Acme Alliance* saved by <@U0BOB> after a joint review with <@U0ALICE>, <@U0DAVE>."
        in first
    )
    assert "*Triggers:* Partner acquired" in first and "Next joint review due *24 May 2027*." in first

    acme.driver.command(ALICE, ACME, "exit Acme Alliance")
    modal = acme.workspace.current_modal(ALICE)
    assert modal is not None
    elements = {b["block_id"]: b["element"] for b in modal.view["blocks"] if b["type"] == "input"}
    assert elements[ids.BLOCK_TRIGGERS]["initial_value"] == "Partner acquired"  # starts from the last version
    assert elements[ids.BLOCK_REVIEWED_WITH]["initial_users"] == [ALICE, DAVE]
    acme.driver.submit(ALICE, {"continuity": "Customers move to the new supplier in waves"})
    latest = exit_service.latest(acme.database.uow(acme.workspace.team_id), relationship(acme).id or 0)
    assert latest is not None and latest.version == 2
    assert (latest.triggers, latest.continuity) == ("Partner acquired", "Customers move to the new supplier in waves")
    assert relationship(acme).next_exit_review_due == date(2027, 5, 24)


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        ({"triggers": ""}, {"triggers": "Say what would end the relationship, or show it has served its purpose."}),
        ({"plan": " "}, {"plan": "Summarise how the exit would be carried out."}),
        ({"reviewed_with": []}, {"reviewed_with": "Choose the people, from both sides, it was reviewed with."}),
    ],
)
def test_bad_exit_strategy_input_is_shown_under_its_field(
    acme: Sandbox, answers: dict[str, object], errors: dict[str, str]
) -> None:
    acme.driver.command(ALICE, ACME, "exit Acme Alliance")
    filled = {"triggers": "Acquired", "plan": "Wind down", "reviewed_with": [BOB]} | answers
    assert acme.driver.submit(ALICE, filled, client_checks=False).errors == errors
    assert exit_service.latest(acme.database.uow(acme.workspace.team_id), relationship(acme).id or 0) is None


def test_only_the_owner_or_sponsor_may_save_the_exit_strategy(acme: Sandbox) -> None:
    acme.driver.command(DAVE, ACME, "exit Acme Alliance")
    assert "can save its exit strategy. Nothing was changed." in last_ephemeral(acme, DAVE).text


# ----- disputes


def raise_dispute(
    sandbox: Sandbox, text: str = "Acme Alliance deliveries late three weeks running", user: str = CAROL
) -> Message:
    sandbox.driver.command(user, PARTNERSHIPS, f"dispute {text}")
    return sandbox.workspace.top_level(ACME)[-1]


def test_a_dispute_is_posted_as_a_thread_in_the_relationships_channel(acme: Sandbox) -> None:
    parent = raise_dispute(acme)
    assert "Raised dispute #1 on *Acme Alliance* in <#C0ACME>." in last_ephemeral(acme, CAROL).text
    text = shown(parent)
    assert "Dispute #1 · Acme Alliance" in text and "deliveries late three weeks running" in text
    assert "Tier 1 · Working level · raised by <@U0CAROL>" in text and "owner <@U0ALICE>" in text
    assert {"Acknowledge", "Add update", "Escalate", "Resolve"} <= set(text.split("\n"))
    [case] = dispute_service.open_cases(acme.database.uow(acme.workspace.team_id))
    assert (case.dispute.channel_id, case.dispute.thread_ts) == (ACME, parent.ts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Acme Alliance",
            "Say what the dispute is about: `/accord dispute Acme Alliance late deliveries since March`.",
        ),
        ("Acme Aliance late", "Did you mean *Acme Alliance*?"),
        ("", "That command needs more: `/accord dispute &lt;relationship&gt; &lt;summary&gt;`."),
    ],
)
def test_dispute_command_mistakes_are_explained(acme: Sandbox, text: str, expected: str) -> None:
    acme.driver.command(CAROL, ACME, f"dispute {text}")
    assert expected in last_ephemeral(acme, CAROL).text
    assert dispute_service.open_cases(acme.database.uow(acme.workspace.team_id)) == []


def test_the_longest_matching_name_wins(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme", partner="Acme Group")
    create_relationship(sandbox, "Acme Alliance", partner="Acme Ltd")
    sandbox.driver.command(CAROL, ACME, "dispute acme alliance invoices disputed")
    [case] = dispute_service.open_cases(sandbox.database.uow(sandbox.workspace.team_id))
    assert (case.relationship.name, case.dispute.summary) == ("Acme Alliance", "invoices disputed")


def test_a_dispute_climbs_its_ladder_and_is_resolved(acme: Sandbox) -> None:
    driver = acme.driver
    parent = raise_dispute(acme)
    driver.click(DAVE, fresh(acme, parent), ids.ACTION_DISPUTE_ACKNOWLEDGE)
    assert "the relationship's owner (<@U0ALICE>) or executive sponsor (<@U0BOB>) can acknowledge the dispute" in (
        last_ephemeral(acme, DAVE).text
    )
    before = deepcopy(fresh(acme, parent))
    driver.click(ALICE, before, ids.ACTION_DISPUTE_ACKNOWLEDGE)
    driver.click(ALICE, before, ids.ACTION_DISPUTE_ACKNOWLEDGE)  # a double click
    driver.click(DAVE, fresh(acme, parent), ids.ACTION_DISPUTE_UPDATE)  # anyone may add an update
    assert driver.submit(DAVE, {"update": " "}, client_checks=False).errors == {"update": "Write the update."}
    driver.submit(DAVE, {"update": "Spoke to their logistics lead"})
    escalate(acme, ALICE, fresh(acme, parent), "Their lead has not answered in a week")
    replies = [m.text for m in acme.workspace.replies(ACME, parent.ts)]
    assert replies[0] == ":eyes: <@U0ALICE> acknowledged the dispute."
    assert replies[1] == ":memo: Update from <@U0DAVE>: Spoke to their logistics lead"
    assert (
        "escalated the dispute to *tier 2 · Joint management team*: it stays with its owner, <@U0ALICE>."
        in (replies[2])
    )
    assert len(replies) == 3
    assert "Tier 2 · Joint management team" in shown(fresh(acme, parent))

    with acme.database.uow(acme.workspace.team_id) as uow:
        queued = uow.nudges.claim("test", "peek", START, 10, timedelta(minutes=10))
    # Nobody is told a dispute they already own is now theirs (Bob was told only that he is the sponsor).
    assert [n.kind for n in queued] == [NudgeKind.SPONSOR_NAMED]

    driver.click(BOB, fresh(acme, parent), ids.ACTION_DISPUTE_RESOLVE)
    assert driver.submit(BOB, {"resolution": "Agreed a recovery plan"}, client_checks=False).errors == {
        "root_cause": "Say what caused it, so it can be prevented."
    }
    driver.submit(BOB, {"resolution": "Agreed a recovery plan", "root_cause": "Forecasts were not shared"})
    resolved = shown(fresh(acme, parent))
    assert "*Resolved* by <@U0BOB>" in resolved and "*Root cause:* Forecasts were not shared" in resolved
    assert "Escalate" not in resolved
    case = dispute_service.case(acme.database.uow(acme.workspace.team_id), 1)
    assert case.dispute.status is DisputeStatus.RESOLVED and case.dispute.tier == 2
    kinds = [e.kind for e in dispute_service.history(acme.database.uow(acme.workspace.team_id), 1)]
    assert kinds == [
        DisputeEventKind.RAISED,
        DisputeEventKind.ACKNOWLEDGED,
        DisputeEventKind.UPDATE,
        DisputeEventKind.ESCALATED,
        DisputeEventKind.RESOLVED,
    ]


def test_open_disputes_are_listed_with_age_and_tier(acme: Sandbox) -> None:
    create_relationship(acme, "Globex Supply", partner="Globex", channel=PARTNERSHIPS)
    raise_dispute(acme)
    acme.driver.command(DAVE, PARTNERSHIPS, "dispute Globex Supply pricing")
    acme.clock.advance(timedelta(days=3))
    acme.driver.command(BOB, ACME, "disputes")
    listed = shown(last_ephemeral(acme, BOB))
    assert "2 open disputes" in listed
    assert "*#1 · Acme Alliance* · deliveries late three weeks running" in listed
    assert "Tier 1 · Working level · 3 days old · <https://" in listed
    acme.driver.command(BOB, ACME, "disputes Globex Supply")
    scoped = shown(last_ephemeral(acme, BOB))
    assert "1 open dispute on Globex Supply" in scoped and "Acme Alliance" not in scoped
    acme.driver.command(BOB, ACME, "disputes Initech")
    assert "There is no relationship called *Initech*" in last_ephemeral(acme, BOB).text


def test_a_message_is_raised_as_a_dispute_with_the_shortcut(acme: Sandbox) -> None:
    complaint = acme.driver.say(DAVE, ACME, "Third late delivery this month, this is hurting our customers")
    acme.driver.message_shortcut(DAVE, complaint, ids.SHORTCUT_RAISE_DISPUTE)
    modal = acme.workspace.current_modal(DAVE)
    assert modal is not None
    summary = next(b["element"] for b in modal.view["blocks"] if b.get("block_id") == ids.BLOCK_SUMMARY)
    assert summary["initial_value"] == "Third late delivery this month, this is hurting our customers"
    assert acme.driver.submit(DAVE, {}, client_checks=False).errors == {
        ids.BLOCK_RELATIONSHIP: "Choose the relationship the dispute belongs to."
    }
    acme.driver.submit(DAVE, {ids.BLOCK_RELATIONSHIP: str(relationship(acme).id)})
    [case] = dispute_service.open_cases(acme.database.uow(acme.workspace.team_id))
    assert case.dispute.summary == "Third late delivery this month, this is hurting our customers"
    assert (
        case.dispute.source_link == f"https://accord-sandbox.slack.com/archives/{ACME}/p{complaint.ts.replace('.', '')}"
    )
    assert "<https://accord-sandbox.slack.com/archives/" in shown(acme.workspace.top_level(ACME)[-1])
    assert "Raised dispute #1" in shown(acme.workspace.current_modal(DAVE))


def test_the_shortcut_without_relationships_says_how_to_start(sandbox: Sandbox) -> None:
    message = sandbox.driver.say(DAVE, ACME, "Late again")
    sandbox.driver.message_shortcut(DAVE, message, ids.SHORTCUT_RAISE_DISPUTE)
    assert "There are no relationships in this workspace yet" in last_ephemeral(sandbox, DAVE).text
    assert sandbox.workspace.current_modal(DAVE) is None
