"""The evidence pack: a zip an auditor can read without Accord, indexed by stage and BS 11000-1 clause.

It holds the plan (Markdown, HTML, JSON), every checklist item with its answers, notes and evidence, the
reviews, disputes and exit strategy versions, each health check's aggregates (CSV) and charts (PNG), the plan's
versions, and the whole audit trail as CSV. A health check is there as its aggregates only, as it was posted:
never an answer, a comment of a side with too few answers, or anything of who answered.

Everything people typed is untrusted: in Markdown it is escaped (no HTML, links or headings of its own), and a
CSV cell that a spreadsheet would run as a formula is prefixed with `'` so it is shown as text.
"""

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.charts import draw_gap, draw_trend, gap_chart, trend_chart
from bot.records.plan_document import (
    health_labels,
    human_date,
    human_datetime,
    md_block,
    md_inline,
    render_html,
    render_markdown,
)
from stages.actions import SOURCE_WORDS
from stages.directory import Names
from stages.exits import ExitStrategy
from stages.health import HealthRecord
from stages.ideas import STATUS_WORDS as IDEA_STATUS_WORDS
from stages.knowledge import CLASSIFICATION_WORDS
from stages.risks import CATEGORY_WORDS
from stages.rmp import Evidence, ItemRecord, Plan
from stages.sentences import describe


def write_pack(evidence: Evidence, path: Path, names: Names | None = None) -> list[str]:
    """Write the pack to `path`; returns the names of the files in it. People and channels are named by `names`
    (by default, the last names the directory knew); every CSV keeps their Slack ids in columns of their own."""
    plan = evidence.plan
    who = names or plan.names
    files: dict[str, str | bytes] = {
        "README.md": _readme(evidence, who),
        "plan/rmp.md": render_markdown(plan, who),
        "plan/rmp.html": render_html(plan, who),
        "plan/rmp.json": json.dumps(plan_json(evidence), indent=2, sort_keys=True),
        "checklist/items.csv": _csv(ITEM_COLUMNS, _items(plan, who)),
        "checklist/answers.csv": _csv(ANSWER_COLUMNS, _answers(plan, who)),
        "checklist/notes.csv": _csv(NOTE_COLUMNS, _notes(plan, who)),
        "participation.csv": _csv(PARTICIPATION_COLUMNS, _participation(plan, who)),
        "reviews.csv": _csv(REVIEW_COLUMNS, _reviews(plan, who)),
        "review_views.csv": _csv(VIEW_COLUMNS, _views(plan, who)),
        "disputes.csv": _csv(DISPUTE_COLUMNS, _disputes(plan, who)),
        "registers/risks.csv": _csv(RISK_COLUMNS, _risks(plan, who)),
        "registers/actions.csv": _csv(ACTION_COLUMNS, _actions(plan, who)),
        "registers/knowledge.csv": _csv(KNOWLEDGE_COLUMNS, _knowledge(plan, who)),
        "registers/ideas.csv": _csv(IDEA_COLUMNS, _ideas(plan, who)),
        "registers/meetings.csv": _csv(MEETING_COLUMNS, _meetings(plan, who)),
        "dispute_events.csv": _csv(
            ["dispute", "at", "by", "by id", "what", "tier", "text"],
            (
                [e.dispute_id, _when(e.at), *_person(who, e.actor_id), e.kind.value, e.tier, e.text or ""]
                for d in plan.disputes
                for e in d.events
            ),
        ),
        "plan_versions.csv": _csv(
            ["version", "at", "by", "by id", "reason"],
            (
                [v.number, _when(v.created_at), *_person(who, v.created_by), v.reason]
                for v in reversed(evidence.versions)
            ),
        ),
        "audit.csv": _csv(AUDIT_COLUMNS, _trail(evidence, who)),
    }
    for strategy in plan.exit_strategies:
        files[f"exit_strategy/v{strategy.version}.md"] = _exit_markdown(strategy, who)
    for record in plan.health:
        files |= _health(record, plan)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        for name in sorted(files):
            pack.writestr(name, files[name])
    return sorted(files)


