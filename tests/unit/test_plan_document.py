"""The RMP document: Markdown and HTML renderings of hand-built plans, checked against golden files and for the
structure and escaping a reader (and an auditor) relies on.

Plans are assembled here the way `stages.rmp.build` does, without a database, so the document can be tested on
its own. Set UPDATE_GOLDENS=1 to rewrite the golden files after an intended change, then read the diff.
"""

import difflib
import os
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from bot.records.plan_document import render_html, render_markdown
from stages import rmp
from stages.audit import SYSTEM, AuditEvent
from stages.catalogue import default_catalogue
from stages.checkins import Note, SignOff
from stages.checklist import (
    Answer,
    ItemState,
    ItemStatus,
    apply,
    assignment_answer,
    blank_state,
    evidence_answer,
    status_answer,
)
from stages.directory import DirectoryEntry, EntryKind, KnownNames
from stages.disputes import Dispute, DisputeEvent, DisputeEventKind
from stages.exits import ExitStrategy
from stages.relationships import Relationship, RelationshipStatus
from stages.reviews import Review
from stages.rmp import DisputeRecord, Plan

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
TEAM = "T0ACCORD"
REL_ID = 7
OWNER, SPONSOR, ALICE, BOB, PARTNER_SPONSOR = "U0OWNER", "U0SPONSOR", "U0ALICE", "U0BOB", "U0PARTNER"
DISPLAY_NAMES = {
    OWNER: "Olivia Owner",
    SPONSOR: "Sam Sponsor",
    ALICE: "Alice Analyst",
    BOB: "Bob Buyer",
    PARTNER_SPONSOR: "Pat Partner",
}
SCRIPT = "<script>alert(1)</script>"


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class Checklist:
    """Answers applied the way the app applies them, so states and history agree."""

    def __init__(self) -> None:
        self.states: dict[str, ItemState] = {}
        self.answers: list[Answer] = []

    def give(self, *answers: Answer) -> "Checklist":
        for answer in answers:
            state = self.states.get(answer.item_id) or blank_state(REL_ID, answer.item_id)
            changed = apply(state, answer)
            if changed is not None:
                self.states[answer.item_id] = changed
                self.answers.append(answer)
        return self

    def done(self, item_id: str, by: str, when: datetime, *, url: str | None = None, note: str | None = None) -> None:
        self.give(status_answer(REL_ID, item_id, ItemStatus.DONE, actor_id=by, at=when))
        if url or note:
            self.give(evidence_answer(REL_ID, item_id, url=url, note=note, actor_id=by, at=when))


