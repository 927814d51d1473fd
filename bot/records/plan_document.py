"""The Relationship Management Plan as a document people can read, share and print: Markdown and HTML.

`stages.rmp` gathers the plan; this adapter only lays it out, with the templates in `bot/records/templates/plan`.
Everything in a plan that people typed (names, answers, notes, summaries) is untrusted: the HTML template is
autoescaped, and the Markdown template escapes every value by default through `finalize`, so a partner called
`<script>` stays text wherever the Markdown is later rendered.
"""

import base64
import functools
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, pass_eval_context, select_autoescape
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from markupsafe import Markup

from bot.charts import draw_gap, draw_heat_map, draw_trend, gap_chart, trend_chart
from bot.slack import wording
from bot.slack.wording import in_zone, web_address
from stages.actions import SOURCE_WORDS
from stages.audit import AuditEvent
from stages.catalogue import default_catalogue
from stages.checklist import ItemStatus
from stages.directory import Names
from stages.health import Group, HealthRecord
from stages.ideas import STATUS_WORDS as IDEA_STATUS_WORDS
from stages.knowledge import CLASSIFICATION_WORDS
from stages.relationships import Relationship
from stages.reviews import RATING_AREAS
from stages.risks import CATEGORY_WORDS, heat_map
from stages.rmp import CHANGE_LOG_LIMIT, ItemRecord, Plan
from stages.sentences import describe

__all__ = ["human_date", "human_datetime", "md_block", "md_inline", "render_html", "render_markdown"]

STATUS_LABELS = {
    ItemStatus.OPEN: "Open",
    ItemStatus.IN_PROGRESS: "In progress",
    ItemStatus.DONE: "Done",
    ItemStatus.NOT_APPLICABLE: "Not applicable",
}

_MD_SPECIAL = re.compile(r"([\\\[\]|`])")
_MD_SETEXT = re.compile(r"^[=-]+$")
_BLANK_BETWEEN_TAGS = re.compile(r">\n(?:[ \t]*\n)+<")
_URL_SAFE = "/:?#@!$&'*+,;=%~.-_"  # what a web address may keep; anything else is percent-encoded


def render_markdown(plan: Plan, names: Names | None = None, zone: tzinfo = UTC) -> str:
    """The plan as Markdown, e.g. to paste into a wiki or attach to a contract. People and channels are named
    by `names` (by default, the last names the directory knew), times told in `zone`."""
    return _render("rmp.md.j2", plan, names, zone)


def render_html(plan: Plan, names: Names | None = None, zone: tzinfo = UTC) -> str:
    """The plan as one self-contained HTML page: no scripts or outside resources, so it can be mailed or printed."""
    return _render("rmp.html.j2", plan, names, zone)


def _render(template: str, plan: Plan, names: Names | None, zone: tzinfo) -> str:
    tiers = {t.tier: t.name for t in default_catalogue().cadences.dispute_tiers}
    facts = {"plan": plan, "names": names or plan.names, "zone": zone, "tier_names": tiers}
    text = _environment().get_template(template).render(**facts)
    if template.endswith(".html.j2"):
        # Empty macro calls leave blank lines between tags. Escaped user text has no raw `>` or `<`, so this
        # cannot touch the line breaks people typed.
        text = _BLANK_BETWEEN_TAGS.sub(">\n<", text)
    return text.strip() + "\n"  # macro definitions above the document leave blank lines


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.records", "templates/plan"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
        auto_reload=False,  # the templates ship with the code: no file check on every export
    )
    env.filters.update(
        date=_date,
        datetime=_datetime,
        user=_user,
        users=_users,
        channel=_channel,
        status=status_label,
        days=_days,
        web=web_url,
        md_block=md_block,
        md_url=md_url,
        score=_score,
        sentence=_sentence,
    )
    env.globals.update(
        change_log_limit=CHANGE_LOG_LIMIT,
        rating_areas=RATING_AREAS,
        risk_categories=CATEGORY_WORDS,
        action_sources=SOURCE_WORDS,
        knowledge_classes=CLASSIFICATION_WORDS,
        idea_status=IDEA_STATUS_WORDS,
        heat_map_uri=heat_map_uri,
        health_labels=health_labels,
        gap_chart_uri=gap_chart_uri,
        trend_chart_uri=trend_chart_uri,
    )
    env.tests["answered"] = answered
    return env


class Markdown(str):
    """Markdown whose user text is already escaped. Not `Markup`: that would also pass HTML autoescaping."""


@pass_eval_context
def _finalize(eval_ctx: EvalContext, value: object) -> object:
    """Escape by default in Markdown too: every value is user text unless a filter made it `Markdown`.

    Macro output is marked `|safe` (`Markup`) in the Markdown template, since a macro's values were escaped inside.
    """
    if eval_ctx.autoescape or isinstance(value, Markdown | Markup):
        return value
    return md_inline(value)


