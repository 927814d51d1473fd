"""User-facing words live in Jinja2 templates under `bot/templates`; this module renders them.

Each template file groups the copy of one surface as macros; code asks for `copy("file", "macro", **facts)`.
Templates escape user text with the `esc` filter, which escapes only what Slack's mrkdwn needs (&, <, >).
"""

from datetime import date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from stages.audit import changed_fields
from stages.errors import Problem


def slack_escape(value: object) -> str:
    """Escape text for Slack mrkdwn: only &, < and > have meaning there."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def human_date(value: date | datetime) -> str:
    """A date as people read it in a message, e.g. 23 Feb 2027."""
    return f"{value.day} {value:%b %Y}"


def slack_time(value: datetime | None) -> str:
    """An instant that each reader's Slack shows in their own time zone (with a UTC fallback)."""
    if value is None:
        return ""
    fallback = f"{human_date(value)} {value:%H:%M} UTC"
    return f"<!date^{int(value.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def progress_bar(done: int, total: int, width: int = 10) -> str:
    filled = round(width * done / total) if total else 0
    return "\u25b0" * filled + "\u25b1" * (width - filled)


class Copy:
    def __init__(self) -> None:
        self.env = Environment(
            loader=PackageLoader("bot", "templates"),
            undefined=StrictUndefined,
            autoescape=False,  # noqa: S701 (Slack text, not HTML: the esc filter escapes user input)
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # the templates ship with the code: no file check on every message
        )
        self.env.filters["esc"] = slack_escape
        self.env.filters["date"] = human_date
        self.env.filters["bar"] = progress_bar
        self.env.filters["when"] = slack_time
        self.env.globals["changed"] = changed_fields
        self.env.filters["user"] = lambda user_id: f"<@{user_id}>"
        self.env.filters["channel"] = lambda channel_id: f"<#{channel_id}>"

    def __call__(self, template: str, macro: str, /, **facts: Any) -> str:
        module = self.env.get_template(f"{template}.j2").module
        return str(getattr(module, macro)(**facts)).strip()

    def problem(self, problem: Problem) -> str:
        """The message for one domain problem; every problem code has a macro in problems.j2."""
        return self("problems", problem.code, field=problem.field, **problem.params)
