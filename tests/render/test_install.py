"""The pages after "Add to Slack": what to do next, or what went wrong; everything escaped."""

from __future__ import annotations

import pytest

from slackapp.render.install import install_failed_page, installed_page


def test_the_success_page_says_what_to_do_next_in_slack() -> None:
    page = installed_page(workspace="Acme")
    assert "Valueboard is installed to Acme" in page
    assert "<code>/connect help</code>" in page and "<code>/invite @Valueboard</code>" in page
    assert "<code>/connect settings</code>" in page


def test_a_hostile_workspace_name_is_escaped() -> None:
    page = installed_page(workspace="<script>alert('x')</script>")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "'x'" not in page


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("access_denied", "You cancelled the installation"),
        ("invalid_state", "expired"),
        ("invalid_browser", "This browser didn"),
        ("storage_error", "try again in a minute"),
        ("<b>odd</b>", "didn't finish"),
    ],
)
def test_a_failed_install_says_why_and_offers_to_try_again(reason: str, words: str) -> None:
    page = install_failed_page(reason=reason)
    assert words in page.replace("&#x27;", "'")
    assert "href='/slack/install'" in page and "Try again" in page
    assert "<b>" not in page
