"""How people refer to relationships by name: normalised keys and "did you mean" suggestions."""

import difflib
from collections.abc import Iterable

# Quote pairs people type (Slack clients turn straight quotes into curly ones).
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u00ab": "\u00bb"}


def name_key(name: str) -> str:
    """The form two names are compared in: case-folded, with runs of white space folded to one space."""
    return " ".join(name.split()).casefold()


def clean_name(name: str) -> str:
    """A name as stored and shown: trimmed, inner white space folded, one pair of surrounding quotes removed."""
    text = " ".join(name.split())
    if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]:
        text = " ".join(text[1:-1].split())
    return text


def suggest(name: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Names close to `name`: those containing it or contained in it first, then close spellings."""
    wanted = name_key(name)
    by_key = {name_key(c): c for c in candidates}
    if not wanted:
        return []
    contains = [c for k, c in by_key.items() if wanted in k or (len(k) >= 3 and k in wanted)]
    close = difflib.get_close_matches(wanted, list(by_key), n=limit, cutoff=0.6)
    found: list[str] = []
    for candidate in [*sorted(contains, key=name_key), *(by_key[k] for k in close)]:
        if candidate not in found:
            found.append(candidate)
    return found[:limit]
