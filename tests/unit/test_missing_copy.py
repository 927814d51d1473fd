"""Words no template has raise, naming what is missing, instead of going out blank or as something else."""

import pytest

from bot.slack.wording import Copy, MissingCopy

COPY = Copy()


@pytest.mark.parametrize("macro", ["item_unheard_of", "open_unheard_of", "__init__", "__class__"])
def test_words_no_template_has_raise_instead_of_going_out_blank(macro: str) -> None:
    with pytest.raises(MissingCopy, match=f"nudges.j2 has no macro '{macro}'"):
        COPY("nudges", macro)
    with pytest.raises(MissingCopy):
        COPY.plain("nudges", macro)
