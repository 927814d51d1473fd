"""What people type: names and free text in one normal form, numbers in plain digits, and how they refer to
relationships by name (normalised keys and "did you mean" suggestions)."""

import difflib
import re
import unicodedata
from collections.abc import Iterable

from stages.errors import InvalidInput, Problem

# Quote pairs people type (Slack clients turn straight quotes into curly ones).
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019", "\u00ab": "\u00bb"}


# Characters a reader cannot see or that reorder what they see: controls (a NUL among them, which PostgreSQL
# cannot store), format characters (zero-width spaces and joiners, bidirectional overrides) and lone surrogates.
_HIDDEN = frozenset({"Cc", "Cf", "Cs"})
_LINE_BREAKS = frozenset("\n\t")  # the only controls multi-line text keeps
_NUMBER = re.compile(r"[0-9]{1,100}")  # far below the digits int() refuses to read


def normal(text: str) -> str:
    """`text` in NFKC form, so that look-alikes (full-width letters, ligatures, superscripts) are one text."""
    return unicodedata.normalize("NFKC", text)


def hidden_characters(field: str, text: str, *, multiline: bool = False) -> list[Problem]:
    """A problem naming the first character of `text` that cannot be seen (none when there is none).

    Multi-line text keeps its line breaks and tabs.
    """
    for character in text:
        if unicodedata.category(character) in _HIDDEN and not (multiline and character in _LINE_BREAKS):
            return [Problem(field, "hidden_character", {"character": f"U+{ord(character):04X}"})]
    return []


def plain_text(field: str, raw: str | None, *, multiline: bool) -> str:
    """Typed text in normal form, trimmed (one line: inner white space folded); `InvalidInput` for a hidden
    character."""
    text = normal(raw or "").strip() if multiline else " ".join(normal(raw or "").split())
    problems = hidden_characters(field, text, multiline=multiline)
    if problems:
        raise InvalidInput(problems)
    return text


def checked_text(
    field: str, raw: str | None, problems: list[Problem], *, limit: int, missing: str | None = None
) -> str:
    """Multi-line typed text in normal form, trimmed; the first thing wrong with it is added to `problems`: a
    hidden character, nothing typed (when `missing` names that problem), or more than `limit` characters."""
    text = normal(raw or "").strip()
    hidden = hidden_characters(field, text, multiline=True)
    if hidden:
        problems.extend(hidden)
    elif missing and not text:
        problems.append(Problem(field, missing))
    elif len(text) > limit:
        problems.append(Problem(field, "too_long", {"limit": limit, "length": len(text)}))
    return text


def visible(text: str) -> str:
    """Multi-line `text` without the characters `hidden_characters` names (line breaks and tabs stay)."""
    return "".join(c for c in text if unicodedata.category(c) not in _HIDDEN or c in _LINE_BREAKS)


def whole_number(text: str) -> int | None:
    """The number `text` is written as in plain digits 0-9 (at most 100); None for anything else (², ①, ٣, +5)."""
    return int(text) if _NUMBER.fullmatch(text) else None


def folded(text: str) -> str:
    """`text` as lookups compare it: case-folded, without accents (Café and CAFE are cafe), in normal form."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return normal("".join(c for c in decomposed if not unicodedata.combining(c)))


def name_key(name: str) -> str:
    """The form two names are compared in: folded, with runs of white space folded to one space."""
    return folded(" ".join(normal(name).split()))


def clean_name(name: str) -> str:
    """A name as stored and shown: normal, trimmed, inner white space folded, one pair of surrounding quotes
    removed."""
    return unquoted(normal(name))


def unquoted(text: str) -> str:
    """`text` trimmed, inner white space folded and one pair of surrounding quotes removed, as typed."""
    text = " ".join(text.split())
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


def name_prefix(argument: str, names: Iterable[str]) -> tuple[str, str] | None:
    """Split `<relationship> <rest>` where the name has spaces too: the longest leading words naming one."""
    words = argument.split()
    keys = {name_key(name): name for name in names}
    for count in range(len(words), 0, -1):
        found = keys.get(name_key(" ".join(words[:count])))
        if found is not None:
            return found, " ".join(words[count:])
    return None
