"""The README's picture of the sandbox, taken from the real page: regenerate it with
`make screenshot` (or SANDBOX_SCREENSHOT=update) after changing what it shows."""

from __future__ import annotations

import os
import shutil

from playwright.sync_api import expect

from tests.browser.rig import (
    ROOT,
    SAMPLE_SECONDS,
    Sandbox,
    Steps,
    message,
    open_sandbox,
    type_in_composer,
)

README_PICTURE = ROOT / "docs" / "sandbox.png"


def test_the_readme_screenshot(sandbox: Sandbox, steps: Steps) -> None:
    page = steps.page
    page.set_viewport_size({"width": 1360, "height": 940})
    # What `make run` shows, rather than this test's temporary folder.
    sandbox.emulator.page_info["note"] = (
        "Sandbox data lives in var/sandbox/ (its own SQLite file), "
        "apart from any real deployment's database."
    )
    open_sandbox(page, sandbox)
    page.click("#sample-data")
    expect(page.locator("#next-nudge")).to_be_enabled(timeout=SAMPLE_SECONDS * 1000)
    page.click("#next-nudge")
    expect(message(page, "Today's principle")).to_be_visible(timeout=15_000)
    type_in_composer(page, "/connect solve @ben on twitter answered his question about retries")
    expect(message(page, "Saved")).to_be_visible()
    type_in_composer(page, "/leaderboard week")
    message(page, "Leaderboard").get_by_role("button", name="Share in channel").click()
    expect(page.locator(".message:not(.ephemeral)", has_text="Shared by Ana")).to_be_visible()
    page.evaluate("document.querySelectorAll('.toast').forEach(t => t.remove())")
    message(page, "Today's principle").evaluate("m => m.scrollIntoView({block: 'start'})")
    page.mouse.move(120, 600)  # off the messages, so no hover menu shows

    picture = steps.shot("the sandbox")

    if os.environ.get("SANDBOX_SCREENSHOT") == "update" or not README_PICTURE.exists():
        README_PICTURE.parent.mkdir(exist_ok=True)
        shutil.copyfile(picture, README_PICTURE)
    assert README_PICTURE.stat().st_size > 20_000
