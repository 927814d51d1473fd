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


# A second organisation's workspace, to install Accord into beside the first.
GLOBEX = ("T0GLOBEX1", "Globex", "globex")
GLOBEX_PEOPLE = [
    ("U0GLXHANK", "hank", "Hank Scorpio", "America/Los_Angeles"),
    ("U0GLXIVY", "ivy", "Ivy Chen", "Asia/Singapore"),
    ("U0GLXJUDE", "jude", "Jude Okoro", "Africa/Lagos"),
]
GLOBEX_CHANNELS = [
    ("C0GLXGENERAL", "general", False, True),
    ("C0GLXVENDORS", "vendor-partners", False, True),
    ("G0GLXBOARD", "leadership", True, False),
]


# Globex's people met in a channel Acme's workspace shares with Globex (Slack Connect): they belong to Globex.
PARTNER_PEOPLE = [
    ("U0GLXPAT", "pat", "Pat Silva", "America/Chicago"),
    ("U0GLXQUINN", "quinn", "Quinn Murphy", "Australia/Sydney"),
]
SHARED_CHANNEL = ("C0ACMEGLOBEX", "acme-globex")


def seed(workspace: Workspace) -> None:
    _populate(workspace, PEOPLE, CHANNELS)
    workspace.other_teams[GLOBEX[0]] = GLOBEX[1]
    for user_id, name, real_name, tz in PARTNER_PEOPLE:
        workspace.add_user(user_id, name, real_name, tz, team=GLOBEX[0])
    channel_id, name = SHARED_CHANNEL
    ours = [user_id for user_id, *_ in PEOPLE[:3]]
    workspace.add_channel(channel_id, name, [*ours, *(user_id for user_id, *_ in PARTNER_PEOPLE)])
    workspace.share_channel(channel_id, GLOBEX[0])


def seed_globex(workspace: Workspace) -> None:
    _populate(workspace, GLOBEX_PEOPLE, GLOBEX_CHANNELS)
    for user_id, name, real_name, tz in PARTNER_PEOPLE:  # the people Acme meets in #acme-globex are Globex's own
        workspace.add_user(user_id, name, real_name, tz)


def _populate(
    workspace: Workspace, people: list[tuple[str, str, str, str]], channels: list[tuple[str, str, bool, bool]]
) -> None:
    for user_id, name, real_name, tz in people:
        workspace.add_user(user_id, name, real_name, tz)
    everyone = [user_id for user_id, *_ in people]
    for channel_id, name, private, bot_member in channels:
        members = everyone if not private else everyone[:2]
        workspace.add_channel(channel_id, name, members, private=private, bot_member=bot_member)