def relationship(stage: int, **changes: object) -> Relationship:
    base = Relationship(
        team_id=TEAM,
        name="Acme logistics partnership",
        partner="Acme Freight Ltd",
        owner_id=OWNER,
        sponsor_id=SPONSOR,
        channel_id="C0ACME",
        review_cadence_days=90,
        stage=stage,
        status=RelationshipStatus.ACTIVE,
        created_by=OWNER,
        created_at=at(2026, 11, 25),
        next_review_due=date(2027, 2, 23),
        exit_review_cadence_days=180,
        next_exit_review_due=date(2027, 5, 24),
        id=REL_ID,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def note(item_id: str, author: str, text: str, when: datetime) -> Note:
    return Note(TEAM, 1, "C0ACME", f"{when.timestamp():.6f}", author, text, when, item_id=item_id)


def assemble(rel: Relationship, now: datetime, checklist: Checklist, **parts: Any) -> Plan:
    """The plan as the app assembles it, from parts made here instead of read from a database."""
    return rmp.assemble(rel, default_catalogue(), now, states=checklist.states, answers=checklist.answers, **parts)


@pytest.fixture
def stage1() -> Plan:
    """Early days: one item done with evidence, one not applicable, one assigned, one with a note."""
    checklist = Checklist()
    checklist.done(
        "S1.1", OWNER, at(2026, 11, 26), url="https://wiki.example.com/acme/sponsor", note="Board minutes, item 4"
    )
    checklist.give(
        status_answer(
            REL_ID,
            "S1.6",
            ItemStatus.NOT_APPLICABLE,
            actor_id=SPONSOR,
            at=at(2026, 11, 27),
            reason="Only strategic freight supplier; segmented at portfolio level.",
        ),
        assignment_answer(REL_ID, "S1.2", ALICE, actor_id=OWNER, at=at(2026, 11, 28)),
        status_answer(REL_ID, "S1.2", ItemStatus.IN_PROGRESS, actor_id=ALICE, at=at(2026, 11, 30)),
    )
    notes = [
        note("S1.5", BOB, "A breakdown would stop line 3 within a week.\nWe need a second source.", at(2026, 12, 1))
    ]
    return assemble(relationship(1), at(2026, 12, 10, 9, 30), checklist, notes=notes)


@pytest.fixture
def stage5() -> Plan:
    """Engaged: stages 1-4 signed off, reviews, an open and a resolved dispute, two exit strategies, changes."""
    catalogue = default_catalogue()
    checklist = Checklist()
    sign_offs = []
    for stage in catalogue.stages[:4]:
        finished = at(2026, 12, 1 + 7 * stage.number)
        for item in stage.items:
            if item.id == "S2.3":
                checklist.give(
                    status_answer(
                        REL_ID,
                        item.id,
                        ItemStatus.NOT_APPLICABLE,
                        actor_id=OWNER,
                        at=finished,
                        reason="Regulated market; the sector analysis from 2026 still holds.",
                    )
                )
                continue
            url = f"https://wiki.example.com/acme/{item.id.lower()}" if item.evidence_required else None
            checklist.done(item.id, OWNER, finished, url=url)
        sign_offs.append(SignOff(TEAM, REL_ID, stage.number, SPONSOR, finished.replace(hour=16)))
    checklist.done("S5.1", SPONSOR, at(2027, 1, 10), note="Pat Partner named as Acme's sponsor (letter of 8 Jan).")
    checklist.done("S5.2", OWNER, at(2027, 1, 20), url="https://wiki.example.com/acme/joint-objectives")
    checklist.give(assignment_answer(REL_ID, "S5.4", ALICE, actor_id=OWNER, at=at(2027, 1, 21)))
    checklist.give(assignment_answer(REL_ID, "S5.10", BOB, actor_id=OWNER, at=at(2027, 1, 21)))
    notes = [
        note("S5.4", ALICE, "Draft RACI shared with Acme; waiting for their ops lead.", at(2027, 2, 2)),
        note("S5.10", BOB, "Acme want 10 days at tier 1, we proposed 7.", at(2027, 2, 3)),
    ]
    reviews = [
        Review(
            TEAM,
            REL_ID,
            OWNER,
            at(2027, 4, 28, 14),
            "Deliveries back on time since the depot change; trust recovering after the March dispute.",
            delivery=4,
            trust=3,
            value=4,
            governance=4,
            next_review_due=date(2027, 7, 27),
            decisions="Move the joint team meeting to fortnightly.\nAsk Acme for a named data protection lead.",
            id=2,
        ),
        Review(
            TEAM,
            REL_ID,
            OWNER,
            at(2027, 1, 28, 14),
            "First joint review: objectives agreed, governance still forming.",
            delivery=3,
            trust=4,
            value=3,
            governance=2,
            next_review_due=date(2027, 4, 28),
            id=1,
        ),
    ]
    resolved = Dispute(
        TEAM,
        REL_ID,
        "Late deliveries to the Leeds depot",
        BOB,
        at(2027, 3, 1, 9),
        OWNER,
        tier=2,
        tier_since=at(2027, 3, 8, 9),
        acknowledged_by=OWNER,
        acknowledged_at=at(2027, 3, 1, 11),
        id=1,
    ).resolved(
        OWNER,
        at(2027, 3, 12, 15),
        "Acme moved the Leeds run to their Wakefield depot; daily slot confirmed.",
        "Driver shortage at Acme's Bradford depot, not flagged to us.",
    )
    open_dispute = Dispute(
        TEAM, REL_ID, "Invoice | rate card mismatch on fuel surcharge", ALICE, at(2027, 6, 1, 10), OWNER, id=2
    )
    disputes = [
        DisputeRecord(
            resolved,
            (
                DisputeEvent(TEAM, 1, DisputeEventKind.RAISED, BOB, at(2027, 3, 1, 9), 1, "Three late runs this week."),
                DisputeEvent(TEAM, 1, DisputeEventKind.ACKNOWLEDGED, OWNER, at(2027, 3, 1, 11), 1),
                DisputeEvent(TEAM, 1, DisputeEventKind.ESCALATED, SYSTEM, at(2027, 3, 8, 9), 2),
                DisputeEvent(TEAM, 1, DisputeEventKind.RESOLVED, OWNER, at(2027, 3, 12, 15), 2, "Agreed at the JMT."),
            ),
        ),
        DisputeRecord(
            open_dispute,
            (DisputeEvent(TEAM, 2, DisputeEventKind.RAISED, ALICE, at(2027, 6, 1, 10), 1),),
        ),
    ]
    exits = [
        ExitStrategy(
            TEAM,
            REL_ID,
            2,
            triggers="Service level below 95% for two quarters, or Acme sold to a competitor.",
            plan="Six months' notice; run both carriers in parallel for the last two months.",
            continuity="Backup carrier (Northway) keeps a warm contract for the Leeds route.",
            assets=None,
            reviewed_with=(PARTNER_SPONSOR, OWNER),
            saved_by=OWNER,
            saved_at=at(2027, 5, 20, 11),
            id=12,
        ),
        ExitStrategy(
            TEAM,
            REL_ID,
            1,
            triggers="Service level below 90% for a quarter.",
            plan="Three months' notice.",
            continuity=None,
            assets=None,
            reviewed_with=(SPONSOR,),
            saved_by=SPONSOR,
            saved_at=at(2026, 12, 14, 12),
            id=11,
        ),
    ]
    changes = [
        AuditEvent(TEAM, REL_ID, OWNER, at(2027, 6, 1, 10), "dispute.raised", "dispute 2", None, {"tier": 1}),
        AuditEvent(
            TEAM,
            REL_ID,
            OWNER,
            at(2027, 5, 20, 11),
            "exit_strategy.saved",
            "exit strategy v2",
            {"version": 1, "triggers": "Service level below 90% for a quarter."},
            {"version": 2, "triggers": "Service level below 95% for two quarters, or Acme sold to a competitor."},
        ),
        AuditEvent(
            TEAM,
            REL_ID,
            OWNER,
            at(2027, 4, 28, 14),
            "relationship.reviewed",
            "relationship",
            {"next_review_due": "2027-04-28", "last_reviewed_at": "2027-01-28T14:00:00+00:00"},
            {"next_review_due": "2027-07-27", "last_reviewed_at": "2027-04-28T14:00:00+00:00"},
        ),
        AuditEvent(TEAM, REL_ID, SYSTEM, at(2027, 3, 8, 9), "dispute.escalated", "dispute 1", {"tier": 1}, {"tier": 2}),
        AuditEvent(
            TEAM, REL_ID, SPONSOR, at(2026, 12, 29, 16), "stage.signed_off", "stage 4", {"stage": 4}, {"stage": 5}
        ),
    ]
    rel = relationship(
        5,
        last_reviewed_at=at(2027, 4, 28, 14),
        next_review_due=date(2027, 7, 27),
        next_exit_review_due=date(2027, 11, 16),
    )
    return assemble(
        rel,
        at(2027, 6, 15, 9),
        checklist,
        notes=notes,
        sign_offs=sign_offs,
        reviews=reviews,
        disputes=disputes,
        exits=exits,
        changes=changes,
        version=6,
    )


def named(people: dict[str, str]) -> KnownNames:
    """Names as the directory would hold them."""
    return KnownNames(DirectoryEntry(i, EntryKind.PERSON, name, at(2026, 11, 1)) for i, name in people.items())


display_name = named(DISPLAY_NAMES)


# Golden files


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDENS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing: run the tests with UPDATE_GOLDENS=1 to write it", pytrace=False)
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True), f"golden/{name}", "rendered"
        )
        pytest.fail(
            f"{name} differs from its golden file (UPDATE_GOLDENS=1 rewrites it):\n{''.join(diff)}", pytrace=False
        )


