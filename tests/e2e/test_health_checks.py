"""The relationship health check, end to end through signed Slack requests: a round started in the shared channel,
answered anonymously by both organisations' people, changed, refused after it closed, and its results posted with
a PNG chart once it closes; reminders stop for those who answered."""

import csv
import io
import json
import struct
import zipfile
from collections.abc import Iterator
from copy import deepcopy
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.records.evidence_pack import write_pack
from bot.records.plan_document import render_html, render_markdown
from bot.sandbox.clock import MovableClock
from bot.sandbox.harness import Sandbox
from bot.sandbox.workspace import Message
from bot.slack import ids
from stages import rmp
from stages.catalogue import default_catalogue
from stages.health import respondent_hash
from stages.nudges import NudgeKind, NudgeStatus
from storage.tenant_export import export_tenant
from tests.conftest import START
from tests.e2e.helpers import ACME, ALICE, BOB, CAROL, DAVE, create_relationship, last_ephemeral, relationship, shown
from tests.e2e.test_joint_relationships import IRENE, JOINT, PAT, QUINN, RAY, joint_at_any_hour

CATALOGUE = default_catalogue()


@pytest.fixture
def joint(tmp_path: Path) -> Iterator[Sandbox]:
    """Acme Alliance in #acme-globex with Globex's people named, Carol and Dave of Acme in it too."""
    with joint_at_any_hour(tmp_path / "accord.db", {CAROL, DAVE}) as box:
        yield box


def start(sandbox: Sandbox, people: list[str], *, user: str = ALICE, dimensions: str | None = None) -> Message:
    """Start a round of Acme Alliance asking `people`; its announcement in #acme-globex."""
    sandbox.driver.command(user, JOINT, "health Acme Alliance")
    answers: dict[str, object] = {"participants": people}
    if dimensions is not None:
        answers["dimensions"] = dimensions
    assert sandbox.driver.submit(user, answers).errors == {}
    assert "is open until" in shown(sandbox.workspace.current_modal(user))
    return announcement(sandbox)


def announcement(sandbox: Sandbox, channel: str = JOINT) -> Message:
    """The latest round's message, with its buttons."""
    return next(m for m in reversed(sandbox.workspace.top_level(channel)) if ids.ACTION_HEALTH_ANSWER in str(m.blocks))


def answer(sandbox: Sandbox, user: str, scores: list[int], *, comment: str | None = None, improve: str = "") -> str:
    """Open the answer form from the announcement and send it; what the form says then."""
    sandbox.driver.click(user, announcement(sandbox), ids.ACTION_HEALTH_ANSWER)
    modal = sandbox.workspace.current_modal(user)
    assert modal is not None, shown(last_ephemeral(sandbox, user))
    answers: dict[str, object] = {f"score:{n}": str(score) for n, score in enumerate(scores)}
    if comment is not None:
        answers["comment:0"] = comment
    if improve:
        answers["improve"] = improve
    assert sandbox.driver.submit(user, answers).errors == {}
    return shown(sandbox.workspace.current_modal(user))


TWO = "Trust\nCommunication"


def is_results(message: Message) -> bool:
    return "Acme Alliance · results" in shown(message)


def results(sandbox: Sandbox) -> Message:
    return next(m for m in reversed(sandbox.workspace.top_level(JOINT)) if is_results(m))


def test_a_round_with_enough_answers_on_each_side_posts_exact_figures_and_a_png_chart(joint: Sandbox) -> None:
    start(joint, [ALICE, BOB, CAROL, PAT, QUINN, RAY], dimensions=TWO)
    for person, scores in ((ALICE, [100, 50]), (BOB, [75, 50]), (CAROL, [50, 50])):
        assert "are in" in answer(joint, person, scores, comment="fine <!channel>")
    for person, scores in ((PAT, [25, 50]), (QUINN, [25, 75]), (RAY, [0, 25])):
        answer(joint, person, scores, improve="Meet monthly")
    joint.driver.click(ALICE, announcement(joint), ids.ACTION_HEALTH_CLOSE)
    posted = shown(results(joint))
    # Trust: Acme 75 (spread 20), Globex 16.67, gap 58 flagged; Communication: 50 and 50, gap 0.
    assert "*Trust*: 75 ±20 · 17 ±12 · gap 58" in posted
    assert "*Communication*: 50 ±0 · 50 ±20 · gap 0" in posted
    assert posted.index("*Trust*") < posted.index("*Communication*")  # the largest gap first
    assert "1 gap over 20 points" in posted
    assert "Overall index *48/100*" in posted  # (62.5 + 33.33) / 2
    assert "<!channel>" not in posted and "&lt;!channel&gt;" in posted  # typed text stays inert
    for person in (ALICE, BOB, CAROL, PAT, QUINN, RAY):
        assert person not in posted  # no answer carries a name
    charts = joint.workspace.replies(JOINT, results(joint).ts)
    files = [f for m in charts for f in m.files]
    assert [f["name"] for f in files] == ["health-1.png"]
    png = joint.emulator.uploads[files[0]["id"]]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (800, 450)
    joint.driver.command(ALICE, JOINT, "history Acme Alliance 3")
    trail = shown(last_ephemeral(joint, ALICE))
    assert "started health check 1, asking 6 people" in trail and "closed health check 1 (overall index 48)" in trail


