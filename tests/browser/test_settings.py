"""Team settings in the sandbox page: the admin changes them, anyone else is kindly refused."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.rig import (
    Sandbox,
    Steps,
    field_in,
    message,
    modal,
    open_sandbox,
    type_in_composer,
)


def test_settings_as_the_admin_and_a_refusal_for_anyone_else(
    sandbox: Sandbox, steps: Steps
) -> None:
    page = steps.page
    open_sandbox(page, sandbox, as_user="ben")
    type_in_composer(page, "/connect settings")
    expect(message(page, "Team settings are for")).to_contain_text("Only visible to you")
    expect(modal(page)).to_have_count(0)
    steps.shot("Ben is refused")

    open_sandbox(page, sandbox, as_user="ana")
    type_in_composer(page, "/connect settings")
    expect(modal(page).locator(".modal-title")).to_have_text("Team settings")
    steps.shot("the settings modal")

    goal = field_in(page, "settings_daily_goal").locator("input")
    goal.fill("eight")
    modal(page).get_by_role("button", name="Save").click()
    expect(field_in(page, "settings_daily_goal").locator(".bk-error")).to_have_text(
        "Please enter a whole number."
    )
    steps.shot("a number input refuses words")

    goal.fill("8")
    field_in(page, "settings_work_days").get_by_text("Saturday").click()
    field_in(page, "settings_nudge_mode").get_by_text("Post in a channel").click()
    field_in(page, "settings_nudge_channel").locator("select").select_option("C0MARKETING")
    field_in(page, "settings_nudge_time").locator("input").fill("08:30")
    field_in(page, "settings_digest_mode").get_by_text("Weekly").click()
    field_in(page, "settings_digest_channel").locator("select").select_option("C0MARKETING")
    field_in(page, "settings_digest_weekday").locator("select").select_option("4")
    steps.shot("settings filled in")
    modal(page).get_by_role("button", name="Save").click()

    expect(modal(page)).to_have_count(0)
    saved = message(page, "Team settings saved")
    expect(saved).to_contain_text("Daily goal: 8 real connections per person")
    expect(saved).to_contain_text("Mon–Sat")
    expect(saved).to_contain_text("posted in #marketing at 08:30")
    expect(page.locator("#next-nudge")).to_be_enabled()
    steps.shot("saved, and a nudge is now scheduled")
