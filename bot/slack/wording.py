"""User-facing words live in Jinja2 templates in each feature's `templates` folder; this module renders them.

Each template file groups the copy of one surface as macros; code asks for `copy("file", "macro", **facts)` for
text Slack reads as mrkdwn (section and context text, and every message's top-level `text`), and for
`copy.plain("file", "macro", **facts)` for a `plain_text` field (headers, titles, labels, buttons).

In mrkdwn every value a template shows is escaped by default: `&`, `<` and `>` become entities, so text people
typed cannot mention `@channel`, ping a user group or hide a link behind a label. Only markup Accord builds
itself (mentions of stored user and channel ids, dates, links to checked https addresses) is marked `Markup` by
the filters here and goes out as it is. Slack shows `plain_text` as it is, without parsing mentions or links, so
there user text is left unescaped: an entity would show literally.
"""

import re
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from jinja2.runtime import Macro
from markupsafe import Markup

from stages.audit import changed_fields
from stages.errors import Problem
from stages.pseudonyms import erased_name

_SLACK_ID = re.compile(r"[A-Z0-9]+")  # how Slack spells user, channel and user group ids
_URL_SAFE = "/:?#@!$&'*+,;=%~.-_"  # what a link may keep as typed; anything else (|, <, >, spaces) is encoded


def slack_escape(value: object) -> str:
    """Escape text for Slack mrkdwn: only &, < and > have meaning there."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def web_address(value: str | None, schemes: tuple[str, ...] = ("https",)) -> str | None:
    """The address if it is a well-formed web address with one of `schemes` and a host; otherwise None."""
    url = (value or "").strip()
    if not url or not url.isprintable() or any(char.isspace() for char in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    return url if parts.scheme.lower() in schemes and parts.hostname else None


def accord_markup(text: str) -> Markup:
    """Mark text as Slack markup Accord built, to go out as it is; every part that came from people is escaped."""
    return Markup(text)  # noqa: S704 (the one place Accord's own markup is marked; callers escape what people typed)


def slack_link(url: str | None, label: str) -> Markup:
    """A link Accord builds: to a checked https address only; anything else is shown as inert text."""
    address = web_address(url)
    if address is None:
        return accord_markup(slack_escape(url or ""))
    return accord_markup(f"<{slack_escape(quote(address, safe=_URL_SAFE))}|{slack_escape(label)}>")


def mention(user_id: str) -> Markup:
    """A mention of a stored Slack user id; an erased person by their pseudonym's words; anything else as text."""
    if _SLACK_ID.fullmatch(user_id):
        return accord_markup(f"<@{user_id}>")
    return accord_markup(slack_escape(erased_name(user_id) or user_id))


def channel_link(channel_id: str) -> Markup:
    return accord_markup(f"<#{channel_id}>" if _SLACK_ID.fullmatch(channel_id) else slack_escape(channel_id))


def human_date(value: date | datetime) -> str:
    """A date as people read it in a message, e.g. 23 Feb 2027."""
    return f"{value.day} {value:%b %Y}"


def human_datetime(value: datetime, zone: tzinfo = UTC) -> str:
    """An instant as people write it, in `zone` and saying which, e.g. 23 Feb 2027, 14:05 GMT."""
    local = in_zone(value, zone)
    return f"{human_date(local)}, {local:%H:%M} {local.tzname() or 'UTC'}"


def in_zone(value: datetime, zone: tzinfo) -> datetime:
    """The instant as a clock in `zone` shows it (one stored without a zone is in UTC)."""
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).astimezone(zone)


def slack_time(value: datetime | None) -> Markup:
    """An instant that each reader's Slack shows in their own time zone (with a UTC fallback)."""
    if value is None:
        return accord_markup("")
    fallback = f"{human_date(value)} {value:%H:%M} UTC"
    return accord_markup(f"<!date^{int(value.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>")


def progress_bar(done: int, total: int, width: int = 10) -> str:
    filled = round(width * done / total) if total else 0
    return "\u25b0" * filled + "\u25b1" * (width - filled)


def _escape_unless_markup(value: object) -> object:
    """Every value a mrkdwn template shows, unless Accord built it (`Markup`), is escaped for Slack."""
    return value if hasattr(value, "__html__") else accord_markup(slack_escape(value))


def template_folders() -> list[str]:
    """Every feature's `templates` folder: a feature's words live beside its code, found by their place."""
    return [str(folder) for folder in sorted(Path(__file__).resolve().parents[1].glob("*/templates"))]


def _environment(*, mrkdwn: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(template_folders()),
        undefined=StrictUndefined,
        # Jinja's autoescape marks macro output and filter-built markup as safe; `finalize` escapes the rest the
        # way Slack needs (markupsafe's HTML escaping would show quotes as &#39;).
        autoescape=mrkdwn,  # noqa: S701 (off only for plain_text, which Slack shows as sent)
        finalize=_escape_unless_markup if mrkdwn else None,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # the templates ship with the code: no file check on every message
    )
    env.filters["date"] = human_date
    env.filters["bar"] = progress_bar
    env.filters["when"] = slack_time
    env.filters["user"] = mention
    env.filters["channel"] = channel_link
    env.filters["link"] = slack_link
    env.globals["changed"] = changed_fields
    return env


class MissingCopy(LookupError):
    """Code asked for words no template has: a bug to hear of, never a message sent blank."""

    def __init__(self, template: str, macro: str) -> None:
        super().__init__(f"{template}.j2 has no macro {macro!r}")
        self.template = template
        self.macro = macro


class Copy:
    def __init__(self) -> None:
        self.env = _environment(mrkdwn=True)
        self.plain_env = _environment(mrkdwn=False)

    def __call__(self, template: str, macro: str, /, **facts: Any) -> str:
        """Copy for mrkdwn or a message's top-level text: every value not built by Accord is escaped."""
        return self._render(self.env, template, macro, facts)

    def plain(self, template: str, macro: str, /, **facts: Any) -> str:
        """Copy for a `plain_text` field, which Slack shows exactly as sent."""
        return self._render(self.plain_env, template, macro, facts)

    def problem(self, problem: Problem, *, plain: bool = False) -> str:
        """The message for one domain problem; every problem code has a macro in problems.j2. `plain` for text
        Slack shows as it is (a modal's field errors), where an escaped `&` would show as `&amp;`."""
        render = self.plain if plain else self
        return render("problems", problem.code, field=problem.field, **problem.params)

    @staticmethod
    def _render(env: Environment, template: str, macro: str, facts: dict[str, Any]) -> str:
        """`MissingCopy` if the template has no such macro (and `StrictUndefined` raises for a fact it lacks)."""
        found = getattr(env.get_template(f"{template}.j2").module, macro, None)
        if not isinstance(found, Macro):  # not a macro's name: a variable of the template, or a dunder
            raise MissingCopy(template, macro)
        return str(found(**facts)).strip()