def test_a_side_with_too_few_answers_shows_no_figures_and_no_comments(joint: Sandbox) -> None:
    start(joint, [ALICE, BOB, CAROL, PAT, QUINN], dimensions=TWO)
    for person in (ALICE, BOB, CAROL):
        answer(joint, person, [75, 75])
    answer(joint, PAT, [0, 0], comment="secret from Pat")
    joint.driver.click(BOB, announcement(joint), ids.ACTION_HEALTH_CLOSE)
    posted = shown(results(joint))
    assert "*Globex*: not enough answers to keep them anonymous" in posted
    assert "*Trust*: 75 ±0 · withheld · no gap" in posted
    assert "secret from Pat" not in posted and " 0 ±" not in posted
    assert "Overall index *75/100*" in posted


def test_the_home_side_below_the_threshold_is_withheld_too(joint: Sandbox) -> None:
    start(joint, [ALICE, BOB, PAT, QUINN, RAY], dimensions=TWO)
    answer(joint, ALICE, [100, 100])
    for person in (PAT, QUINN, RAY):
        answer(joint, person, [50, 50])
    joint.driver.click(ALICE, announcement(joint), ids.ACTION_HEALTH_CLOSE)
    posted = shown(results(joint))
    assert "*Host organisation*: not enough answers to keep them anonymous" in posted
    assert "100 ±" not in posted


def test_a_changed_answer_replaces_the_first_and_counts_once(joint: Sandbox) -> None:
    start(joint, [ALICE, BOB, CAROL], dimensions=TWO)
    answer(joint, ALICE, [0, 0])
    assert "are changed" in answer(joint, ALICE, [100, 100])
    joint.driver.click(ALICE, announcement(joint), ids.ACTION_HEALTH_ANSWER)
    modal = joint.workspace.current_modal(ALICE)
    assert modal is not None and "You have answered already" in shown(modal)
    assert modal.view["blocks"][1]["element"]["initial_option"]["value"] == "100"
    joint.workspace.close_modal(ALICE)
    answer(joint, BOB, [50, 50])
    answer(joint, CAROL, [50, 50])
    rel = relationship(joint)
    with joint.database.uow(joint.workspace.team_id) as uow:
        health_round = uow.health.rounds(rel.id or 0)[0]
        round_id, key = health_round.id or 0, joint.deps.health.key
        assert len(uow.health.answered(round_id, [respondent_hash(key, round_id, p) for p in (ALICE, BOB, CAROL)])) == 3
        assert len(uow.health.answers(health_round.id or 0)) == 3
    joint.driver.click(ALICE, announcement(joint), ids.ACTION_HEALTH_CLOSE)
    assert "*Trust*: 67 ±24" in shown(results(joint))  # (100 + 50 + 50) / 3: the first answer is gone


def test_an_answer_after_the_round_closed_is_refused_and_its_results_go_out_once(joint: Sandbox) -> None:
    start(joint, [ALICE, BOB, CAROL], dimensions=TWO)
    answer(joint, ALICE, [50, 50])
    as_shown = deepcopy(announcement(joint))  # as a client that has not refreshed it still shows it
    joint.driver.click(BOB, as_shown, ids.ACTION_HEALTH_ANSWER)  # opened before the close...
    joint.advance(timedelta(days=11))
    assert joint.driver.submit(BOB, {"score:0": "75", "score:1": "75"}).errors == {}
    assert "closed on" in shown(joint.workspace.current_modal(BOB))  # ...sent after it: refused
    assert "not enough answers" in shown(results(joint))
    closed = shown(next(m for m in joint.workspace.top_level(JOINT) if m.ts == as_shown.ts))
    assert "closed 6 Dec 2026" in closed and ids.ACTION_HEALTH_ANSWER not in closed  # its buttons are gone
    joint.run_nudges()
    joint.driver.click(ALICE, as_shown, ids.ACTION_HEALTH_CLOSE)
    assert "closed already" in shown(last_ephemeral(joint, ALICE))
    joint.driver.click(CAROL, as_shown, ids.ACTION_HEALTH_ANSWER)
    assert (
        "closed on 6 Dec 2026" in shown(last_ephemeral(joint, CAROL)) and joint.workspace.current_modal(CAROL) is None
    )
    assert sum(is_results(m) for m in joint.workspace.top_level(JOINT)) == 1


