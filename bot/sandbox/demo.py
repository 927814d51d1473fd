"""The demo workspace a newcomer meets in `accord console`: a few people, in different time zones, and channels."""

from bot.sandbox.workspace import Workspace

PEOPLE = [
    ("U0ALICE", "alice", "Alice Moreau", "Europe/London"),
    ("U0BOB", "bob", "Bob Okafor", "Europe/London"),
    ("U0CAROL", "carol", "Carol Jensen", "America/New_York"),
    ("U0DAVE", "dave", "Dave Tanaka", "Asia/Tokyo"),
    ("U0ERIN", "erin", "Erin Walsh", "Europe/Berlin"),
]

CHANNELS = [
    ("C0GENERAL", "general", False, True),
    ("C0PARTNERS", "partnerships", False, True),
    ("C0ACME", "acme-alliance", False, True),
    ("C0NEWCO", "newco-jv", False, False),  # the bot is not in it yet: it joins when asked to post
    ("G0BOARD", "exec-board", True, False),  # private, the bot is not invited
]


def seed(workspace: Workspace) -> None:
    for user_id, name, real_name, tz in PEOPLE:
        workspace.add_user(user_id, name, real_name, tz)
    everyone = [user_id for user_id, *_ in PEOPLE]
    for channel_id, name, private, bot_member in CHANNELS:
        members = everyone if not private else ["U0ALICE", "U0BOB"]
        workspace.add_channel(channel_id, name, members, private=private, bot_member=bot_member)