def md_inline(value: object) -> Markdown:
    """User text on one line of Markdown (a table cell, a list item): HTML neutralised, Markdown syntax kept as text.

    `<` and `>` become entities so no tag or autolink survives; backslashes, brackets, pipes and backticks are
    backslash-escaped so text cannot become a link, an image, code or a table column. Emphasis is left alone:
    it cannot break the document, and escaping it would clutter the raw text.
    """
    text = " ".join(str(value).split())
    return Markdown(_MD_SPECIAL.sub(r"\\\1", _neutralise_html(text)))


def md_block(value: object, indent: int = 0) -> Markdown:
    """Multi-line user text as Markdown lines, indented to sit inside a list item, unable to start a heading."""
    lines = []
    for raw in str(value).strip().splitlines():
        line = str(md_inline(raw))
        if line.startswith("#") or _MD_SETEXT.match(line):
            line = "\\" + line
        lines.append(line)
    return Markdown(("\n" + " " * indent).join(lines))


def md_url(value: str) -> Markdown:
    """A web address as a Markdown link, with the characters that could break out of it percent-encoded."""
    url = web_url(value)
    if url is None:
        return md_inline(value)
    return Markdown(f"[{md_inline(url)}]({quote(url, safe=_URL_SAFE)})")


def web_url(value: str | None) -> str | None:
    """The address if it is a well-formed web one; anything else (javascript:, data:, no host) is never a link."""
    return web_address(value, ("https", "http"))


def _neutralise_html(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def human_date(value: date | datetime | None, zone: tzinfo = UTC) -> str:
    """A date as people write it, e.g. 23 Feb 2027 (an instant is taken in `zone`)."""
    if value is None:
        return "not set"
    return wording.human_date(in_zone(value, zone) if isinstance(value, datetime) else value)


def human_datetime(value: datetime | None, zone: tzinfo = UTC) -> str:
    """An instant as people write it, in `zone` and saying which, e.g. 23 Feb 2027, 14:05 GMT."""
    return "not set" if value is None else wording.human_datetime(value, zone)


@pass_context
def _date(context: Context, value: date | datetime | None) -> str:
    return human_date(value, context["zone"])


@pass_context
def _datetime(context: Context, value: datetime | None) -> str:
    return human_datetime(value, context["zone"])


def _days(delta: timedelta) -> int:
    """Whole days, as the app counts a dispute's age."""
    return delta.days


def _score(value: float) -> str:
    return f"{value:.1f}"


@pass_context
def _user(context: Context, user_id: str | None) -> str:
    if not user_id:
        return "nobody"
    names: Names = context["names"]
    return names.person(user_id)


@pass_context
def _sentence(context: Context, event: AuditEvent) -> str:
    names: Names = context["names"]
    return describe(event, names)


@pass_context
def _channel(context: Context, channel_id: str) -> str:
    names: Names = context["names"]
    return names.channel(channel_id)


@pass_context
def _users(context: Context, user_ids: tuple[str, ...]) -> str:
    return ", ".join(_user(context, user_id) for user_id in user_ids) or "nobody"


def status_label(record: ItemRecord, reason: bool = True) -> str:
    """Done / In progress / Not applicable: reason / Open."""
    state = record.state
    label = STATUS_LABELS[state.status]
    if reason and state.status is ItemStatus.NOT_APPLICABLE and state.reason:
        return f"{label}: {state.reason}"
    return label


def answered(record: ItemRecord) -> bool:
    """Whether anyone has touched the item: a status, evidence, an assignee, a note or any past answer."""
    state = record.state
    return bool(
        state.status is not ItemStatus.OPEN or state.has_evidence or state.assignee_id or record.notes or record.history
    )


_GROUP_NAMES = {Group.HOME: "Host organisation", Group.SPONSORS: "Sponsors", Group.TEAM: "Working team"}


def health_labels(record: HealthRecord, relationship: Relationship) -> tuple[str, str]:
    """What the two groups of a health check are called in the plan."""
    first, second = (_GROUP_NAMES.get(g, relationship.partner) for g in record.health_round.groups)
    return first, second


def gap_chart_uri(record: HealthRecord, labels: tuple[str, str]) -> str:
    """The round's chart, inside the page: the HTML plan stays one file with no outside resources."""
    title = f"Health check {record.health_round.number}"
    return _data_uri(draw_gap(gap_chart(title, record.results, labels)))


def trend_chart_uri(record: HealthRecord, labels: tuple[str, str]) -> str:
    return _data_uri(draw_trend(trend_chart("Overall index over time", record.trend, labels)))


def heat_map_uri(plan: Plan) -> str:
    """The open risks' heat map, inside the page."""
    return _data_uri(draw_heat_map("Open risks", heat_map(plan.risks)))


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()
