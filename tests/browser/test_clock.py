"""Moving the sandbox clock: the nudge and the digest (with its chart) arrive as they would."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.rig import (
    SAMPLE_SECONDS,
    Sandbox,
    Steps,
    go_to,
    message,
    open_sandbox,
    type_in_composer,
)


def test_sample_data_then_the_next_nudge_and_digest_arrive(sandbox: Sandbox, steps: Steps) -> None:
    page = steps.page
    open_sandbox(page, sandbox)
    expect(page.locator("#next-nudge")).to_be_disabled()
    steps.shot("nothing scheduled yet")

    page.click("#sample-data")
    expect(page.locator(".toast").last).to_contain_text(
        "connections over the last 21 days", timeout=SAMPLE_SECONDS * 1000
    )
    expect(page.locator("#next-nudge")).to_be_enabled()
    steps.shot("sample data added")

    go_to(page, "app")
    expect(page.locator(".home")).to_contain_text("Your latest entries")
    expect(page.locator(".home")).to_contain_text("Team board")
    steps.shot("Ana's home with three weeks behind it")

    page.click("#next-nudge")
    nudge = page.locator(".message", has_text="Today's principle").last
    expect(nudge).to_be_visible(timeout=15_000)
    expect(page.locator('[data-nav="C0MARKETING"]')).to_have_class("nav-item active")
    expect(page.locator(".toast").last).to_contain_text("Sent the nudge to #marketing")
    steps.shot("the nudge arrived in #marketing")

    page.click("#next-digest")
    digest = page.locator(".message", has_text="Weekly digest").last
    expect(digest).to_be_visible(timeout=15_000)
    chart = page.locator(".message figure.file.image img").last
    expect(chart).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 300", arg=chart.element_handle()
    )
    expect(page.locator(".toast").last).to_contain_text("Sent the digest to #marketing")
    expect(page.locator(".toast").last).to_contain_text("with its chart")
    chart.scroll_into_view_if_needed()
    steps.shot("the weekly digest and its chart")

    page.fill("#jump-at", "2031-01-06T09:15")
    page.click("#jump")
    expect(page.locator("#clock-now")).to_contain_text("Jan 6")
    expect(page.locator("#clock-shifted")).to_be_visible()
    steps.shot("any date and time")


def test_a_follow_up_booked_in_a_log_is_the_next_follow_up_and_arrives_as_a_dm(
    sandbox: Sandbox, steps: Steps
) -> None:
    page = steps.page
    open_sandbox(page, sandbox)
    expect(page.locator("#next-followup")).to_be_disabled()
    type_in_composer(
        page,
        "/connect solve @ben on twitter answered his question about retries follow up tomorrow",
    )
    expect(message(page, "I'll ask you on")).to_be_visible()
    expect(page.locator("#next-followup")).to_be_enabled(timeout=15_000)
    steps.shot("a follow-up is waiting")

    page.click("#next-followup")
    expect(page.locator(".toast").last).to_contain_text(
        "Sent the follow-up to Ana's DM", timeout=15_000
    )
    asked = page.locator(".message", has_text="Did @ben reply").last
    expect(asked).to_be_visible(timeout=15_000)
    steps.shot("the follow-up DM arrived")