def test_golden_check_shows_a_diff_and_updates_on_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(__name__ + ".GOLDEN", tmp_path)
    monkeypatch.setenv("UPDATE_GOLDENS", "1")
    check_golden("doc.md", "one\ntwo\n")
    assert (tmp_path / "doc.md").read_text(encoding="utf-8") == "one\ntwo\n"
    monkeypatch.delenv("UPDATE_GOLDENS")
    check_golden("doc.md", "one\ntwo\n")
    with pytest.raises(pytest.fail.Exception, match=r"(?s)doc.md differs.*-two\n\+three"):
        check_golden("doc.md", "one\nthree\n")


def test_stage1_markdown_matches_golden(stage1: Plan) -> None:
    check_golden("rmp_stage1.md", render_markdown(stage1))


def test_stage1_html_matches_golden(stage1: Plan) -> None:
    check_golden("rmp_stage1.html", render_html(stage1))


def test_stage5_markdown_matches_golden(stage5: Plan) -> None:
    check_golden("rmp_stage5.md", render_markdown(stage5, display_name))


def test_stage5_html_matches_golden(stage5: Plan) -> None:
    check_golden("rmp_stage5.html", render_html(stage5, display_name))


# Structure


class StrictHTML(HTMLParser):
    """Fails on any tag closed out of order or left open, and collects the text of each heading."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
    LINES = frozenset({"p", "li", "dt", "dd", "td", "th", "tr", "h1", "h2", "h3", "h4", "br", "div", "section"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, tuple[int, int]]] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.headings: dict[str, list[str]] = {}
        self._heading: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in self.LINES:
            self.text.append("\n")
        if tag in self.VOID:
            return
        self.open.append((tag, self.getpos()))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = (tag, [])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            raise AssertionError(f"<{tag}/> at {self.getpos()} is not a void element")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            raise AssertionError(f"</{tag}> at {self.getpos()} closes a void element")
        if not self.open:
            raise AssertionError(f"</{tag}> at {self.getpos()} closes nothing")
        expected, where = self.open.pop()
        if expected != tag:
            raise AssertionError(f"</{tag}> at {self.getpos()} but <{expected}> from {where} is still open")
        if self._heading and self._heading[0] == tag:
            self.headings.setdefault(tag, []).append(" ".join("".join(self._heading[1]).split()))
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading:
            self._heading[1].append(data)

    @property
    def visible(self) -> str:
        """The page's text, tags gone and entities decoded, each paragraph, cell or list item on its own line."""
        return re.sub(r"[ \t]*\n\s*", "\n", "".join(self.text))

    def check(self, text: str) -> "StrictHTML":
        self.feed(text)
        self.close()
        assert not self.open, f"left open: {self.open}"
        return self