def test_invitations_and_reminders_go_to_those_who_have_not_answered_and_stop_once_they_do(joint: Sandbox) -> None:
    start(joint, [ALICE, BOB, PAT], dimensions=TWO)
    joint.run_nudges()
    assert "Take the health check" in shown(joint.workspace.top_level(joint.workspace.im_with(BOB).id)[-1])
    mention = joint.workspace.top_level(JOINT)[-1]
    assert f"<@{PAT}>" in shown(mention) and "health check" in shown(mention)
    joint.driver.click(PAT, mention, ids.ACTION_NUDGE_OPEN)  # the partner's person answers from the mention
    assert joint.driver.submit(PAT, {"score:0": "50", "score:1": "50"}).errors == {}
    answer(joint, BOB, [75, 75])
    joint.advance(timedelta(days=3))
    sent = _health_nudges(joint)
    assert {(n.recipient_id, n.period) for n in sent if n.status is NudgeStatus.SENT} == {
        (ALICE, "0"),
        (BOB, "0"),
        (PAT, "0"),
        (ALICE, "1"),
    }
    joint.advance(timedelta(days=8))  # the round closes: no more reminders to anyone
    assert not [n for n in _health_nudges(joint) if n.status is NudgeStatus.PENDING]
    assert {n.period for n in _health_nudges(joint) if n.recipient_id == ALICE} == {"0", "1"}


@dataclass(frozen=True)
class Asked:
    recipient_id: str
    period: str
    status: NudgeStatus
    kind: str


def _health_nudges(sandbox: Sandbox, kind: NudgeKind = NudgeKind.HEALTH_CHECK) -> list[Asked]:
    """The health check's invitations and reminders (or `kind`) in the outbox, oldest first."""
    with sandbox.database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT recipient_id, period, status, kind FROM nudge WHERE kind = :kind ORDER BY id"),
            {"kind": kind.value},
        )
        return [Asked(r[0], r[1], NudgeStatus(r[2]), r[3]) for r in rows]


def test_someone_the_round_did_not_ask_is_refused(joint: Sandbox) -> None:
    start(joint, [ALICE, BOB], dimensions=TWO)
    joint.driver.click(DAVE, announcement(joint), ids.ACTION_HEALTH_ANSWER)
    assert joint.workspace.current_modal(DAVE) is None
    assert "did not ask you" in shown(last_ephemeral(joint, DAVE))
    joint.driver.click(IRENE, announcement(joint), ids.ACTION_HEALTH_ANSWER)  # a third organisation
    assert joint.workspace.current_modal(IRENE) is None
    joint.driver.click(DAVE, announcement(joint), ids.ACTION_HEALTH_CLOSE)  # nor may just anyone close it
    assert "can start or close its health check" in shown(last_ephemeral(joint, DAVE))
    assert not is_results(joint.workspace.top_level(JOINT)[-1])
    joint.driver.click(RAY, announcement(joint), ids.ACTION_HEALTH_CLOSE)  # nor anyone of the partner's
    assert "can start or close its health check" in shown(last_ephemeral(joint, RAY))


def test_one_round_at_a_time_and_the_partner_starts_one_from_the_card(joint: Sandbox) -> None:
    start(joint, [ALICE, BOB], dimensions=TWO)
    joint.driver.command(BOB, JOINT, "health Acme Alliance")
    assert "open already" in shown(last_ephemeral(joint, BOB))
    joint.driver.click(ALICE, announcement(joint), ids.ACTION_HEALTH_CLOSE)
    card = next(m for m in joint.workspace.top_level(JOINT) if m.ts == relationship(joint).card_ts)
    joint.driver.click(PAT, card, ids.ACTION_HEALTH_START)
    modal = joint.workspace.current_modal(PAT)
    assert modal is not None and modal.view["blocks"][1]["element"]["initial_value"] == TWO  # the last round's
    assert joint.driver.submit(PAT, {}).errors == {}
    assert "Health check 2" in shown(announcement(joint))


