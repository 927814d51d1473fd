"""User-facing words: escaping user text for Slack, one message per domain problem, no tokens in logs."""

import io
import logging
from collections.abc import Callable
from datetime import date

import pytest

from bot.runtime import logs
from bot.slack.wording import Copy, human_date, progress_bar, slack_escape
from stages.errors import InvalidInput
from stages.relationships import RelationshipDraft


def test_slack_escape_escapes_only_what_mrkdwn_reads() -> None:
    assert slack_escape("Tom & Jerry <b> \"quoted\" 'single' *bold*") == (
        "Tom &amp; Jerry &lt;b&gt; \"quoted\" 'single' *bold*"
    )


def test_dates_and_progress_bars() -> None:
    assert human_date(date(2027, 2, 3)) == "3 Feb 2027"
    assert progress_bar(0, 7) == "\u25b1" * 10
    assert progress_bar(7, 7) == "\u25b0" * 10
    assert progress_bar(4, 9) == "\u25b0" * 4 + "\u25b1" * 6


@pytest.mark.parametrize(
    "broken",
    [
        RelationshipDraft("", "", None, None, None, None),
        RelationshipDraft("x" * 81, "y" * 121, "U1", "U2", "C1", "often"),
        RelationshipDraft("a\nb", "Org", "U1", "U2", "C1", "1"),
    ],
)
def test_every_problem_the_domain_reports_has_a_message(broken: RelationshipDraft) -> None:
    copy = Copy()
    with pytest.raises(InvalidInput) as raised:
        broken.validated()
    for problem in raised.value.problems:
        message = copy.problem(problem)
        assert message.endswith((".", ")")), (problem.code, message)


def test_a_missing_fact_in_a_template_fails_loudly() -> None:
    with pytest.raises(Exception, match="not provided"):
        Copy()("relationships", "intro_fallback")


def _logged(emit: Callable[[logging.Logger], None]) -> str:
    """What Accord's log handler writes when `emit` logs through it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    logs.configure("DEBUG")
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    try:
        emit(logging.getLogger("tests.logs"))  # not under "accord", whose level Bolt sets
    finally:
        root.handlers[:], root.level = handlers, level
    return stream.getvalue()


def test_tokens_never_reach_a_log_line() -> None:
    text = _logged(lambda log: log.info("calling with %s and %s", "xoxb-1234-5678-abcdef", "xapp-1-A0-99-ffff"))
    assert "xoxb-1234" not in text and "xapp-1-A0" not in text
    assert "xoxb-[redacted]" in text and "xapp-[redacted]" in text


def test_tokens_in_a_traceback_are_masked() -> None:
    def fail(log: logging.Logger) -> None:
        try:
            raise RuntimeError("refused token xoxe-1-ABCDEF and xoxp-9-8-7")
        except RuntimeError:
            log.exception("the call failed")
        log.info("where it was (xoxb-4-5-6)", stack_info=True)  # the stack shows this very line

    text = _logged(fail)
    assert "Traceback" in text and "RuntimeError: refused token xoxe-[redacted] and xoxp-[redacted]" in text
    assert "Stack (most recent call last)" in text
    assert "xoxe-1" not in text and "xoxp-9" not in text and "xoxb-4" not in text


@pytest.mark.parametrize(
    "line",
    [
        "Sending a request - url: https://hooks.slack.com/commands/T0ACCORD1/123/abcDEF, body: {}",
        "body: {'response_url': 'https://hooks.slack.com/actions/T0ACCORD1/456/xyz', 'type': 'block_actions'}",
        'payload={"response_url":"https:\\/\\/hooks.slack.com\\/actions\\/T0ACCORD1\\/456\\/xyz"}',
        "token=x&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT0ACCORD1%2F123%2FabcDEF&text=list",
        "{'response_url': 'http://127.0.0.1:8123/response/abcDEF', 'text': 'list'}",
    ],
)
def test_response_urls_never_reach_a_log_line(line: str) -> None:
    text = _logged(lambda log: log.debug("%s", line))
    assert "abcDEF" not in text and "xyz" not in text
    assert "[redacted]" in text


def test_every_setting_is_documented_in_env_example_and_readme() -> None:
    from pathlib import Path

    from bot.settings import Settings

    root = Path(__file__).resolve().parent.parent.parent
    example = (root / ".env.example").read_text()
    readme = (root / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"\n{name.upper()}=" in example, name
        assert f"`{name.upper()}`" in readme, name
