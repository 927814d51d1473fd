"""The evidence pack: a zip an auditor can read without Accord, indexed by stage and BS 11000-1 clause.

It holds the plan (Markdown, HTML, JSON), every checklist item with its answers, notes and evidence, the
reviews, disputes and exit strategy versions, the plan's versions, and the whole audit trail as CSV.

Everything people typed is untrusted: in Markdown it is escaped (no HTML, links or headings of its own), and a
CSV cell that a spreadsheet would run as a formula is prefixed with `'` so it is shown as text.
"""

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from bot.records.plan_document import md_block, md_inline, render_html, render_markdown
from stages.audit import changed_fields
from stages.exits import ExitStrategy
from stages.rmp import Evidence, ItemRecord, Plan

Names = Callable[[str], str]


def write_pack(evidence: Evidence, path: Path, names: Names | None = None) -> list[str]:
    """Write the pack to `path`; returns the names of the files in it."""
    plan = evidence.plan
    files: dict[str, str] = {
        "README.md": _readme(evidence),
        "plan/rmp.md": render_markdown(plan, names),
        "plan/rmp.html": render_html(plan, names),
        "plan/rmp.json": json.dumps(plan_json(evidence), indent=2, sort_keys=True),
        "checklist/items.csv": _csv(ITEM_COLUMNS, _items(plan)),
        "checklist/answers.csv": _csv(ANSWER_COLUMNS, _answers(plan)),
        "checklist/notes.csv": _csv(NOTE_COLUMNS, _notes(plan)),
        "reviews.csv": _csv(REVIEW_COLUMNS, _reviews(plan)),
        "disputes.csv": _csv(DISPUTE_COLUMNS, _disputes(plan)),
        "dispute_events.csv": _csv(
            ["dispute", "at", "by", "what", "tier", "text"],
            (
                [e.dispute_id, _iso(e.at), e.actor_id, e.kind.value, e.tier, e.text or ""]
                for d in plan.disputes
                for e in d.events
            ),
        ),
        "plan_versions.csv": _csv(
            ["version", "at", "by", "reason"],
            ([v.number, _iso(v.created_at), v.created_by, v.reason] for v in reversed(evidence.versions)),
        ),
        "audit.csv": _csv(AUDIT_COLUMNS, _trail(evidence)),
    }
    for strategy in plan.exit_strategies:
        files[f"exit_strategy/v{strategy.version}.md"] = _exit_markdown(strategy)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        for name in sorted(files):
            pack.writestr(name, files[name])
    return sorted(files)


ITEM_COLUMNS = [
    "stage", "stage name", "clause", "item", "text", "rmp section", "evidence required", "status", "by", "at",
    "reason", "evidence link", "evidence note", "assignee", "notes", "stage signed off by", "stage signed off at",
]  # fmt: skip
ANSWER_COLUMNS = [
    "stage", "clause", "item", "kind", "by", "at", "status", "reason", "evidence link", "evidence note", "assignee",
]  # fmt: skip
NOTE_COLUMNS = ["stage", "clause", "item", "author", "at", "edited at", "text"]
REVIEW_COLUMNS = [
    "at", "by", "delivery", "trust and behaviours", "value", "governance", "health", "summary", "decisions",
    "next review due",
]  # fmt: skip
DISPUTE_COLUMNS = [
    "dispute", "raised at", "raised by", "owner", "tier", "status", "summary", "resolved at", "resolution",
    "root cause", "original message",
]  # fmt: skip
AUDIT_COLUMNS = ["event", "at", "by", "action", "subject", "changed", "before", "after"]


def _clause(record: ItemRecord) -> str:
    return f"BS 11000-1 clause {record.clause}"


def _items(plan: Plan) -> Iterator[list[Any]]:
    for stage in plan.stages:
        signed = stage.sign_off
        for r in stage.items:
            s = r.state
            yield [
                stage.stage.number, stage.stage.name, _clause(r), r.item.id, r.item.text, r.item.rmp_section,
                "yes" if r.item.evidence_required else "no", s.status.value, s.status_by or "", _iso(s.status_at),
                s.reason or "", s.evidence_url or "", s.evidence_note or "", s.assignee_id or "", len(r.notes),
                signed.signed_by if signed else "", _iso(signed.signed_at if signed else None),
            ]  # fmt: skip


def _answers(plan: Plan) -> Iterator[list[Any]]:
    for stage in plan.stages:
        for r in stage.items:
            for a in r.history:
                yield [
                    stage.stage.number, _clause(r), a.item_id, a.kind.value, a.actor_id, _iso(a.at),
                    a.status.value if a.status else "", a.reason or "", a.evidence_url or "", a.evidence_note or "",
                    a.assignee_id or "",
                ]  # fmt: skip