def test_a_round_without_a_partner_compares_sponsors_with_the_working_team(tmp_path: Path) -> None:
    with Sandbox(f"sqlite:///{tmp_path / 'one.db'}", clock=MovableClock(START), health_min_respondents=1) as box:
        create_relationship(box, "Solo", user=ALICE, sponsor=BOB, channel=ACME)
        box.driver.command(ALICE, ACME, "health Solo")
        assert box.driver.submit(ALICE, {"dimensions": TWO}).errors == {}
        posted = next(m for m in reversed(box.workspace.top_level(ACME)) if "Health check" in shown(m))
        for person, scores in ((ALICE, ["75", "75"]), (BOB, ["25", "50"])):
            box.driver.click(person, posted, ids.ACTION_HEALTH_ANSWER)
            assert box.driver.submit(person, {"score:0": scores[0], "score:1": scores[1]}).errors == {}
        box.driver.click(BOB, posted, ids.ACTION_HEALTH_CLOSE)
        text = shown(next(m for m in reversed(box.workspace.top_level(ACME)) if "Solo · results" in shown(m)))
        assert "*Sponsors*: index 38" in text and "*Working team*: index 75" in text
        assert "*Trust*: 25 ±0 · 75 ±0 · gap 50" in text
        assert box.workspace.violations == []


def test_the_rounds_are_kept_for_the_trend(joint: Sandbox) -> None:
    start(joint, [ALICE], dimensions=TWO)
    joint.driver.click(ALICE, announcement(joint), ids.ACTION_HEALTH_CLOSE)
    start(joint, [ALICE], dimensions=TWO)
    joint.driver.click(ALICE, announcement(joint), ids.ACTION_HEALTH_CLOSE)
    files = [f["name"] for m in joint.workspace.replies(JOINT, results(joint).ts) for f in m.files]
    assert files == ["health-2.png", "health-trend-2.png"]
    rel = relationship(joint)
    with joint.database.uow(joint.workspace.team_id) as uow:
        assert [r.number for r in uow.health.rounds(rel.id or 0)] == [1, 2]


def test_the_plan_and_the_evidence_pack_hold_each_rounds_aggregates_and_charts(joint: Sandbox, tmp_path: Path) -> None:
    start(joint, [ALICE, BOB, CAROL, PAT], dimensions=TWO)
    for person in (ALICE, BOB, CAROL):
        answer(joint, person, [75, 50], comment="kept in the results only")
    answer(joint, PAT, [0, 0], comment="a lone partner's words")
    joint.driver.click(ALICE, announcement(joint), ids.ACTION_HEALTH_CLOSE)
    start(joint, [ALICE, BOB, CAROL], dimensions=TWO)
    joint.driver.click(ALICE, announcement(joint), ids.ACTION_HEALTH_CLOSE)
    evidence = rmp.evidence(joint.database.uow(joint.workspace.team_id), CATALOGUE, relationship(joint).id or 0, START)
    markdown = render_markdown(evidence.plan)
    assert "### Relationship health" in markdown and "| Trust | 75 ±0 | — | — |" in render_markdown(
        replace(evidence.plan, health=evidence.plan.health[:1])
    )
    assert "Trend of the overall index: round 1" in markdown
    html = render_html(evidence.plan)
    assert html.count('src="data:image/png;base64,') == 2
    files = write_pack(evidence, tmp_path / "pack.zip")
    assert {"health/round-1.csv", "health/round-1.png", "health/round-2.csv", "health/round-2-trend.png"} <= set(files)
    with zipfile.ZipFile(tmp_path / "pack.zip") as pack:
        everything = b"".join(pack.read(name) for name in pack.namelist())
        rows = list(csv.reader(io.StringIO(pack.read("health/round-1.csv").decode())))
    assert rows[1] == ["Trust", "Host organisation", "3", "yes", "75.00", "0.00", "", "no"]
    assert rows[2][:4] == ["Trust", "Globex", "1", "no (too few answers)"] and rows[2][4:7] == ["", "", ""]
    assert b"a lone partner's words" not in everything and b"kept in the results only" not in everything