def section_titles(plan: Plan) -> list[str]:
    return [f"{s.section.number}. {s.section.title}" for s in plan.sections]


@pytest.mark.parametrize("fixture", ["stage1", "stage5"])
def test_both_documents_have_the_13_sections_in_order_then_participation(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    plan: Plan = request.getfixturevalue(fixture)
    expected = [*section_titles(plan), "Participation"]
    assert len(expected) == 14
    assert expected[0] == "1. Identity and scope"
    assert expected[-2] == "13. Change log"

    markdown = render_markdown(plan)
    assert re.findall(r"^## (.+)$", markdown, flags=re.MULTILINE) == expected
    assert markdown.startswith(f"# {plan.relationship.name}\n")

    html = StrictHTML().check(render_html(plan))
    assert html.headings["h2"] == expected
    assert html.headings["h1"] == [plan.relationship.name]


@pytest.mark.parametrize("fixture", ["stage1", "stage5"])
def test_html_is_well_formed_and_self_contained(fixture: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(fixture)
    html = render_html(plan)
    assert html.startswith("<!doctype html>\n")
    parsed = StrictHTML().check(html)
    assert parsed.tags[:4] == ["html", "head", "meta", "meta"]
    assert '<meta charset="utf-8">' in html
    assert "script" not in parsed.tags
    assert not {"link", "img", "iframe", "object", "embed"} & set(parsed.tags)
    assert "@media print" in html
    assert "src=" not in html
    assert "url(" not in html
    for table in re.findall(r"<table>.*?</table>", html, flags=re.DOTALL):
        assert "<thead>" in table
        assert "<tbody>" in table


def test_checker_rejects_broken_markup() -> None:
    with pytest.raises(AssertionError, match="still open"):
        StrictHTML().check("<div><p>text</div></p>")
    with pytest.raises(AssertionError, match="left open"):
        StrictHTML().check("<section><p>text</p>")
    StrictHTML().check("<p>line<br>line</p><hr>")


def test_user_text_cannot_inject_html(stage1: Plan) -> None:
    hostile = f"{SCRIPT} & Sons"
    item = stage1.section(6).items[0]
    assert item.item.id == "S1.5"
    noted = replace(item, notes=(note("S1.5", BOB, f"Watch out: {SCRIPT} & more", at(2026, 12, 2)),))
    bad_link = replace(
        stage1.section(1).items[0],
        state=replace(stage1.section(1).items[0].state, evidence_url="javascript:alert(1)"),
    )
    sections = tuple(
        replace(
            s, items=tuple(noted if r.item.id == "S1.5" else bad_link if r.item.id == "S1.1" else r for r in s.items)
        )
        for s in stage1.sections
    )
    plan = replace(stage1, relationship=replace(stage1.relationship, partner=hostile), sections=sections)

    html = render_html(plan, named({i: f"{SCRIPT}{i}" for i in DISPLAY_NAMES}))
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons" in html
    assert "Watch out: &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert 'href="javascript' not in html
    StrictHTML().check(html)

    markdown = render_markdown(plan, named({i: f"{SCRIPT}{i}" for i in DISPLAY_NAMES}))
    assert "<script" not in markdown.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; & Sons" in markdown
    assert "Watch out: &lt;script&gt;alert(1)&lt;/script&gt; & more" in markdown
    assert "](javascript" not in markdown


def test_markdown_keeps_user_text_from_breaking_structure(stage1: Plan) -> None:
    tricky = "Acme | Co [click](https://evil.example) \\\n# not a heading"
    plan = replace(stage1, relationship=replace(stage1.relationship, name=tricky, partner=tricky))
    markdown = render_markdown(plan)
    assert "Acme \\| Co \\[click\\](https://evil.example) \\\\ # not a heading" in markdown
    assert re.findall(r"^## (.+)$", markdown, flags=re.MULTILINE) == [*section_titles(plan), "Participation"]
    assert not re.search(r"^# not a heading", markdown, flags=re.MULTILINE)


def test_stage1_shows_answers_where_they_feed_the_plan(stage1: Plan) -> None:
    markdown = render_markdown(stage1)
    page = StrictHTML().check(render_html(stage1)).visible
    for text in (markdown.replace("**", ""), page):
        assert "Not applicable: Only strategic freight supplier; segmented at portfolio level." in text
        assert "Done — U0OWNER, 26 Nov 2026" in text  # no name known: the id stands in
        assert "In progress — U0ALICE, 30 Nov 2026" in text
        assert "https://wiki.example.com/acme/sponsor" in text
        assert "Board minutes, item 4" in text
        assert "A breakdown would stop line 3 within a week.\n" in text
        assert "BS 11000-1 clause 3" in text
        assert "Current · 1 of 7 items done · not ready for sign-off" in text  # the other is not applicable
        assert "Upcoming · 0 of 12 items done" in text
        assert "No checklist item feeding this section has been answered yet (S3.1, S3.2, S3.3, S3.4)." in text
        assert "No reviews yet." in text
        assert "No disputes raised." in text
        assert "No exit strategy yet. Next joint review due: 24 May 2027 (every 180 days)." in text
        assert "No changes recorded yet." in text
    assert "- Assigned to: U0ALICE" in markdown
    assert '<a href="https://wiki.example.com/acme/sponsor">' in render_html(stage1)


def test_stage5_shows_sign_offs_disputes_exit_and_reviews(stage5: Plan) -> None:
    markdown = render_markdown(stage5, display_name)
    page = StrictHTML().check(render_html(stage5, display_name)).visible
    for text in (markdown.replace("**", ""), page):
        for stage in stage5.stages[:4]:
            assert stage.sign_off is not None
            facts = f"{stage.phase.label} · BS 11000-1 clause {stage.stage.clause} · Signed off · "
            assert re.search(rf"{re.escape(stage.stage.label)}\n+{re.escape(facts)}", text)
        assert text.count("· Signed off ·") == 4
        assert "Signed off · 7 of 7 items done · signed off by Sam Sponsor on 8 Dec 2026" in text
        assert "Signed off · 5 of 5 items done · signed off by Sam Sponsor on 29 Dec 2026" in text
        assert "Stage 5 · Working together\n" in text
        assert "Current · 2 of 12 items done · not ready for sign-off" in text
        # reviews: health of each, the latest one's decisions, the next due date
        assert "| 3.8 |" in text or "\n3.8\n" in text
        assert "Health 3.8 of 5" in text
        assert "Health 3.0 of 5" in text
        assert "Ask Acme for a named data protection lead." in text
        assert "Next review due: 27 Jul 2027 (every 90 days)." in text
        # disputes: the open one's age at generation time, the resolved one's resolution and root cause
        assert "13 days" in text
        assert "resolved 12 Mar 2027" in text
        assert "Driver shortage at Acme's Bradford depot, not flagged to us." in text
        assert "Acme moved the Leeds run to their Wakefield depot; daily slot confirmed." in text
        assert "Escalated by Accord (tier 2)" in text
        # exit strategy: the latest version in full, earlier ones listed
        assert "Latest: version 2, saved by Olivia Owner on 20 May 2027." in text
        assert "Service level below 95% for two quarters, or Acme sold to a competitor." in text
        assert "Service level below 90% for a quarter." not in text
        assert re.search(r"Reviewed with:?\s+Pat Partner, Olivia Owner", text)
        assert "Version 1, saved 14 Dec 2026 by Sam Sponsor" in text
        assert "16 Nov 2027 (every 180 days)" in text
        # the names callback is used everywhere a person is shown
        assert "@U0" not in text
    assert "| 2 | 1 Jun 2027 | 1 · Working level | Open | 13 days | Invoice \\| rate card mismatch" in markdown
    assert "- Root cause: Driver shortage at Acme's Bradford depot, not flagged to us." in markdown
    assert "| 8 Mar 2027, 09:00 UTC | Accord escalated dispute #1 to tier 2 |" in markdown
    assert "| 20 May 2027, 11:00 UTC | Olivia Owner saved version 2 of the exit strategy |" in markdown
