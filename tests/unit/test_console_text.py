"""How the console draws Block Kit in a terminal."""

from bot.sandbox.text import Screen, render_blocks


def test_a_wrapped_context_line_carries_its_bullet_only_once() -> None:
    screen = Screen(names=lambda ident: ident)
    long = " ".join(["evidence"] * 30)
    blocks = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": long + "\nsecond line"}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "next item"}]},
    ]
    render_blocks(screen, blocks, where=None, width=60)
    bullets = [line for line in screen.lines if line.startswith("  \u00b7 ")]
    assert bullets == [screen.lines[0], "  \u00b7 next item"]
    assert all(line.startswith("    evidence") for line in screen.lines[1:-2])
    assert screen.lines[-2] == "    second line"
