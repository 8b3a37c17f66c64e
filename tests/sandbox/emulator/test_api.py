"""The Slack stand-in, driven by the real slack_sdk clients the app uses."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from slackapp.sandbox.emulator import RecordedCall, SlackEmulator
from slackapp.slack.scopes import BOT_SCOPES

TOKEN = "xoxb-standin"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": ":bulb: You solved a problem today."}},
    {"type": "divider"},
]


@pytest.fixture
def standin() -> Iterator[SlackEmulator]:
    with SlackEmulator() as server:
        yield server


@pytest.fixture
def client(standin: SlackEmulator) -> WebClient:
    return WebClient(token=TOKEN, base_url=standin.api_url)


def api_error(excinfo: pytest.ExceptionInfo[SlackApiError]) -> Any:
    return excinfo.value.response["error"]


def raw_post(url: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": content_type, "Authorization": f"Bearer {TOKEN}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_urls_point_at_the_running_server(standin: SlackEmulator) -> None:
    assert standin.api_url.startswith("http://127.0.0.1:")
    assert standin.api_url.endswith("/api/")
    assert standin.response_url("abc") == standin.api_url.replace("/api/", "/response/abc")


def test_url_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        _ = SlackEmulator().api_url


def test_auth_test_answers_as_the_bot(standin: SlackEmulator, client: WebClient) -> None:
    response = client.auth_test()

    assert response["team_id"] == "T0TEAM"
    assert response["team"] == "Acme"
    assert response["user_id"] == "UBOT"
    assert response["bot_id"].startswith("B")
    assert response["url"] == "https://acme.slack.com/"
    assert response["is_enterprise_install"] is False
    (call,) = standin.calls("auth.test")
    assert call.token == TOKEN
    assert call.headers["authorization"] == f"Bearer {TOKEN}"


def test_post_message_records_blocks_and_returns_increasing_ts(
    standin: SlackEmulator, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="C123", text="fallback", blocks=BLOCKS)
    second = client.chat_postMessage(channel="C123", text="again")

    assert first["channel"] == "C123"
    assert first["message"]["blocks"] == BLOCKS
    assert first["message"]["ts"] == first["ts"]
    assert float(second["ts"]) > float(first["ts"])
    assert len(first["ts"].split(".")[1]) == 6
    call = standin.calls("chat.postMessage")[0]
    # slack_sdk sends chat.postMessage as JSON, so blocks arrive already parsed.
    assert call.params["blocks"] == BLOCKS
    assert call.json_param("blocks") == BLOCKS
    assert call.params["text"] == "fallback"
    assert call.headers["content-type"].startswith("application/json")


def test_form_bodies_keep_json_values_as_text(standin: SlackEmulator, client: WebClient) -> None:
    client.api_call(
        "chat.postMessage",
        params={"channel": "C1", "text": "hi", "blocks": json.dumps(BLOCKS)},
    )

    call = standin.calls("chat.postMessage")[0]
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert call.params["blocks"] == json.dumps(BLOCKS)
    assert call.json_param("blocks") == BLOCKS
    assert call.params["text"] == "hi"


def test_recorded_call_json_param_decodes_only_strings() -> None:
    call = RecordedCall("x", {"a": "[1, 2]", "b": [3]}, {}, b"", None, 0.0)
    assert call.json_param("a") == [1, 2]
    assert call.json_param("b") == [3]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "C1"}, "no_text"),
        ({"channel": "", "text": "hi"}, "channel_not_found"),
        ({"channel": "C1", "blocks": "not json"}, "invalid_blocks"),
        ({"channel": "C1", "blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
        ({"channel": "#nowhere", "text": "hi"}, "channel_not_found"),
    ],
)
def test_post_message_rejects_what_slack_rejects(
    client: WebClient, kwargs: dict[str, Any], error: str
) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(**kwargs)
    assert api_error(excinfo) == error


def test_fail_once_then_succeed(standin: SlackEmulator, client: WebClient) -> None:
    standin.fail("chat.postMessage", "channel_not_found")

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="hi")
    assert api_error(excinfo) == "channel_not_found"
    assert excinfo.value.response.status_code == 200
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert len(standin.calls("chat.postMessage")) == 2


def test_fail_counts_and_always(standin: SlackEmulator, client: WebClient) -> None:
    standin.fail("users.info", "fatal_error", times=2)
    standin.fail("team.info", "team_not_found", times=None)
    standin.add_user("U1")

    outcomes = []
    for _ in range(3):
        try:
            client.users_info(user="U1")
            outcomes.append("ok")
        except SlackApiError as exc:
            outcomes.append(exc.response["error"])
    assert outcomes == ["fatal_error", "fatal_error", "ok"]
    for _ in range(3):
        with pytest.raises(SlackApiError):
            client.team_info()


def test_rate_limit_without_retry_surfaces_429(standin: SlackEmulator, client: WebClient) -> None:
    standin.rate_limit("chat.postMessage", retry_after=7)

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="hi")
    assert excinfo.value.response.status_code == 429
    assert excinfo.value.response.headers["Retry-After"] == "7"
    assert api_error(excinfo) == "ratelimited"


def test_rate_limit_is_retried_after_the_advertised_delay(standin: SlackEmulator) -> None:
    client = WebClient(
        token=TOKEN,
        base_url=standin.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    standin.rate_limit("chat.postMessage", retry_after=1)

    response = client.chat_postMessage(channel="C1", text="hi")

    assert response["ok"] is True
    first, second = standin.calls("chat.postMessage")
    assert second.at - first.at >= 1.0


@pytest.mark.parametrize(
    ("tz", "offset"),
    [("Asia/Kolkata", 19_800), ("Asia/Tokyo", 32_400), ("UTC", 0), ("America/Bogota", -18_000)],
)
def test_users_info_reports_zone_and_offset(
    standin: SlackEmulator, client: WebClient, tz: str, offset: int
) -> None:
    standin.add_user("U1", name="maya", real_name="Maya Ortiz", display_name="maya.o", tz=tz)

    user = client.users_info(user="U1")["user"]

    assert user["id"] == "U1"
    assert user["tz"] == tz
    assert user["tz_offset"] == offset
    assert user["profile"]["display_name"] == "maya.o"
    assert user["profile"]["real_name"] == "Maya Ortiz"
    assert user["is_bot"] is False


def test_users_info_flags_and_unknown_user(standin: SlackEmulator, client: WebClient) -> None:
    standin.add_user("UADMIN", is_admin=True, is_owner=True, deleted=True)

    user = client.users_info(user="UADMIN")["user"]
    assert (user["is_admin"], user["is_owner"], user["deleted"]) == (True, True, True)
    assert user["profile"]["display_name"] == ""
    with pytest.raises(SlackApiError) as excinfo:
        client.users_info(user="UNOBODY")
    assert api_error(excinfo) == "user_not_found"


def test_add_user_rejects_unknown_zone(standin: SlackEmulator) -> None:
    with pytest.raises(ValueError, match="time zone"):
        standin.add_user("U1", tz="Mars/Olympus_Mons")


def test_join_lets_the_bot_post_in_a_channel(standin: SlackEmulator, client: WebClient) -> None:
    standin.add_channel("C9", name="wins", is_member=False)

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C9", text="hi")
    assert api_error(excinfo) == "not_in_channel"
    joined = client.conversations_join(channel="C9")
    assert joined["channel"]["is_member"] is True
    assert client.chat_postMessage(channel="C9", text="hi")["channel"] == "C9"
    assert client.chat_postMessage(channel="#wins", text="by name")["channel"] == "C9"


@pytest.mark.parametrize(
    ("channel", "post_error", "join_error"),
    [
        (
            {"is_private": True, "is_member": False},
            "channel_not_found",
            "method_not_supported_for_channel_type",
        ),
        ({"is_archived": True}, "is_archived", "is_archived"),
        ({"is_archived": True, "is_member": False}, "is_archived", "is_archived"),
    ],
)
def test_channel_errors(
    standin: SlackEmulator,
    client: WebClient,
    channel: dict[str, bool],
    post_error: str,
    join_error: str,
) -> None:
    standin.add_channel("C7", name="quiet", **channel)

    with pytest.raises(SlackApiError) as post:
        client.chat_postMessage(channel="C7", text="hi")
    with pytest.raises(SlackApiError) as join:
        client.conversations_join(channel="C7")
    assert (api_error(post), api_error(join)) == (post_error, join_error)


def test_join_of_unknown_channel_fails(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as excinfo:
        client.conversations_join(channel="CUNKNOWN")
    assert api_error(excinfo) == "channel_not_found"


def test_conversations_open_and_info(standin: SlackEmulator, client: WebClient) -> None:
    standin.add_channel("C5", name="general")

    dm = client.conversations_open(users="U42")["channel"]
    info = client.conversations_info(channel="C5")["channel"]

    assert dm["id"] == "DU42"
    assert client.conversations_info(channel="DU42")["channel"]["user"] == "U42"
    assert (info["id"], info["name"], info["is_member"]) == ("C5", "general", True)
    assert client.chat_postMessage(channel="U42", text="psst")["channel"] == "DU42"


def test_ephemeral_update_delete_and_permalink(client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C1", text="hi")
    ts = posted["ts"]

    ephemeral = client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    updated = client.chat_update(channel="C1", ts=ts, text="edited")
    link = client.chat_getPermalink(channel="C1", message_ts=ts)
    deleted = client.chat_delete(channel="C1", ts=ts)

    assert float(ephemeral["message_ts"]) > float(ts)
    assert (updated["ts"], updated["text"]) == (ts, "edited")
    assert link["permalink"] == f"https://acme.slack.com/archives/C1/p{ts.replace('.', '')}"
    assert deleted["ts"] == ts


def test_views_echo_the_view_with_an_id_and_hash(standin: SlackEmulator, client: WebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "log_value",
        "title": {"type": "plain_text", "text": "Log a connection"},
        "blocks": BLOCKS,
    }

    opened = client.views_open(trigger_id="1.2.3", view=modal)["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal)["view"]
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": BLOCKS})["view"]

    assert opened["id"].startswith("V")
    assert opened["callback_id"] == "log_value"
    assert opened["blocks"] == BLOCKS
    assert updated["id"] == opened["id"]
    assert updated["hash"] != opened["hash"]
    assert home["type"] == "home"
    assert standin.calls("views.open")[0].json_param("view") == modal
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal)
    assert api_error(stale) == "hash_conflict"
    with pytest.raises(SlackApiError) as missing:
        client.views_open(trigger_id="", view=modal)
    assert api_error(missing) == "invalid_arguments"


def test_team_info(client: WebClient) -> None:
    team = client.team_info()["team"]
    assert (team["id"], team["name"], team["domain"]) == ("T0TEAM", "Acme", "acme")


def test_files_upload_v2_stores_the_bytes(standin: SlackEmulator, client: WebClient) -> None:
    standin.add_channel("C3", name="wins")

    response = client.files_upload_v2(
        content=PNG_BYTES, filename="card.png", title="Today's card", channel="C3"
    )

    assert standin.uploads == [PNG_BYTES]
    file_id = standin.calls("files.getUploadURLExternal")[0]
    assert file_id.params["length"] == str(len(PNG_BYTES))
    assert response["file"]["title"] == "Today's card"
    assert response["file"]["id"].startswith("F")
    (upload,) = standin.calls("upload")
    assert upload.params["file_id"] == response["file"]["id"]
    complete = standin.calls("files.completeUploadExternal")[0]
    assert complete.params["channel_id"] == "C3"


def test_upload_endpoint_accepts_multipart(standin: SlackEmulator, client: WebClient) -> None:
    url = client.files_getUploadURLExternal(filename="a.png", length=len(PNG_BYTES))["upload_url"]
    boundary = "----standinboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="filename"\r\n\r\na.png\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + PNG_BYTES
        + f"\r\n--{boundary}--\r\n".encode()
    )

    status, text = raw_post(url, body, f"multipart/form-data; boundary={boundary}")

    assert (status, text) == (200, f"OK - {len(PNG_BYTES)}".encode())
    assert standin.uploads == [PNG_BYTES]
    assert standin.calls("upload")[0].params["filename"] == "a.png"


def test_completing_an_upload_that_never_arrived_fails(client: WebClient) -> None:
    file_id = client.files_getUploadURLExternal(filename="a.png", length=3)["file_id"]
    with pytest.raises(SlackApiError) as excinfo:
        client.files_completeUploadExternal(files=[{"id": file_id, "title": "a"}])
    assert api_error(excinfo) == "file_not_found"


def test_webhook_posts_to_response_url_are_recorded(standin: SlackEmulator) -> None:
    response = WebhookClient(standin.response_url("x")).send(text="hi", replace_original=True)

    assert (response.status_code, response.body) == (200, "ok")
    (call,) = standin.calls("response_url")
    assert call.params == {"text": "hi", "replace_original": True, "_key": "x"}
    assert call.token is None


def test_response_url_failures_reach_the_webhook_client(standin: SlackEmulator) -> None:
    standin.fail("response_url", "expired_url")

    expired = WebhookClient(standin.response_url()).send(text="late")
    empty = WebhookClient(standin.response_url()).send(response_type="ephemeral")

    assert (expired.status_code, expired.body) == (404, "expired_url")
    assert (empty.status_code, empty.body) == (400, "no_text")
    assert [c.params["_key"] for c in standin.calls("response_url")] == ["default", "default"]


def test_wait_for_returns_calls_sent_later(standin: SlackEmulator, client: WebClient) -> None:
    def post_later() -> None:
        time.sleep(0.2)
        client.chat_postMessage(channel="C1", text="after ack")

    thread = threading.Thread(target=post_later)
    started = time.monotonic()
    thread.start()
    calls = standin.wait_for("chat.postMessage", timeout=5)
    waited = time.monotonic() - started
    thread.join()

    assert calls[0].params["text"] == "after ack"
    # Woken by the arrival itself, not by the timeout running out.
    assert waited < 2


def test_wait_for_timeout_names_what_did_arrive(standin: SlackEmulator, client: WebClient) -> None:
    client.auth_test()

    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"chat\.postMessage.*auth\.test x1"):
        standin.wait_for("chat.postMessage", timeout=0.3)
    assert time.monotonic() - started >= 0.3
    with pytest.raises(AssertionError, match=r"arrived: auth\.test x1"):
        standin.wait_for("auth.test", count=2, timeout=0.05)


@pytest.mark.parametrize(
    ("token", "error"),
    [("xoxb-someone-else", "invalid_auth"), ("xoxp-unknown", "invalid_auth"), (None, "not_authed")],
)
def test_bad_or_missing_tokens_are_refused(
    standin: SlackEmulator, token: str | None, error: str
) -> None:
    client = WebClient(token=token, base_url=standin.api_url)

    with pytest.raises(SlackApiError) as excinfo:
        client.chat_postMessage(channel="C1", text="hi")
    assert api_error(excinfo) == error
    assert standin.calls("chat.postMessage")[0].token == token


def test_added_tokens_are_accepted(standin: SlackEmulator) -> None:
    standin.add_token("xoxp-person")

    client = WebClient(token="xoxp-person", base_url=standin.api_url)
    assert client.auth_test()["ok"] is True
    with pytest.raises(ValueError):
        standin.add_token("not-a-token")


def test_each_token_s_scopes_come_back_in_x_oauth_scopes(standin: SlackEmulator) -> None:
    def scopes(token: str) -> str | None:
        answer = WebClient(token=token, base_url=standin.api_url).api_call("auth.test")
        return {k.lower(): v for k, v in answer.headers.items()}.get("x-oauth-scopes")

    assert scopes(standin.bot_token) == ",".join(sorted(BOT_SCOPES))
    standin.add_token("xoxb-other", scopes=["chat:write", "commands"])
    standin.set_scopes(standin.bot_token, ["users:read"])
    assert scopes("xoxb-other") == "chat:write,commands"
    assert scopes(standin.bot_token) == "users:read"
    with pytest.raises(SlackApiError):  # an unknown token is refused, its scopes unsaid
        WebClient(token="xoxb-unknown", base_url=standin.api_url).auth_test()
    unknown = urllib.request.Request(
        f"{standin.api_url}auth.test", data=b"", headers={"Authorization": "Bearer xoxb-unknown"}
    )
    with urllib.request.urlopen(unknown) as response:
        assert response.headers.get("x-oauth-scopes") is None
    with pytest.raises(ValueError):
        standin.set_scopes("xoxb-unknown", ["commands"])


def test_users_list_pages_with_cursors(standin: SlackEmulator, client: WebClient) -> None:
    ids = [f"U{n}" for n in range(5)]
    for user_id in ids:
        standin.add_user(user_id)

    pages: list[list[str]] = []
    cursor = ""
    for _ in range(10):  # a bounded loop, so a cursor that never advances fails instead of hangs
        page = client.users_list(limit=2, cursor=cursor or None)
        pages.append([m["id"] for m in page["members"]])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break

    assert pages == [["U0", "U1"], ["U2", "U3"], ["U4"]]
    assert [c.params["limit"] for c in standin.calls("users.list")] == ["2", "2", "2"]
    # slack_sdk's own pagination follows the same cursors.
    assert len(list(client.users_list(limit=2))) == 3
    assert [m["id"] for m in client.users_list()["members"]] == ids
    with pytest.raises(SlackApiError) as excinfo:
        client.users_list(cursor="bm9wZQ==")
    assert api_error(excinfo) == "invalid_cursor"


def test_bolt_app_verifies_its_token_against_the_standin(standin: SlackEmulator) -> None:
    app = App(
        client=WebClient(token=TOKEN, base_url=standin.api_url),
        signing_secret="not-checked-here",
    )

    assert app.client.base_url == standin.api_url
    assert standin.calls("auth.test")[0].token == TOKEN


def test_unknown_methods_answer_ok_and_are_recorded(
    standin: SlackEmulator, client: WebClient
) -> None:
    assert client.api_call("reactions.add", params={"name": "tada"})["ok"] is True
    assert standin.calls("reactions.add")[0].params["name"] == "tada"


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (b"{not json", "application/json", "invalid_json"),
        (b"[1, 2]", "application/json", "invalid_json"),
        (b"text=\xff\xfe", "application/x-www-form-urlencoded", "invalid_form_data"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x", "invalid_form_data"),
        (b"hello", "text/plain", "invalid_form_data"),
    ],
)
def test_malformed_bodies_get_a_400_json_error(
    standin: SlackEmulator, body: bytes, content_type: str, error: str
) -> None:
    status, payload = raw_post(standin.api_url + "chat.postMessage", body, content_type)

    assert status == 400
    assert json.loads(payload) == {"ok": False, "error": error}
    # The server keeps answering after bad input.
    ok_status, _ = raw_post(standin.api_url + "auth.test", b"", "application/json")
    assert ok_status == 200


def test_reset_forgets_calls_and_failures_but_keeps_users(
    standin: SlackEmulator, client: WebClient
) -> None:
    standin.add_user("U1")
    standin.fail("users.info", "fatal_error", times=None)
    client.auth_test()

    standin.reset()

    assert standin.calls() == []
    assert client.users_info(user="U1")["user"]["id"] == "U1"


def test_concurrent_posts_get_unique_ts(standin: SlackEmulator, client: WebClient) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(
            pool.map(lambda n: client.chat_postMessage(channel="C1", text=str(n)), range(40))
        )

    assert len({r["ts"] for r in responses}) == 40
    assert len(standin.calls("chat.postMessage")) == 40


def test_calls_endpoint_serves_records_as_json(standin: SlackEmulator, client: WebClient) -> None:
    client.chat_postMessage(channel="C1", text="hi")

    with urllib.request.urlopen(standin.base_url + "/_standin/calls?method=chat.postMessage") as r:
        payload = json.loads(r.read())

    assert [c["params"]["text"] for c in payload["calls"]] == ["hi"]


@pytest.mark.slow
def test_module_runs_in_the_foreground() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "slackapp.sandbox.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        api_url = banner.split(" at ", 1)[1].split()[0]
        client = WebClient(token=TOKEN, base_url=api_url)
        assert client.auth_test()["user_id"] == "UBOT"
        assert process.stdout.readline().startswith("auth.test")
    finally:
        process.terminate()
        process.wait(timeout=5)
    assert process.returncode == 0
