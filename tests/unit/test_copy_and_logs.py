"""User-facing words: escaping user text for Slack, one message per domain problem, no tokens in logs."""

import logging
from datetime import date

import pytest

from bot.copy import Copy, human_date, progress_bar, slack_escape
from bot.logs import RedactTokens
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


def test_tokens_never_reach_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("accord.test")
    logger.addFilter(RedactTokens())
    with caplog.at_level(logging.INFO, logger="accord.test"):
        logger.info("calling with %s and %s", "xoxb-1234-5678-abcdef", "xapp-1-A0-99-ffff")
    assert "xoxb-1234" not in caplog.text and "xapp-1-A0" not in caplog.text
    assert "xoxb-[redacted]" in caplog.text and "xapp-[redacted]" in caplog.text


def test_every_setting_is_documented_in_env_example_and_readme() -> None:
    from pathlib import Path

    from bot.settings import Settings

    root = Path(__file__).resolve().parent.parent.parent
    example = (root / ".env.example").read_text()
    readme = (root / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"\n{name.upper()}=" in example, name
        assert f"`{name.upper()}`" in readme, name