def test_the_home_tab_shows_checks_waiting_and_status_the_index_and_its_direction(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "status Acme Alliance")
    assert "*Health* no health check closed yet" in shown(last_ephemeral(joint, ALICE))
    start(joint, [ALICE, BOB, CAROL], dimensions=TWO)
    assert "The health check of *Acme Alliance* asks for your view" in shown(joint.driver.open_home(BOB))
    for person, scores in ((ALICE, [75, 75]), (BOB, [75, 75]), (CAROL, [75, 75])):
        answer(joint, person, scores)
    assert "asks for your view" not in shown(joint.driver.open_home(BOB))
    joint.driver.click(ALICE, announcement(joint), ids.ACTION_HEALTH_CLOSE)
    start(joint, [ALICE, BOB, CAROL], dimensions=TWO)
    home = joint.driver.open_home(BOB)
    joint.driver.click(BOB, home, ids.ACTION_HEALTH_ANSWER)  # the Home tab's button opens the form
    assert joint.driver.submit(BOB, {"score:0": "25", "score:1": "25"}).errors == {}
    for person in (ALICE, CAROL):
        answer(joint, person, [50, 50])
    joint.driver.click(ALICE, announcement(joint), ids.ACTION_HEALTH_CLOSE)
    joint.driver.command(ALICE, JOINT, "status Acme Alliance")
    assert "*Health* 42/100 at health check 2, down since the one before" in shown(last_ephemeral(joint, ALICE))
    assert "health 42/100 :arrow_lower_right:" in shown(joint.driver.open_home(BOB))


def test_results_slack_refused_are_posted_by_the_next_run_once(joint: Sandbox) -> None:
    start(joint, [ALICE, BOB, CAROL], dimensions=TWO)
    answer(joint, ALICE, [50, 50])
    joint.emulator.fail("chat.postMessage", error="fatal_error", times=1)
    joint.advance(timedelta(days=11))  # the round closes; Slack refuses its results
    assert not any(is_results(m) for m in joint.workspace.top_level(JOINT))
    joint.advance(timedelta(minutes=5))
    joint.advance(timedelta(minutes=5))
    assert sum(is_results(m) for m in joint.workspace.top_level(JOINT)) == 1


def test_the_owner_is_reminded_to_start_the_next_round_until_it_is_started(joint: Sandbox) -> None:
    start(joint, [ALICE], dimensions=TWO)
    joint.driver.click(ALICE, announcement(joint), ids.ACTION_HEALTH_CLOSE)
    joint.advance(timedelta(days=89))
    assert _health_nudges(joint, NudgeKind.HEALTH_DUE) == []
    joint.advance(timedelta(days=1))
    dm = joint.workspace.top_level(joint.workspace.im_with(ALICE).id)[-1]
    assert "The next health check of *Acme Alliance* is due today" in shown(dm)
    start(joint, [ALICE, BOB], dimensions=TWO)
    updated = next(m for m in joint.workspace.top_level(dm.channel) if m.ts == dm.ts)
    assert "The next health check of *Acme Alliance* was started by <@U0ALICE>" in shown(updated)
    joint.advance(timedelta(days=3))
    assert [a.status for a in _health_nudges(joint, NudgeKind.HEALTH_DUE)] == [NudgeStatus.SENT]  # no more


def test_a_tenant_export_counts_the_answers_but_holds_none(joint: Sandbox, tmp_path: Path) -> None:
    start(joint, [ALICE, PAT], dimensions=TWO)
    answer(joint, PAT, [0, 0], comment="only Pat said this")
    counts = export_tenant(joint.database, joint.workspace.team_id, tmp_path / "t.zip", START)
    assert "health_answer" not in counts and counts["health_round"] == 1
    with zipfile.ZipFile(tmp_path / "t.zip") as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["withheld"]["rows"] == {"health_answer": 1, "health_respondent": 1}
    assert b"only Pat said this" not in everything


def test_someone_of_a_third_organisation_cannot_be_asked(joint: Sandbox) -> None:
    joint.driver.command(ALICE, JOINT, "health Acme Alliance")
    assert joint.driver.submit(ALICE, {"participants": [ALICE, IRENE], "dimensions": TWO}).errors == {}
    assert "belongs to neither" in shown(joint.workspace.current_modal(ALICE))  # the form again, filled in
    assert not any(ids.ACTION_HEALTH_ANSWER in str(m.blocks) for m in joint.workspace.top_level(JOINT))
    assert joint.driver.submit(ALICE, {"participants": [ALICE, RAY, CAROL]}).errors == {}
    rel = relationship(joint)
    with joint.database.uow(joint.workspace.team_id) as uow:
        [asked] = uow.health.rounds(rel.id or 0)
    assert [(p.user_id, p.group.value) for p in asked.participants] == [
        (ALICE, "home"),
        (RAY, "partner"),
        (CAROL, "home"),
    ]
