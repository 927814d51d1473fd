"""Logging set-up. Slack tokens never reach a log line: a filter masks anything shaped like one."""

import logging
import re

_TOKEN = re.compile(r"\b(xox[abposre]|xapp)-[A-Za-z0-9-]+")


class RedactTokens(logging.Filter):
    """Masks Slack tokens in the message and its arguments, whichever library logged them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub(lambda m: m.group(1) + "-[redacted]", message)
            record.args = None
        return True


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for chatty in ("alembic.runtime.plugins", "alembic.runtime.migration"):
        logging.getLogger(chatty).setLevel(logging.WARNING)  # the commands say what they did themselves
