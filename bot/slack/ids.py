"""Every Slack identifier the app registers or puts in a payload, in one place.

`manifest.yml` must agree with the command, shortcuts and events here (tests check both ways), and every
action_id and callback_id a builder emits must have a listener.
"""

import re

COMMAND = "/accord"

# Modals (view callback_ids)
VIEW_NEW_RELATIONSHIP = "relationship_new"
VIEW_EDIT_RELATIONSHIP = "relationship_edit"

# Input blocks of the new-relationship modal; their ids double as field names in error messages.
BLOCK_NAME = "name"
BLOCK_PARTNER = "partner"
BLOCK_OWNER = "owner"
BLOCK_SPONSOR = "sponsor"
BLOCK_CHANNEL = "channel"
BLOCK_CADENCE = "cadence"
BLOCK_PARTNER_SPONSOR = "partner_sponsor"
BLOCK_PARTNER_MANAGER = "partner_manager"
BLOCK_PARTNER_TEAM = "partner_team"

# Buttons and other interactive elements (action_ids)
ACTION_OPEN_NEW = "relationship_open_new"

# Events the app subscribes to
EVENT_APP_HOME_OPENED = "app_home_opened"
EVENT_APP_UNINSTALLED = "app_uninstalled"
EVENT_TOKENS_REVOKED = "tokens_revoked"
EVENT_TEAM_ACCESS_GRANTED = "team_access_granted"
EVENT_TEAM_ACCESS_REVOKED = "team_access_revoked"
EVENT_CHANNEL_SHARED = "channel_shared"
EVENT_CHANNEL_UNSHARED = "channel_unshared"
EVENT_USER_CHANGE = "user_change"

# Check-ins
VIEW_ITEM_NOT_APPLICABLE = "item_not_applicable"
VIEW_ITEM_EVIDENCE = "item_evidence"
VIEW_REOPEN_STAGE = "stage_reopen"
BLOCK_REASON = "reason"
BLOCK_LINK = "link"
BLOCK_NOTE = "note"
ACTION_ITEM_DONE = "item_done"
ACTION_ITEM_IN_PROGRESS = "item_in_progress"
ACTION_ITEM_NOT_APPLICABLE = "item_not_applicable"
ACTION_ITEM_EVIDENCE = "item_evidence"
ACTION_ITEM_ASSIGN = "item_assign"
ACTION_OPEN_THREAD = "checkin_thread_open"  # a link button to a check-in thread: Slack still tells the app
ACTION_SIGN_OFF = "stage_sign_off"
ACTION_REOPEN = "stage_reopen"

# Thread replies arrive as message events; the manifest subscribes per kind of channel.
EVENT_MESSAGE = "message"
MESSAGE_EVENT_CHANNELS = "message.channels"
MESSAGE_EVENT_GROUPS = "message.groups"

# Reviews, disputes, the exit strategy and nudges
VIEW_REVIEW = "review"
VIEW_REVIEW_VIEW = "review_view"
VIEW_EXIT = "exit_strategy"
VIEW_DISPUTE_RAISE = "dispute_raise"
VIEW_DISPUTE_UPDATE = "dispute_update"
VIEW_DISPUTE_RESOLVE = "dispute_resolve"
VIEW_DISPUTE_ESCALATE = "dispute_escalate"
BLOCK_SUMMARY = "summary"
BLOCK_DECISIONS = "decisions"
BLOCK_NEXT_REVIEW = "next_review"
BLOCK_INTERNAL = "internal"
BLOCK_TRIGGERS = "triggers"
BLOCK_PLAN = "plan"
BLOCK_CONTINUITY = "continuity"
BLOCK_ASSETS = "assets"
BLOCK_REVIEWED_WITH = "reviewed_with"
BLOCK_RELATIONSHIP = "relationship"
BLOCK_UPDATE = "update"
BLOCK_RESOLUTION = "resolution"
BLOCK_ROOT_CAUSE = "root_cause"
ACTION_OPEN_REVIEW = "review_open"
ACTION_REVIEW_VIEW = "review_view"
ACTION_OPEN_EXIT = "exit_open"
ACTION_AGREE_EXIT = "exit_agree"
ACTION_DISPUTE_ACKNOWLEDGE = "dispute_acknowledge"
ACTION_DISPUTE_UPDATE = "dispute_update"
ACTION_DISPUTE_ESCALATE = "dispute_escalate"
ACTION_DISPUTE_RESOLVE = "dispute_resolve"
# Snooze buttons sit side by side in one block, where Slack wants each action_id unique: each carries its number
# of days (`nudge_snooze:7`), and the listener takes them all (and the plain id of messages sent before).
ACTION_SNOOZE = "nudge_snooze"
SNOOZE_ACTIONS = re.compile(rf"^{ACTION_SNOOZE}(:\d+)?$")
# A nudge's own button to what it is about: it names the nudge, so one pressed after that was settled elsewhere
# says what happened instead of opening a form about something no longer due.
ACTION_NUDGE_OPEN = "nudge_open"
ACTION_NUDGE_OTHER = "nudge_open_other"  # a nudge's second way to settle it, beside its open button
SHORTCUT_RAISE_DISPUTE = "raise_dispute"

