"""The leaderboard in the sandbox page: open it, share it into the channel."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.rig import Sandbox, Steps, message, open_sandbox, type_in_composer, view_as


def test_open_the_leaderboard_and_share_it(sandbox: Sandbox, steps: Steps) -> None:
    page = steps.page
    open_sandbox(page, sandbox)
    type_in_composer(page, "/connect solve walked @priya through a CORS preflight")
    view_as(page, "U0BEN")
    type_in_composer(page, "/connect care thanked @kenji for the podcast intro")
    view_as(page, "U0ANA")

    type_in_composer(page, "/leaderboard week")
    board = message(page, "Leaderboard")
    expect(board).to_contain_text("Only visible to you")
    expect(board).to_contain_text("Ana")
    expect(board).to_contain_text("Ben")
    steps.shot("the board, only for Ana")

    board.get_by_role("button", name="Share in channel").click()
    shared = page.locator(".message:not(.ephemeral)", has_text="Leaderboard").last
    expect(shared).to_be_visible()
    expect(shared).to_contain_text("Shared by Ana")
    expect(page.locator(".message.ephemeral", has_text="Leaderboard")).to_have_count(0)
    steps.shot("shared in #marketing")

    view_as(page, "U0BEN")
    expect(page.locator(".message:not(.ephemeral)", has_text="Leaderboard")).to_have_count(1)
    steps.shot("Ben sees the shared board")
