"""The outbox's key of a nudge as 16 bytes: one short fixed-size value for its unique index to compare.

A nudge is one per (workspace, kind, subject, tier, period, recipient). Indexing those six columns made each new
row cost PostgreSQL two descents of a wide index of text, comparing column after column: most of filling the
outbox at a sweep's scale. Their BLAKE2b digest is as unique in practice (two keys share one with a chance of
2^-128) and compares with one `memcmp`. The fields are joined by a separator no field holds (Slack ids, dates
and Accord's own subjects), so two different keys never join to the same text."""

from hashlib import blake2b

_SEPARATOR = "\x1f"  # the ASCII unit separator


def nudge_key(team_id: str, kind: str, subject: str, tier: int, period: str, recipient_id: str) -> bytes:
    joined = _SEPARATOR.join((team_id, kind, subject, str(tier), period, recipient_id))
    return blake2b(joined.encode(), digest_size=16).digest()
