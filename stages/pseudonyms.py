"""The pseudonym an erased person's identity is replaced with: "erased person 3" wherever a name is shown.

It is stored as `erased-person-3`: lower case and hyphens, so it can never be a Slack id (Slack's are capitals
and digits, so nothing asks Slack about it or mentions it), it has no space (lists of user ids are
space-separated), and it fits the 32-character id columns. The number counts the erasures in one tenant.
"""

import re

_STORED = re.compile(r"erased-person-([0-9]{1,12})")


def pseudonym(number: int) -> str:
    """The stored form of the `number`th erased person of a tenant."""
    return f"erased-person-{number}"


def erased_name(user_id: str) -> str | None:
    """What an erased person is called ("erased person 3"), or None when `user_id` is no pseudonym."""
    found = _STORED.fullmatch(user_id)
    return f"erased person {int(found.group(1))}" if found else None
