"""Logging connections in the sandbox page: by command, by form, with the form's own errors,
from a message, and taking them back."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.rig import (
    Sandbox,
    Steps,
    field_in,
    go_to,
    message,
    modal,
    open_sandbox,
    type_in_composer,
    view_as,
)

MARKETING = "C0MARKETING"


def test_log_by_command_and_by_form_then_see_the_home(sandbox: Sandbox, steps: Steps) -> None:
    page = steps.page
    open_sandbox(page, sandbox)
    steps.shot("marketing channel as Ana")

    type_in_composer(page, "/connect solve @ben on twitter answered his question about retries")
    saved = message(page, "Saved")
    expect(saved).to_contain_text("1/10 today")
    expect(saved).to_contain_text("@Ben")
    expect(saved).to_contain_text("Only visible to you")
    expect(saved.get_by_role("button", name="Undo")).to_be_visible()
    steps.shot("confirmation only Ana sees")

    type_in_composer(page, "/connect")
    expect(modal(page)).to_be_visible()
    expect(modal(page).locator(".modal-title")).to_have_text("Log a connection")
    steps.shot("the form")
    field_in(page, "principle").get_by_text("Show you care").click()
    field_in(page, "platform").locator("select").select_option("linkedin")
    field_in(page, "who").locator("input").fill("@carla.pm")
    field_in(page, "note").locator("textarea").fill(
        "Commented on her hiring post with a real story"
    )
    steps.shot("the form filled in")
    modal(page).get_by_role("button", name="Log it").click()
    expect(modal(page)).to_have_count(0)
    expect(message(page, "Show you care")).to_contain_text("2/10 today")
    steps.shot("confirmation of the form")

    go_to(page, "app")
    home = page.locator(".home")
    expect(home).to_contain_text("Your latest entries")
    expect(home).to_contain_text("Commented on her hiring post")
    expect(home).to_contain_text("answered his question about retries")
    steps.shot("the home tab")

    view_as(page, "U0BEN")
    go_to(page, MARKETING)
    expect(page.locator(".message.ephemeral")).to_have_count(0)
    steps.shot("Ben sees none of Ana's replies")


def test_form_errors_show_inline_and_keep_what_was_typed(sandbox: Sandbox, steps: Steps) -> None:
    page = steps.page
    open_sandbox(page, sandbox)
    type_in_composer(page, "/connect")
    expect(modal(page)).to_be_visible()

    field_in(page, "link").locator("input").fill("not a link")
    modal(page).get_by_role("button", name="Log it").click()
    expect(field_in(page, "principle").locator(".bk-error")).to_have_text(
        "Please complete this required field."
    )
    steps.shot("a required field, as Slack checks it")

    field_in(page, "principle").get_by_text("Solve a problem").click()
    field_in(page, "note").locator("textarea").fill("Walked her through a CORS preflight")
    modal(page).get_by_role("button", name="Log it").click()
    link_error = field_in(page, "link").locator(".bk-error")
    expect(link_error).to_have_text(
        "That doesn't look like a web link. Try one starting with https://"
    )
    expect(field_in(page, "note").locator("textarea")).to_have_value(
        "Walked her through a CORS preflight"
    )
    steps.shot("the app's error, inline")

    field_in(page, "link").locator("input").fill("https://www.reddit.com/r/webdev/comments/1")
    modal(page).get_by_role("button", name="Log it").click()
    expect(modal(page)).to_have_count(0)
    expect(message(page, "Saved")).to_contain_text("Solve a problem")
    steps.shot("saved once fixed")


def test_undo_and_delete(sandbox: Sandbox, steps: Steps) -> None:
    page = steps.page
    open_sandbox(page, sandbox)
    type_in_composer(page, "/connect laugh shared a meme about Friday deploys")
    saved = message(page, "Saved")
    saved.get_by_role("button", name="Undo").click()
    expect(message(page, "Removed")).to_be_visible()
    expect(page.locator(".message", has_text="Saved")).to_have_count(0)
    steps.shot("undo replaced the confirmation")

    type_in_composer(page, "/connect care thanked Jo for the tutorial")
    go_to(page, "app")
    entry = page.locator(".home .bk-section", has_text="thanked Jo for the tutorial")
    expect(entry).to_be_visible()
    page.locator(".home").get_by_role("button", name="Delete").first.click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Delete this entry?")
    steps.shot("Slack's confirm dialog")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator(".home")).not_to_contain_text("thanked Jo for the tutorial")
    steps.shot("the entry is gone")


def test_a_message_becomes_a_connection_through_the_shortcut(
    sandbox: Sandbox, steps: Steps
) -> None:
    page = steps.page
    open_sandbox(page, sandbox)
    ben = message(page, "A founder on Reddit")
    ben.hover()
    ben.get_by_role("button", name="More actions").click()
    steps.shot("the message's menu")
    page.get_by_role("menuitem", name="Log as a connection").click()
    expect(modal(page)).to_be_visible()
    # The app reads the message as it reads /connect text: the platform and the kind of value
    # come out of the words; the Reddit link is where it happened, so it is the entry's link,
    # and the message's own permalink goes at the end of the note.
    expect(field_in(page, "note").locator("textarea")).to_have_value(
        re.compile(
            r"^A founder was stuck on webhook retries; I walked her through idempotency keys "
            r"and she shipped the fix tonight\s+From Slack: "
            r"https://acme\.slack\.com/archives/C0MARKETING/p\d+$"
        )
    )
    expect(field_in(page, "platform").locator("select")).to_have_value("reddit")
    expect(field_in(page, "link").locator("input")).to_have_value(
        "https://www.reddit.com/r/SaaS/comments/1abc2de"
    )
    steps.shot("the form, prefilled from the message")
    modal(page).get_by_role("button", name="Log it").click()
    expect(modal(page)).to_have_count(0)
    expect(message(page, "Saved")).to_be_visible()
    steps.shot("logged from a message")


def test_the_home_tabs_buttons_open_the_form_and_the_editor(sandbox: Sandbox, steps: Steps) -> None:
    page = steps.page
    open_sandbox(page, sandbox)
    go_to(page, "app")
    expect(page.locator(".home")).to_contain_text("Welcome to Valueboard")
    steps.shot("a first visit to the home tab")

    page.locator(".home").get_by_role("button", name="Log a connection").first.click()
    expect(modal(page)).to_be_visible()
    field_in(page, "principle").get_by_text("Make them laugh").click()
    field_in(page, "note").locator("textarea").fill("A gentle joke about naming things")
    modal(page).get_by_role("button", name="Log it").click()
    expect(modal(page)).to_have_count(0)
    # From the Home tab there is no channel to answer in: the confirmation is a DM.
    expect(page.locator('[data-nav="app"] .badge')).to_have_text("1")
    expect(page.locator(".home")).to_contain_text("A gentle joke about naming things")
    steps.shot("the entry on the home tab, a DM waiting")

    page.locator(".home").get_by_role("button", name="Edit").first.click()
    expect(modal(page).locator(".modal-title")).to_have_text("Edit connection")
    expect(field_in(page, "note").locator("textarea")).to_have_value(
        "A gentle joke about naming things"
    )
    field_in(page, "note").locator("textarea").fill("A gentle joke about naming variables")
    modal(page).get_by_role("button", name="Save").click()
    expect(page.locator(".home")).to_contain_text("A gentle joke about naming variables")
    steps.shot("edited")

    page.click('[data-tab="messages"]')
    expect(message(page, "Saved")).to_contain_text("Make them laugh")
    expect(message(page, "Updated")).to_be_visible()
    expect(page.locator("#composer")).to_be_disabled()
    expect(page.locator("#composer-note")).to_have_text(
        "Sending messages to this app has been turned off."
    )
    steps.shot("the app's messages tab")
