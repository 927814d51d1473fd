"""Every Slack identifier the app registers or puts in a payload, in one place.

`manifest.yml` must agree with the command, shortcuts and events here (tests check both ways), and every
action_id and callback_id a builder emits must have a listener.
"""

COMMAND = "/accord"

# Modals (view callback_ids)
VIEW_NEW_RELATIONSHIP = "relationship_new"

# Input blocks of the new-relationship modal; their ids double as field names in error messages.
BLOCK_NAME = "name"
BLOCK_PARTNER = "partner"
BLOCK_OWNER = "owner"
BLOCK_SPONSOR = "sponsor"
BLOCK_CHANNEL = "channel"
BLOCK_CADENCE = "cadence"

# Buttons and other interactive elements (action_ids)
ACTION_OPEN_NEW = "relationship_open_new"

# Events the app subscribes to
EVENT_APP_HOME_OPENED = "app_home_opened"
