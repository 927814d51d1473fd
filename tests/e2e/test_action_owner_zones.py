"""An action is overdue once its due date has passed where its owner is, wherever they have moved since it was
added: Slack's `user_change` moves a person's open actions at once, and a partner's person (whose changes Slack
tells only their own workspace) is moved when a nudge next asks Slack where they are."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.sandbox.harness import Sandbox
from tests.conftest import START
from tests.e2e.helpers import ALICE, BOB, last_ephemeral, shown
from tests.e2e.test_actions import action_form, add
from tests.e2e.test_joint_relationships import JOINT, PAT, joint_at_any_hour

KIRITIMATI = "Pacific/Kiritimati"  # UTC+14: at Accord's 10:00 UTC it is already tomorrow there
OVERDUE = "Your action *Send the forecast &lt;!channel&gt;* of *Acme Alliance* is overdue by 1 day"


@pytest.fixture
def joint(tmp_path: Path) -> Iterator[Sandbox]:
    with joint_at_any_hour(tmp_path / "accord.db") as box:
        yield box


def test_an_owner_who_moves_east_sees_their_action_due_today_overdue_and_back_again(joint: Sandbox) -> None:
    assert add(joint, action_form(action_owner=BOB, due=START.date().isoformat())) == {}
    assert "Your action" not in shown(joint.driver.open_home(BOB))  # 10:00 in London: due today
    joint.driver.move_time_zone(BOB, KIRITIMATI)
    assert OVERDUE in shown(joint.driver.open_home(BOB))
    joint.driver.move_time_zone(BOB, KIRITIMATI)  # said again: nothing more changes
    assert OVERDUE in shown(joint.driver.open_home(BOB))
    joint.driver.move_time_zone(BOB, "Europe/London")
    assert "Your action" not in shown(joint.driver.open_home(BOB))


def test_moving_changes_only_the_persons_own_open_actions(joint: Sandbox) -> None:
    assert add(joint, action_form(action_owner=BOB, due=START.date().isoformat())) == {}
    assert add(joint, action_form(title="Book the workshop", action_owner=ALICE, due=START.date().isoformat())) == {}
    joint.driver.move_time_zone(BOB, KIRITIMATI)
    joint.driver.command(ALICE, JOINT, "status Acme Alliance")
    assert "*Actions* 2 open, 1 overdue" in shown(last_ephemeral(joint, ALICE))
    assert "Your action" not in shown(joint.driver.open_home(ALICE))


def test_a_partners_owner_who_moved_is_found_where_they_are_when_nudged(joint: Sandbox) -> None:
    assert add(joint, action_form(action_owner=PAT, due=START.date().isoformat())) == {}
    assert add(joint, action_form(title="Book the workshop", due=(START.date() + timedelta(days=2)).isoformat())) == {}
    joint.driver.move_time_zone(PAT, KIRITIMATI)  # in Globex's workspace: Acme's app hears nothing of it
    joint.advance(timedelta(days=2))  # the first is overdue anywhere, so Pat is nudged; the second is due today...
    assert any(f"<@{PAT}>" in shown(m) for m in joint.workspace.top_level(JOINT))
    joint.driver.command(ALICE, JOINT, "status Acme Alliance")
    assert "*Actions* 2 open, 2 overdue" in shown(last_ephemeral(joint, ALICE))  # ...but already past in Kiritimati