# A column holding a person's name is followed by one holding their Slack id ("… id"), for auditors to match.
ITEM_COLUMNS = [
    "stage", "stage name", "clause", "item", "text", "rmp section", "evidence required", "status", "by", "by id",
    "at", "reason", "evidence link", "evidence note", "assignee", "assignee id", "notes", "stage signed off by",
    "stage signed off by id", "stage signed off at",
]  # fmt: skip
ANSWER_COLUMNS = [
    "stage", "clause", "item", "kind", "by", "by id", "organisation", "at", "status", "reason", "evidence link",
    "evidence note", "assignee", "assignee id",
]  # fmt: skip
PARTICIPATION_COLUMNS = ["stage", "stage name", "organisation", "took part by", "person", "person id", "at"]
NOTE_COLUMNS = ["stage", "clause", "item", "author", "author id", "at", "edited at", "text"]
VIEW_COLUMNS = [
    "review of", "organisation", "at", "by", "by id", "delivery", "trust and behaviours", "value", "governance",
    "health", "summary",
]  # fmt: skip
REVIEW_COLUMNS = [
    "at", "by", "by id", "delivery", "trust and behaviours", "value", "governance", "health", "summary", "decisions",
    "next review due",
]  # fmt: skip
DISPUTE_COLUMNS = [
    "dispute", "raised at", "raised by", "raised by id", "owner", "owner id", "tier", "status", "summary",
    "resolved at", "resolution", "root cause", "original message",
]  # fmt: skip
RISK_COLUMNS = [
    "risk", "title", "description", "category", "effect of a breakdown", "likelihood", "impact", "score", "owner",
    "owner id", "mitigation", "next review", "kept", "organisation", "raised at", "raised by", "raised by id",
    "closed at", "closed by", "closed by id", "outcome",
]  # fmt: skip
ACTION_COLUMNS = [
    "action", "title", "owner", "owner id", "owner's organisation", "due", "source", "source id", "kept",
    "organisation", "added at", "added by", "added by id", "completed at", "completed by", "completed by id", "note",
]  # fmt: skip
KNOWLEDGE_COLUMNS = [
    "item", "title", "description", "class", "terms", "organisation", "owner", "owner id", "added at", "added by",
    "added by id", "retired at", "retired by", "retired by id",
]  # fmt: skip
IDEA_COLUMNS = [
    "idea", "title", "status", "proposed by", "proposed by id", "owner", "owner id", "value for the home organisation",
    "value for the partner", "expected amount", "expected unit", "expected value", "next decision", "last moved",
    "delivered amount", "delivered unit", "drop reason", "kept", "organisation", "raised at", "raised by",
    "raised by id",
]  # fmt: skip
MEETING_COLUMNS = [
    "meeting", "held on", "attended (home)", "attended (partner)", "minutes", "decisions", "kept", "organisation",
    "why one organisation only", "recorded at", "recorded by", "recorded by id",
]  # fmt: skip
AUDIT_COLUMNS = ["event", "at", "by", "by id", "organisation", "what happened", "before", "after"]


def _clause(record: ItemRecord) -> str:
    return f"BS 11000-1 clause {record.clause}"


def _items(plan: Plan, names: Names) -> Iterator[list[Any]]:
    for stage in plan.stages:
        signed = stage.sign_off
        for r in stage.items:
            s = r.state
            yield [
                stage.stage.number, stage.stage.name, _clause(r), r.item.id, r.item.text, r.item.rmp_section,
                "yes" if r.item.evidence_required else "no", s.status.value, *_person(names, s.status_by),
                _when(s.status_at), s.reason or "", s.evidence_url or "", s.evidence_note or "",
                *_person(names, s.assignee_id), len(r.notes), *_person(names, signed.signed_by if signed else None),
                _when(signed.signed_at if signed else None),
            ]  # fmt: skip


