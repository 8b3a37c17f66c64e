"""Entries: what a member logs, and the checks a connection form must pass."""

from __future__ import annotations

from datetime import date

import pytest

from slackapp.domain.entries import (
    Draft,
    FormField,
    FormInput,
    is_valid_link,
    validate_form,
)
from slackapp.domain.vocabulary import Platform, Principle

TODAY = date(2026, 11, 27)


def form(**changes: str | None) -> FormInput:
    values: dict[str, str | None] = {
        "principle": "solve",
        "platform": "reddit",
        "who": "@kim",
        "link": "https://reddit.com/r/x/1",
        "note": "answered her CSV question",
        "local_date": "2026-11-27",
    }
    values.update(changes)
    return FormInput(**values)


def test_a_valid_form_becomes_a_draft() -> None:
    result = validate_form(form(), today=TODAY)
    assert result == Draft(
        principle=Principle.SOLVE,
        local_date=TODAY,
        platform=Platform.REDDIT,
        who="@kim",
        note="answered her CSV question",
        link="https://reddit.com/r/x/1",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"principle": None}, FormField.PRINCIPLE),
        ({"principle": "vanity"}, FormField.PRINCIPLE),
        ({"platform": "myspace"}, FormField.PLATFORM),
        ({"link": "reddit.com/r/x"}, FormField.LINK),
        ({"link": "javascript:alert(1)"}, FormField.LINK),
        ({"link": "https://exa mple.com"}, FormField.LINK),
        ({"note": "x" * 1001}, FormField.NOTE),
        ({"who": "w" * 201}, FormField.WHO),
        ({"local_date": "27/11/2026"}, FormField.DATE),
        ({"local_date": "2026-11-28"}, FormField.DATE),
        ({"local_date": "2026-10-27"}, FormField.DATE),
    ],
)
def test_each_bad_field_is_named(changes: dict[str, str | None], field: FormField) -> None:
    result = validate_form(form(**changes), today=TODAY)
    assert isinstance(result, dict)
    assert list(result) == [field]


def test_every_problem_is_reported_at_once() -> None:
    result = validate_form(form(principle=None, link="nope", local_date="2030-01-01"), today=TODAY)
    assert isinstance(result, dict)
    assert set(result) == {FormField.PRINCIPLE, FormField.LINK, FormField.DATE}


@pytest.mark.parametrize(
    ("link", "valid"),
    [
        ("https://x.com/a", True),
        ("http://localhost", False),
        ("ftp://x.com/a", False),
        ("https://", False),
        ("https://x.com/" + "a" * 2000, False),
    ],
)
def test_links(link: str, valid: bool) -> None:
    assert is_valid_link(link) is valid
