"""Logging set-up. Secrets never reach a log line: the formatter masks them in everything it writes.

Masking the formatted line, rather than the message, covers tracebacks and stack traces too, whichever library
logged them. Two kinds of secret: Slack tokens, and response URLs, with which anyone may answer as the app.
"""

import logging
import re

_TOKEN = re.compile(r"\b(xox[abposre]|xapp)-[A-Za-z0-9-]+")
# Slack's response URLs in any spelling a log line may carry them: plain, JSON-escaped or form-encoded.
_HOOKS_URL = re.compile(r"(hooks\.slack(?:-gov)?\.com)(?:/|\\/|%2F)[^\s'\"<>&]*", re.IGNORECASE)
# Any URL given as a response_url (a field of a dict, JSON or form), wherever it points.
_RESPONSE_URL = re.compile(r"(response_url['\"]?\s*[:=]\s*['\"]?)[^\s'\"&,}]+")


def redact(text: str) -> str:
    text = _TOKEN.sub(r"\1-[redacted]", text)
    text = _HOOKS_URL.sub(r"\1/[redacted]", text)
    return _RESPONSE_URL.sub(r"\1[redacted]", text)


class Redacting(logging.Formatter):
    """A formatter whose every line, traceback included, has tokens and response URLs masked."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(Redacting("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for chatty in ("alembic.runtime.plugins", "alembic.runtime.migration"):
        logging.getLogger(chatty).setLevel(logging.WARNING)  # the commands say what they did themselves