def _answers(plan: Plan, names: Names) -> Iterator[list[Any]]:
    for stage in plan.stages:
        for r in stage.items:
            for a in r.history:
                yield [
                    stage.stage.number, _clause(r), a.item_id, a.kind.value, *_person(names, a.actor_id),
                    plan.organisation(a.actor_side), _when(a.at), a.status.value if a.status else "", a.reason or "",
                    a.evidence_url or "", a.evidence_note or "", *_person(names, a.assignee_id),
                ]  # fmt: skip


def _participation(plan: Plan, names: Names) -> Iterator[list[Any]]:
    """Who of each organisation answered each stage and signed its gate: one row per person and part taken."""
    for p in plan.participation:
        took_part = [("answered", act) for act in p.answered] + ([("signed off", p.signed)] if p.signed else [])
        for what, act in took_part:
            yield [
                p.stage.number, p.stage.name, plan.organisation(p.side), what, *_person(names, act.user_id),
                _when(act.at),
            ]  # fmt: skip


def _notes(plan: Plan, names: Names) -> Iterator[list[Any]]:
    """Every note, by stage: those on an item, then those on the check-in as a whole (no item)."""
    for stage in plan.stages:
        clause = f"BS 11000-1 clause {stage.stage.clause}"
        on_items = [(clause, r.item.id, n) for r in stage.items for n in r.notes]
        for clause, item, n in [*on_items, *((clause, "", n) for n in stage.notes)]:
            yield [
                stage.stage.number, clause, item, *_person(names, n.author_id), _when(n.created_at),
                _when(n.edited_at), n.text,
            ]  # fmt: skip


def _reviews(plan: Plan, names: Names) -> Iterator[list[Any]]:
    for v in reversed(plan.reviews):
        yield [
            _when(v.reviewed_at), *_person(names, v.reviewed_by), v.delivery, v.trust, v.value, v.governance,
            f"{v.health:.1f}", v.summary, v.decisions or "", human_date(v.next_review_due),
        ]  # fmt: skip


def _actions(plan: Plan, names: Names) -> Iterator[list[Any]]:
    for a in plan.actions:
        yield [
            a.id, a.title, *_person(names, a.owner_id), plan.organisation(a.owner_side), human_date(a.due),
            SOURCE_WORDS[a.source.value], a.source_id or "", "internal" if a.internal else "joint",
            plan.organisation(a.side), _when(a.added_at), *_person(names, a.added_by), _when(a.done_at),
            *_person(names, a.done_by), a.note or "",
        ]  # fmt: skip


def _views(plan: Plan, names: Names) -> Iterator[list[Any]]:
    """The partner's people's views, each beside the date of the review it is of."""
    for rv in reversed(plan.reviews):
        for v in plan.views_of(rv):
            yield [
                _when(rv.reviewed_at), plan.relationship.partner, _when(v.given_at), *_person(names, v.given_by),
                v.delivery, v.trust, v.value, v.governance, f"{v.health:.1f}", v.summary,
            ]  # fmt: skip


def _disputes(plan: Plan, names: Names) -> Iterator[list[Any]]:
    for record in plan.disputes:
        d = record.dispute
        yield [
            d.id, _when(d.raised_at), *_person(names, d.raised_by), *_person(names, d.owner_id), d.tier,
            d.status.value, d.summary, _when(d.resolved_at), d.resolution or "", d.root_cause or "",
            d.source_link or "",
        ]  # fmt: skip


def _risks(plan: Plan, names: Names) -> Iterator[list[Any]]:
    for r in plan.risks:
        yield [
            r.id, r.title, r.description, CATEGORY_WORDS[r.category.value], r.breakdown_effect, r.likelihood, r.impact,
            r.score, *_person(names, r.owner_id), r.mitigation, human_date(r.next_review),
            "internal" if r.internal else "joint", plan.organisation(r.side), _when(r.raised_at),
            *_person(names, r.raised_by), _when(r.closed_at), *_person(names, r.closed_by), r.outcome or "",
        ]  # fmt: skip