def _notes(plan: Plan) -> Iterator[list[Any]]:
    for stage in plan.stages:
        for r in stage.items:
            for n in r.notes:
                yield [
                    stage.stage.number,
                    _clause(r),
                    r.item.id,
                    n.author_id,
                    _iso(n.created_at),
                    _iso(n.edited_at),
                    n.text,
                ]


def _reviews(plan: Plan) -> Iterator[list[Any]]:
    for v in reversed(plan.reviews):
        yield [
            _iso(v.reviewed_at), v.reviewed_by, v.delivery, v.trust, v.value, v.governance, f"{v.health:.1f}",
            v.summary, v.decisions or "", v.next_review_due.isoformat(),
        ]  # fmt: skip


def _disputes(plan: Plan) -> Iterator[list[Any]]:
    for record in plan.disputes:
        d = record.dispute
        yield [
            d.id, _iso(d.raised_at), d.raised_by, d.owner_id, d.tier, d.status.value, d.summary, _iso(d.resolved_at),
            d.resolution or "", d.root_cause or "", d.source_link or "",
        ]  # fmt: skip


def _trail(evidence: Evidence) -> Iterator[list[Any]]:
    for e in evidence.trail:
        changed = " ".join(changed_fields(e.before, e.after))
        yield [e.id, _iso(e.at), e.actor_id, e.action, e.subject, changed, _json(e.before), _json(e.after)]


def plan_json(evidence: Evidence) -> dict[str, Any]:
    plan = evidence.plan
    return {
        "generated_at": plan.generated_at.isoformat(),
        "version": plan.version,
        **plan.content(),
    }


def _readme(evidence: Evidence) -> str:
    plan = evidence.plan
    r = plan.relationship
    version = f", plan version {plan.version}" if plan.version else ""
    lines = [
        f"# Evidence pack: {md_inline(r.name)}",
        "",
        f"Relationship Management Plan of {md_inline(r.name)} with {md_inline(r.partner)}, generated"
        f" {plan.generated_at:%Y-%m-%d %H:%M} UTC{version}. Current stage: {plan.stage.label} ({plan.phase.name}).",
        "",
        "| stage | BS 11000-1 | state | items done | signed off |",
        "|---|---|---|---|---|",
    ]
    for s in plan.stages:
        signed = f"{s.sign_off.signed_at:%Y-%m-%d} by {md_inline(s.sign_off.signed_by)}" if s.sign_off else ""
        done = f"{s.progress.done}/{s.progress.total}"
        lines.append(f"| {s.stage.label} | clause {s.stage.clause} | {s.state} | {done} | {signed} |")
    lines += [
        "",
        "## Files",
        "",
        "- `plan/rmp.md`, `plan/rmp.html`, `plan/rmp.json`: the plan itself (the HTML prints well).",
        "- `checklist/items.csv`: every checklist item with its stage, clause, status, evidence and sign-off.",
        "- `checklist/answers.csv`, `checklist/notes.csv`: every answer given and note taken, by item.",
        "- `reviews.csv`, `disputes.csv`, `dispute_events.csv`: reviews and the dispute log with each step.",
        "- `exit_strategy/v*.md`: every version of the joint exit strategy.",
        "- `plan_versions.csv`: when and why each version of the plan was kept.",
        "- `audit.csv`: the whole audit trail: who changed what, when, before and after (JSON).",
        "",
    ]
    return "\n".join(lines)


def _exit_markdown(strategy: ExitStrategy) -> str:
    return "\n".join(
        [
            f"# Exit strategy v{strategy.version}",
            "",
            f"Saved {strategy.saved_at:%Y-%m-%d %H:%M} UTC by {md_inline(strategy.saved_by)}, reviewed with "
            f"{md_inline(', '.join(strategy.reviewed_with))}.",
            "",
            "## Exit triggers",
            "",
            md_block(strategy.triggers),
            "",
            "## Plan",
            "",
            md_block(strategy.plan),
            "",
            "## Continuity and transition",
            "",
            md_block(strategy.continuity or "(none recorded)"),
            "",
            "## Shared assets and IP",
            "",
            md_block(strategy.assets or "(none recorded)"),
            "",
        ]
    )


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_inert_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula (OWASP)


def _inert_cell(cell: Any) -> Any:
    """Text a spreadsheet would run as a formula, shown as text: quoting the cell alone does not stop it."""
    return f"'{cell}" if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) else cell


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True) if value is not None else ""
