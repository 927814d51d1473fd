"""Whose App Home tabs a change calls to be drawn again: decided by the use case that makes the change."""

HomesToDraw = tuple[str, ...]


def homes(*user_ids: str | None) -> HomesToDraw:
    """The people named (the one who acted first), each once, in order."""
    return tuple(dict.fromkeys(u for u in user_ids if u))
