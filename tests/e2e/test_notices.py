"""Telling people what concerns them: whoever someone else names sponsor or owner, assigns an item to or names in
an exit strategy review hears of it once, by DM through the outbox, and nobody hears of what they did themselves."""

from datetime import timedelta

from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from bot.slack import ids
from stages.catalogue import default_catalogue
from stages.nudges import NudgeKind, NudgeStatus
from tests.e2e.helpers import ACME, ALICE, BOB, CAROL, DAVE, create_relationship, shown
from tests.e2e.test_checkins import start_checkin
from tests.e2e.test_nudges import outbox

ROLES = default_catalogue().roles


def dms(sandbox: Sandbox, user: str) -> list[Message]:
    """Everything Accord has sent the person by DM, after a day of hourly nudge runs (people are in London, New York
    and Tokyo: each one's working hours come round)."""
    for _ in range(24):
        sandbox.advance(timedelta(hours=1))
    return sandbox.workspace.top_level(sandbox.workspace.im_with(user).id)


def buttons(message: Message) -> list[dict[str, object]]:
    return [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def test_a_sponsor_named_by_someone_else_is_told_once_what_the_role_asks(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Tom & Jerry <Alliance>", sponsor=BOB)
    [told] = dms(sandbox, BOB)
    text = shown(told)
    assert f"<@{ALICE}> named you executive sponsor of *Tom &amp; Jerry &lt;Alliance&gt;* (owner: <@{ALICE}>)." in text
    assert f"_Executive sponsor:_ {ROLES['executive_sponsor'].description}" in text
    assert "`/accord status Tom &amp; Jerry &lt;Alliance&gt;` shows where it stands." in text
    assert buttons(told) == []  # a notice: nothing to snooze
    # It asks nothing of Bob: its words say what is new for him, not what needs him.
    assert told.text == "Accord: 1 new thing for you"
    assert told.blocks[0]["text"]["text"] == "What's new for you in Accord"
    assert dms(sandbox, ALICE) == []  # she made herself owner
    sandbox.advance(timedelta(days=3))
    assert len(dms(sandbox, BOB)) == 1


def test_a_new_owner_and_a_new_sponsor_are_told_but_not_the_person_who_edited(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    dms(sandbox, BOB)
    sandbox.driver.command(BOB, ACME, "edit Acme Alliance")
    sandbox.driver.submit(BOB, {"owner": CAROL, "sponsor": DAVE})
    [to_owner] = dms(sandbox, CAROL)
    assert f"<@{BOB}> made you relationship owner of *Acme Alliance* (executive sponsor: <@{DAVE}>)." in shown(to_owner)
    assert ROLES["relationship_owner"].description in shown(to_owner)
    [to_sponsor] = dms(sandbox, DAVE)
    assert f"<@{BOB}> named you executive sponsor of *Acme Alliance* (owner: <@{CAROL}>)." in shown(to_sponsor)

    # Carol makes herself sponsor too and gives the owner's part back to Alice: only Alice hears of it.
    sandbox.driver.command(CAROL, ACME, "edit Acme Alliance")
    sandbox.driver.submit(CAROL, {"owner": ALICE, "sponsor": CAROL})
    assert len(dms(sandbox, CAROL)) == 1
    [to_alice] = dms(sandbox, ALICE)
    assert f"<@{CAROL}> made you relationship owner of *Acme Alliance*" in shown(to_alice)
    # The same answers saved again change nothing, and tell nobody anything.
    sandbox.driver.command(CAROL, ACME, "edit Acme Alliance")
    sandbox.driver.submit(CAROL, {})
    assert [len(dms(sandbox, person)) for person in (ALICE, BOB, CAROL, DAVE)] == [1, 1, 1, 1]


def test_an_assignee_is_told_once_with_a_button_to_the_item_in_its_thread(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    _, items = start_checkin(sandbox)
    for _ in range(2):  # a double click
        sandbox.driver.click(ALICE, items[2], ids.ACTION_ITEM_ASSIGN, selected=CAROL)
    [told] = dms(sandbox, CAROL)
    assert (
        f"<@{ALICE}> assigned you *S1.3* The business objectives that collaboration must serve are written down. "
        "in Stage 1 · Operational awareness of *Acme Alliance*." in shown(told)
    )
    assert "`/accord checkin Acme Alliance 1` links to it" in shown(told)
    [button] = buttons(told)
    permalink = sandbox.workspace.calls_to("chat.getPermalink")[-1]
    assert permalink.args["message_ts"] == items[2].ts
    assert button["text"] == {"type": "plain_text", "text": "Open check-in thread", "emoji": True}
    assert str(button["url"]).startswith("https://") and items[2].ts.replace(".", "") in str(button["url"])
    sandbox.driver.click(CAROL, told, ids.ACTION_OPEN_THREAD)  # Slack opens the link, and the app acknowledges

    sandbox.driver.click(CAROL, items[3], ids.ACTION_ITEM_ASSIGN, selected=CAROL)  # she takes one herself
    sandbox.advance(timedelta(days=1))
    assert len(dms(sandbox, CAROL)) == 1


def test_people_an_exit_strategy_was_reviewed_with_are_told_which_version_and_how_to_read_it(
    sandbox: Sandbox,
) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    dms(sandbox, BOB)
    sandbox.driver.command(BOB, ACME, "exit Acme Alliance")
    sandbox.driver.submit(BOB, {"triggers": "Acquired", "plan": "Wind down", "reviewed_with": [BOB, CAROL, DAVE]})
    for person in (CAROL, DAVE):
        [told] = dms(sandbox, person)
        assert (
            f"The exit strategy of *Acme Alliance* was reviewed with you: version 1, saved by <@{BOB}>. "
            f"Read it where it was posted in <#{ACME}>, or in the plan: `/accord plan Acme Alliance`." in shown(told)
        )
    assert len(dms(sandbox, BOB)) == 1  # only the notice of being named sponsor
    assert dms(sandbox, ALICE) == []


def test_every_notice_is_delivered_and_none_is_cancelled_or_queued_again(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", sponsor=BOB)
    _, items = start_checkin(sandbox)
    sandbox.driver.click(ALICE, items[0], ids.ACTION_ITEM_ASSIGN, selected=CAROL)
    sandbox.driver.command(ALICE, ACME, "edit Acme Alliance")
    sandbox.driver.submit(ALICE, {"owner": DAVE})
    sandbox.driver.command(BOB, ACME, "exit Acme Alliance")
    sandbox.driver.submit(BOB, {"triggers": "Acquired", "plan": "Wind down", "reviewed_with": [CAROL]})
    for _ in range(3):
        sandbox.advance(timedelta(days=30))  # sweeps, reviews falling due, messages brought up to date
    dms(sandbox, CAROL)  # and a day in which everyone's working hours come round
    notices = [row for row in outbox(sandbox, notices=True) if NudgeKind(row[0]).notice]
    assert sorted(kind for kind, *_ in notices) == sorted(kind.value for kind in NudgeKind if kind.notice)
    assert {status for *_, status in notices} == {NudgeStatus.SENT.value}
