"""The Web API methods Valueboard calls, answered from the emulated workspace.

Each method is a function of one `Call` returning the JSON payload, or raising `ApiError` with
Slack's error code. Methods nobody implemented answer {"ok": true} and are still recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from slackapp.sandbox.emulator.webapi import chat, directory, files, views
from slackapp.sandbox.emulator.webapi.call import Call

__all__ = ["METHODS", "NO_AUTH_METHODS", "Call"]

Method = Callable[[Call], dict[str, Any]]

#: Methods Slack answers without a token (OAuth exchanges and the connectivity check).
NO_AUTH_METHODS: Final = frozenset(
    {"api.test", "oauth.access", "oauth.v2.access", "oauth.v2.exchange", "openid.connect.token"}
)

METHODS: Final[dict[str, Method]] = {
    "auth.test": directory.auth_test,
    "team.info": directory.team_info,
    "users.info": directory.users_info,
    "users.list": directory.users_list,
    "conversations.open": directory.conversations_open,
    "conversations.join": directory.conversations_join,
    "conversations.info": directory.conversations_info,
    "conversations.history": directory.conversations_history,
    "chat.postMessage": chat.post_message,
    "chat.postEphemeral": chat.post_ephemeral,
    "chat.update": chat.update,
    "chat.delete": chat.delete,
    "chat.getPermalink": chat.get_permalink,
    "views.open": views.open_view,
    "views.push": views.push_view,
    "views.update": views.update_view,
    "views.publish": views.publish_view,
    "files.getUploadURLExternal": files.get_upload_url,
    "files.completeUploadExternal": files.complete_upload,
}
