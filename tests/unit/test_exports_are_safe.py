"""The evidence pack is safe to open: its Markdown shows what people typed as text (no HTML, no links of their own,
no headings), and its CSV files cannot run a formula in a spreadsheet."""

import csv
import io
import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.records.evidence_pack import write_pack
from bot.records.plan_document import render_html, render_markdown
from stages import rmp
from stages.audit import AuditEvent
from stages.catalogue import default_catalogue
from stages.checkins import Note
from stages.checklist import ItemState, ItemStatus
from stages.disputes import Dispute, DisputeEvent, DisputeEventKind
from stages.exits import ExitStrategy
from stages.relationships import Relationship, RelationshipStatus
from stages.reviews import Review
from stages.rmp import DisputeRecord, Evidence
from stages.versions import PlanVersion

TEAM, REL_ID, OWNER = "T0ACCORD", 7, "U0OWNER"
NOW = datetime(2027, 3, 10, 9, 30, tzinfo=UTC)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ATTACKS = [
    "=HYPERLINK(\"https://evil.example\",\"open\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "\t=1+1",
    "\r=1+1", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))",
    "![x](https://evil.example/pixel)", "<https://evil.example>", "# Heading", "===", "| a | b |", "`code`", "\n",
]  # fmt: skip
HOSTILE = st.tuples(st.sampled_from(ATTACKS), st.text(max_size=6), st.sampled_from(ATTACKS)).map("".join)


def evidence(texts: list[str], link: str) -> Evidence:
    t = iter(texts * 4)
    r = Relationship(
        TEAM, next(t), next(t), OWNER, "U0SPONSOR", "C0ACME", 90, 1, RelationshipStatus.ACTIVE, OWNER, NOW,
        date(2027, 6, 1), next_exit_review_due=date(2027, 9, 1), id=REL_ID,
    )  # fmt: skip
    states = {
        "S1.1": ItemState(REL_ID, "S1.1", ItemStatus.DONE, OWNER, NOW, evidence_url=link, evidence_note=next(t)),
        "S1.2": ItemState(REL_ID, "S1.2", ItemStatus.NOT_APPLICABLE, OWNER, NOW, reason=next(t)),
    }
    dispute = Dispute(TEAM, REL_ID, next(t), OWNER, NOW, OWNER, source_link=link, id=1)
    strategy = ExitStrategy(TEAM, REL_ID, 1, next(t), next(t), next(t), next(t), ("U0PARTNER",), OWNER, NOW)
    plan = rmp.assemble(
        r, default_catalogue(), NOW, states=states,
        notes=[Note(TEAM, 1, "C0ACME", "1.0", OWNER, next(t), NOW, item_id="S1.1")],
        reviews=[Review(TEAM, REL_ID, OWNER, NOW, next(t), 3, 3, 3, 3, date(2027, 6, 1), decisions=next(t))],
        disputes=[DisputeRecord(dispute, (DisputeEvent(TEAM, 1, DisputeEventKind.UPDATE, OWNER, NOW, 1, next(t)),))],
        exits=[strategy],
    )  # fmt: skip
    trail = (AuditEvent(TEAM, REL_ID, OWNER, NOW, "note.added", next(t), None, {"text": next(t)}),)
    return Evidence(plan, trail, (PlanVersion(TEAM, REL_ID, 1, next(t), OWNER, NOW),))


def unpack(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as pack:
        return {name: pack.read(name).decode() for name in pack.namelist()}


def assert_markdown_is_text(markdown: str, where: str) -> None:
    assert "<" not in markdown and ">" not in markdown, f"{where} carries raw HTML"
    assert not re.search(r"(?<!\\)\]\((?!https?://)", markdown), f"{where} links somewhere other than the web"
    for line in markdown.splitlines():
        assert not re.fullmatch(r"\s*(===+|---+)\s*", line) or line.startswith("|"), f"{where}: {line!r}"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(HOSTILE, min_size=5, max_size=5),
    st.sampled_from(["javascript:alert(1)", "https://docs.example/a)](javascript:alert(1)", "data:text/html,x"]),
)
def test_the_pack_is_safe_to_open(tmp_path_factory: pytest.TempPathFactory, texts: list[str], link: str) -> None:
    path = tmp_path_factory.mktemp("pack") / "pack.zip"
    write_pack(evidence(texts, link), path)
    files = unpack(path)
    for name in ("README.md", "exit_strategy/v1.md", "plan/rmp.md"):
        assert_markdown_is_text(files[name], name)
    headings = [line for line in files["exit_strategy/v1.md"].splitlines() if line.startswith("#")]
    assert headings == [
        "# Exit strategy v1", "## Exit triggers", "## Plan", "## Continuity and transition", "## Shared assets and IP"
    ]  # fmt: skip
    for name, content in files.items():
        if name.endswith(".csv"):
            for row in csv.reader(io.StringIO(content)):
                for cell in row:
                    assert not cell.startswith(FORMULA_STARTS), f"{name} holds a formula: {cell!r}"


def test_formulas_stay_readable_as_text(tmp_path: Path) -> None:
    texts = ["Acme", "Partner", "=1+1", "@ops", "-5 days late"]
    write_pack(evidence(texts, "https://docs.example/a"), tmp_path / "p.zip")
    files = unpack(tmp_path / "p.zip")
    assert next(csv.DictReader(io.StringIO(files["disputes.csv"])))["summary"] == "'-5 days late"
    assert next(csv.DictReader(io.StringIO(files["checklist/notes.csv"])))["text"] == "'-5 days late"
    items = {row["item"]: row for row in csv.DictReader(io.StringIO(files["checklist/items.csv"]))}
    assert (items["S1.1"]["evidence note"], items["S1.2"]["reason"]) == ("'=1+1", "'@ops")
    assert items["S1.1"]["evidence link"] == "https://docs.example/a"


def test_exit_strategy_markdown_shows_html_as_text(tmp_path: Path) -> None:
    texts = ["Acme <b>", "Partner", "<script>alert(1)</script>", "# not a heading\n[x](javascript:alert(1))", "ok"]
    write_pack(evidence(texts, "javascript:alert(1)"), tmp_path / "p.zip")
    files = unpack(tmp_path / "p.zip")
    assert "# Evidence pack: Acme &lt;b&gt;" in files["README.md"]
    exit_md = files["exit_strategy/v1.md"]
    assert "\\# not a heading\n\\[x\\](javascript:alert(1))" in exit_md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in exit_md


def test_plan_links_only_to_web_addresses_with_a_host() -> None:
    texts = ["Acme", "Partner", "note", "reason", "summary"]
    for link in ("https:///no-host", "javascript:alert(1)", "https://docs.example/a b"):
        plan = evidence(texts, link).plan
        assert f"]({link}" not in render_markdown(plan)
        assert f'href="{link}' not in render_html(plan)
    plan = evidence(texts, "https://docs.example/ok").plan
    assert "](https://docs.example/ok)" in render_markdown(plan)
    assert 'href="https://docs.example/ok"' in render_html(plan)
