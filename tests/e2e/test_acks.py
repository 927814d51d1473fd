"""Buttons, menus, the message shortcut and events are acknowledged at once with an empty 200, as Slack expects
of a request whose answer comes later; what the person is told arrives after the ack."""

from bot.sandbox.driver import Reply
from bot.sandbox.harness import Sandbox
from bot.slack import ids
from tests.e2e.helpers import ACME, ALICE, BOB, CAROL, PARTNERSHIPS, create_relationship, fresh, last_ephemeral
from tests.e2e.test_checkins import start_checkin, with_button


def silent(reply: Reply) -> bool:
    return reply.status == 200 and reply.body.strip() == b""


def test_every_button_menu_shortcut_and_event_is_acknowledged_without_a_reply(sandbox: Sandbox) -> None:
    create_relationship(sandbox, "Acme Alliance", user=ALICE, sponsor=BOB, cadence="30")
    parent, items = start_checkin(sandbox)
    sandbox.driver.command(CAROL, PARTNERSHIPS, "dispute Acme Alliance deliveries late")
    dispute = sandbox.workspace.top_level(ACME)[-1]
    driver = sandbox.driver
    replies = {
        "done": driver.click(CAROL, fresh(sandbox, items[0]), ids.ACTION_ITEM_DONE),
        "in progress": driver.click(CAROL, fresh(sandbox, items[1]), ids.ACTION_ITEM_IN_PROGRESS),
        "not applicable": driver.click(CAROL, fresh(sandbox, items[2]), ids.ACTION_ITEM_NOT_APPLICABLE),
        "evidence": driver.click(CAROL, fresh(sandbox, items[3]), ids.ACTION_ITEM_EVIDENCE),
        "assign": driver.click(CAROL, fresh(sandbox, items[4]), ids.ACTION_ITEM_ASSIGN, selected=CAROL),
        "acknowledge": driver.click(ALICE, fresh(sandbox, dispute), ids.ACTION_DISPUTE_ACKNOWLEDGE),
        "update": driver.click(ALICE, fresh(sandbox, dispute), ids.ACTION_DISPUTE_UPDATE),
        "escalate": driver.click(ALICE, fresh(sandbox, dispute), ids.ACTION_DISPUTE_ESCALATE),
        "resolve": driver.click(ALICE, fresh(sandbox, dispute), ids.ACTION_DISPUTE_RESOLVE),
        "shortcut": driver.message_shortcut(CAROL, parent, ids.SHORTCUT_RAISE_DISPUTE),
        "home": driver.deliver(driver.envelope({"type": "app_home_opened", "user": ALICE, "tab": "home"})),
    }
    home = driver.open_home(ALICE)
    assert home is not None
    replies["new relationship"] = driver.click(ALICE, home, ids.ACTION_OPEN_NEW)
    review_button = with_button(fresh(sandbox, parent), ids.ACTION_OPEN_REVIEW, "1")
    replies["review, refused"] = driver.click(CAROL, review_button, ids.ACTION_OPEN_REVIEW)

    assert {what: silent(reply) for what, reply in replies.items()} == dict.fromkeys(replies, True)
    assert "can record its review" in last_ephemeral(sandbox, CAROL).text  # told after the ack