def _knowledge(plan: Plan, names: Names) -> Iterator[list[Any]]:
    """The knowledge map as the host keeps it: the partner's never-share items are not the host's to list."""
    for k in plan.knowledge:
        yield [
            k.id, k.title, k.description, CLASSIFICATION_WORDS[k.classification.value], k.terms,
            plan.organisation(k.side), *_person(names, k.owner_id), _when(k.added_at), *_person(names, k.added_by),
            _when(k.retired_at), *_person(names, k.retired_by),
        ]  # fmt: skip


def _ideas(plan: Plan, names: Names) -> Iterator[list[Any]]:
    for i in plan.ideas:
        yield [
            i.id, i.title, IDEA_STATUS_WORDS[i.status.value], *_person(names, i.proposer_id),
            *_person(names, i.owner_id), i.value_home, i.value_partner, str(i.expected_amount), i.expected_unit,
            i.expected_words, human_date(i.next_decision), human_date(i.moved_on),
            "" if i.delivered_amount is None else str(i.delivered_amount), i.delivered_unit or "", i.drop_reason or "",
            "internal" if i.internal else "joint", plan.organisation(i.side), _when(i.raised_at),
            *_person(names, i.raised_by),
        ]  # fmt: skip


def _meetings(plan: Plan, names: Names) -> Iterator[list[Any]]:
    """The meetings, the earliest first; each side's attendees and the decisions one per line in their cell."""
    for m in reversed(plan.meetings):
        yield [
            m.id, human_date(m.held_on), _people(names, m.home_attendees), _people(names, m.partner_attendees),
            m.minutes, "\n".join(m.decisions), "internal" if m.internal else "joint", plan.organisation(m.side),
            m.one_side_reason, _when(m.recorded_at), *_person(names, m.recorded_by),
        ]  # fmt: skip


def _people(names: Names, ids: Sequence[str]) -> str:
    """Each person's name and Slack id, one a line."""
    return "\n".join(f"{names.person(person)} ({person})" for person in ids)


def _trail(evidence: Evidence, names: Names) -> Iterator[list[Any]]:
    plan = evidence.plan
    for e in evidence.trail:
        yield [
            e.id, _when(e.at), *_person(names, e.actor_id), plan.organisation(e.actor_side), describe(e, names),
            _json(e.before), _json(e.after),
        ]  # fmt: skip


def _person(names: Names, user_id: str | None) -> tuple[str, str]:
    """A person's name and, beside it, their Slack id; both empty for nobody."""
    return (names.person(user_id), user_id) if user_id else ("", "")


def plan_json(evidence: Evidence) -> dict[str, Any]:
    plan = evidence.plan
    return {
        "generated_at": plan.generated_at.isoformat(),
        "version": plan.version,
        **plan.content(),
    }


def _readme(evidence: Evidence, names: Names) -> str:
    plan = evidence.plan
    r = plan.relationship
    version = f", plan version {plan.version}" if plan.version else ""
    lines = [
        f"# Evidence pack: {md_inline(r.name)}",
        "",
        f"Relationship Management Plan of {md_inline(r.name)} with {md_inline(r.partner)}, generated"
        f" {human_datetime(plan.generated_at)}{version}. Current stage: {plan.stage.label} ({plan.phase.name}).",
        "",
        "| stage | BS 11000-1 | state | items done | signed off |",
        "|---|---|---|---|---|",
    ]
    for s in plan.stages:
        signed = ""
        if s.sign_off:
            signed = f"{human_date(s.sign_off.signed_at)} by {md_inline(names.person(s.sign_off.signed_by))}"
            if s.sign_off.partner_signed_by:  # a joint gate: both organisations signed
                signed += f" and {md_inline(names.person(s.sign_off.partner_signed_by))} ({md_inline(r.partner)})"
        done = f"{s.progress.done}/{s.progress.total}"
        lines.append(f"| {s.stage.label} | clause {s.stage.clause} | {s.state} | {done} | {signed} |")
    lines += [
        "",
        "## Files",
        "",
        "- `plan/rmp.md`, `plan/rmp.html`, `plan/rmp.json`: the plan itself (the HTML prints well).",
        "- `checklist/items.csv`: every checklist item with its stage, clause, status, evidence and sign-off.",
        "- `checklist/answers.csv`, `checklist/notes.csv`: every answer given (and for which organisation) and note"
        " taken, by item.",
        "- `participation.csv`: who of each organisation answered each stage and signed its gate, and when.",
        "- `reviews.csv`, `disputes.csv`, `dispute_events.csv`: reviews and the dispute log with each step;",
        "  `review_views.csv`: the partner's people's views of the reviews shared with them.",
        "- `exit_strategy/v*.md`: every version of the joint exit strategy.",
        "- `registers/risks.csv`: the risk register, open and closed risks, each joint or internal to one"
        " organisation, with its score, owner, next review and outcome.",
        "- `registers/actions.csv`: the actions register, open and completed actions, each joint or internal to one"
        " organisation, with its owner, due date, what it came out of and the note it was completed with.",
        "- `registers/knowledge.csv`: the knowledge map, live and retired items, each shared freely, under agreed"
        " terms (with them) or never (the host's own only), with the organisation that holds it and its owner.",
        "- `registers/ideas.csv`: the value-creation ideas, open, delivered and dropped, each joint or internal to"
        " one organisation, with what value means for each, the value expected and delivered, and why it was dropped.",
        "- `registers/meetings.csv`: the joint management team's meetings, the earliest first: who attended for"
        " each organisation, the minutes and the decisions, each joint or internal to one organisation.",
        "- `plan_versions.csv`: when and why each version of the plan was kept.",
        "- `audit.csv`: the whole audit trail: when, who, what happened, and the record before and after (JSON).",
        "",
    ]
    return "\n".join(lines)