# Health checks
VIEW_HEALTH_START = "health_start"
VIEW_HEALTH_ANSWER = "health_answer"
BLOCK_DIMENSIONS = "dimensions"
BLOCK_PARTICIPANTS = "participants"
BLOCK_CLOSES = "closes"
BLOCK_IMPROVE = "improve"
BLOCK_SCORE = "score:"  # and the dimension's place in the round, e.g. "score:0"
BLOCK_COMMENT = "comment:"
ACTION_HEALTH_START = "health_start"  # on the relationship card: the partner's people have no /accord
ACTION_HEALTH_ANSWER = "health_answer"
ACTION_HEALTH_CLOSE = "health_close"

# The risk register
VIEW_RISK_ADD = "risk_add"
VIEW_RISK_CLOSE = "risk_close"
VIEW_RISK_REVIEW = "risk_review"
VIEW_RISK_EDIT = "risk_edit"
BLOCK_TITLE = "title"
BLOCK_DESCRIPTION = "description"
BLOCK_CATEGORY = "category"
BLOCK_BREAKDOWN_EFFECT = "breakdown_effect"
BLOCK_LIKELIHOOD = "likelihood"
BLOCK_IMPACT = "impact"
BLOCK_RISK_OWNER = "risk_owner"
BLOCK_MITIGATION = "mitigation"
BLOCK_OUTCOME = "outcome"
ACTION_RISK_ADD = "risk_add"
ACTION_RISK_CLOSE = "risk_close"
ACTION_RISK_REVIEW = "risk_review"
ACTION_RISK_EDIT = "risk_edit"
ACTION_RISKS_SHOW = "risks_show"  # on the relationship card: the partner's people have no /accord

# The actions register
VIEW_ACTION_ADD = "action_add"
VIEW_ACTION_COMPLETE = "action_complete"
BLOCK_ACTION_OWNER = "action_owner"
BLOCK_DUE = "due"
ACTION_ACTION_ADD = "action_add"  # on the register, and on what an action can come out of (a risk, a review...)
ACTION_ACTION_COMPLETE = "action_complete"
ACTION_ACTIONS_SHOW = "actions_show"  # on the relationship card: the partner's people have no /accord
# The value-creation ideas register
VIEW_IDEA_ADD = "idea_add"
VIEW_IDEA_MOVE = "idea_move"
VIEW_IDEA_DROP = "idea_drop"
VIEW_IDEA_KEEP = "idea_keep"
BLOCK_PROPOSER = "proposer"
BLOCK_IDEA_OWNER = "idea_owner"
BLOCK_VALUE_HOME = "value_home"
BLOCK_VALUE_PARTNER = "value_partner"
BLOCK_EXPECTED_AMOUNT = "expected_amount"
BLOCK_EXPECTED_UNIT = "expected_unit"
BLOCK_EXPECTED_WORDS = "expected_words"
BLOCK_NEXT_DECISION = "next_decision"
BLOCK_DELIVERED_AMOUNT = "delivered_amount"
BLOCK_DELIVERED_UNIT = "delivered_unit"
ACTION_IDEA_ADD = "idea_add"
ACTION_IDEA_MOVE = "idea_move"
ACTION_IDEA_DROP = "idea_drop"
ACTION_IDEA_KEEP = "idea_keep"
ACTION_IDEAS_SHOW = "ideas_show"  # on the relationship card: the partner's people have no /accord
# The knowledge map
VIEW_KNOWLEDGE_ADD = "knowledge_add"
VIEW_KNOWLEDGE_EDIT = "knowledge_edit"
BLOCK_KNOWLEDGE_OWNER = "knowledge_owner"
BLOCK_CLASSIFICATION = "classification"
BLOCK_TERMS = "terms"
ACTION_KNOWLEDGE_ADD = "knowledge_add"
ACTION_KNOWLEDGE_EDIT = "knowledge_edit"
ACTION_KNOWLEDGE_RETIRE = "knowledge_retire"
ACTION_KNOWLEDGE_SHOW = "knowledge_show"  # on the posted map and the card: each person's own organisation's view
# The joint management team's meetings
VIEW_MEETING = "meeting_record"
BLOCK_HELD_ON = "held_on"
BLOCK_ATTENDEES = "attendees"
BLOCK_MINUTES = "minutes"
BLOCK_ONE_SIDE_REASON = "one_side_reason"
ACTION_MEETING_RECORD = "meeting_record"  # on the list and on the relationship card: the partner has no /accord
