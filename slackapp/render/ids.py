"""Identifiers shared by the renderers (blocks) and the listeners (handlers)."""

# Views
CONNECT_VIEW = "connect_form"
EDIT_VIEW = "edit_connection_form"
SETTINGS_VIEW = "team_settings_form"

# Actions
UNDO_ACTION = "undo_connection"
EDIT_ACTION = "edit_connection"
DELETE_ACTION = "delete_connection"
OPEN_FORM_ACTION = "open_connect_form"
SHARE_BOARD_ACTION = "share_leaderboard"
OPEN_SETTINGS_ACTION = "open_team_settings"
MERGE_PERSON_ACTION = "merge_person"
UNMERGE_PERSON_ACTION = "unmerge_person"
FORGET_ME_ACTION = "forget_me_confirm"
FORGET_ME_CANCEL_ACTION = "forget_me_cancel"
FOLLOWUP_REPLIED_ACTION = "followup_replied"
FOLLOWUP_NO_REPLY_ACTION = "followup_no_reply"
FOLLOWUP_WAITING_ACTION = "followup_still_waiting"

# Shortcuts
LOG_MESSAGE_SHORTCUT = "log_message_as_connection"

# The input element inside each form block (the block ids are FORM_BLOCK_IDS in render/connect.py
# and SETTINGS_BLOCK_IDS in render/settings.py)
INPUT_ACTION = "value"