def _agreement(strategy: ExitStrategy, names: Names) -> str:
    """Whether the partner agreed a joint strategy's version, as a sentence to follow who saved it."""
    if not strategy.joint:
        return ""
    if strategy.partner_agreed_by is None:
        return " Not yet agreed by the partner organisation."
    by = md_inline(names.person(strategy.partner_agreed_by))
    return f" Agreed by the partner organisation: {by}, {human_datetime(strategy.partner_agreed_at)}."


def _exit_markdown(strategy: ExitStrategy, names: Names) -> str:
    reviewed_with = ", ".join(names.person(user_id) for user_id in strategy.reviewed_with) or "nobody"
    return "\n".join(
        [
            f"# Exit strategy v{strategy.version}",
            "",
            f"Saved {human_datetime(strategy.saved_at)} by {md_inline(names.person(strategy.saved_by))}, reviewed"
            f" with {md_inline(reviewed_with)}.{_agreement(strategy, names)}",
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


HEALTH_COLUMNS = ["dimension", "group", "respondents", "shown", "score", "spread", "gap", "gap flagged"]


def _health(record: HealthRecord, plan: Plan) -> dict[str, str | bytes]:
    """One closed round: its aggregates per dimension and group, its chart, and the trend up to it."""
    r, found = record.health_round, record.results
    labels = health_labels(record, plan.relationship)
    rows: list[list[str | int]] = [
        [
            d.dimension,
            labels[n],
            g.respondents,
            "yes" if g.shown else "no (too few answers)",
            *((f"{f.score:.2f}", f"{f.spread:.2f}") if (f := d.figures[g.group]) else ("", "")),
            f"{d.gap:.2f}" if d.gap is not None else "",
            "yes" if d.flagged else "no",
        ]
        for d in found.dimensions
        for n, g in enumerate(found.groups)
    ]
    index: list[list[str | int]] = [
        ["overall index", "", "", "", f"{found.index:.2f}" if found.index is not None else "", "", "", ""]
    ]
    stem = f"health/round-{r.number}"
    files: dict[str, str | bytes] = {
        f"{stem}.csv": _csv(HEALTH_COLUMNS, rows + index),
        f"{stem}.png": draw_gap(gap_chart(f"Health check {r.number}", found, labels)),
    }
    if len(record.trend) > 1:
        files[f"{stem}-trend.png"] = draw_trend(trend_chart("Overall index over time", record.trend, labels))
    return files


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


def _when(value: datetime | None) -> str:
    return human_datetime(value) if value is not None else ""


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True) if value is not None else ""
